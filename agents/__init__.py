"""The agents of a self-managed society: persons, their work groups, councils and communes.

Each agent is a view on one row of the model's arrays (``model.consumers``,
``model.groups``, ``model.producers``): the model runs the hot loops vectorised over
all rows at once, the agents read like the domain and serve as the per-agent oracle.
"""

from agents.consumer import Consumer
from agents.factory_council import FactoryCouncil
from agents.rural_commune import RuralCommune
from agents.work_group import PrimaryWorkGroup

__all__ = ["Consumer", "FactoryCouncil", "PrimaryWorkGroup", "RuralCommune"]
