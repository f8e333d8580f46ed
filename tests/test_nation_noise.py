"""Noise specified for the nation (issue 28, docs/noise.md): ``population.represents`` and the shocks of each level.

A run that stands for more persons than it simulates keeps every unit's variance and gives
each sector's aggregate the nation's: at 2,000 and 20,000 persons standing for the economy,
each sector's week-to-week spread of output per hour agrees within the seeds' spread, where
as samples they differ by about √10 (a reduced ``scripts/noise_invariance.py``). The key is
refused, one line, where it names fewer persons than are simulated; ``"sample"`` leaves every
draw as it was before the key existed.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from cli_call import call

from sim.analysis.noise_scale import sector_spread
from sim.economics import granular
from sim.economics.economy import default_economy
from sim.model import CouncilsModel
from sim.run.noise import stands_for
from sim.run.scenario import Noise, Population, Scenario, ScenarioError, from_dict
from sim.run.scenario_economy import check_against_economy

QUIET = Noise(0.0, 0.0, 0.0, 0.0)


def _scenario(persons: int, represents="economy", seed: int = 1, **noise) -> Scenario:
    """Enterprises and communes in proportion to persons: units of the same sizes at every size."""
    population = Population(consumers=persons, councils=persons // 100, communes=persons // 500, represents=represents)
    return Scenario(seed=seed, years=1.0, population=population, noise=dataclasses.replace(Noise(), **noise))


# --- the key ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (19_999, "from population.consumers = 20000"),
        ("nation", '"sample", "economy" or a number of persons'),
        (10**11, "to 10_000_000_000"),
        (True, "must be of type int or str"),
        (2.5e4, "must be of type int or str"),
    ],
)
def test_represents_refuses_fewer_persons_than_simulated_an_unknown_word_and_other_types(value, says):
    with pytest.raises(ScenarioError, match=r"population\.represents") as refused:
        from_dict({"population": {"represents": value}})
    assert says in str(refused.value)
    assert "\n" not in str(refused.value)


def test_represents_is_the_economys_persons_engaged_by_default_the_sample_or_a_number():
    economy = default_economy()
    assert Scenario().population.represents == "economy"
    assert stands_for(Population(), economy) == economy.workers / 20_000
    assert stands_for(Population(represents="sample"), economy) == 1.0
    assert stands_for(Population(consumers=2_000, represents="economy"), economy) == economy.workers / 2_000
    assert stands_for(Population(consumers=2_000, represents=30_000), economy) == 15.0
    assert 150e6 < economy.workers < 160e6  # WIOD SEA 2014: 155.8 million persons engaged (sim/data/us2014)


def test_standing_for_an_economy_with_fewer_persons_engaged_than_simulated_is_refused():
    small = dataclasses.replace(default_economy(), workers=5_000.0)
    scenario = Scenario(population=Population(represents="economy"))
    with pytest.raises(ScenarioError, match=r'population\.represents = "economy": .* 5,000 persons engaged'):
        check_against_economy(scenario, small, "s.toml")
    check_against_economy(scenario, default_economy(), "s.toml")


def test_the_command_refuses_it_in_one_line_with_status_2_and_writes_nothing(tmp_path):
    scenario = tmp_path / "s.toml"
    scenario.write_text('name = "s"\n')
    out = tmp_path / "out"
    rc, _, err = call(["run", str(scenario), "--set", "population.represents=50", "--out", str(out)])
    assert rc == 2
    assert err.startswith("councils: ") and err.count("\n") == 1 and "population.represents = 50" in err
    assert not out.exists()


# --- the model --------------------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_run_standing_for_the_economy_with_every_shock_on():
    noisy = {"enterprise": 0.03, "sector": 0.01, "harvest": 0.1, "reports": 0.05}
    runs = [CouncilsModel(_scenario(2_000, **noisy)) for _ in range(2)]
    for model in runs:
        model.run(8)
    np.testing.assert_array_equal(runs[0].producers.productivity, runs[1].producers.productivity)
    np.testing.assert_array_equal(runs[0].state.prices, runs[1].state.prices)
    np.testing.assert_array_equal(runs[0].planner.inputs_estimated, runs[1].planner.inputs_estimated)
    sample = CouncilsModel(_scenario(2_000, represents="sample", **noisy))
    sample.run(8)
    assert not np.array_equal(sample.producers.productivity, runs[0].producers.productivity)


def test_every_group_keeps_its_own_spread_when_the_run_stands_for_the_economy():
    """σ = 0.05 for each group, week after week: the factors' variance is exp(σ²) − 1, within four standard errors."""
    model = CouncilsModel(_scenario(20_000, productivity=0.05))
    groups = model.work_groups
    staffed = groups.members_per_group(model.consumers.group) > 0
    factors = []
    for week in range(1, 27):
        model.week = week
        model.noise.draw(model)
        factors.append((groups.output_per_hour / groups.productivity)[staffed])
    factors = np.concatenate(factors)
    tau2 = np.expm1(0.05**2)
    assert factors.mean() == pytest.approx(1.0, abs=4 * np.sqrt(tau2 / factors.size))
    standard_error = np.sqrt((np.mean((factors - 1) ** 4) - factors.var() ** 2) / factors.size)
    assert abs(factors.var() - tau2) < 4 * standard_error


