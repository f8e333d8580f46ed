"""A primary work group: 10–30 workers of one enterprise (seed §5–6)."""

from __future__ import annotations

import mesa
import numpy as np


class PrimaryWorkGroup(mesa.Agent):
    """Workers who organise their own work in one shop of an enterprise.

    The group supplies its members' hours (the decided week) at its own productivity;
    it may ask a member to leave, who then joins another group.

    Parameters
    ----------
    model : CouncilsModel
    row : int
        This group's row in ``model.groups``.
    """

    def __init__(self, model, row: int):
        super().__init__(model)
        self.row = row

    @property
    def council(self) -> int:
        """Row of the enterprise (factory council) the group works in."""
        return int(self.model.groups.council[self.row])

    @property
    def productivity(self) -> float:
        """How well the group organises its work: output per hour relative to the norm."""
        return float(self.model.groups.productivity[self.row])

    @property
    def members(self) -> np.ndarray:
        """Rows of the consumers who work in this group."""
        return np.flatnonzero(self.model.consumers.group == self.row)

    def ask_to_leave(self, rng: np.random.Generator) -> int | None:
        """The General Assembly asks one member to leave; returns that person's row (or None)."""
        members = self.members
        if members.size <= self.model.conditions.population.group_size_min:
            return None
        return int(rng.choice(members))
