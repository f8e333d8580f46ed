"""Factory councils: each enterprise's coordinating body and its General Assembly (seed §5, §7b).

:class:`FactoryCouncils` does, for every enterprise at once, what councils do: take the
plan's targets, produce within capacity, labour and inputs, readjust consumer-good output
from their own stocks and sales between plan solves (corrective c), report what they
measure to the plan factory, staff their shops, and put new capacity into service.
:class:`FactoryCouncil` is the Mesa agent, a view on one row of ``model.producers``.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.economics import capital, granular, market, production
from sim.economics.ordering import stable_order
from sim.economics.state import EconomyState, ProducerArrays

#: Workers per delegate (seed §5: one delegate per 100–200 workers).
WORKERS_PER_DELEGATE = 150


class FactoryCouncils:
    """All enterprises' councils at once, on the producers' table they share with the rural communes.

    The communes' rows are in the same table (after the councils'), so that one call makes
    the week's output of every producer: inputs are shared out between all users at once.

    Parameters
    ----------
    producers : ProducerArrays
    labour : numpy.ndarray, shape (n,)
        Hours per unit of output of each good, at norm productivity.
    inputs_true : numpy.ndarray, shape (n, n)
        ``A + D``: what production really uses up per unit of output.
    wear_rate : numpy.ndarray, shape (n,), optional
        Yearly rate at which each good's capacity wears out
        (:func:`sim.economics.capital.capacity_depreciation`); default none. Communes' land does not wear.
    utilisation : numpy.ndarray, shape (n,), optional
        Each good's output ÷ capacity in the base year, the capacity the capital used up renews; default 1.
    """

    def __init__(self, producers: ProducerArrays, labour, inputs_true, wear_rate=None, utilisation=None):
        self.producers = producers
        self.labour = labour
        self.inputs_true = inputs_true
        self.rows = np.flatnonzero(~producers.is_commune)
        self.measured = inputs_true[:, producers.sector]  # (n, P) inputs per unit at the last report
        n = labour.size
        rate = np.zeros(n) if wear_rate is None else np.asarray(wear_rate, dtype=float)
        self.sector_wear_rate = rate  # (n,) per year, each good's capital
        self.wear_rate = np.where(producers.is_commune, 0.0, rate[producers.sector])  # (P,) per year
        self.sector_utilisation = np.ones(n) if utilisation is None else np.asarray(utilisation, dtype=float)
        self.utilisation = self.sector_utilisation[producers.sector]

    # --- the week ---------------------------------------------------------------------------------

    def produce(self, state: EconomyState):
        """Councils and communes make ``min(target, capacity, labour, inputs)`` (seed §7b)."""
        p = self.producers
        p.output[:], state.output, state.inputs_used = production.produce(
            p.target, p.capacity, p.labour_cap, p.sector, self.inputs_true, state.stock
        )
        state.stock += state.output - state.inputs_used

    def readjust(self, state: EconomyState, rules, wanted):
        """Corrective (c): consumer-good output moves toward ``D̂ + (S* − S)/τ`` (seed §7c).

        Parameters
        ----------
        state : EconomyState
        rules : sim.run.scenario.Readjustment
        wanted : numpy.ndarray, shape (G,)
            Households' demand this week, units.
        """
        cg = state.consumer_goods
        state.expected_demand += rules.demand_smoothing * (wanted - state.expected_demand)
        other = state.other_use[cg]
        state.reserve[cg] = rules.reserve_weeks * (state.expected_demand + other)
        sector_target = self.producers.by_sector(self.producers.target, state.stock.size)
        sector_target[cg] = market.readjusted_output(
            state.expected_demand,
            state.stock[cg],
            state.reserve[cg],
            rules.rebuild_weeks,
            other - state.imports[cg],  # imports arriving each week need not be made at home
            state.sector_capacity[cg],
        )
        self.take_targets(sector_target)

    def take_targets(self, sector_target):
        """Share each good's target among its producers in proportion to their capacity."""
        p = self.producers
        p.target[:] = production.split_by_share(sector_target, p.sector, p.capacity)

    def ask_for_capacity(self, state: EconomyState, margin: float) -> np.ndarray:
        """Capacity the councils ask the plan factory to build, per good, units per week (seed §7f).

        Where the planned output plus a ``margin`` of spare capacity exceeds the capacity
        there is and the capacity already on order, the councils of that sector ask for the
        difference.
        """
        on_order = state.pipeline.sum(axis=0)
        return np.maximum(state.plan_output * (1.0 + margin) - state.sector_capacity - on_order, 0.0)

    def add_capacity(self, state: EconomyState, arriving, embodied: float = 0.0):
        """Capacity that investment has finished comes into service, shared by present capacity.

        New capacity works with each enterprise's method improved by ``embodied`` (a share
        of its labour per unit); the enterprise's method becomes the capacity-weighted mean
        of old and new (seed §8: investment embodies newer methods). Communes farm as before.
        """
        if arriving.any():
            p = self.producers
            state.sector_capacity += arriving
            old = p.capacity.copy()
            p.capacity[:] = production.split_by_share(state.sector_capacity, p.sector, p.capacity)
            new = np.divide(p.capacity - old, p.capacity, out=np.zeros_like(old), where=p.capacity > 0)
            p.method[self.rows] = capital.improved_method(p.method[self.rows], new[self.rows], embodied)

    def wear(self, state: EconomyState, embodied: float = 0.0):
        """A week of wear: idle capacity wears out, the capital used up renews what output holds, with better methods.

        :func:`sim.economics.capital.wear`; the renewed share works with each enterprise's
        method improved by ``embodied``, as new capacity does (seed §8).
        """
        p = self.producers
        p.capacity[:], renewed = capital.wear(p.capacity, p.output, self.wear_rate, self.utilisation)
        p.method[self.rows] = capital.improved_method(p.method[self.rows], renewed[self.rows], embodied)
        state.sector_capacity = p.by_sector(p.capacity, state.stock.size)

    def found(self, row: int, sector: int):
        """A new enterprise takes a closed one's place (``row``) and makes ``sector``'s good.

        It has no capacity yet and works with its sector's method in use (the
        capacity-weighted mean of the sector's enterprises).
        """
        p = self.producers
        same = (p.sector == sector) & (p.capacity > 0)
        weight = p.capacity[same].sum()
        p.method[row] = p.method[same] @ p.capacity[same] / weight if weight > 0 else 1.0
        p.sector[row] = sector
        p.capacity[row] = p.target[row] = p.output[row] = 0.0
        self.wear_rate[row] = self.sector_wear_rate[sector]
        self.utilisation[row] = self.sector_utilisation[sector]
        self.measured[:, row] = self.inputs_true[:, sector]

    def improve_methods(self, rate: float):
        """A year of workers' management: labour per unit falls by ``rate`` × the groups' organisation.

        Groups that organise their work better (their hours-weighted output per hour,
        ``productivity``, above the norm 1) find better methods faster (seed §6, §8).
        """
        p = self.producers
        p.method[self.rows] *= 1.0 - np.clip(rate * p.productivity[self.rows], 0.0, 0.5)

    # --- people ------------------------------------------------------------------------------------

    def staff(self, person_group, work_groups, hours_per_week: float):
        """Workers per enterprise and their hours-weighted output per hour, from the groups; what they can make.

        Communes' rows keep their workers and productivity (fertility × this year's harvest);
        every producer's ``labour_cap`` is recomputed.
        """
        p = self.producers
        members = work_groups.members_per_group(person_group)
        n_councils = self.rows.size
        workers = np.bincount(work_groups.council, weights=members, minlength=n_councils)
        effective = np.bincount(
            work_groups.council, weights=members * work_groups.output_per_hour, minlength=n_councils
        )
        p.workers[self.rows] = workers.astype(int)
        p.productivity[self.rows] = np.divide(effective, workers, out=np.ones(n_councils), where=workers > 0)
        p.labour_cap = production.labour_limited_output(
            p.workers * hours_per_week, p.productivity, self.labour[p.sector] * p.method
        )

    def movers_to_plan(self, consumers, work_groups, floor: int, rng, sector_output=None):
        """Workers who leave enterprises with more hands than their output needs, and where they go (seed §6, §7c).

        Parameters
        ----------
        consumers, work_groups : agents.Consumers, agents.WorkGroups
        floor : int
            Members an enterprise keeps at least.
        rng : numpy.random.Generator
        sector_output : numpy.ndarray, shape (n,), optional
            Output each good's enterprises are staffed for, units per week, shared among
            them by capacity (:func:`sim.economics.production.staffed_for`); their targets if not given.

        Returns
        -------
        persons, councils : numpy.ndarray of int
            Rows of the persons who move and of the enterprises they join (empty if none).
        """
        p, c = self.producers, consumers
        councils = self.rows
        output = p.target if sector_output is None else production.split_by_share(sector_output, p.sector, p.capacity)
        need = output[councils] * self.labour[p.sector[councils]] * p.method[councils] / p.productivity[councils]
        workers = c.group >= 0
        desired = production.staffing(need, int(workers.sum()), floor)
        have = p.workers[councils]
        surplus = np.maximum(have - desired, 0)
        deficit = np.maximum(desired - have, 0)
        moves = int(min(surplus.sum(), deficit.sum()))
        if moves == 0:
            return np.zeros(0, dtype=int), np.zeros(0, dtype=int)
        leaving = self.members_drawn(c, work_groups, surplus, rng)
        return leaving[:moves], np.repeat(councils, deficit)[:moves]

    def movers_to_income(self, consumers, work_groups, income, rate: float, places, floor: int, rng):
        """Members who leave worse-paying enterprises for better-paying ones with room (Ward 1958; Vanek 1970).

        Each member of an enterprise whose income per member is below the average (weighted
        by members) leaves with probability ``rate``, keeping at least ``floor`` members
        there. Enterprises paying above the average admit movers only up to their ``places``:
        an Illyrian council admits a member only where its output needs the hands, since
        one more member beyond that lowers income per member. The best-paying are filled
        first; a mover who finds no place stays.

        Parameters
        ----------
        consumers, work_groups : agents.Consumers, agents.WorkGroups
        income : numpy.ndarray, shape (P,)
            Personal income per member of every producer, tokens per week (communes ignored).
        rate : float
            Chance that a member of a worse-paying enterprise looks for another this time.
        places : numpy.ndarray of int, shape (P,)
            Members each producer would admit.
        floor : int
            Members an enterprise keeps at least.
        rng : numpy.random.Generator

        Returns
        -------
        persons, councils : numpy.ndarray of int
            Rows of the persons who move and of the enterprises they join (empty if none).
        """
        p, c = self.producers, consumers
        councils = self.rows
        members = p.workers[councils]
        pay = income[councils]
        if members.sum() == 0:
            return np.zeros(0, dtype=int), np.zeros(0, dtype=int)
        average = np.average(pay, weights=members)
        open_ = np.where(pay > average, np.maximum(places[councils], 0), 0)
        leaving = np.where(pay < average, rng.binomial(np.maximum(members - floor, 0), rate), 0)
        moves = int(min(open_.sum(), leaving.sum()))
        if moves == 0:
            return np.zeros(0, dtype=int), np.zeros(0, dtype=int)
        movers = self.members_drawn(c, work_groups, leaving, rng)
        best = np.argsort(-pay, kind="stable")
        destination = np.repeat(councils[best], open_[best])
        return rng.permutation(movers)[:moves], destination[:moves]

    def members_drawn(self, consumers, work_groups, count, rng) -> np.ndarray:
        """Rows of ``count[k]`` members of the k-th council enterprise, drawn at random, council by council."""
        c, councils = consumers, self.rows
        workers = c.group >= 0
        person_council = np.full(c.group.size, -1)
        person_council[workers] = work_groups.council[c.group[workers]]
        order = rng.permutation(c.group.size)
        order = order[person_council[order] >= 0]
        order = order[stable_order(person_council[order], councils.size)]
        members = np.bincount(person_council[order], minlength=councils.size)
        start = np.cumsum(members) - members  # where each council's members begin in ``order``
        drawn = np.minimum(count, members)
        return order[np.repeat(start - np.cumsum(drawn) + drawn, drawn) + np.arange(drawn.sum())]

    # --- reports -----------------------------------------------------------------------------------

    def reports(self, error: float, rng, stands_for: float = 1.0):
        """What councils and communes tell the plan factory (seed §7b): output and the inputs they used per unit.

        Each producer measures the inputs it used per unit of output with a lognormal error
        of spread ``error`` (mean 1), drawn afresh at every report; it never sees the true
        coefficients. When the run stands for ``stands_for`` > 1 times its producers, the
        errors of each input are correlated within each sector by
        :func:`sim.economics.granular.loadings` (weights: output; sizes: workers), so that each producer keeps
        ``error`` and the sector's output-weighted report errs as the nation's would.

        Their labour per unit is the method they work with (hours at norm effort), which
        they know: they changed it.

        Returns
        -------
        measured_sum : numpy.ndarray, shape (n, n)
            Column j: Σ over sector j's producers of output × measured inputs per unit.
        output : numpy.ndarray, shape (n,)
            Σ over sector j's producers of output, units.
        method : numpy.ndarray, shape (n,)
            Sector j's output-weighted mean method: its labour per unit ÷ the old method's
            (exactly 1 while no method has changed).
        """
        p = self.producers
        n = self.inputs_true.shape[0]
        rule = None
        if error > 0 and stands_for > 1:
            nation = granular.nation_herfindahl(p.output, p.sector, n, stands_for, p.workers)
            rule = granular.loadings(p.output, p.sector, nation)
        noise = granular.factors(error, rule, rng, (n, p.sector.size)) if error > 0 else 1.0
        self.measured = self.inputs_true[:, p.sector] * noise  # (n, P): inputs per unit, as each producer saw them
        measured_sum = np.zeros((n, n))
        np.add.at(measured_sum.T, p.sector, (self.measured * p.output).T)
        output = p.by_sector(p.output, n)
        method = np.divide(p.by_sector(p.output * p.method, n), output, out=np.ones(n), where=output > 0)
        return measured_sum, output, method


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
        """What the council tells the plan factory (seed §7b): its output and the inputs it used per unit.

        Returns
        -------
        dict
            ``sector`` (code), ``output`` (units this week), ``inputs_per_unit`` (units of
            each good per unit of output, as measured at the last report).
        """
        m = self.model
        return {
            "sector": m.technology.names[self.sector],
            "output": float(m.producers.output[self.row]),
            "inputs_per_unit": m.councils.measured[:, self.row].copy(),
        }
