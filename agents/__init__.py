"""The agents of a self-managed society: persons, their work groups, councils and communes.

Each kind's module holds its behaviour, as a population class whose methods work on all
its rows at once (``Consumers``, ``WorkGroups``, ``FactoryCouncils``, ``RuralCommunes``),
and its Mesa agent, a view on one row (``Consumer``, ``PrimaryWorkGroup``,
``FactoryCouncil``, ``RuralCommune``) for reading a run and as the tests' oracle.
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
