"""The factory council: the enterprise's coordinating body and its General Assembly (seed §5, §7b)."""

from __future__ import annotations

import mesa

#: Workers per delegate (seed §5: one delegate per 100–200 workers).
WORKERS_PER_DELEGATE = 150


class FactoryCouncil(mesa.Agent):
    """One enterprise's council: receives targets and means, produces, reports, asks for investment.

    Parameters
    ----------
    model : CouncilsModel
    row : int
        This enterprise's row in ``model.producers``.
    """

    def __init__(self, model, row: int):
        super().__init__(model)
        self.row = row

    @property
    def sector(self) -> int:
        """The good this enterprise makes."""
        return int(self.model.producers.sector[self.row])

    @property
    def workers(self) -> int:
        """Persons working in the enterprise's groups."""
        return int(self.model.producers.workers[self.row])

    @property
    def delegates(self) -> int:
        """Delegates to the council: elected, revocable, one per 100–200 workers (at least one)."""
        return max(1, round(self.workers / WORKERS_PER_DELEGATE))

    def report(self) -> dict:
        """What the council tells the plan factory (seed §7b): its output and the inputs it actually used per unit.

        Returns
        -------
        dict
            ``sector`` (code), ``output`` (units this week), ``inputs_per_unit`` (units of
            each good per unit of output: the actual column of ``A + D``).
        """
        m = self.model
        return {
            "sector": m.technology.names[self.sector],
            "output": float(m.producers.output[self.row]),
            "inputs_per_unit": m.inputs_true[:, self.sector].copy(),
        }
