"""The agents of a self-managed society: persons, their work groups, councils and communes.

Each kind's module holds its behaviour, as a population class whose methods work on all
its rows at once (``Consumers``, ``WorkGroups``, ``FactoryCouncils``, ``RuralCommunes``),
and its Mesa agent, a view on one row (``Consumer``, ``PrimaryWorkGroup``,
``FactoryCouncil``, ``RuralCommune``) for reading a run and as the tests' oracle:
``consumer``, ``work_group``, ``factory_council`` and ``rural_commune``.

May import Mesa, :mod:`sim.economics` (the rules and the shared state) and :mod:`sim.storage`;
nothing of the run, the regimes or the model, which call them.
"""

from agents.consumer import Consumer, Consumers
from agents.factory_council import FactoryCouncil, FactoryCouncils
from agents.rural_commune import RuralCommune, RuralCommunes
from agents.work_group import PrimaryWorkGroup, WorkGroups

__all__ = [
    "Consumer",
    "Consumers",
    "FactoryCouncil",
    "FactoryCouncils",
    "PrimaryWorkGroup",
    "RuralCommune",
    "RuralCommunes",
    "WorkGroups",
]
