"""``population.councils = "auto"``: enterprises at national proportions, from the scenario to the results.

The first enterprises are checked against the size law replayed on a copy of the run's
generator (docs/firm_sizes.md): each sector's workers in proportion to the hours it needs, its
enterprises their number over the census mean, each at least one group. Then everything
downstream of a scenario that says ``"auto"``: every regime runs, the command runs and
writes, a bad value is refused with one line naming file, key, value and what is allowed,
a sweep's grid mixes ``"auto"`` with numbers, the memory estimate counts the enterprises,
and the federation's graph is made only when read.
"""

from __future__ import annotations

import copy
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.economics import firm_sizes, production
from sim.economics.economy import default_economy
from sim.economics.firm_sizes import MEAN_FIRM_SIZE
from sim.experiments.budget import BYTES_PER_ENTERPRISE, enterprises, run_need
from sim.experiments.sweep import load_sweep, run_sweep
from sim.model import CouncilsModel
from sim.regimes import REGIMES
from sim.run.federation import federation_graph
from sim.run.initial_conditions import beginning, first_people, headcount
from sim.run.scenario import AUTO, Noise, Population, Scenario, ScenarioError, field_type, from_dict
from sim.views.cli import main

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.toml"
AUTO_POPULATION = Population(consumers=6000, councils=AUTO, communes=5)


def _scenario(**changes) -> Scenario:
    return Scenario(**{"seed": 4, "years": 0.1, "population": AUTO_POPULATION, **changes})


# --- the first enterprises ----------------------------------------------------------------------------------


def test_the_first_enterprises_follow_the_size_law_sector_by_sector():
    scenario, economy = _scenario(), default_economy()
    rng = np.random.default_rng(scenario.seed)
    start = beginning(economy, scenario, rng)
    replay = copy.deepcopy(rng)
    people = first_people(scenario, start, rng)
    # Replayed: each sector's workers in proportion to the hours it needs, then its enterprises and their sizes.
    t, farm, smallest = start.technology, start.farm, scenario.population.group_size_min
    _, n_workers = headcount(scenario, t.n, start.commune_share, farm)
    council_sectors = [j for j in range(t.n) if j != farm]
    workers = production.staffing((t.labour * start.first_output)[council_sectors], n_workers, smallest)
    counts = [firm_sizes.enterprise_count(w, smallest) for w in workers]
    sizes = np.concatenate(
        [firm_sizes.firm_sizes(w, k, smallest, replay) for w, k in zip(workers, counts, strict=True)]
    )
    np.testing.assert_array_equal(people.sector, np.repeat(council_sectors, counts))
    np.testing.assert_array_equal(people.workers[: people.sector.size], sizes)
    np.testing.assert_array_equal(people.size, sizes)  # capacity is shared in proportion to the workers
    assert people.workers[: people.sector.size].sum() == n_workers == people.n_workers
    assert people.workers[: people.sector.size].min() >= smallest
    assert set(council_sectors) == set(people.sector.tolist())  # every sector the councils run has one
    assert abs(people.sector.size - n_workers / MEAN_FIRM_SIZE) < len(council_sectors)  # one rounding a sector
    # The groups: each enterprise's workers dealt over ceil(workers / group_size_max) groups, as for a number.
    per_group = np.bincount(people.person_group)
    assert per_group.max() <= scenario.population.group_size_max
    np.testing.assert_array_equal(
        np.bincount(people.group_council), np.ceil(sizes / scenario.population.group_size_max).astype(int)
    )


def test_more_persons_more_enterprises_at_the_same_mean_size():
    def enterprises_of(persons):
        model = CouncilsModel(_scenario(population=Population(consumers=persons, councils=AUTO, communes=0)))
        return model.councils.rows.size

    small, large = enterprises_of(3000), enterprises_of(30_000)
    assert small == pytest.approx(3000 / MEAN_FIRM_SIZE, abs=20)  # 20 sectors: one rounding each
    assert large == pytest.approx(30_000 / MEAN_FIRM_SIZE, abs=20)


def test_too_few_persons_for_a_group_in_every_sector_is_refused_naming_what_is_needed():
    scenario = _scenario(population=Population(consumers=150, councils=AUTO, communes=0))
    with pytest.raises(ScenarioError, match=r"^population\.consumers = 150: too few to staff 20 councils with groups"):
        CouncilsModel(scenario)


# --- every regime, the record ---------------------------------------------------------------------------------


@pytest.mark.parametrize("regime", sorted(REGIMES))
def test_every_regime_runs_with_enterprises_at_national_proportions(regime):
    model = CouncilsModel(_scenario(regime=regime))
    start = model.councils.rows.size
    summary = model.run()
    assert summary["weeks"] == 5
    assert np.isfinite(summary["final_stock_gap"]) and np.isfinite(summary["final_price_value_gap"])
    assert start == pytest.approx(model.consumers.income.size / MEAN_FIRM_SIZE, rel=0.1)
    workers = model.producers.workers
    assert workers.sum() == np.count_nonzero(model.consumers.group >= 0) + np.count_nonzero(
        model.consumers.commune >= 0
    )


