"""A rural commune: the peasants' General Assembly and Council (seed §9a)."""

from __future__ import annotations

import mesa
import numpy as np


class RuralCommune(mesa.Agent):
    """Peasants who farm their land in common and deliver an agreed quantity against credits.

    Output is land × fertility × labour; credits are shared among members by the
    commune's own rule (equal shares here), so differences of fertility between
    communes become differences of income unless a transfer evens them out.

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
            "inputs_per_unit": m.inputs_true[:, sector].copy(),
        }
