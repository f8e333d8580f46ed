"""Scheduled shocks of a scenario: imports stop (seed §10), tastes shift (seed §6b, §8)."""

from __future__ import annotations

import numpy as np

from sim.economics import market
from sim.economics.units import WEEKS_PER_YEAR
from sim.run.initial_conditions import good_position


class Events:
    """The scenario's shocks, each firing once, at the start of its week.

    Parameters
    ----------
    scenario : Scenario
    """

    def __init__(self, scenario):
        imp, shift = scenario.imports, scenario.taste_shift
        self.imports_stop = round(imp.stop_after_years * WEEKS_PER_YEAR) if imp.stop_after_years > 0 else None
        self.taste_shift = round(shift.after_years * WEEKS_PER_YEAR) if shift.after_years > 0 else None
        self.shift = shift

    def fire(self, model):
        """Apply the shocks that fall in ``model.week``: before the plan, so that it knows."""
        s = model.state
        if model.week == self.imports_stop:
            s.imports = np.zeros_like(s.imports)
            s.exports = np.zeros_like(s.exports)
        if model.week == self.taste_shift:
            c = model.consumers
            c.preferences = market.shift_tastes(
                c.preferences,
                good_position(model, self.shift.rises),
                good_position(model, self.shift.falls),
                self.shift.budget_share,
            )
