"""The model as Mesa's tools expect it: fresh seeds for replicates, a scenario's own seed kept, the verdict collected.

``mesa.batch_run`` builds the model from keyword parameters; without a seed each of its
iterations must be a replicate of its own (Mesa's convention), and the verdict and the
last year's levels must come back among the collected columns.
"""

from __future__ import annotations

import inspect
import multiprocessing
from pathlib import Path

import mesa
import numpy as np
import pytest

from sim.model import CouncilsModel
from sim.run.scenario import ScenarioError, load_scenario

REPO = Path(__file__).resolve().parents[1]
#: A tiny economy of ten weeks: a run takes a few hundredths of a second.
TINY = {
    "population_consumers": 600,
    "population_councils": 25,
    "population_communes": 3,
    "years": 10 / 52,
}
#: What a paper reports of a run, which batch_run must return.
VERDICT_COLUMNS = ("converged", "converged_week", "stock_gap_last_year", "fulfilment_floor_last_year", "seed")


@pytest.fixture
def batch_run():
    """``mesa.batch_run`` on one process, the start method of multiprocessing restored after (Mesa 3.5 forces spawn)."""
    method = multiprocessing.get_start_method(allow_none=True)

    def run(parameters, **options):
        return mesa.batch_run(CouncilsModel, parameters, number_processes=1, display_progress=False, **options)

    yield run
    multiprocessing.set_start_method(method, force=True)


def _takes_rng() -> bool:
    return "rng" in inspect.signature(mesa.batch_run).parameters


def test_batch_run_iterations_without_a_seed_are_distinct_replicates_each_reproduced_by_its_seed(batch_run):
    options = {"rng": [None] * 3} if _takes_rng() else {"iterations": 3}  # Mesa 3.5 deprecates iterations
    rows = batch_run(TINY, **options)
    assert len(rows) == 3  # one row per run: its last week
    assert len({row["seed"] for row in rows}) == 3
    assert len({row["price_value_gap_last_year"] for row in rows}) == 3  # noisy runs that differ
    for row in rows:
        again = CouncilsModel(seed=row["seed"], **TINY)
        summary = again.run()
        for key in VERDICT_COLUMNS[:-1]:
            assert row[key] == summary[key], key
        assert row["weeks"] == again.conditions.weeks


def test_every_number_of_the_summary_is_a_collected_column_week_by_week():
    model = CouncilsModel(seed=4, **TINY)
    summary = model.run()
    frame = model.datacollector.get_model_vars_dataframe()
    numbers = {k for k, v in summary.items() if v is None or isinstance(v, bool | int | float)}
    assert numbers >= set(VERDICT_COLUMNS[:-1])
    assert numbers <= set(frame.columns)
    assert "regime" not in frame.columns  # a word, not a measure
    assert len(frame) == model.conditions.weeks
    last = frame.iloc[-1]
    for key in numbers - {"converged_week"}:
        assert last[key] == summary[key], key
    assert list(frame["weeks"]) == list(range(1, model.conditions.weeks + 1))  # each week's summary, not the last
    assert (frame["seed"] == 4).all()


@pytest.mark.skipif(not _takes_rng(), reason="Mesa < 3.5: batch_run has no rng argument")
def test_batch_run_rng_lists_seed_the_runs(batch_run):
    rows = batch_run(TINY, rng=[5, 6, 5])
    assert [row["seed"] for row in rows] == [5, 6, 5]
    assert rows[0]["price_value_gap_last_year"] == rows[2]["price_value_gap_last_year"]
    assert rows[0]["price_value_gap_last_year"] != rows[1]["price_value_gap_last_year"]


def test_rng_seeds_a_model_as_in_mesa_and_a_scenario_file_keeps_its_seed():
    assert CouncilsModel(rng=5, **TINY).seed == 5
    assert (
        CouncilsModel(rng=np.random.default_rng(0), **TINY).seed
        == CouncilsModel(rng=np.random.default_rng(0), **TINY).seed
    )
    drawn = {CouncilsModel(**TINY).seed for _ in range(3)}
    assert len(drawn) == 3
    assert all(0 <= seed < 2**32 for seed in drawn)
    scenario = load_scenario(REPO / "scenarios" / "baseline.toml")
    small = {"population_consumers": 2000}
    assert CouncilsModel(scenario, **small).seed == scenario.seed
    assert CouncilsModel(scenario, rng=None, **small).seed == scenario.seed  # batch_run's rng=None
    assert CouncilsModel(scenario, rng=9, **small).seed == 9
    with pytest.raises(ScenarioError, match=r"^parameters: give seed or rng, not both$"):
        CouncilsModel(seed=1, rng=2, **TINY)
    with pytest.raises(ScenarioError, match=r"seed"):
        CouncilsModel(rng=-1, **TINY)


def test_person_agents_are_made_when_first_asked_for_and_change_nothing_the_run_computes():
    """Persons live as rows; their ``Consumer`` agents are made on first asking (issue 28), one per row."""
    from agents import Consumer, FactoryCouncil, PrimaryWorkGroup

    quiet = CouncilsModel(seed=5, **TINY)
    assert len(quiet.agents_by_type[PrimaryWorkGroup]) > 0 and len(quiet.agents_by_type[FactoryCouncil]) == 25
    quiet_summary = quiet.run()
    assert not quiet._persons_made  # a run, and asking for other kinds, makes none

    asked = CouncilsModel(seed=5, **TINY)
    persons = asked.agents_by_type[Consumer]
    assert sorted(person.row for person in persons) == list(range(600))
    assert Consumer in asked.agent_types and len(asked.agents) == len(quiet.agents)  # now made for both
    assert asked.run() == quiet_summary
    person = next(iter(persons))
    assert person.income == asked.consumers.income[person.row]  # a view on its row


def test_iterating_the_agents_by_type_makes_the_persons_and_names_every_kind():
    from agents import Consumer, FactoryCouncil

    model = CouncilsModel(seed=5, **TINY)
    kinds = list(model.agents_by_type)
    assert Consumer in kinds and FactoryCouncil in kinds and len(model.agents_by_type) == len(kinds)
    assert model._persons_made


def test_a_run_that_stands_for_the_economy_draws_its_noise_for_the_persons_it_stands_for():
    from sim.run.noise import stands_for

    model = CouncilsModel(seed=5, population_represents="economy", **TINY)
    assert model.noise.stands_for == stands_for(model.conditions.population, model.economy) > 1
    assert CouncilsModel(seed=5, population_represents="sample", **TINY).noise.stands_for == 1
