"""Regimes: the institutions an economy runs under, behind one interface (DESIGN §4).

A regime says what happens at each phase of the week — produce, pay, deliver, buy,
price, readjust, invest — at the monthly plan and at the yearly decision. The same
economy, people, noise and shocks run under any of them; ``scenario.regime`` chooses one
from :data:`REGIMES`. A new regime is one module in this package and one entry here.

The registry names each regime's class by its import path, so that reading a scenario
(which checks the name) does not import the agents. A regime of one's own needs no entry:
``regime = "package.module:Class"`` names a subclass of :class:`base.Regime` in any
importable module, checked when the scenario is read (:func:`regime_problem`;
``docs/plugins.md``).

- ``base``: the phases every regime shares; ``councils``: the seed's workers' councils;
  ``fixed_plan``: bureaucratic planning; ``enterprises``: what the two market regimes share;
  ``market``: private capitalism; ``self_managed_market``: councils selling on a market.

May import :mod:`sim.run`, :mod:`agents`, :mod:`sim.economics` and :mod:`sim.storage`.
"""

from __future__ import annotations

import inspect
import re
from importlib import import_module

#: Implemented regimes: name → "module:Class".
REGIMES = {
    "councils": "sim.regimes.councils:Councils",
    "fixed_plan": "sim.regimes.fixed_plan:FixedPlan",
    "market": "sim.regimes.market:Market",
    "self_managed_market": "sim.regimes.self_managed_market:SelfManagedMarket",
}


#: The phases every regime defines itself; the others it may inherit from :class:`base.Regime`.
OWN_PHASES = ("pay", "price", "readjust", "plan", "decide")
#: A regime of one's own: ``"package.module:Class"``.
_PLUGIN = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*:[A-Za-z_]\w*")


def make_regime(name: str):
    """The regime registered as ``name``, or the class ``"package.module:Class"`` names, ready to run.

    Raises
    ------
    ImportError, AttributeError
        For a name that is neither (the scenario's validation, :func:`regime_problem`, refuses it first).
    """
    module, cls = REGIMES.get(name, name).split(":")
    return getattr(import_module(module), cls)()


def regime_problem(name: str) -> str | None:
    """Why ``name`` cannot be a scenario's regime, in a few words; ``None`` if it can.

    A registered name can. ``"package.module:Class"`` can if the module imports, the class is a
    subclass of :class:`sim.regimes.base.Regime` that defines every phase of
    :data:`OWN_PHASES` itself, and it is made without arguments. Checking it imports the module.
    """
    if name in REGIMES:
        return None
    registered = f"implemented: {', '.join(sorted(REGIMES))}; or your own as 'package.module:Class' (docs/plugins.md)"
    if ":" not in name:
        return f"not implemented; {registered}"
    if not _PLUGIN.fullmatch(name):
        return f"not a regime name nor 'package.module:Class'; {registered}"
    module_name, class_name = name.split(":")
    try:
        module = import_module(module_name)
    except ModuleNotFoundError as err:
        if err.name is not None and (module_name == err.name or module_name.startswith(err.name + ".")):
            return f"no module {module_name!r} (is it installed, or its folder on PYTHONPATH?)"
        return f"importing module {module_name!r} failed: {_first_line(err)}"
    except Exception as err:  # a plugin's own error on import: named in one line, never a traceback
        return f"importing module {module_name!r} failed: {_first_line(err)}"
    return _class_problem(getattr(module, class_name, None), module_name, class_name)


def _class_problem(cls, module_name: str, class_name: str) -> str | None:
    """Why the object a plugin name finds is not a regime, or ``None``."""
    from sim.regimes.base import Regime

    if cls is None:
        return f"module {module_name!r} has no {class_name!r}"
    if not (inspect.isclass(cls) and issubclass(cls, Regime)):
        return f"{module_name}.{class_name} is not a regime: it must be a subclass of sim.regimes.base.Regime"
    missing = [phase for phase in OWN_PHASES if getattr(cls, phase) is getattr(Regime, phase)]
    if missing:
        return (
            f"{module_name}.{class_name} does not define {', '.join(missing)}: every regime defines "
            f"{', '.join(OWN_PHASES)}"
        )
    try:
        inspect.signature(cls).bind()
    except TypeError:
        return f"{module_name}.{class_name}() needs arguments: a regime is made without any"
    return None


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0]}" if text else type(err).__name__
