"""The time estimate grows with the economy, figures included, and a run estimated over ten minutes says so (issue 25).

The audit ran a 500-sector economy for 229 s against an estimate of 10 s, with no note:
drawing the figures (a panel per consumer good, laid out together) and the plan's work per
good were not in the estimate.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_call import call

import sim.experiments.budget
from sim.experiments.budget import figure_seconds, run_need
from sim.experiments.sweep import load_sweep
from sim.run.scenario import Scenario, from_dict
from sim.views.cli import LONG_RUN_SECONDS

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.toml"


def test_the_audits_500_sector_run_is_estimated_at_no_less_than_it_took():
    scenario = Scenario()  # 20,000 persons for 3 years
    need = run_need(scenario, 500)
    assert need.seconds >= 229
    assert need.seconds - run_need(scenario, 500, figures=False).seconds == pytest.approx(figure_seconds(500))


@pytest.mark.parametrize(("goods", "measured"), [(17, 2.75), (95, 16.7), (163, 30.9), (236, 70.1), (395, 433.0)])
def test_the_figures_estimate_is_no_less_than_measured(goods, measured):
    """Measured on a shared 2-core machine (sim.experiments.budget's docstring): rounded up, within three times."""
    assert measured <= figure_seconds(goods) <= 3 * measured


@pytest.mark.parametrize(("goods", "persons", "measured"), [(100, 3_000, 0.89 + 1.40), (500, 6_000, 4.61 + 1.97)])
def test_a_runs_time_without_figures_is_estimated_at_no_less_than_measured(goods, persons, measured):
    """Half a year (26 weeks) on a synthetic economy: set-up and weeks, as measured (sim.experiments.budget)."""
    scenario = from_dict({"years": 0.5, "population": {"consumers": persons, "councils": goods + 5}}, "x")
    assert measured <= run_need(scenario, goods, figures=False).seconds <= 5 * measured


def test_a_run_estimated_over_ten_minutes_says_so_naming_goods_and_figures(tmp_path, monkeypatch):
    monkeypatch.setattr(sim.experiments.budget, "figure_seconds", lambda n: LONG_RUN_SECONDS + 1)
    rc, _, err = call(
        [
            "run",
            str(BASELINE),
            "--years",
            "0.02",
            "--set",
            "population.consumers=300",
            "--set",
            "population.councils=20",
            "--set",
            "population.communes=0",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    assert rc == 0, err
    assert (
        "councils: note: this run takes about 10 min by estimate (persons × weeks, 20 goods and their figures)" in err
    )


def test_a_sweep_knows_its_longest_run():
    sweep = load_sweep(REPO / "scenarios" / "sweeps" / "transition_conditions.toml")
    from sim.run.scenario import from_dict as build

    longest = max(run_need(build(r.scenario, "x"), 20, figures=False).seconds for r in sweep.runs)
    assert sweep.longest == pytest.approx(longest)
