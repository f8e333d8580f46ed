"""What nobody plans: tastes drift, work varies, harvests vary (DESIGN §4; scenario ``[noise]``; docs/noise.md).

Drawn at the start of each week, before production, from ``model.rng``: the common drift
of tastes, every work group's output per hour, each enterprise's and each sector's, and
the communes' harvest at the start of each year. With every spread at 0 nothing is drawn
and a run is deterministic but for the queue.

Each spread is stated for the level where its shock lives. When the run stands for more
persons than it simulates (``population.represents``), the groups', enterprises' and
communes' shocks are correlated within each sector (:mod:`sim.economics.granular`) so that
each keeps its spread and the sector's aggregate varies as the nation's units would make it;
the sector's and the taste drift's shocks are the nation's already.
"""

from __future__ import annotations

import numpy as np

from sim.economics import granular
from sim.economics.units import WEEKS_PER_YEAR


def stands_for(population, economy) -> float:
    """How many of the nation's units each simulated one stands for: persons represented ÷ persons simulated.

    Parameters
    ----------
    population : sim.run.scenario.Population
        Its ``represents``: ``"sample"`` (1), ``"economy"`` (the economy's persons engaged) or persons.
    economy : sim.economics.economy.Economy

    Returns
    -------
    float
        At least 1 for a checked scenario (``sim.run.scenario_economy.check_against_economy``).
    """
    represents = population.represents
    if represents == "sample":
        return 1.0
    persons = economy.workers if represents == "economy" else represents
    return persons / population.consumers


class Noise:
    """The scenario's random shocks.

    Parameters
    ----------
    rules : sim.run.scenario.Noise
    stands_for : float, optional
        Units of the nation each simulated unit stands for (:func:`stands_for`); 1: the run
        stands for itself, and every shock is drawn independently.
    """

    def __init__(self, rules, stands_for: float = 1.0):
        self.rules = rules
        self.stands_for = stands_for
        self._solved = {}  # level → (weights, sector, loadings): solved again when the weights change

    def draw(self, model):
        """This week's shocks: tastes drift; groups', enterprises' and sectors' output per hour vary; a harvest."""
        r, rng = self.rules, model.rng
        if r.taste_drift > 0:
            model.consumers.drift_tastes(r.taste_drift, rng)
        harvest = r.harvest > 0 and model.week % WEEKS_PER_YEAR == 0
        if harvest:
            model.communes.harvest(r.harvest, rng, self.stands_for)
        work = r.productivity > 0 or r.enterprise > 0 or r.sector > 0
        if work:
            self._vary(model, rng)
        if harvest or work:
            model.councils.staff(model.consumers.group, model.work_groups, model.state.hours_per_week)

    def _vary(self, model, rng):
        """Every group's output per hour: its own shock × its enterprise's × its sector's (each drawn if its σ > 0)."""
        r, groups, p = self.rules, model.work_groups, model.producers
        n, councils = model.economy.technology.n, model.councils.rows
        sector = p.sector[groups.council]
        factor = np.ones(groups.council.size)
        group_sizes = enterprise_sizes = None  # each unit's output at norm and its persons, if the run stands for more
        if self.stands_for > 1:
            members = groups.members_per_group(model.consumers.group)
            group_sizes = (members * groups.productivity, members)
            enterprise_sizes = tuple(np.bincount(groups.council, x, councils.size) for x in group_sizes)
        if r.productivity > 0:
            factor = self._factors("groups", r.productivity, group_sizes, sector, n, rng, groups.council.size)
        if r.enterprise > 0:
            size, rows = enterprise_sizes, councils.size
            shock = self._factors("enterprises", r.enterprise, size, p.sector[councils], n, rng, rows)
            factor = factor * shock[groups.council]
        if r.sector > 0:
            shock = rng.lognormal(-(r.sector**2) / 2, r.sector, n)
            factor = factor * shock[sector]
            model.communes.vary(shock[p.sector[model.communes.rows]])
        groups.vary(factor)

    def _factors(self, level: str, spread: float, sizes, sector, sectors: int, rng, units: int) -> np.ndarray:
        """Mean-one lognormal factors of one level's ``units``, each sector's aggregate the nation's.

        ``sizes`` (each unit's output at norm and its persons) are needed only when the run
        stands for more than itself; the loadings are solved again only when they or ``sector``
        change.
        """
        if sizes is None:
            return granular.factors(spread, None, rng, units)
        weight, persons = sizes
        seen = self._solved.get(level)
        if seen is None or not (np.array_equal(seen[0], weight) and np.array_equal(seen[1], sector)):
            nation = granular.nation_herfindahl(weight, sector, sectors, self.stands_for, persons)
            seen = (weight.copy(), sector.copy(), granular.loadings(weight, sector, nation))
            self._solved[level] = seen
        return granular.factors(spread, seen[2], rng, units)
