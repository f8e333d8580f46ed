"""Primary work groups: 10–30 workers of one enterprise who organise their own work (seed §5–6).

:class:`WorkGroups` holds every group's row and does what groups do, for all of them:
form and re-form as workers come and go, and, once a year, rotate members and ask some
to leave. :class:`PrimaryWorkGroup` is the Mesa agent, a view on one row.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.economics.ordering import dealt, stable_order


class WorkGroups:
    """All primary work groups at once (M rows).

    Parameters
    ----------
    model : CouncilsModel
        Where new groups are registered as agents.
    council : numpy.ndarray of int, shape (M,)
        Producer row of each group's enterprise.
    productivity : numpy.ndarray, shape (M,)
        How well each group organises its work: output per hour relative to the norm.
    rules : sim.run.scenario.WorkGroups
    population : sim.run.scenario.Population
        Group sizes.
    """

    def __init__(self, model, council, productivity, rules, population):
        self.model = model
        self.council = council
        self.productivity = productivity
        self.output_per_hour = productivity.copy()
        self.rules = rules
        self.population = population

    def vary(self, factor):
        """This week's output per hour of every group: its own productivity times ``factor`` (mean 1; the noise's)."""
        self.output_per_hour = self.productivity * factor

    def _new_productivity(self, rng, size: int) -> np.ndarray:
        spread = self.rules.productivity_spread
        return rng.lognormal(-(spread**2) / 2, spread, size)

    def members_per_group(self, person_group) -> np.ndarray:
        """Persons in each group, from every person's group row (−1: not in a group)."""
        return np.bincount(person_group[person_group >= 0], minlength=self.council.size)

    def join(self, consumers, persons, councils, rng):
        """Move ``persons`` to the enterprises ``councils``; the shops of every enterprise concerned re-form."""
        left = self.council[consumers.group[persons]]
        order = np.argsort(self.council, kind="stable")
        consumers.group[persons] = order[np.searchsorted(self.council[order], councils)]  # a first group there
        self.regroup(consumers, np.union1d(left, councils), rng)

    def release(self, consumers, persons, rng):
        """``persons`` leave their groups (for a commune); the enterprises they leave re-form their shops."""
        left = np.unique(self.council[consumers.group[persons]])
        consumers.group[persons] = -1
        self.regroup(consumers, left, rng)

    def admit(self, consumers, persons, councils, rng):
        """``persons`` (from a commune) join the enterprises ``councils``, which re-form their shops."""
        order = np.argsort(self.council, kind="stable")
        consumers.group[persons] = order[np.searchsorted(self.council[order], councils)]
        self.regroup(consumers, np.unique(councils), rng)

    def regroup(self, consumers, councils, rng):
        """Deal each enterprise's workers into ``ceil(workers / group_size_max)`` primary work groups.

        Members are dealt in the order of their present groups, so most stay together; an
        enterprise that grows opens new groups (new agents), one that shrinks leaves some
        empty (dissolved) until it grows again. Each enterprise keeps its largest groups
        (the first in row order among equals) and deals its members into them in row order,
        in chunks as equal as can be (the first ``workers mod k`` one larger). One pass over
        every member of every enterprise in ``councils``.
        """
        c, pop = consumers, self.population
        councils = np.asarray(councils, dtype=int)
        slots = int(max(councils.max(initial=-1), self.council.max(initial=-1))) + 1
        concerned = np.zeros(slots, dtype=bool)
        concerned[councils] = True
        workers = np.flatnonzero(c.group >= 0)
        members = workers[concerned[self.council[c.group[workers]]]]
        # By enterprise, then group (each group's rank in that order), members of a group by row.
        rank = np.empty(self.council.size, dtype=np.int64)
        rank[np.lexsort((np.arange(self.council.size), self.council))] = np.arange(self.council.size)
        members = members[stable_order(rank[c.group[members]], self.council.size)]
        owner = self.council[c.group[members]]
        count = np.bincount(owner, minlength=slots)
        k = np.maximum(1, -(-count // pop.group_size_max))
        have = np.bincount(self.council, minlength=slots)
        opening = councils[have[councils] < k[councils]]  # new shops, in the order given
        shops = k[opening] - have[opening]
        if shops.sum():
            new = np.arange(self.council.size, self.council.size + shops.sum())
            self.council = np.concatenate([self.council, np.repeat(opening, shops)])
            fresh = self._new_productivity(rng, new.size)
            self.productivity = np.concatenate([self.productivity, fresh])
            self.output_per_hour = np.concatenate([self.output_per_hour, fresh])
            PrimaryWorkGroup.create_agents(self.model, new.size, row=new)
        # Each enterprise's k largest groups, the first in row order among equals, kept in row order.
        groups = np.flatnonzero(concerned[self.council])
        size = np.bincount(c.group[members], minlength=self.council.size)[groups]
        ranked = groups[np.lexsort((groups, -size, self.council[groups]))]
        start = np.searchsorted(self.council[ranked], self.council[ranked], side="left")
        kept = ranked[np.arange(ranked.size) - start < k[self.council[ranked]]]
        kept = kept[np.lexsort((kept, self.council[kept]))]
        first_kept = np.searchsorted(self.council[kept], np.arange(slots))
        c.group[members] = kept[first_kept[owner] + dealt(owner, count, k)]

    def turnover(self, consumers, rng) -> np.ndarray:
        """The year's movers: workers who rotate, and members the groups' assemblies ask to leave (seed §6).

        Returns
        -------
        numpy.ndarray of int
            Rows of the persons who change enterprise, sorted.
        """
        workers = np.flatnonzero(consumers.group >= 0)
        rotating = workers[rng.random(workers.size) < self.rules.rotation]
        # Each group's assembly (those formed since the start too) asks one member to leave,
        # drawn as :meth:`PrimaryWorkGroup.ask_to_leave` draws, for all groups at once.
        asking = np.flatnonzero(rng.random(self.council.size) < self.rules.exclusion)
        members = self.members_per_group(consumers.group)
        asking = asking[members[asking] > self.population.group_size_min]
        roster = workers[stable_order(consumers.group[workers], self.council.size)]  # by group, then row
        first = np.cumsum(members) - members
        leaving = roster[first[asking] + rng.integers(0, members[asking])]
        return np.unique(np.concatenate([rotating, leaving]))


class PrimaryWorkGroup(mesa.Agent):
    """Workers who organise their own work in one shop of an enterprise.

    The group supplies its members' hours (the decided week) at its own productivity;
    its assembly may ask a member to leave, who then joins another group.

    Parameters
    ----------
    model : CouncilsModel
    row : int
        This group's row in ``model.work_groups``.
    """

    def __init__(self, model, row: int):
        super().__init__(model)
        self.row = row

    @property
    def council(self) -> int:
        """Row of the enterprise (factory council) the group works in."""
        return int(self.model.work_groups.council[self.row])

    @property
    def productivity(self) -> float:
        """How well the group organises its work: output per hour relative to the norm."""
        return float(self.model.work_groups.productivity[self.row])

    @property
    def members(self) -> np.ndarray:
        """Rows of the consumers who work in this group."""
        return np.flatnonzero(self.model.consumers.group == self.row)

    def ask_to_leave(self, rng: np.random.Generator) -> int | None:
        """The group's assembly asks one member to leave; returns that person's row (or None)."""
        members = self.members
        if members.size <= self.model.conditions.population.group_size_min:
            return None
        return int(rng.choice(members))