def test_a_number_of_councils_still_gives_that_number():
    model = CouncilsModel(_scenario(population=Population(consumers=3000, councils=37, communes=5)))
    assert model.councils.rows.size == 37


# --- the scenario, the command, a sweep -----------------------------------------------------------------------


def test_auto_is_read_from_a_file_and_from_keyword_parameters_and_numbers_stay_numbers():
    assert from_dict({"population": {"councils": "auto"}}).population.councils == AUTO
    assert from_dict({"population": {"councils": 40}}).population.councils == 40
    assert CouncilsModel(seed=1, years=0.02, population_councils="auto").conditions.population.councils == AUTO
    assert field_type("population.councils") is int  # a sweep may sample it as a number


def test_the_command_runs_a_scenario_file_that_says_auto_and_writes_its_results(tmp_path, capsys):
    scenario = tmp_path / "national.toml"
    scenario.write_text('name = "national"\nyears = 0.04\n[population]\nconsumers = 2000\ncouncils = "auto"\n')
    out = tmp_path / "out"
    assert main(["run", str(scenario), "--no-plots", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["weeks"] == 2
    assert 'councils = "auto"' in (out / "scenario.toml").read_text()
    capsys.readouterr()


@pytest.mark.parametrize(
    ("text", "shown"),
    [('"many"', "'many'"), ("0", "0"), ("2.5", "2.5"), ("true", "True"), ("5000001", "5000001"), ('"AUTO"', "'AUTO'")],
)
def test_a_bad_number_of_councils_is_one_line_naming_file_key_value_and_what_is_allowed(tmp_path, capsys, text, shown):
    scenario = tmp_path / "bad.toml"
    scenario.write_text(f'name = "bad"\n[population]\ncouncils = {text}\n')
    out = tmp_path / "out"
    assert main(["run", str(scenario), "--no-plots", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert err.strip() == (
        f'councils: {scenario}: population.councils = {shown}: must be "auto" or 1 <= councils <= 5_000_000'
    )
    assert not out.exists()


def test_set_auto_on_the_command_line(tmp_path, capsys):
    out = tmp_path / "out"
    argv = ["run", str(BASELINE), "--years", "0.02", "--no-plots", "--out", str(out)]
    assert main([*argv, "--set", "population.consumers=1500", "--set", "population.councils=auto"]) == 0
    assert json.loads((out / "summary.json").read_text())["weeks"] == 1
    capsys.readouterr()


def test_a_sweep_grid_mixes_auto_and_numbers(tmp_path):
    file = tmp_path / "grid.toml"
    file.write_text(
        f'name = "grid"\nbase = "{BASELINE}"\nseed = 3\nreplicates = 1\n'
        '[grid]\n"population.councils" = ["auto", 25]\n'
        '[set]\n"population.consumers" = 600\n"population.communes" = 0\nyears = 0.04\n'
    )
    sweep = load_sweep(file)
    with ThreadPoolExecutor(max_workers=1) as executor:
        runs = run_sweep(sweep, tmp_path / "out", executor)
    assert runs["error"].isna().all()
    assert sorted(runs["population.councils"]) == ["25", "auto"]  # one column of text: Parquet holds one type
    again = pd.read_parquet(tmp_path / "out" / "runs.parquet")
    assert sorted(again["population.councils"]) == ["25", "auto"]


# --- memory, the federation ----------------------------------------------------------------------------------


def test_the_memory_estimate_counts_the_enterprises_auto_will_make():
    assert enterprises(Population(consumers=1_000_000, councils=AUTO)) == 48_117  # ceil(10⁶ / 20.78)
    assert enterprises(Population(consumers=1_000_000, councils=300)) == 300
    auto = from_dict({"population": {"consumers": 1_000_000, "councils": "auto"}})
    fixed = from_dict({"population": {"consumers": 1_000_000, "councils": 300}})
    extra = run_need(auto, 20).memory - run_need(fixed, 20).memory
    assert extra == (48_117 - 300) * BYTES_PER_ENTERPRISE


def test_the_federation_graph_is_made_when_first_read_as_the_assemblies_met():
    model = CouncilsModel(_scenario(noise=Noise(0.0, 0.0, 0.0, 0.0)))
    federation = model.federation
    assert "graph" not in vars(federation)  # not made by building the model
    graph = model.graph
    expected = federation_graph(federation.group_council, federation.members, federation.councils, federation.communes)
    assert sorted(graph.nodes(data=True)) == sorted(expected.nodes(data=True))
    assert sorted(graph.edges) == sorted(expected.edges)
    assert model.graph is graph  # made once
    assert federation.councils == model.councils.rows.size
    assert federation.members.sum() == model.consumers.income.size
