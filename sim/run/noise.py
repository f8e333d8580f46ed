"""What nobody plans: tastes drift, work varies, harvests vary (DESIGN §4; scenario ``[noise]``).

Drawn at the start of each week, before production, from ``model.rng``: the common drift
of tastes and every work group's output per hour each week, the communes' harvest at the
start of each year. With every spread at 0 nothing is drawn and a run is deterministic
but for the queue.
"""

from __future__ import annotations

from sim.economics.units import WEEKS_PER_YEAR


class Noise:
    """The scenario's random shocks.

    Parameters
    ----------
    rules : sim.run.scenario.Noise
    """

    def __init__(self, rules):
        self.rules = rules

    def draw(self, model):
        """This week's shocks: tastes drift; groups' output per hour varies; a new harvest each year."""
        r, rng = self.rules, model.rng
        if r.taste_drift > 0:
            model.consumers.drift_tastes(r.taste_drift, rng)
        harvest = r.harvest > 0 and model.week % WEEKS_PER_YEAR == 0
        if harvest:
            model.communes.harvest(r.harvest, rng)
        if r.productivity > 0:
            model.work_groups.vary(r.productivity, rng)
        if harvest or r.productivity > 0:
            model.councils.staff(model.consumers.group, model.work_groups, model.state.hours_per_week)
