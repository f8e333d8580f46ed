"""Institutions are chosen, not branched: the regime registry, and the model built from keyword parameters.

``scenario.regime`` picks a :class:`~sim.regimes.base.Regime` from ``sim.regimes.REGIMES``;
a name that is not registered is refused with the list of those that are, before anything
runs. ``CouncilsModel`` takes scenario keys as keyword parameters (``prices_response=2.0``),
as Mesa's ``SolaraViz`` and ``batch_run`` pass them, validated as a scenario file is.
"""

from __future__ import annotations

import subprocess
import sys

import mesa
import numpy as np
import pytest

from sim.model import CouncilsModel
from sim.regimes import REGIMES
from sim.regimes.councils import Councils
from sim.regimes.fixed_plan import FixedPlan
from sim.regimes.market import Market
from sim.regimes.self_managed_market import SelfManagedMarket
from sim.run.scenario import Population, PriceRule, Scenario, ScenarioError, from_dict, from_parameters

SMALL = {"population_consumers": 600, "population_councils": 25, "population_communes": 3, "years": 0.1}


IMPLEMENTED = (
    "councils, fixed_plan, market, self_managed_market; or your own as 'package.module:Class' (docs/plugins.md)"
)


@pytest.mark.parametrize(
    ("name", "kind"),
    [("councils", Councils), ("fixed_plan", FixedPlan), ("market", Market), ("self_managed_market", SelfManagedMarket)],
)
def test_every_regime_runs_through_the_registry(name, kind):
    assert set(REGIMES) == {"councils", "fixed_plan", "market", "self_managed_market"}
    model = CouncilsModel(regime=name, **SMALL)
    assert type(model.regime) is kind
    assert model.regime.name == name
    assert model.run()["regime"] == name


@pytest.mark.parametrize("name", ["capitalism", "Councils", "fixed-plan", ""])
def test_an_unregistered_regime_is_refused_with_the_list(name):
    with pytest.raises(ScenarioError) as err:
        from_dict({"regime": name}, "x.toml")
    assert str(err.value) == f"x.toml: regime = {name!r}: not implemented; implemented: {IMPLEMENTED}"


def test_the_cli_refuses_an_unregistered_regime_in_one_line(tmp_path):
    path = tmp_path / "market.toml"
    path.write_text('name = "m"\nregime = "capitalism"\n')
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "sim", "run", str(path), "--out", str(out)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"councils: {path}: regime = 'capitalism': not implemented; implemented: {IMPLEMENTED}"
    ]
    assert "Traceback" not in done.stderr
    assert not out.exists()


def test_keyword_parameters_build_the_same_model_as_the_scenario():
    by_keywords = CouncilsModel(prices_response=2.0, seed=7, **SMALL)
    by_scenario = CouncilsModel(
        Scenario(
            seed=7,
            years=0.1,
            prices=PriceRule(response=2.0),
            population=Population(consumers=600, councils=25, communes=3),
        )
    )
    assert by_keywords.conditions == by_scenario.conditions
    a, b = by_keywords.run(), by_scenario.run()
    assert a == b
    np.testing.assert_array_equal(by_keywords.record.series("price"), by_scenario.record.series("price"))


def test_keyword_parameters_change_a_given_scenario_and_keep_the_rest():
    base = Scenario(name="mine", population=Population(consumers=2000))
    changed = from_parameters(base, taste_shift_after_years=1.0, work_groups_rotation=0.3, rng=5)
    assert from_parameters(base, rng=None).seed == base.seed  # Mesa 3.5's batch_run passes rng=None
    assert changed.name == "mine" and changed.population.consumers == 2000
    assert changed.taste_shift.after_years == 1.0
    assert changed.work_groups.rotation == 0.3
    assert changed.seed == 5


def test_a_bad_keyword_parameter_is_refused_like_a_bad_scenario_key():
    with pytest.raises(
        ScenarioError, match=r"^parameters: unknown parameter 'prices_respons' \(did you mean 'prices_response'\?\)$"
    ):
        CouncilsModel(prices_respons=2.0)
    with pytest.raises(ScenarioError, match=r"^parameters: prices.response = -1.0: must be 0 <= response <= 20$"):
        CouncilsModel(prices_response=-1.0)


def test_mesa_batch_run_drives_the_model_by_keyword_parameters():
    rows = mesa.batch_run(
        CouncilsModel,
        parameters={"prices_response": [0.0, 2.0], **SMALL},
        max_steps=5,
        number_processes=1,
        display_progress=False,
    )
    assert len(rows) == 2  # one run per value (Mesa's default; 3.5 deprecates `iterations`)
    by_response = {row["prices_response"]: row for row in rows}
    assert set(by_response) == {0.0, 2.0}
    assert by_response[0.0]["price_value_gap"] == 0.0  # prices fixed at value
    assert by_response[2.0]["price_value_gap"] > 0.0
