"""A regime of one's own, without editing the source: ``regime = "package.module:Class"``.

The class is checked against the regime interface when the scenario is read, before any
run: a missing module or class, a module that fails on import, a class that is not a
:class:`~sim.regimes.base.Regime`, lacks one of its own phases or needs arguments is refused
in one line. The worked example of ``docs/plugins.md`` (``tests/plugin_regime.py``) runs.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from cli_call import call
from plugin_regime import StickyPriceCouncils

from sim.economics import market
from sim.model import CouncilsModel
from sim.regimes import OWN_PHASES, regime_problem
from sim.run.scenario import ScenarioError, from_dict

PLUGIN = "plugin_regime:StickyPriceCouncils"
TINY = {"population": {"consumers": 600, "councils": 25, "communes": 3}, "years": 0.25}


def test_a_plugin_regime_runs_and_its_own_phase_is_the_one_called():
    model = CouncilsModel(from_dict({**TINY, "regime": PLUGIN}))
    assert type(model.regime) is StickyPriceCouncils
    summary = model.run()
    assert model.regime.weeks_priced == summary["weeks"] == 13
    assert summary["regime"] == PLUGIN
    councils = CouncilsModel(from_dict({**TINY, "regime": "councils"}))
    councils.run()
    assert not np.allclose(model.state.prices, councils.state.prices)  # the same seed, another price rule


def test_a_plugin_price_moves_part_of_the_way_to_what_the_stock_asks():
    model = CouncilsModel(from_dict({**TINY, "regime": PLUGIN}))
    model.step()
    s, cg = model.state, model.state.consumer_goods
    before = s.prices.copy()
    model.regime.price(model)  # the phase once more, on the stock the week left
    asked = market.price_from_stock(s.values[cg], s.stock[cg], s.reserve[cg], **vars(model.conditions.prices))
    np.testing.assert_allclose(s.prices, before + 0.5 * (asked - before), rtol=1e-12)


def test_councils_run_takes_a_plugin_regime(tmp_path):
    path = tmp_path / "sticky.toml"
    path.write_text(
        'name = "sticky"\nyears = 0.25\nregime = "plugin_regime:StickyPriceCouncils"\n'
        "[population]\nconsumers = 600\ncouncils = 25\ncommunes = 3\n"
    )
    out = tmp_path / "out"
    rc, printed, err = call(["run", str(path), "--no-plots", "--out", str(out)])
    assert rc == 0, err
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["regime"] == PLUGIN
    assert printed.startswith("sticky (seed 1):")


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("no_such_plugin:Regime", "no module 'no_such_plugin' (is it installed, or its folder on PYTHONPATH?)"),
        ("plugin_regime:Missing", "module 'plugin_regime' has no 'Missing'"),
        (
            "plugin_regime:NotARegime",
            "plugin_regime.NotARegime is not a regime: it must be a subclass of sim.regimes.base.Regime",
        ),
        (
            "plugin_regime:HalfARegime",
            f"plugin_regime.HalfARegime does not define readjust, plan, decide: every regime defines "
            f"{', '.join(OWN_PHASES)}",
        ),
        (
            "plugin_regime:NeedsArguments",
            "plugin_regime.NeedsArguments() needs arguments: a regime is made without any",
        ),
        (
            "plugin_broken:Anything",
            "importing module 'plugin_broken' failed: RuntimeError: this plugin is broken on purpose",
        ),
        (
            "plugin_regime:market",  # a module the plugin imports, not a class
            "plugin_regime.market is not a regime: it must be a subclass of sim.regimes.base.Regime",
        ),
        (
            "plugin_regime.StickyPriceCouncils",
            "not implemented; implemented: councils, fixed_plan, market, self_managed_market; "
            "or your own as 'package.module:Class' (docs/plugins.md)",
        ),
        (
            "plugin regime:X",
            "not a regime name nor 'package.module:Class'; implemented: councils, fixed_plan, market, "
            "self_managed_market; or your own as 'package.module:Class' (docs/plugins.md)",
        ),
    ],
)
def test_a_bad_plugin_is_refused_when_the_scenario_is_read(name, reason):
    assert regime_problem(name) == reason
    with pytest.raises(ScenarioError) as err:
        from_dict({"regime": name}, "x.toml")
    assert str(err.value) == f"x.toml: regime = {name!r}: {reason}"


def test_the_cli_refuses_a_bad_plugin_in_one_line_and_writes_nothing(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('name = "bad"\nregime = "plugin_broken:Anything"\n')
    out = tmp_path / "out"
    rc, printed, err = call(["run", str(path), "--out", str(out)])
    assert rc == 2
    assert err.splitlines() == [
        f"councils: {path}: regime = 'plugin_broken:Anything': importing module 'plugin_broken' failed: "
        "RuntimeError: this plugin is broken on purpose"
    ]
    assert printed == ""
    assert not out.exists()


def test_every_registered_regime_passes_the_same_check():
    from sim.regimes import REGIMES

    for name, path in REGIMES.items():
        assert regime_problem(name) is None
        assert regime_problem(path) is None  # a registered class named by its path is a valid plugin too
