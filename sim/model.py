"""The self-managed economy as a Mesa model: one step is one week (DESIGN §3).

produce → pay → buy → price → readjust; every 52 weeks the yearly decision point, then
every ``plan.period_weeks`` the plan factory re-solves the intermediate targets.
"""

from __future__ import annotations

import mesa
import numpy as np
import scipy.linalg as la

from agents import Consumer, FactoryCouncil, PrimaryWorkGroup, RuralCommune
from sim import market, production, wages
from sim.economy import Economy, Technology, default_economy, load_economy, spectral_radius
from sim.plan_factory import PlanFactory
from sim.record import Record
from sim.scenario import WEEKS_PER_YEAR, Scenario, ScenarioError, validate
from sim.state import ConsumerArrays, GroupArrays, ProducerArrays


class CouncilsModel(mesa.Model):
    """Castoriadis's economy of workers' councils, for one set of transition conditions.

    Parameters
    ----------
    scenario : Scenario
        Transition conditions, rules and their parameters, horizon and seed.
    economy : Economy, optional
        Technology and initial conditions; default: the scenario's ``economy``.

    Attributes
    ----------
    conditions : Scenario
        The scenario this run follows (not ``scenario``: Mesa ≥ 3.5 reserves that name).
    consumers, groups, producers : array containers (``sim.state``)
        Hot state, one row per agent.
    stock : numpy.ndarray
        Stocks per good, units.
    prices, values : numpy.ndarray
        Prices of consumer goods (tokens per unit) and published labour values of all
        goods (hours per unit).
    record : Record
        Everything measured, per week.
    """

    def __init__(self, scenario: Scenario | None = None, economy: Economy | None = None):
        scenario = validate(scenario or Scenario())
        super().__init__(rng=scenario.seed)
        self.conditions = scenario
        self.economy = economy or _economy(scenario.economy)
        self.technology = _peasant_technology(self.economy, scenario)
        self.week = 0
        self.hours_per_week = scenario.plan.hours_per_week
        self._setup_technology()
        self._setup_first_plan()
        self._setup_people()
        shift = scenario.taste_shift
        if shift.after_years > 0:
            self._good_position(shift.rises)
            falls = self._good_position(shift.falls)
            if shift.budget_share > self.preferences.alpha[falls]:
                raise ScenarioError(
                    f"taste_shift.budget_share = {shift.budget_share}: larger than {shift.falls}'s budget share "
                    f"({self.preferences.alpha[falls]:.4f}); at most that much can move"
                )
        self.plan()  # the first plan, from the skeleton
        self.record = Record(self, scenario.weeks)
        self.datacollector = mesa.DataCollector(model_reporters=self.record.reporters())

    # --- set-up -------------------------------------------------------------------------------

    def _setup_technology(self):
        t = self.technology
        dense = t.A.toarray() if t.is_sparse else t.A
        D = t.capital_consumption
        D = np.zeros_like(dense) if D is None else (D.toarray() if hasattr(D, "toarray") else D)
        self.inputs_true = dense + D  # A + D: the economy runs on the true coefficients
        self.capital = np.zeros_like(dense) if t.capital is None else np.asarray(t.capital)
        error = self.conditions.plan.information_error
        noise = np.exp(error * self.rng.standard_normal(dense.shape) - error**2 / 2)
        self.inputs_estimated = self.inputs_true * noise  # the plan factory's knowledge
        if spectral_radius(self.inputs_estimated) >= 1.0:
            raise ScenarioError(
                f"plan.information_error = {error}: the plan factory's mistaken coefficients would not be "
                "productive (spectral radius ≥ 1); use a smaller error"
            )
        self.consumer_goods = t.consumer_goods
        self._refresh_plan_factory()

    def _refresh_plan_factory(self):
        """Rebuild the plan factory from its current coefficient estimates; publish labour values."""
        t = self.technology
        estimated = Technology(self.inputs_estimated, t.labour, names=t.names, consumer_goods=t.consumer_goods)
        self.plan_factory = PlanFactory(estimated)
        self.values = self.plan_factory.labour_values()
        self._plan_lu = la.lu_factor(np.eye(t.n) - self.inputs_estimated)

    def _setup_first_plan(self):
        """The initial skeleton (seed §7c): old demand statistics, scaled to the decided shares.

        Everything is first computed per hour of net product, then scaled to the hours the
        population can give: a commune has as many spare hands as it has spare land, and
        those idle hours are not part of the net product.
        """
        s, e, t, p = self.conditions, self.economy, self.technology, self.conditions.plan
        n, cg = t.n, self.consumer_goods
        self.n_persons = s.population.consumers
        fd = e.final_demand
        private = np.zeros(n)
        private[cg] = fd["private"].to_numpy()[cg]
        home = fd[["private", "public", "investment"]].sum(axis=1).to_numpy()
        old_output = np.linalg.solve(np.eye(n) - self.inputs_true, home)
        bundles = {
            "household": p.private_share * self._unit_value(private),
            "public": p.public_share * self._unit_value(fd["public"].to_numpy()),
            # Net investment has the composition of the capital stock (replacement is in D).
            "investment": (1.0 - p.private_share - p.public_share) * self._unit_value(self.capital @ old_output),
        }
        imports, exports = self._trade(bundles["household"])
        final = sum(bundles.values()) + exports - imports
        per_hour = np.linalg.solve(np.eye(n) - self.inputs_true, final)
        hours_needed = t.labour * per_hour
        farm = t.names.index("AGR") if "AGR" in t.names and s.population.communes > 0 else None
        farm_share = 0.0 if farm is None else hours_needed[farm] / hours_needed.sum()
        self.commune_share = farm_share * (1.0 + p.capacity_headroom) / (1.0 + p.labour_reserve)
        hours = self.n_persons * self.hours_per_week
        effective = hours * (1.0 - farm_share * ((1.0 + p.capacity_headroom) / (1.0 + p.labour_reserve) - 1.0))
        self.net_product = effective / (1.0 + p.labour_reserve)  # hours of value planned per week
        self.public_plan = self.net_product * bundles["public"]
        self.imports, self.exports = self.net_product * imports, self.net_product * exports
        self.expected_demand = self.net_product * bundles["household"][cg]  # D̂, units per week
        self.investment_plan = np.zeros(n)
        self.capacity_plan = np.zeros(n)  # weekly capacity being added per week of this plan
        use = self.net_product * per_hour  # what the first plan asks of every sector
        self.first_output = self.plan_output = use
        self.reserve = s.readjustment.reserve_weeks * (use + self.imports)  # S*: weeks of all use, units
        self.stock = self.reserve.copy()
        self.sector_capacity = use * (1.0 + p.capacity_headroom)
        # Overall equilibrium (seed §7c): tokens paid = value of the consumer goods planned.
        self.wage = wages.hourly_wage(p.private_share * self.net_product, hours)  # tokens per hour (seed §7d)
        self.prices = self.values[cg].copy()
        self.pipeline = np.zeros((p.investment_lag_weeks + 1, n))  # capacity arriving, weekly units

    def _trade(self, household):
        """Weekly imports of the scenario's goods and the exports, of equal value, that pay for them."""
        imp, n = self.conditions.imports, self.technology.n
        imports = np.zeros(n)
        if imp.share == 0:
            return imports, np.zeros(n)
        for code in imp.goods:
            if code not in self.technology.names:
                raise ScenarioError(
                    f"imports.goods: {code!r} is not a sector; known: {', '.join(self.technology.names)}"
                )
            j = self.technology.index(code)
            imports[j] = imp.share * household[j]
        exports = self.economy.final_demand.get("exports", self.economy.final_demand["investment"]).to_numpy()
        return imports, (self.values @ imports) * self._unit_value(exports)

    def _unit_value(self, bundle):
        """A bundle of goods scaled to one hour of labour value."""
        value = self.values @ bundle
        return bundle / value if value > 0 else bundle * 0.0

    def _fund(self):
        """Investment per week, hours of labour value (seed §7f: the investment share)."""
        p = self.conditions.plan
        return (1.0 - p.private_share - p.public_share) * self.net_product

    def _setup_people(self):
        s, t = self.conditions, self.technology
        pop = s.population
        n = t.n
        hours_needed = t.labour * self.first_output  # hours per week by sector, at norm productivity
        farm = t.names.index("AGR") if "AGR" in t.names and pop.communes > 0 else None
        n_sectors_councils = n - (farm is not None)
        if pop.councils < n_sectors_councils:
            raise ScenarioError(
                f"population.councils = {pop.councils}: must be ≥ {n_sectors_councils} (one per sector)"
            )
        council_sectors = [j for j in range(n) if j != farm]
        n_members = max(pop.communes, round(self.n_persons * self.commune_share)) if farm is not None else 0
        n_workers = self.n_persons - n_members
        if n_workers < pop.councils * pop.group_size_min:
            raise ScenarioError(
                f"population.consumers = {pop.consumers}: too few to staff {pop.councils} councils with "
                f"groups of at least {pop.group_size_min}"
            )
        # Enterprises per sector in proportion to the work each sector needs, at least one.
        weights = hours_needed[council_sectors]
        per_sector = _largest_remainder(weights, pop.councils - len(council_sectors)) + 1
        sector = np.repeat(council_sectors, per_sector)
        size = self.rng.uniform(0.5, 1.5, sector.size)
        # Rural communes: land ∝ members, fertility lognormal (seed §9a).
        commune_members = _largest_remainder(self.rng.uniform(0.5, 1.5, pop.communes), n_members - pop.communes) + 1
        fertility = self.rng.lognormal(0.0, s.communes.fertility_spread, pop.communes)
        fertility /= np.average(fertility, weights=commune_members) if pop.communes else 1.0
        sectors_all = np.concatenate([sector, np.full(pop.communes, farm if farm is not None else 0)])
        weight = np.concatenate([size, commune_members * fertility])
        need = hours_needed[sectors_all] * _share_within(sectors_all, weight, n)
        workers = np.concatenate([_staffing(need[: sector.size], n_workers, pop.group_size_min), commune_members])
        self.producers = _producers(sectors_all, weight, self.sector_capacity, workers, fertility, sector.size)
        self._setup_groups(workers[: sector.size], n_members)
        self._setup_consumers(n_workers, commune_members)
        self._update_productivity()
        self.producers.target[:] = production.split_by_share(self.first_output, self.producers.sector, weight)
        self.councils = FactoryCouncil.create_agents(self, sector.size, row=np.arange(sector.size))
        self.communes = RuralCommune.create_agents(
            self, pop.communes, row=np.arange(sector.size, sector.size + pop.communes), index=np.arange(pop.communes)
        )

    def _setup_groups(self, council_workers, n_members):
        pop = self.conditions.population
        n_groups = np.ceil(council_workers / pop.group_size_max).astype(int)
        council = np.repeat(np.arange(council_workers.size), n_groups)
        first = np.concatenate([[0], np.cumsum(n_groups)[:-1]])
        # Each council's workers dealt round-robin over its groups.
        person_council = np.repeat(np.arange(council_workers.size), council_workers)
        rank = np.arange(person_council.size) - np.repeat(np.cumsum(council_workers) - council_workers, council_workers)
        self.person_group = first[person_council] + rank % n_groups[person_council]
        spread = self.conditions.work_groups.productivity_spread
        productivity = self.rng.lognormal(-(spread**2) / 2, spread, council.size)
        self.groups = GroupArrays(council=council, productivity=productivity)
        self.work_groups = PrimaryWorkGroup.create_agents(self, council.size, row=np.arange(council.size))

    def _setup_consumers(self, n_workers, commune_members):
        s = self.conditions
        n = self.n_persons
        group = np.concatenate([self.rng.permutation(self.person_group), np.full(n - n_workers, -1)])
        commune = np.concatenate([np.full(n_workers, -1), np.repeat(np.arange(commune_members.size), commune_members)])
        base = np.ones(n)
        base[:n_workers] = wages.wage_hierarchy(n_workers, s.wages.initial_gini, self.rng)
        g = self.consumer_goods.size
        shares = self.values[self.consumer_goods] * self.expected_demand
        shares = shares / shares.sum()
        taste = s.consumption.taste_noise * shares * self.rng.standard_normal((n, g))
        taste -= shares * taste.sum(axis=1, keepdims=True)  # rows sum to 0: tastes shift, not scale, budgets
        weekly_pay = self.wage * self.hours_per_week
        old_spending = weekly_pay * base
        self.preferences = market.calibrate_preferences(
            shares,
            self.economy.income_elasticities[self.consumer_goods],
            old_spending,
            s.consumption.price_response,
        )
        self.consumers = ConsumerArrays(
            income=np.zeros(n),
            savings=s.consumption.buffer_weeks * old_spending,
            spent=np.zeros(n),
            base_wage=base,
            wage_factor=np.ones(n),
            taste=taste,
            taste_floor=taste.min(axis=0),
            group=group,
            commune=commune,
        )
        self._set_wage_factors()
        self.persons = Consumer.create_agents(self, n, row=np.arange(n))
        self.tokens_held_at_start = float(self.consumers.savings.sum())
        self.tokens_paid = 0.0
        self.tokens_spent = 0.0

    def _set_wage_factors(self):
        """Workers' relative wages on the equalisation schedule, mean 1 over workers: the same wage bill."""
        c = self.consumers
        workers = c.group >= 0
        c.wage_factor[workers] = wages.equalised(c.base_wage[workers], self._equalisation_progress())
        c.wage_factor[~workers] = 1.0

    def _equalisation_progress(self) -> float:
        """Share of the way from the old hierarchy to equal wages: year / years (1 at once if 0)."""
        years = self.conditions.wages.equalisation_years
        return 1.0 if years == 0 else min(1.0, (self.week // WEEKS_PER_YEAR) / years)

    def _update_productivity(self):
        """Workers per enterprise and their hours-weighted productivity, from the groups."""
        p, group = self.producers, self.consumers.group
        members = np.bincount(group[group >= 0], minlength=self.groups.council.size)
        councils = ~p.is_commune
        n_councils = int(councils.sum())
        workers = np.bincount(self.groups.council, weights=members, minlength=n_councils)
        effective = np.bincount(self.groups.council, weights=members * self.groups.productivity, minlength=n_councils)
        p.workers[councils] = workers.astype(int)
        p.productivity[councils] = np.divide(effective, workers, out=np.ones(n_councils), where=workers > 0)
        self.labour_cap = production.labour_limited_output(
            p.workers * self.hours_per_week, p.productivity, self.technology.labour[p.sector]
        )

    # --- the week -------------------------------------------------------------------------------

    def step(self):
        """One week: produce → pay → buy → price → readjust; plan monthly; decide yearly."""
        self.produce()
        self.pay()
        self.buy()
        self.reprice()
        self.readjust()
        self.record.week_done()
        self.datacollector.collect(self)
        self.week += 1
        self.shocks()  # before the plan, so that it knows
        if self.week % WEEKS_PER_YEAR == 0:
            self.decide()  # the yearly decision comes first: the plan then works it out
        if self.week % self.conditions.plan.period_weeks == 0:
            self.plan()

    def shocks(self):
        """Events of the scenario that fall in this week: imports stop, tastes shift."""
        imp, shift = self.conditions.imports, self.conditions.taste_shift
        if imp.stop_after_years > 0 and self.week == round(imp.stop_after_years * WEEKS_PER_YEAR):
            self.imports = np.zeros_like(self.imports)
            self.exports = np.zeros_like(self.exports)
        if shift.after_years > 0 and self.week == round(shift.after_years * WEEKS_PER_YEAR):
            self.preferences = market.shift_tastes(
                self.preferences, self._good_position(shift.rises), self._good_position(shift.falls), shift.budget_share
            )

    def _good_position(self, code: str) -> int:
        """Position of a consumer good among ``consumer_goods``."""
        names = [self.technology.names[g] for g in self.consumer_goods]
        if code not in names:
            raise ScenarioError(f"taste_shift: {code!r} is not a consumer good; known: {', '.join(names)}")
        return names.index(code)

    def produce(self):
        """Councils and communes make ``min(target, capacity, labour, inputs)`` (seed §7b)."""
        p = self.producers
        self.stock_before = self.stock.copy()
        p.output[:], self.output, self.inputs_used = production.produce(
            p.target, p.capacity, self.labour_cap, p.sector, self.inputs_true, self.stock
        )
        self.stock += self.output - self.inputs_used

    def pay(self):
        """Equal hourly wage to every worker (or the shrinking hierarchy); communes credit their members."""
        c, p = self.consumers, self.producers
        weekly = self.wage * self.hours_per_week
        workers = c.group >= 0
        c.income[workers] = weekly * c.wage_factor[workers]
        if p.is_commune.any():
            communes = np.flatnonzero(p.is_commune)
            members = p.workers[communes]
            credits = wages.commune_credits(
                weekly * members.sum(),
                self.values[p.sector[communes]] * p.output[communes],
                members,
                self.conditions.communes.transfer,
            )
            c.income[~workers] = (credits / members)[c.commune[~workers]]
        self.tokens_paid += float(c.income.sum())

    def buy(self):
        """Public bodies and investment draw their planned goods; households buy, rationed where scarce."""
        self.stock += self.imports
        planned = self.public_plan + self.investment_plan + self.exports
        fill = np.ones_like(planned)
        np.divide(self.stock, planned, out=fill, where=planned > self.stock)
        self.public_use = self.public_plan * fill
        self.investment_use = self.investment_plan * fill
        self.exported = self.exports * fill
        self.stock -= self.public_use + self.investment_use + self.exported
        ordered = self.investment_plan > 0
        delivered = float(fill[ordered].min()) if ordered.any() else 0.0
        self.pipeline[-1] += self.capacity_plan * delivered
        c, cfg, cg = self.consumers, self.conditions.consumption, self.consumer_goods
        spending = market.intended_spending(c.income, c.savings, cfg.buffer_weeks, cfg.smoothing_weeks)
        # Deliveries between enterprises are planned: households buy what the next week's
        # production does not need (seed §7b: the intermediate targets come first).
        on_sale = np.maximum(self.stock[cg] - self.earmarked[cg], 0.0)
        week = market.buy(
            self.preferences,
            spending,
            self.prices,
            self.values[cg],
            c.taste,
            on_sale,
            cfg.rationing,
            self.rng,
            taste_floor=c.taste_floor,
        )
        c.spent[:] = week.spent
        c.savings += c.income - c.spent
        self.tokens_spent += float(c.spent.sum())
        self.wanted, self.sales = week.wanted, week.bought
        self.stock[cg] = np.maximum(self.stock[cg] - self.sales, 0.0)

    def reprice(self):
        """Corrective (b): each price follows its good's reserve stock (seed §7c)."""
        rule, cg = self.conditions.prices, self.consumer_goods
        new = market.price_from_stock(self.values[cg], self.stock[cg], self.reserve[cg], **vars(rule))
        self.record.price_changes(self.prices, new)
        self.prices = new

    def readjust(self):
        """Corrective (c): consumer-good output moves toward ``D̂ + (S* − S)/τ`` (seed §7c)."""
        r, cg, p = self.conditions.readjustment, self.consumer_goods, self.producers
        self.expected_demand += r.demand_smoothing * (self.wanted - self.expected_demand)
        other = self.other_use[cg]
        self.reserve[cg] = r.reserve_weeks * (self.expected_demand + other)
        sector_target = self._sector_target()
        sector_target[cg] = market.readjusted_output(
            self.expected_demand,
            self.stock[cg],
            self.reserve[cg],
            r.rebuild_weeks,
            other - self.imports[cg],  # imports arriving each week need not be made at home
            self.sector_capacity[cg],
        )
        self._set_targets(sector_target)
        arriving = self.pipeline[0].copy()
        self.pipeline = np.roll(self.pipeline, -1, axis=0)
        self.pipeline[-1] = 0.0
        if arriving.any():
            self.sector_capacity += arriving
            p.capacity[:] = production.split_by_share(self.sector_capacity, p.sector, p.capacity)

    # --- the plan factory (seed §7b) --------------------------------------------------------------

    def plan(self):
        """Re-solve the intermediate targets for the demand now expected; allocate investment."""
        s, n, cg = self.conditions, self.technology.n, self.consumer_goods
        pl = s.plan
        rate = pl.revision_rate
        self._revise_coefficients(rate)
        self._refresh_plan_factory()
        # Stock-taking is crude at first and improves as councils report (seed §7b).
        error = pl.inventory_error * (1.0 - rate) ** (self.week // pl.period_weeks)
        stock_taken = self.stock * np.exp(error * self.rng.standard_normal(n))
        household = np.zeros(n)
        household[cg] = self.expected_demand
        household *= pl.private_share * self.net_product / max(self.values @ household, 1e-12)
        self._allocate_investment()
        final = household + self.public_plan + self.investment_plan + self.exports - self.imports
        use = la.lu_solve(self._plan_lu, final)
        reserve = s.readjustment.reserve_weeks * (use + self.imports)  # all use: made at home or imported
        self.reserve[~np.isin(np.arange(n), cg)] = reserve[~np.isin(np.arange(n), cg)]
        # The rebuild rate holds until the next solve: over less than a plan period it overshoots.
        rebuild = (reserve - stock_taken) / max(s.readjustment.rebuild_weeks, pl.period_weeks)
        self.plan_output = np.maximum(la.lu_solve(self._plan_lu, final + rebuild), 0.0)
        self.earmarked = self.inputs_estimated @ self.plan_output  # a week of inputs for production
        self.other_use = self.earmarked + self.public_plan + self.investment_plan + self.exports
        self._set_targets(self.plan_output.copy())
        self._reallocate_labour()

    def _revise_coefficients(self, rate: float):
        """Move the plan factory's coefficients toward what the councils report (seed §7b).

        Each sector's column is revised by ``rate`` toward the output-weighted mean of the
        inputs per unit its councils (or communes) report; a sector that made nothing this
        week keeps its estimate.
        """
        n = self.technology.n
        measured, weight = np.zeros((n, n)), np.zeros(n)
        for report in self.councils.map("report") + self.communes.map("report"):
            j = self.technology.index(report["sector"])
            measured[:, j] += report["output"] * report["inputs_per_unit"]
            weight[j] += report["output"]
        reported = weight > 0
        measured[:, reported] /= weight[reported]
        self.inputs_estimated[:, reported] += rate * (measured[:, reported] - self.inputs_estimated[:, reported])

    def _sector_target(self):
        return np.bincount(self.producers.sector, weights=self.producers.target, minlength=self.technology.n)

    def _set_targets(self, sector_target):
        p = self.producers
        p.target[:] = production.split_by_share(sector_target, p.sector, p.capacity)

    def _allocate_investment(self):
        """Investment fund → capacity, bottlenecks first, the rest to balanced growth (seed §7f)."""
        pl = self.conditions.plan
        period = pl.period_weeks
        cost = WEEKS_PER_YEAR * (self.values @ self.capital)  # hours per unit of weekly capacity
        limit = pl.max_capacity_growth * self.sector_capacity * period / WEEKS_PER_YEAR
        in_pipe = self.pipeline.sum(axis=0)
        wanted = np.maximum(self.plan_output * (1.0 + pl.investment_margin) - self.sector_capacity - in_pipe, 0.0)
        grow = np.minimum(wanted, limit)
        budget = self._fund() * period
        spent = cost @ grow
        if spent > budget:
            grow *= budget / spent
        elif cost @ self.sector_capacity > 0:
            # What bottlenecks leave of the fund expands every sector by the same share.
            balanced = (budget - spent) / (cost @ self.sector_capacity) * self.sector_capacity
            grow += np.minimum(balanced, limit - grow)
        self.capacity_plan = grow / period  # weekly capacity added per week of deliveries
        self.investment_plan = self.capital @ (WEEKS_PER_YEAR * self.capacity_plan)

    def _reallocate_labour(self):
        """Workers move between enterprises to where the plan needs their hours (seed §6)."""
        p, c = self.producers, self.consumers
        councils = np.flatnonzero(~p.is_commune)
        need = p.target[councils] * self.technology.labour[p.sector[councils]] / p.productivity[councils]
        workers = c.group >= 0
        total = int(workers.sum())
        floor = self.conditions.population.group_size_min
        desired = _staffing(need, total, floor)
        have = p.workers[councils]
        surplus = np.maximum(have - desired, 0)
        deficit = np.maximum(desired - have, 0)
        moves = int(min(surplus.sum(), deficit.sum()))
        if moves == 0:
            return
        person_council = np.full(c.group.size, -1)
        person_council[workers] = self.groups.council[c.group[workers]]
        order = self.rng.permutation(c.group.size)
        order = order[person_council[order] >= 0]
        order = order[np.argsort(person_council[order], kind="stable")]
        start = np.searchsorted(person_council[order], councils)
        leaving = np.concatenate([order[start[k] : start[k] + surplus[k]] for k in np.flatnonzero(surplus)])
        leaving = leaving[:moves]
        destination = np.repeat(councils, deficit)[:moves]
        self._join_groups(leaving, destination)

    def _join_groups(self, persons, councils):
        """Move ``persons`` to the enterprises ``councils``; the shops of every enterprise concerned re-form."""
        c, g = self.consumers, self.groups
        left = g.council[c.group[persons]]
        order = np.argsort(g.council, kind="stable")
        c.group[persons] = order[np.searchsorted(g.council[order], councils)]  # a first group of the new one
        self._regroup(np.union1d(left, councils))
        self._update_productivity()

    def _regroup(self, councils):
        """Deal each enterprise's workers into ``ceil(workers / group_size_max)`` primary work groups.

        Members are dealt in the order of their present groups, so most stay together; an
        enterprise that grows opens new groups (new agents), one that shrinks leaves some
        empty (dissolved) until it grows again.
        """
        c, g = self.consumers, self.groups
        pop, spread = self.conditions.population, self.conditions.work_groups.productivity_spread
        workers = np.flatnonzero(c.group >= 0)
        owner = g.council[c.group[workers]]
        by_owner = np.argsort(owner, kind="stable")
        bounds = np.searchsorted(owner[by_owner], [councils, councils + 1])
        group_order = np.argsort(g.council, kind="stable")
        for council, start, stop in zip(councils, *bounds, strict=True):
            members = workers[by_owner[start:stop]]
            members = members[np.argsort(c.group[members], kind="stable")]
            k = max(1, -(-members.size // pop.group_size_max))
            lo, hi = np.searchsorted(g.council[group_order], [council, council + 1])
            mine = group_order[lo:hi]
            if mine.size < k:  # new shops
                new = np.arange(g.council.size, g.council.size + k - mine.size)
                g.council = np.concatenate([g.council, np.full(new.size, council)])
                g.productivity = np.concatenate(
                    [g.productivity, self.rng.lognormal(-(spread**2) / 2, spread, new.size)]
                )
                for row in new:
                    PrimaryWorkGroup(self, row=int(row))
                mine = np.concatenate([mine, new])
            size = np.bincount(c.group[members], minlength=g.council.size)[mine]
            keep = np.sort(mine[np.argsort(-size, kind="stable")[:k]])
            for group, chunk in zip(keep, np.array_split(members, k), strict=True):
                c.group[chunk] = group

    # --- the yearly decision point (seed §7f) ---------------------------------------------------------

    def decide(self):
        """Once a year: the hierarchy shrinks on its schedule, groups rotate and exclude, delegates are elected.

        Hours and shares stay as decided (a fixed rule until the yearly vote is modelled).
        """
        c, wg = self.consumers, self.conditions.work_groups
        self._set_wage_factors()
        workers = np.flatnonzero(c.group >= 0)
        rotating = workers[self.rng.random(workers.size) < wg.rotation]
        groups = self.agents_by_type[PrimaryWorkGroup]  # with those formed since the start
        asking = groups.select(lambda group: self.rng.random() < wg.exclusion)
        leaving = [group.ask_to_leave(self.rng) for group in asking]
        leaving = np.array([row for row in leaving if row is not None], dtype=int)
        movers = np.unique(np.concatenate([rotating, leaving]))
        if movers.size:
            destination = self.groups.council[self.rng.integers(0, self.groups.council.size, movers.size)]
            self._join_groups(movers, destination)

    # --- results ----------------------------------------------------------------------------------

    def run(self, weeks: int | None = None, progress=None):
        """Run for ``weeks`` (default the scenario's horizon), calling ``progress(week)`` after each."""
        for _ in range(self.conditions.weeks if weeks is None else weeks):
            self.step()
            if progress is not None:
                progress(self.week)
        return self.record.summary()

    def explain_prices(self, limit: int = 20) -> list[str]:
        """Why prices moved: the logged changes, newest last (seed §7c: "fully explained to the people")."""
        return self.record.explain_prices(limit)


def _peasant_technology(economy: Economy, scenario: Scenario) -> Technology:
    """The economy's technology, with farming made as labour-intensive as the scenario's peasant share asks (seed §9a).

    With ``communes.population_share`` = s > 0, the labour coefficient of agriculture is
    scaled so that the communes need that share of all persons at the first plan.
    """
    t, share = economy.technology, scenario.communes.population_share
    if share == 0 or scenario.population.communes == 0 or "AGR" not in t.names:
        return t
    farm = t.index("AGR")
    inputs = t.A + (0 if t.capital_consumption is None else t.capital_consumption)
    home = economy.final_demand[["private", "public", "investment"]].sum(axis=1).to_numpy()
    x = np.linalg.solve(np.eye(t.n) - inputs, home)
    p = scenario.plan
    farm_share = share * (1.0 + p.labour_reserve) / (1.0 + p.capacity_headroom)  # see _setup_people
    others = t.labour @ x - t.labour[farm] * x[farm]
    labour = t.labour.copy()
    labour[farm] = farm_share * others / ((1.0 - farm_share) * x[farm])
    return Technology(
        t.A,
        labour,
        t.capital,
        t.depreciation,
        names=t.names,
        consumer_goods=t.consumer_goods,
        descriptions=t.descriptions,
        sources=t.sources,
    )


def _economy(name: str) -> Economy:
    return default_economy() if name == "default" else load_economy(name)


def _largest_remainder(weights, total: int) -> np.ndarray:
    """Integers ≥ 0 in proportion to ``weights`` that add up to ``total``."""
    weights = np.asarray(weights, dtype=float)
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(weights.size, dtype=int)
    exact = weights / weights.sum() * total
    out = np.floor(exact).astype(int)
    left = total - out.sum()
    out[np.argsort(out - exact, kind="stable")[:left]] += 1
    return out


def _staffing(need, total: int, floor: int) -> np.ndarray:
    """Workers per enterprise: in proportion to ``need``, but never fewer than ``floor``.

    Enterprises whose share would fall below the floor get the floor; the rest of the
    workers are shared among the others in proportion to their need (water-filling).
    """
    need = np.asarray(need, dtype=float)
    fixed = np.zeros(need.size, dtype=bool)
    while True:
        free = total - floor * fixed.sum()
        open_ = np.flatnonzero(~fixed)
        if open_.size == 0 or need[open_].sum() <= 0:
            break
        low = need[open_] / need[open_].sum() * free < floor
        if not low.any():
            break
        fixed[open_[low]] = True
    out = np.full(need.size, floor, dtype=int)
    open_ = np.flatnonzero(~fixed)
    out[open_] = _largest_remainder(need[open_], total - floor * fixed.sum())
    if open_.size == 0 or need[open_].sum() <= 0:  # nothing needed: share what is left evenly
        out += _largest_remainder(np.ones(need.size), total - out.sum())
    return out


def _share_within(sector, weight, n):
    total = np.bincount(sector, weights=weight, minlength=n)
    return weight / total[sector]


def _producers(sector, weight, sector_capacity, workers, fertility, n_councils):
    size = sector.size
    capacity = production.split_by_share(sector_capacity, sector, weight)
    productivity = np.concatenate([np.ones(n_councils), fertility])
    return ProducerArrays(
        sector=sector,
        capacity=capacity,
        target=np.zeros(size),
        output=np.zeros(size),
        productivity=productivity,
        workers=workers.astype(int),
        is_commune=np.arange(size) >= n_councils,
    )