def _groups_herfindahl(model) -> np.ndarray:
    """Each sector's Herfindahl index of its groups' output at norm, as the model starts."""
    groups, n = model.work_groups, model.economy.technology.n
    weight = groups.members_per_group(model.consumers.group) * groups.productivity
    return granular.herfindahl(weight, model.producers.sector[groups.council], n)


def test_sector_aggregates_agree_at_two_sizes_standing_for_the_economy_and_differ_by_root_ten_as_samples():
    """2,000 and 20,000 persons, three seeds, 40 weeks; tolerances four standard errors from the seeds' spread.

    As samples, each sector's spread is σ √H of its groups, and the larger run has about ten
    times the groups (√10 ≈ 3.2 apart); standing for the economy, both are the nation's.
    """
    seeds, weeks = 3, 40

    def measured(persons, represents):
        spreads, herfindahls = [], []
        for seed in range(1, seeds + 1):
            model = CouncilsModel(_scenario(persons, represents, seed))
            herfindahls.append(_groups_herfindahl(model))
            spreads.append(sector_spread(model, weeks))
        return np.log(spreads), np.log(herfindahls)

    def ratio(represents):
        (small, h_small), (large, h_large) = measured(2_000, represents), measured(20_000, represents)
        made = ~np.isnan(small[0])
        gap = small[:, made].mean(axis=0) - large[:, made].mean(axis=0)  # log ratio, sector by sector
        spread = np.sqrt((small[:, made].var(axis=0, ddof=1) + large[:, made].var(axis=0, ddof=1)) / seeds)
        granular_gap = (h_small[:, made].mean(axis=0) - h_large[:, made].mean(axis=0)) / 2  # σ √H, independent units
        return gap.mean(), granular_gap.mean(), np.sqrt(np.mean(spread**2) / made.sum())

    nation, _, nation_error = ratio("economy")
    sample, independent, sample_error = ratio("sample")
    assert abs(nation) < 4 * nation_error
    assert abs(sample - independent) < 4 * sample_error
    assert np.exp(independent) == pytest.approx(np.sqrt(10), rel=0.1)  # about ten times the groups
    assert sample - nation > 10 * max(nation_error, sample_error)


@pytest.mark.parametrize("represents", ["economy", 30_000])
def test_reports_to_the_plan_factory_err_for_each_sector_as_the_nations_would(represents):
    """Each input of each sector: the output-weighted mean error's variance is (exp(σ²) − 1) Hₙ, Hₙ the nation's.

    Standing for the economy, and for half as many persons again as are simulated (Hₙ = H / 1.5 or so).
    """
    model = CouncilsModel(dataclasses.replace(_scenario(20_000, represents), noise=QUIET))
    councils, p, n = model.councils, model.producers, model.economy.technology.n
    p.output[:] = np.maximum(p.capacity, 1e-6)
    k, sigma, replicas = model.noise.stands_for, 0.1, 600
    rng = np.random.default_rng(3)
    errors = []
    for _ in range(replicas):
        measured_sum, output, _ = councils.reports(sigma, rng, k)
        errors.append(measured_sum / output / np.where(councils.inputs_true > 0, councils.inputs_true, 1.0) - 1)
    errors = np.array(errors)
    used = councils.inputs_true > 0
    expected = np.expm1(sigma**2) * np.broadcast_to(
        granular.nation_herfindahl(p.output, p.sector, n, k, p.workers), (n, n)
    )
    variance = errors.var(axis=0)[used]
    standard_error = np.sqrt((np.mean(errors**4, axis=0)[used] - variance**2) / replicas)  # of each variance
    ratio = variance / expected[used]
    assert abs(ratio.mean() - 1) < 4 * np.sqrt(np.sum((standard_error / expected[used]) ** 2)) / used.sum()
