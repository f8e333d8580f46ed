"""Rural communes: the peasants' General Assembly and Council (seed §9a).

:class:`RuralCommunes` credits every commune's members at once; communes produce through
the producers' table they share with the factory councils (``agents.factory_council``).
:class:`RuralCommune` is the Mesa agent, a view on one commune.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim import wages
from sim.state import ProducerArrays


class RuralCommunes:
    """All rural communes at once: their rows of the producers' table, after the councils'.

    Output is land × fertility × labour; credits are shared among members by the
    commune's own rule (equal shares here), so differences of fertility between communes
    become differences of income unless a transfer evens them out.

    Parameters
    ----------
    producers : ProducerArrays
    transfer : float
        Share of the credits pooled and shared per member between communes (seed §9a).
    """

    def __init__(self, producers: ProducerArrays, transfer: float):
        self.producers = producers
        self.transfer = transfer
        self.rows = np.flatnonzero(producers.is_commune)

    def credit_members(self, consumers, weekly_wage: float, values):
        """Credits for the week: as much as wages for the same hours, shared by delivery (seed §9a).

        Parameters
        ----------
        consumers : agents.consumer.Consumers
            Commune members' ``income`` is set, tokens.
        weekly_wage : float
            A worker's equal wage for the decided week, tokens.
        values : numpy.ndarray, shape (n,)
            Labour values, hours per unit: what each commune delivered is worth.
        """
        if self.rows.size == 0:
            return
        p = self.producers
        members = p.workers[self.rows]
        credits = wages.commune_credits(
            weekly_wage * members.sum(),
            values[p.sector[self.rows]] * p.output[self.rows],
            members,
            self.transfer,
        )
        in_commune = consumers.commune >= 0
        consumers.income[in_commune] = (credits / members)[consumers.commune[in_commune]]


class RuralCommune(mesa.Agent):
    """Peasants who farm their land in common and deliver an agreed quantity against credits.

    Parameters
    ----------
    model : CouncilsModel
    row : int
        This commune's row in ``model.producers`` (after the councils).
    index : int
        Its number among the communes (``consumers.commune`` refers to it).
    """

    def __init__(self, model, row: int, index: int):
        super().__init__(model)
        self.row = row
        self.index = index

    @property
    def fertility(self) -> float:
        """Output per hour of its land relative to the norm."""
        return float(self.model.producers.productivity[self.row])

    @property
    def members(self) -> np.ndarray:
        """Rows of the consumers who belong to the commune."""
        return np.flatnonzero(self.model.consumers.commune == self.index)

    @property
    def delivered(self) -> float:
        """Units delivered this week."""
        return float(self.model.producers.output[self.row])

    def report(self) -> dict:
        """What the commune tells the plan factory: its deliveries and the inputs used per unit (seed §7b, §9a)."""
        m = self.model
        sector = int(m.producers.sector[self.row])
        return {
            "sector": m.technology.names[sector],
            "output": self.delivered,
            "inputs_per_unit": m.councils.inputs_true[:, sector].copy(),
        }
