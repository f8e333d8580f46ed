"""Rural communes: the peasants' General Assembly and Council (seed §9a).

:class:`RuralCommunes` credits every commune's members at once; communes produce through
the producers' table they share with the factory councils (``agents.factory_council``).
:class:`RuralCommune` is the Mesa agent, a view on one commune.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.economics import granular, production, wages
from sim.economics.ordering import stable_order
from sim.economics.state import ProducerArrays

#: Neighbouring communes that share the weather (``harvest`` noise).
COMMUNES_PER_REGION = 5


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
    staffing : float
        Members per member the farm target needs, as the communes start with.
    """

    def __init__(self, producers: ProducerArrays, transfer: float, staffing: float):
        self.producers = producers
        self.transfer = transfer
        self.staffing = staffing  # hands per hand the target needs, as at the start (spare land, spare hands)
        self.rows = np.flatnonzero(producers.is_commune)
        self.fertility = producers.productivity[self.rows].copy()  # output per hour of their land, norm 1
        self.region = np.arange(self.rows.size) // COMMUNES_PER_REGION  # neighbours share the weather
        self.weather = np.ones(self.rows.size)  # this year's yield ÷ fertility
        self.first = np.flatnonzero(np.diff(self.region, prepend=-1))  # each region's first commune

    def harvest(self, spread: float, rng, stands_for: float = 1.0):
        """This year's yield of every commune: fertility × weather, lognormal with mean 1 (seed §9a).

        Half of the variance of the log yield is shared by the communes of a region, half is
        the commune's own. When the run stands for ``stands_for`` > 1 times its communes and
        regions, each part is correlated within the farming sector by
        :func:`sim.economics.granular.loadings` (weights: each commune's and each region's
        members × fertility), so that each commune's yield keeps its mean and the farm's total
        varies as the nation's communes would make it. Each keeps its variance too, except where a
        commune or a region outweighs the rest (as with few regions): the loadings then give it less.
        """
        if self.rows.size == 0:
            return
        common = rng.standard_normal(self.region[-1] + 1)[self.region]
        own = rng.standard_normal(self.rows.size)
        if stands_for > 1:
            self.weather = self._nation_weather(spread, common, own, stands_for)
        else:
            z = np.sqrt(0.5) * common + np.sqrt(0.5) * own
            self.weather = np.exp(spread * z - spread**2 / 2)
        self.producers.productivity[self.rows] = self.fertility * self.weather

    def _nation_weather(self, spread: float, common, own, stands_for: float) -> np.ndarray:
        """The weather, each part's deviations correlated within the farm (:func:`sim.economics.granular.deviations`).

        Each part is a lognormal factor of σ ``spread / √2``, the region's and the commune's;
        their deviations from 1, correlated over regions and over communes, each scaled to
        half the variance of a lognormal of σ ``spread``, add up to the commune's weather.
        """
        half = spread / np.sqrt(2)
        members = self.producers.workers[self.rows].astype(float)
        weight = members * self.fertility
        local = self._nation(weight, members, stands_for)
        regional = self._nation(np.bincount(self.region, weights=weight), np.bincount(self.region, members), stands_for)
        parts = (
            granular.deviations(np.exp(half * own - half**2 / 2), half, local),
            granular.deviations(np.exp(half * common[self.first] - half**2 / 2), half, regional)[self.region],
        )
        scale = np.sqrt(np.expm1(spread**2) / 2 / np.expm1(half**2))
        return np.maximum(1 + scale * (parts[0] + parts[1]), 0.0)

    @staticmethod
    def _nation(weight, members, stands_for: float) -> granular.Loadings:
        """The loadings of one part of the weather over units of ``weight`` and ``members``, all in one sector."""
        one = np.zeros(weight.size, dtype=int)
        return granular.loadings(weight, one, granular.nation_herfindahl(weight, one, 1, stands_for, members))

    def vary(self, factor):
        """This week's productivity of every commune: fertility × this year's weather × ``factor`` (the sector's)."""
        self.producers.productivity[self.rows] = self.fertility * self.weather * factor

    def members_wanted(self, labour: float, hours_per_week: float) -> np.ndarray:
        """Members each commune needs for its target: its hours at its productivity, times ``staffing``.

        ``staffing`` keeps the ratio of hands to work the communes started with (as many spare
        hands as spare land, seed §9a).
        """
        p = self.producers
        hours = p.target[self.rows] * labour / p.productivity[self.rows]
        return hours / hours_per_week * self.staffing

    def admit(self, consumers, persons, wanted, rng):
        """Workers who move to farming join the communes that most lack hands (``wanted``: members each needs)."""
        p = self.producers
        lacking = np.maximum(wanted - p.workers[self.rows], 0.0) + 1e-9
        counts = production.largest_remainder(lacking, persons.size)
        commune = np.repeat(np.arange(self.rows.size), counts)
        consumers.commune[persons] = rng.permutation(commune)
        consumers.wage_factor[persons] = 1.0
        p.workers[self.rows] += counts

    def release(self, consumers, count: int, wanted, rng) -> np.ndarray:
        """Up to ``count`` members leave the communes with most spare hands; each keeps at least one.

        Returns
        -------
        numpy.ndarray of int
            Rows of the persons who leave (their ``commune`` is set to −1).
        """
        p = self.producers
        spare = np.maximum(p.workers[self.rows] - np.maximum(wanted, 1.0), 0.0)
        counts = np.minimum(production.largest_remainder(spare, count), p.workers[self.rows] - 1)
        members = np.flatnonzero(consumers.commune >= 0)
        members = members[stable_order(consumers.commune[members], self.rows.size)]  # by commune, then row
        size = np.bincount(consumers.commune[members], minlength=self.rows.size)
        first = np.cumsum(size) - size
        leaving = []
        for k in np.flatnonzero(counts):
            leaving.append(rng.choice(members[first[k] : first[k] + size[k]], counts[k], replace=False))
        leaving = np.sort(np.concatenate(leaving)) if leaving else np.zeros(0, dtype=int)
        consumers.commune[leaving] = -1
        p.workers[self.rows] -= counts
        return leaving

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
        in_commune = consumers.commune >= 0
        consumers.income[in_commune] = self.credit_per_member(weekly_wage, values)[consumers.commune[in_commune]]

    def credit_per_member(self, weekly_wage: float, values) -> np.ndarray:
        """Each commune's credit per member this week, tokens (C,): :meth:`credit_members`' rule.

        A week's wage for every member, spare hands included, shared among the communes by the
        labour value each delivered (``transfer`` of it per member; seed §9a). Every commune
        keeps at least one member.
        """
        p = self.producers
        members = p.workers[self.rows]
        credits = wages.commune_credits(
            weekly_wage * members.sum(),
            values[p.sector[self.rows]] * p.output[self.rows],
            members,
            self.transfer,
        )
        return credits / members


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
            "inputs_per_unit": m.councils.measured[:, self.row].copy(),
        }
