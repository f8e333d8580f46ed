"""The plan factory at work in a running economy (seed §7b, §7c, §7f).

:class:`~sim.economics.plan_factory.PlanFactory` computes; the :class:`Planner` keeps what the
plan factory knows between computations — its estimates of the technical coefficients,
revised from what councils and communes report, and its stock-taking — and works out,
through that ``PlanFactory``'s own solves, the skeleton plan of the first week, the
monthly re-solve of the intermediate targets, the reserve targets and the allocation
of the investment fund; once a year it regroups the councils' proposals and prepares the
plan variants with their implications (seed §7f). It decides nothing: the shares and hours
it plans for are the assemblies' (:mod:`sim.economics.decision`).

Units: goods in units, flows per week, values in hours per unit.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from sim.economics import capital, production, wages
from sim.economics.economy import Economy, Technology, spectral_radius
from sim.economics.plan_factory import PlanFactory, PlanVariant
from sim.economics.state import EconomyState
from sim.economics.units import WEEKS_PER_YEAR
from sim.run.scenario import Scenario, ScenarioError


class Planner:
    """What the plan factory knows and plans, from the first skeleton to every monthly solve.

    Parameters
    ----------
    technology : Technology
        The true technology the economy runs on (the plan factory starts from an
        estimate of it).
    inputs_true : numpy.ndarray, shape (n, n)
        ``A + D``, the true coefficients.
    utilisation : array_like, shape (n,)
        Output ÷ capacity per sector in the base year: capital per unit of capacity is
        ``B × utilisation``.
    scenario : Scenario
    rng : numpy.random.Generator
        The model's generator: the information error of the estimates and the errors of
        stock-taking are drawn from it.

    Attributes
    ----------
    inputs_estimated : numpy.ndarray, shape (n, n)
        The plan factory's estimate of ``A + D``.
    labour_estimated : numpy.ndarray, shape (n,)
        Its estimate of the labour per unit of each good, hours, revised as councils
        report their methods (seed §8).
    private_share, public_share : float
        The shares of the net product decided for the year (seed §7f); the rest is invested.
    plan_factory : PlanFactory
        Built on the estimates; every solve goes through it.
    """

    def __init__(self, technology: Technology, inputs_true: np.ndarray, utilisation, scenario: Scenario, rng):
        self.technology = technology
        self.conditions = scenario
        self.capital = np.zeros_like(inputs_true) if technology.capital is None else np.asarray(technology.capital)
        # B is capital per unit of output at the base year's utilisation; a unit of capacity needs less.
        self.utilisation = np.asarray(utilisation, dtype=float)
        self.capital_per_capacity = self.capital * self.utilisation[None, :]
        self.own_price_elasticity = np.ones(technology.consumer_goods.size)
        self._reset_observations(technology.consumer_goods.size)
        error = scenario.plan.information_error
        noise = np.exp(error * rng.standard_normal(inputs_true.shape) - error**2 / 2)
        self.inputs_estimated = inputs_true * noise
        self.labour_estimated = np.asarray(technology.labour, dtype=float).copy()
        self.private_share, self.public_share = scenario.plan.private_share, scenario.plan.public_share
        #: Yearly growth of output per hour the plan expects (:meth:`observe_growth`), for the rule "need".
        self.expected_growth = 0.0
        if spectral_radius(self.inputs_estimated) >= 1.0:
            raise ScenarioError(
                f"plan.information_error = {error}: the plan factory's mistaken coefficients would not be "
                "productive (spectral radius ≥ 1); use a smaller error"
            )
        self.refresh()
        self._values_year_ago = self.values.copy()
        delta = np.zeros(technology.n) if technology.depreciation is None else technology.depreciation
        #: Yearly rate of wear of each good's capacity, its capital's depreciation weighted by week-0 values.
        delta = np.broadcast_to(delta, technology.n)
        self.capacity_wear = capital.capacity_depreciation(self.capital, delta, self.values)

    def refresh(self):
        """Rebuild the plan factory on the current estimates and publish its labour values."""
        t = self.technology
        estimated = Technology(
            self.inputs_estimated, self.labour_estimated, names=t.names, consumer_goods=t.consumer_goods
        )
        self.plan_factory = PlanFactory(estimated)
        self.values = self.plan_factory.labour_values()

    # --- the skeleton plan (seed §7c) ------------------------------------------------------------

    def skeleton(self, economy: Economy, inputs_true: np.ndarray, persons: int, farm: int | None):
        """The initial plan: old demand statistics, scaled to the decided shares and to the hours there are.

        Everything is first computed per hour of net product, then scaled to the hours the
        population can give: a commune has as many spare hands as it has spare land, and
        those idle hours are not part of the net product.

        Parameters
        ----------
        economy : Economy
            Its final demand is the pre-revolution statistics the skeleton starts from.
        inputs_true : numpy.ndarray
            ``A + D`` as the statistics of the old economy record it.
        persons : int
            Everyone who works, in councils or communes.
        farm : int or None
            The sector the rural communes farm, if there are communes.

        Returns
        -------
        state : EconomyState
            Stocks at their reserve, prices at value, the first plan's flows.
        first_output : numpy.ndarray
            What the skeleton asks of every sector, units per week.
        commune_share : float
            Share of persons the communes need.
        """
        t, plan = self.technology, self.conditions.plan
        n, cg = t.n, t.consumer_goods
        fd = economy.final_demand
        private = np.zeros(n)
        private[cg] = fd["private"].to_numpy()[cg]
        home = fd[["private", "public", "investment"]].sum(axis=1).to_numpy()
        old_output = np.linalg.solve(np.eye(n) - inputs_true, home)
        # Households, public consumption and investment share the net product by the decided
        # shares (seed §7f); the reserve's hours are paid out of the households' share (§7d),
        # so the plan allots the whole net product and `labour_reserve` of the hours stay free.
        bundles = {
            "household": plan.private_share * self._unit_value(private),
            "public": plan.public_share * self._unit_value(fd["public"].to_numpy()),
            # Net investment has the composition of the capital stock (replacement is in D).
            "investment": (1.0 - plan.private_share - plan.public_share) * self._unit_value(self.capital @ old_output),
        }
        imports, exports = self._trade(economy, bundles["household"])
        final = sum(bundles.values()) + exports - imports
        per_hour = np.linalg.solve(np.eye(n) - inputs_true, final)
        hours_needed = t.labour * per_hour
        farm_share = 0.0 if farm is None else hours_needed[farm] / hours_needed.sum()
        staffing = production.commune_staffing(plan.capacity_headroom, plan.labour_reserve)
        commune_share = farm_share * staffing
        hours = persons * plan.hours_per_week
        effective = hours * (1.0 - farm_share * (staffing - 1.0))
        net_product = effective / (1.0 + plan.labour_reserve)  # hours of value planned per week
        use = net_product * per_hour  # what the first plan asks of every sector
        reserve = self.conditions.readjustment.reserve_weeks * (use + net_product * imports)  # S*: weeks of all use
        zeros = np.zeros(n)
        state = EconomyState(
            consumer_goods=cg,
            stock=reserve.copy(),
            reserve=reserve,
            values=self.values,
            prices=self.values[cg].copy(),
            sector_capacity=use * (1.0 + plan.capacity_headroom),
            pipeline=np.zeros((plan.investment_lag_weeks + 1, n)),
            expected_demand=net_product * bundles["household"][cg],
            imports=net_product * imports,
            exports=net_product * exports,
            plan_output=use,
            public_plan=net_product * bundles["public"],
            investment_plan=zeros.copy(),
            capacity_plan=zeros.copy(),
            earmarked=zeros.copy(),
            other_use=zeros.copy(),
            hours_per_week=plan.hours_per_week,
            net_product=net_product,
            # Overall equilibrium (seed §7c): tokens paid = value of the consumer goods planned.
            wage=wages.hourly_wage(self.household_budget(net_product), hours),  # tokens per hour (seed §7d)
        )
        return state, use, commune_share

    def _trade(self, economy: Economy, household):
        """Imports of the scenario's goods per hour of net product, and the exports of equal value that pay."""
        imp, t = self.conditions.imports, self.technology
        imports = np.zeros(t.n)
        if imp.share == 0:
            return imports, np.zeros(t.n)
        for code in imp.goods:
            if code not in t.names:
                raise ScenarioError(f"imports.goods: {code!r} is not a sector; known: {', '.join(t.names)}")
            j = t.index(code)
            imports[j] = imp.share * household[j]
        exports = economy.final_demand.get("exports", economy.final_demand["investment"]).to_numpy()
        return imports, (self.values @ imports) * self._unit_value(exports)

    def _unit_value(self, bundle):
        """A bundle of goods scaled to one hour of labour value."""
        value = self.values @ bundle
        return bundle / value if value > 0 else bundle * 0.0

    # --- the monthly solve (seed §7b) ------------------------------------------------------------

    def household_budget(self, net_product: float) -> float:
        """Tokens paid to households per week: the decided private share of the net product (seed §7d, §7f).

        Every hour worked is paid, the reserve's included, so the hourly wage is this budget
        over all hours paid: ``private_share / (1 + labour_reserve)`` tokens per hour when
        the whole population works in councils.
        """
        return self.private_share * net_product

    def know_demand(self, preferences):
        """What the plan factory knows of demand: own-price elasticities from the old demand statistics.

        The Marshallian own-price elasticity of the AIDS at base shares, ``ε_g = 1 − γ_gg/w_g
        + β_g`` (in magnitude), with which it turns sales at a price into demand at value.
        """
        w = preferences.base_shares
        self.own_price_elasticity = 1.0 - np.diag(preferences.gamma) / w + preferences.beta

    def observe(self, state: EconomyState, seen_demand):
        """A week of what the councils see of consumer goods: demand they saw, at the price it was sold (seed §7c).

        Demand at normal prices is estimated as ``seen × (p / v)^ε``: at a price above
        value people bought less than they would at value, and more below it. The plan
        factory also counts the weeks each price stayed beyond ``plan.price_signal`` of value.
        """
        ratio = state.prices / state.values[state.consumer_goods]
        self._at_value += seen_demand * ratio**self.own_price_elasticity
        signal = self.conditions.plan.price_signal
        self._weeks_above += ratio > 1.0 + signal
        self._weeks_below += ratio < 1.0 - signal
        self._weeks += 1

    def _reset_observations(self, goods: int):
        self._at_value = np.zeros(goods)
        self._weeks_above = np.zeros(goods, dtype=int)
        self._weeks_below = np.zeros(goods, dtype=int)
        self._weeks = 0

    def solve(self, state: EconomyState, week: int, rng, asked):
        """Re-solve the intermediate targets for demand at normal prices; allocate investment.

        ``asked`` is the capacity councils ask for (``FactoryCouncils.ask_for_capacity``).
        Household demand is the plan factory's estimate of demand at labour values from
        the sales and prices of the last plan period (the councils' expectation before any
        week is seen), scaled to what wages pay. A good whose price stayed above value
        through the whole period is a planning error (seed §7c): it gets investment
        before any other; one that stayed below gets none for balanced growth. Writes the
        plan in force into ``state`` and the reserve targets of goods households do not buy;
        publishes labour values.
        """
        plan, readjustment = self.conditions.plan, self.conditions.readjustment
        n, cg = self.technology.n, state.consumer_goods
        self.refresh()
        state.values = self.values
        # Stock-taking is crude at first and improves as councils report (seed §7b).
        error = plan.inventory_error * (1.0 - plan.revision_rate) ** (week // plan.period_weeks)
        stock_taken = state.stock * np.exp(error * rng.standard_normal(n))
        household = np.zeros(n)
        household[cg] = self._at_value / self._weeks if self._weeks else state.expected_demand
        household *= self.household_budget(state.net_product) / max(self.values @ household, 1e-12)
        short = np.zeros(n, dtype=bool)
        long = np.zeros(n, dtype=bool)
        if self._weeks:
            short[cg] = self._weeks_above == self._weeks
            long[cg] = self._weeks_below == self._weeks
        state.planning_errors = short.astype(int) - long.astype(int)
        self._reset_observations(cg.size)
        # Public consumption is its decided share of the net product, in hours: as labour values fall it buys more.
        public = float(self.values @ state.public_plan)
        if public > 0:
            state.public_plan = state.public_plan * (self.public_share * state.net_product / public)
        self.allocate_investment(state, asked, first=short, released=long)
        final = household + state.public_plan + state.investment_plan + state.exports - state.imports
        use = self.plan_factory.intermediate_targets(final)
        reserve = readjustment.reserve_weeks * (use + state.imports)  # all use: made at home or imported
        not_consumer = ~np.isin(np.arange(n), cg)
        state.reserve[not_consumer] = reserve[not_consumer]
        # The rebuild rate holds until the next solve: over less than a plan period it overshoots.
        rebuild = (reserve - stock_taken) / max(readjustment.rebuild_weeks, plan.period_weeks)
        state.plan_output = np.maximum(self.plan_factory.intermediate_targets(final + rebuild), 0.0)
        inputs = self.inputs_estimated @ state.plan_output  # a week of inputs for production
        state.other_use = inputs + state.public_plan + state.investment_plan + state.exports

    def coefficient_error(self, inputs_true, output) -> float:
        """The plan factory's mean relative error on ``A + D``, weighted by output.

        ``Σ_ij x_j |Â_ij − A_ij| / Σ_ij x_j A_ij``, with ``x`` this week's output by sector.
        """
        weight = np.asarray(output, dtype=float)[None, :]
        total = float(np.sum(weight * inputs_true))
        return float(np.sum(weight * np.abs(self.inputs_estimated - inputs_true))) / total if total > 0 else 0.0

    def revise_coefficients(self, measured_sum: np.ndarray, output: np.ndarray, method=None):
        """Move the estimates toward what the councils and communes report (seed §7b, §8).

        Each sector's column is revised by ``plan.revision_rate`` toward the output-weighted
        mean of the inputs per unit its producers report, and its labour per unit toward
        theirs; a sector that made nothing this week keeps its estimates.

        Parameters
        ----------
        measured_sum : numpy.ndarray, shape (n, n)
            Column j: Σ over sector j's producers of output × reported inputs per unit.
        output : numpy.ndarray, shape (n,)
            Σ over sector j's producers of their output, units.
        method : numpy.ndarray, shape (n,), optional
            Sector j's reported labour per unit ÷ the old method's, output-weighted.
        """
        rate = self.conditions.plan.revision_rate
        reported = output > 0
        measured = measured_sum[:, reported] / output[reported]
        self.inputs_estimated[:, reported] += rate * (measured - self.inputs_estimated[:, reported])
        if method is not None:
            labour = self.technology.labour[reported] * method[reported]
            self.labour_estimated[reported] += rate * (labour - self.labour_estimated[reported])

    def allocate_investment(self, state: EconomyState, asked, first=None, released=None):
        """Investment fund → capacity: planning errors first, bottlenecks next, the rest balanced (seed §7c, §7f).

        Parameters
        ----------
        state : EconomyState
        asked : numpy.ndarray, shape (n,)
            Capacity the councils ask for where theirs binds, units per week.
        first : numpy.ndarray of bool, shape (n,), optional
            Goods whose price stayed above value for a plan period: their capacity is
            built before any other.
        released : numpy.ndarray of bool, shape (n,), optional
            Goods whose price stayed below value: no balanced growth for them.
        """
        plan = self.conditions.plan
        n, period = self.technology.n, plan.period_weeks
        first = np.zeros(n, dtype=bool) if first is None else first
        released = np.zeros(n, dtype=bool) if released is None else released
        cost = WEEKS_PER_YEAR * (self.values @ self.capital_per_capacity)  # hours per unit of weekly capacity
        limit = plan.max_capacity_growth * state.sector_capacity * period / WEEKS_PER_YEAR
        budget = self.investment_fund(state) * period
        grow = np.zeros(n)
        for tier in (first, ~first):
            ask = np.where(tier, np.minimum(asked, limit), 0.0)
            spent = cost @ ask
            grow += ask * min(1.0, budget / spent) if spent > 0 else ask
            budget = max(budget - spent, 0.0)
        open_ = ~released
        base = cost @ (state.sector_capacity * open_)
        if budget > 0 and base > 0:
            # What planning errors and bottlenecks leave expands every other sector by the same share.
            balanced = budget / base * state.sector_capacity * open_
            grow += np.minimum(balanced, np.maximum(limit - grow, 0.0))
        state.capacity_plan = grow / period  # weekly capacity added per week of deliveries
        state.investment_plan = self.capital_per_capacity @ (WEEKS_PER_YEAR * state.capacity_plan)

    def needed_share(self, state: EconomyState, asked) -> float:
        """The plan's rule: the share of the net product that next year's capacity needs (seed §7f, vote off).

        The capacity councils ask for where theirs will bind (``asked``, units per week), and
        every sector's capacity grown by the output growth the plan expects
        (:attr:`expected_growth`, from how far labour values fell over the last year), at the
        current cost of capacity, hours a year ÷ the net product's hours a year.
        """
        cost = WEEKS_PER_YEAR * (self.values @ self.capital_per_capacity)  # hours per unit of weekly capacity
        needed = cost @ (np.asarray(asked) + self.expected_growth * state.sector_capacity)
        return float(needed / (WEEKS_PER_YEAR * state.net_product)) if state.net_product > 0 else 0.0

    def observe_growth(self, state: EconomyState):
        """Once a year: the output growth an hour's work gained, from the fall of labour values on the plan's output.

        ``g = v₋₁·x / v·x − 1`` with ``x`` the plan in force, never below 0.
        """
        new, old = float(self.values @ state.plan_output), float(self._values_year_ago @ state.plan_output)
        self.expected_growth = max(old / new - 1.0, 0.0) if new > 0 else 0.0
        self._values_year_ago = self.values.copy()

    def set_investment_share(self, share: float, state: EconomyState):
        """The plan's rule adopted: invest ``share`` of the net product; wages pay what it leaves to households.

        The public share stays as decided; the wage moves with the private share, so the
        tokens paid still buy the decided private share of the net product (seed §7d).
        """
        private = 1.0 - self.public_share - share
        if private > 0 and self.private_share > 0:
            state.wage *= private / self.private_share
            self.private_share = private

    def investment_fund(self, state: EconomyState) -> float:
        """Investment per week, hours of labour value (seed §7f: the investment share)."""
        return self.investment_share * state.net_product

    @property
    def investment_share(self) -> float:
        """Share of the net product decided for investment."""
        return 1.0 - self.private_share - self.public_share

    # --- the fundamental decision (seed §7f) -----------------------------------------------------

    def proposals(self, state: EconomyState, asked) -> list[dict]:
        """The councils' proposals of capacity, regrouped by good, with what each implies for other sectors.

        A proposal to add ``Δ`` units of weekly capacity to good j implies that, once it
        works, the sectors supplying j deliver ``(Â + D̂)[:, j] Δ`` more every week. The
        plan factory adds up these implications good by good; where together they exceed a
        supplier's spare capacity (capacity − planned output), the proposals that draw on
        it are mutually incompatible: the largest of them are held back until the rest fit
        (seed §7f: "proposal A implies that factory X must deliver Y more").

        Parameters
        ----------
        state : EconomyState
        asked : numpy.ndarray, shape (n,)
            Capacity the councils of each good propose to add, units per week.

        Returns
        -------
        list of dict
            One per good with a proposal: ``good``, ``capacity`` (units per week),
            ``implies`` (``{good: units per week}``, the three largest), ``status``
            (``"feasible"`` or ``"held back: <good> short"``).
        """
        names = self.technology.names
        spare = np.maximum(state.sector_capacity - state.plan_output, 0.0)
        proposing = np.flatnonzero(asked > 0)
        extra = self.inputs_estimated[:, proposing] * asked[proposing]  # (n, proposals)
        held = np.zeros(proposing.size, dtype=bool)
        short = [""] * proposing.size
        for k in np.argsort(-asked[proposing] * self.values[proposing], kind="stable"):
            need = extra[:, ~held].sum(axis=1)
            over = np.flatnonzero(need > spare + 1e-12)
            if over.size == 0:
                break
            if np.any(extra[over, k] > 0):
                held[k] = True
                short[k] = names[over[np.argmax(extra[over, k])]]
        out = []
        for k, j in enumerate(proposing):
            top = np.argsort(-extra[:, k])[:3]
            out.append(
                {
                    "good": names[j],
                    "capacity": float(asked[j]),
                    "implies": {names[i]: float(extra[i, k]) for i in top if extra[i, k] > 0},
                    "status": f"held back: {short[k]} short" if held[k] else "feasible",
                }
            )
        return out

    def variants(self, state: EconomyState, persons: int, asked, rules, change) -> list[PlanVariant]:
        """The ballot for next year: variants across the feasible set, with their implications a–e (seed §7f).

        The ballot spans the whole set of hours × investment the capacity allows, not only
        the neighbourhood of the decision in force. At four investment shares evenly spread
        from 0 to the most allowed (``rules.investment_max``, at most 0.99 less the public
        share), rounded to ``rules.investment_step``, two variants: the fewest hours
        (``rules.hours_min``) and the frontier, the most hours the capacity there will be
        allows at that share (:meth:`PlanFactory.most_hours`, rounded down to
        ``rules.hours_step``, at most ``rules.hours_max``). Beside these eight, the decision in
        force and its four neighbours (its hours ± ``hours_step``, its share ±
        ``investment_step``, within the bounds): 13 at most, each once. The public share
        stays as decided.

        Each variant's net product is the hours it asks times the hours of value an hour of
        the week yields now; its output by good is what that product needs with the current
        estimates; its bottlenecks are the goods whose output would exceed the capacity there
        will be (in service, on order and the feasible proposals). Its consumption growth is
        what its investment buys: capacity grows by ``g`` a year (balanced, at the current
        cost of capacity, at most ``plan.max_capacity_growth``), new capacity works with
        methods ``change.embodied`` better, and methods improve by ``change.rate`` a year
        besides, so labour per unit falls by ``1 − (1 − rate)(1 − embodied·g/(1+g))`` a year —
        the rate at which the same hours buy more.

        Parameters
        ----------
        state : EconomyState
        persons : int
            Everyone who consumes.
        asked : numpy.ndarray, shape (n,)
            The feasible proposals' capacity, units per week.
        rules : sim.run.scenario.Decision
        change : sim.run.scenario.TechnicalChange

        Returns
        -------
        list of PlanVariant
            Fewer hours first, then less investment.
        """
        # Rounded to a billionth, so that the decision in force is found again on the ballot
        # (1 − 0.70 − 0.15 is 0.15000000000000005, not 0.15).
        h0, i0, public = round(state.hours_per_week, 9), round(self.investment_share, 9), self.public_share
        top = max(min(rules.investment_max, 0.99 - public), 0.0)
        cg = state.consumer_goods
        household = np.zeros(self.technology.n)
        household[cg] = state.expected_demand
        capital = self.capital_per_capacity @ state.sector_capacity  # the composition of new capacity
        capacity = WEEKS_PER_YEAR * (state.sector_capacity + state.pipeline.sum(axis=0) + asked)
        per_hour = state.net_product / h0  # hours of value per hour of the working week
        trade = WEEKS_PER_YEAR * (state.exports - state.imports)
        bundles = {"private": household, "public": state.public_plan, "investment": capital}
        points = {(h0, i0)}
        for share in np.linspace(0.0, top, 4):
            i = min(_on_grid(share, rules.investment_step, round), top)
            most = self.plan_factory.most_hours(
                per_hour, *bundles.values(), (1.0 - public - i, public, i), capacity, trade
            )
            # a billionth inside the frontier, that rounding does not put it a hair beyond
            frontier = _on_grid(min(most * (1.0 - 1e-9), rules.hours_max), rules.hours_step, np.floor)
            points |= {(rules.hours_min, i), (max(frontier, rules.hours_min), i)}
        for dh, di in ((-1, 0), (1, 0), (0, -1), (0, 1)):
            h = float(np.clip(h0 + dh * rules.hours_step, rules.hours_min, rules.hours_max))
            i = float(np.clip(i0 + di * rules.investment_step, 0.0, top))
            points.add((round(h, 9), round(i, 9)))
        cost = WEEKS_PER_YEAR * float(self.values @ capital)  # hours to grow every capacity by 100 %
        out = []
        for hours, i in sorted(points):
            (v,) = self.plan_factory.variants(
                workers=per_hour,
                population=persons,
                **bundles,
                hours_per_week=[hours],
                shares=[(1.0 - public - i, public, i)],
                capacity=capacity,
                trade=trade,
            )
            g = min(v.investment / cost, self.conditions.plan.max_capacity_growth) if cost > 0 else 0.0
            growth = 1.0 / ((1.0 - change.rate) * (1.0 - change.embodied * g / (1.0 + g))) - 1.0
            out.append(dataclasses.replace(v, consumption_growth=growth))
        return out

    def in_force(self, state: EconomyState, variants: list[PlanVariant]) -> int | None:
        """The index of the decision in force among ``variants`` (its hours and investment share), or ``None``."""
        here = (round(state.hours_per_week, 9), round(self.investment_share, 9))
        found = [k for k, v in enumerate(variants) if (v.hours_per_week, round(v.investment_share, 9)) == here]
        return found[0] if found else None

    def adopt(self, variant: PlanVariant, state: EconomyState, persons: int):
        """The decided variant becomes the plan's frame: hours, wage, public consumption, investment fund.

        The net product scales with the hours; public consumption keeps its composition at
        the decided share; the wages of all the hours worked pay the decided private share of
        the net product (seed §7d, §7f).
        """
        old_public = self.public_share * state.net_product
        state.net_product *= variant.hours_per_week / state.hours_per_week
        state.hours_per_week = variant.hours_per_week
        self.private_share, self.public_share = variant.private_share, variant.public_share
        new_public = self.public_share * state.net_product
        state.public_plan = state.public_plan * (new_public / old_public if old_public > 0 else 0.0)
        state.wage = wages.hourly_wage(self.household_budget(state.net_product), persons * state.hours_per_week)


def _on_grid(x: float, step: float, to) -> float:
    """``x`` on the grid of ``step`` (``to``: ``round`` or ``numpy.floor``), to a billionth; ``x`` if the step is 0."""
    return round(float(to(x / step)) * step, 9) if step > 0 else round(float(x), 9)
