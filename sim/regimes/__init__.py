"""Regimes: the institutions an economy runs under, behind one interface (DESIGN §4).

A regime says what happens at each phase of the week — produce, pay, deliver, buy,
price, readjust, invest — at the monthly plan and at the yearly decision. The same
economy, people, noise and shocks run under any of them; ``scenario.regime`` chooses one
from :data:`REGIMES`. A new regime is one module in this package and one entry here.

The registry names each regime's class by its import path, so that reading a scenario
(which checks the name) does not import the agents.

- ``base``: the phases every regime shares; ``councils``: the seed's workers' councils;
  ``fixed_plan``: bureaucratic planning; ``enterprises``: what the two market regimes share;
  ``market``: private capitalism; ``self_managed_market``: councils selling on a market.

May import :mod:`sim.run`, :mod:`agents`, :mod:`sim.economics` and :mod:`sim.storage`.
"""

from __future__ import annotations

from importlib import import_module

#: Implemented regimes: name → "module:Class".
REGIMES = {
    "councils": "sim.regimes.councils:Councils",
    "fixed_plan": "sim.regimes.fixed_plan:FixedPlan",
    "market": "sim.regimes.market:Market",
    "self_managed_market": "sim.regimes.self_managed_market:SelfManagedMarket",
}


def make_regime(name: str):
    """The regime registered as ``name``, ready to run.

    Raises
    ------
    KeyError
        For a name that is not registered (the scenario's validation catches it first).
    """
    module, cls = REGIMES[name].split(":")
    return getattr(import_module(module), cls)()
