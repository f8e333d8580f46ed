"""Enterprises that sell on a market: the books and phases the ``market`` and ``self_managed_market`` regimes share.

Under the councils the plan factory sets the targets of every good but the consumer goods,
and tokens are only paid to persons and spent by them (seed §7d). Where enterprises sell
on a market there is no plan after the first week: every good, consumer good or not, is
bought and sold, and money stays with the enterprises between a sale and a payment.

**The books.** Every producer (enterprise or rural commune) holds funds, in tokens. Each
week it receives what its sales bring — to households, to other enterprises for their
inputs and the capital they use up, to the treasury for public consumption and exports,
to investing enterprises for their capital goods — and pays for its inputs, for the
imports it resells, for the capital goods it ordered, and its workers (wages, dividends
or shares of net income, which each regime decides). A good's sales are shared among its
producers by the week's output. The treasury buys public consumption and exports, sells
imports and pays the unemployed their benefit; a tax on every person's income pays for it at
a structural rate (normal income, normal prices, a planned deficit, the balance brought back
to its planned path over five years), so that taxes and benefits steady demand over the
cycle. Where the regime lends (``[bank]``), enterprises borrow from a bank, which creates the
deposit it lends, charges interest at the central bank's rate (Taylor 1993) plus a spread, and
pays its profit to its owners. Tokens move between accounts and are never created but by a
loan, which is a debt: every sector's financial assets less its liabilities sum to 0 every
week (:meth:`MarketEconomy.balance_sheets`; Godley & Lavoie 2007).

**Prices** are normal prices (a markup over normal unit cost: :func:`sim.economics.firms.normal_prices`)
moved by each good's stock against its target with the seed's own function φ and the
scenario's ``[prices]`` (so that only the centre of gravity differs from the councils'
corrective b). The money wage is set once so that normal prices are, on the Stone index of
households' budget shares, the true labour values (whatever the statistical office
estimates at first): a token buys an hour of labour value at normal prices, as under the
councils, and the price level is comparable.

**Output** of every good follows its expected use and its inventory, ``D̂ + (S* − S)/τ``
within capacity (Godley & Lavoie 2007, ch. 8), where ``D̂`` smooths what households and
every other user took. A regime may instead take the councils' rules for prices and output
(:meth:`MarketEconomy.price_rule`, :meth:`MarketEconomy.output_rule`), so that a comparison can
set every institution alike. **Investment**: each producer orders capacity where its expected
use, grown at the regime's expected growth until the order arrives, needs it at a target
utilisation, as far as its own funds beyond a working capital (and the bank's credit, where
it lends) pay for it (Dosi, Fagiolo & Roventini 2010; Caiani et al. 2016); under
``comparison.investment = "equal"`` producers order capacity worth the plan's investment share
of the net product instead, and the treasury pays for it out of its tax, as the plan withholds
that share before wages (:meth:`MarketEconomy.levies`). Capacity comes into service after the scenario's lag, to the
producer that ordered it, and wears as under every regime (:mod:`sim.economics.capital`).
Normal prices follow the methods in use at each plan, and the money wage follows
unemployment where the regime bargains (:meth:`MarketEconomy.wage_slope`).

A statistical office still collects the producers' reports, so that labour values — the
observer's yardstick of every measure — are estimated as under the councils; it plans
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.economics import banking, capital, firms, market
from sim.economics.units import WEEKS_PER_YEAR
from sim.regimes.base import Regime

#: Working capital an enterprise keeps, weeks of its inputs and of its members' pay at the money wage.
FUNDS_WEEKS = 4.0
#: Weeks over which the treasury's tax rate brings its balance back to where it started.
TAX_HORIZON_WEEKS = 5.0 * WEEKS_PER_YEAR
#: Weeks over which the treasury's estimate of normal income follows incomes (longer than a cycle).
NORMAL_INCOME_WEEKS = 2.0 * WEEKS_PER_YEAR
#: The highest income tax rate.
MAX_TAX_RATE = 0.9


@dataclass
class Books:
    """Every producer's account (P rows), the treasury, and this week's flows, tokens.

    ``funds`` change each week by ``revenue − inputs − investment − pay − interest``, and at a
    plan by what is borrowed less what is repaid.
    """

    funds: np.ndarray  # (P,) held
    revenue: np.ndarray  # (P,) this week's sales
    inputs: np.ndarray  # (P,) this week's inputs and capital used up, and the imports each resells
    investment: np.ndarray  # (P,) this week's capital goods
    pay: np.ndarray  # (P,) this week's wages, dividends or shares of net income
    orders: np.ndarray  # (P,) weekly capacity ordered per week of deliveries, until the next plan
    pipeline: np.ndarray  # (lag + 1, P) capacity on its way, arriving in 0 … lag weeks
    net_income: np.ndarray  # (P,) sum since the last plan of revenue − inputs
    bought: np.ndarray  # (P,) sum since the last plan of inputs
    weeks: int = 0  # weeks since the last plan
    treasury: float = 0.0
    tax_rate: float = 0.0
    taxed: float = 0.0  # gross incomes since the last plan
    loans: np.ndarray = None  # (P,) each producer's debt to the bank
    interest: np.ndarray = None  # (P,) this week's interest on it
    bank_equity: float = 0.0  # the bank's own funds: interest received less what it paid its owners
    bank_payout: float = 0.0  # what the bank pays its owners per week, until the next plan
    policy_rate: float = 0.0  # the central bank's rate, per year
    loan_rate: float = 0.0  # the bank's rate on loans, per year
    issued: float = 0.0  # tokens that existed when the books opened: the monetary authority's liability
    normal_income: float = 0.0  # the treasury's estimate of gross incomes in a normal week
    planned_balance: float = 0.0  # the treasury's balance were its planned deficits all it ran


class MarketEconomy(Regime):
    """What market regimes share: books, normal-cost prices, inventory-driven output, self-financed investment.

    A subclass says who is paid what (:meth:`incomes`), how each plan period's net
    income is shared (:meth:`share`) and how labour moves (:meth:`move_labour`); its
    scenario section (:meth:`rules`) gives its markup and inventory horizon.
    """

    def __init__(self):
        super().__init__()
        self.books: Books | None = None
        self.normal = None  # (n,) normal prices, tokens per unit
        self.all_prices = None  # (n,) prices of every good this week
        self.money_wage = 0.0  # tokens per hour at normal prices (wage or normal personal income)
        self.sales_share = None  # (P,) weight of each producer in its good's sales this week
        self.goods_of = None  # (P, n) 1 where a producer makes a good
        self.expected_growth = 0.0  # yearly growth of use enterprises expect
        self.inflation = 0.0  # growth of the price level over the last year, as the central bank saw it

    # --- what each market regime says ----------------------------------------------------------

    def rules(self, model):
        """The regime's own scenario section (named as the regime): ``markup``, ``rebuild_weeks``, …"""
        return getattr(model.conditions, self.name)

    def incomes(self, model, producer_of):
        """Gross income of every person this week and what each producer pays out for it.

        Returns
        -------
        gross : numpy.ndarray, shape (N,)
            Tokens per person, before tax.
        paid : numpy.ndarray, shape (P,)
            Tokens each producer pays; sums to ``gross.sum()``.
        """
        raise NotImplementedError

    def share(self, model, net_income, working_capital):
        """At each plan: how the period's net income per week (P,) is shared; ``working_capital`` (P,) is kept."""
        raise NotImplementedError

    def move_labour(self, model):
        """At each plan: workers move between enterprises."""
        raise NotImplementedError

    def open(self, model):
        """At the first plan, before the books open: the regime's people (owners, hierarchy, shares)."""

    def close(self, model):
        """At each plan, after the books: enterprises that fail close (none here)."""

    def benefits(self, model) -> np.ndarray:
        """The unemployed get the regime's ``benefit`` × the mean weekly wage from the treasury (its tax pays)."""
        jobless = self.jobless(model)
        return np.where(jobless, self.rules(model).benefit * self.money_wage * model.state.hours_per_week, 0.0)

    @staticmethod
    def jobless(model) -> np.ndarray:
        """Mask of persons without work: in no work group and no commune."""
        c = model.consumers
        return (c.group < 0) & (c.commune < 0)

    def unemployment_rate(self, model) -> float:
        """Persons without work ÷ every person (everyone is in the labour force; communes' members farm)."""
        return float(self.jobless(model).mean())

    def price_rule(self, model) -> str:
        """What prices gravitate to: ``"normal"``, the enterprises' own normal-cost prices (here always)."""
        return "normal"

    def output_rule(self, model) -> str:
        """How output is readjusted: ``"sales"``, every good weekly toward its expected use (here always)."""
        return "sales"

    def income_rule(self, model) -> str:
        """How incomes are set: ``"own"``, the regime's own wages and shares of net income (here always)."""
        return "own"

    # --- the week ---------------------------------------------------------------------------------

    def pay(self, model):
        """Incomes from the producers' funds; the treasury takes its tax from every income."""
        b, c, s = self.books, model.consumers, model.state
        gross, paid = self.incomes(model, self.producer_of_persons(model))
        benefits = self.benefits(model)
        gross = gross + benefits
        b.treasury -= float(benefits.sum())
        tax = b.tax_rate * gross
        c.receive(gross - tax)
        b.pay = paid
        b.funds -= paid
        b.treasury += float(tax.sum())
        b.taxed += float(gross.sum())
        s.tokens_paid += float(c.income.sum())

    def deliver(self, model):
        """Imports, public bodies, investment and exports draw; every sale between accounts is paid."""
        super().deliver(model)
        b, s, p = self.books, model.state, self.all_prices
        producers = model.producers
        self.sales_share = self._sales_weights(model)
        # Sellers: inputs (and capital used up), public consumption, capital goods, exports.
        sold = p * (s.inputs_used + s.public_use + s.investment_use + s.exported)
        b.revenue = sold[producers.sector] * self.sales_share
        # Buyers of inputs, in proportion to the inputs their output took.
        need = producers.output * (p @ model.councils.inputs_true)[producers.sector]
        b.inputs = firms.split_by_weight(float(p @ s.inputs_used), need)
        b.inputs += (p * s.imports)[producers.sector] * self.sales_share  # imports are resold by the good's producers
        spent = float(p @ s.investment_use)
        if self.levies(model):  # the treasury pays for the capital goods, as the plan withholds their share
            b.investment = np.zeros(producers.sector.size)
            b.treasury -= spent
        else:
            ordered = b.orders * self.capacity_cost(model)
            b.investment = firms.split_by_weight(spent, ordered) if ordered.any() else 0.0 * ordered
        b.treasury += float(p @ (s.imports - s.public_use - s.exported))

    def buy(self, model):
        """Households buy; each good's producers take what its sales bring; the week's accounts close."""
        super().buy(model)
        b, s = self.books, model.state
        household = np.zeros(model.technology.n)
        household[s.consumer_goods] = self.all_prices[s.consumer_goods] * s.sales
        b.revenue += household[model.producers.sector] * self.sales_share
        b.interest = b.loans * (b.loan_rate / WEEKS_PER_YEAR)
        b.funds += b.revenue - b.inputs - b.investment - b.interest
        b.bank_equity += float(b.interest.sum())
        b.net_income += b.revenue - b.inputs - b.interest
        b.bought += b.inputs
        b.weeks += 1
        s.tokens_retained = float(b.funds.sum())
        s.tokens_treasury = b.treasury

    def price(self, model):
        """Normal prices moved by each good's stock against its target (the scenario's ``[prices]`` φ)."""
        s = model.state
        self.all_prices = market.price_from_stock(self.normal, s.stock, s.reserve, **vars(model.conditions.prices))
        new = self.all_prices[s.consumer_goods]
        model.record.price_changes(s.prices, new)
        s.prices = new

    def readjust(self, model):
        """Every good's output toward its expected use and the rebuild of its stock (Godley & Lavoie 2007, ch. 8).

        Under the output rule ``"plan"`` (:meth:`output_rule`), the councils' rule instead:
        consumer goods follow corrective (c) every week (``FactoryCouncils.readjust``, the
        scenario's ``[readjustment]``), the other goods keep the targets set at the plan
        (:meth:`_plan_targets`).
        """
        s, rules = model.state, model.conditions.readjustment
        if self.output_rule(model) == "plan":
            model.councils.readjust(s, rules, s.seen_demand)
            return
        cg, smooth = s.consumer_goods, rules.demand_smoothing
        s.expected_demand += smooth * (s.seen_demand - s.expected_demand)
        others = s.inputs_used + s.public_use + s.investment_use + s.exported
        s.other_use += smooth * (others - s.other_use)
        self._targets(model)
        use = s.other_use - s.imports  # imports arriving each week need not be made at home
        use[cg] += s.expected_demand
        rebuild = self.rules(model).rebuild_weeks
        sector_target = market.readjusted_output(use, s.stock, s.reserve, rebuild, 0.0, s.sector_capacity)
        model.councils.take_targets(sector_target)

    def invest(self, model):
        """Capacity is built as its goods arrive; what was ordered a lag ago comes into service for its buyer.

        As in ``FactoryCouncils.add_capacity``, new capacity embodies a method improved by
        ``technical_change.embodied``, and an enterprise's method becomes the capacity-weighted
        mean of old and new.
        """
        b, s, producers = self.books, model.state, model.producers
        b.pipeline[-1] += b.orders * s.delivered
        arriving = b.pipeline[0].copy()
        b.pipeline = np.roll(b.pipeline, -1, axis=0)
        b.pipeline[-1] = 0.0
        if arriving.any():
            producers.capacity += arriving
            s.sector_capacity = producers.by_sector(producers.capacity, model.technology.n)
            # New capacity works with the method improved by technical_change.embodied (as under every regime).
            new = np.divide(arriving, producers.capacity, out=np.zeros(arriving.size), where=producers.capacity > 0)
            rows = model.councils.rows
            producers.method[rows] = capital.improved_method(
                producers.method[rows], new[rows], model.conditions.technical_change.embodied
            )
        if model.conditions.capital.wear:
            model.councils.wear(s, model.conditions.technical_change.embodied)
        s.pipeline = b.pipeline @ self.goods_of  # the same pipeline, by good

    def plan(self, model):
        """Every plan period: taxes, investment, the sharing of net income, labour moves; the first opens the books.

        The statistical office revises its coefficients from the producers' reports and
        publishes labour values, the yardstick of the measures; nobody plans.
        """
        if self.books is None:
            self._open(model)
            return
        planner, councils, rng = model.planner, model.councils, model.rng
        planner.revise_coefficients(*councils.reports(model.conditions.noise.reports, rng, model.noise.stands_for))
        planner.refresh()
        model.state.values = planner.values
        if self.levies(model):  # public consumption, too, is the plan's share of the net product in hours
            s = model.state
            public = float(planner.values @ s.public_plan)
            if public > 0:
                s.public_plan = s.public_plan * (model.conditions.plan.public_share * s.net_product / public)
        b = self.books
        weeks = max(b.weeks, 1)
        self._bargain(model, weeks)
        self._reprice(model)
        working = self.working_capital(model)
        self._bank(model, working, weeks)
        self._order(model, working)
        if self.output_rule(model) == "plan":
            self._plan_targets(model)
        self._tax(model)
        self._borrow(model, working)
        self.share(model, b.net_income / weeks, working)
        b.net_income[:] = 0.0
        b.bought[:] = 0.0
        b.weeks, b.taxed = 0, 0.0
        self.close(model)
        self.move_labour(model)

    def decide(self, model):
        """No yearly decision: hours and the shares of the product are what the market makes them.

        Enterprises' methods improve as under every regime (``technical_change.rate``).
        """
        model.councils.improve_methods(model.conditions.technical_change.rate)

    def normal_prices(self, model) -> np.ndarray:
        """Normal-cost prices of consumer goods (prices of production with the markup), tokens per unit (G,)."""
        if self.normal is None:  # before the books open: the week-0 values, as every regime starts
            return super().normal_prices(model)
        return self.normal[model.state.consumer_goods]

    # --- helpers ----------------------------------------------------------------------------------

    def _open(self, model):
        """Normal prices, the money wage, every producer's working capital and the tax rate, at week 0."""
        s, sc, t = model.state, model.conditions, model.technology
        cg, producers = s.consumer_goods, model.producers
        inputs = model.councils.inputs_true  # enterprises know what they use
        markup = self.markups(model)
        paid = t.labour * (1.0 + sc.plan.labour_reserve)  # hours paid per unit: at work, and in reserve
        values = firms.normal_prices(t.labour, inputs, 1.0, 0.0)  # true labour values, whatever the office estimates
        shares = model.consumers.preferences.base_shares
        self.money_wage = firms.wage_for_level(paid, inputs, markup, values, shares, cg)
        if self.income_rule(model) == "plan":  # every hour paid, spare hands' too, pays the net product counted (§7d)
            hours_paid = model.consumers.income.size * s.hours_per_week
            self.money_wage *= s.net_product * (1.0 + sc.plan.labour_reserve) / hours_paid
        self.normal = firms.normal_prices(paid, inputs, self.money_wage, markup)
        if self.price_rule(model) == "values":  # the office's estimate, as the councils price at week 0
            self.normal = s.values.copy()
        self.all_prices = self.normal.copy()
        s.prices = self.normal[cg].copy()
        s.wage = self.money_wage
        s.planning_errors = np.zeros(t.n)
        # Expected use: the skeleton's households' demand, inputs of its output, public bodies and exports.
        first_output = producers.by_sector(producers.target, t.n)
        s.other_use = inputs @ first_output + s.public_plan + s.exports
        self._targets(model)
        self.open(model)
        cost = (self.money_wage * paid + self.normal @ inputs)[producers.sector] * producers.target
        P = producers.sector.size
        self.goods_of = np.zeros((P, t.n))
        self.goods_of[np.arange(P), producers.sector] = 1.0
        zeros = np.zeros(P)
        self.books = Books(
            funds=FUNDS_WEEKS * cost,
            revenue=zeros.copy(),
            inputs=zeros.copy(),
            investment=zeros.copy(),
            pay=zeros.copy(),
            orders=zeros.copy(),
            pipeline=np.zeros((sc.plan.investment_lag_weeks + 1, P)),
            net_income=zeros.copy(),
            bought=zeros.copy(),
            loans=zeros.copy(),
            interest=zeros.copy(),
        )
        gross = self.money_wage * s.hours_per_week * model.consumers.income.size
        spending = float(self.normal @ (s.public_plan + s.exports - s.imports))  # no capital goods ordered yet
        self.books.tax_rate = float(np.clip(spending / gross, 0.0, MAX_TAX_RATE)) if gross > 0 else 0.0
        self.books.normal_income = gross
        self.expected_growth = self.initial_growth(model)
        s.tokens_retained = float(self.books.funds.sum())
        s.tokens_treasury = 0.0
        self.books.issued = float(model.consumers.savings.sum()) + s.tokens_retained

    def _bargain(self, model, weeks: int):
        """The money wage moves with unemployment (a wage Phillips curve: Phillips 1958; Galí 2011).

        ``Δw/w = −slope × (u − u*)`` a year, ``u*`` the central bank's natural rate; no
        movement where :meth:`wage_slope` is 0.
        """
        slope = self.wage_slope(model)
        if slope > 0:
            gap = self.unemployment_rate(model) - model.conditions.bank.natural_unemployment
            self.money_wage *= max(1.0 - slope * gap * weeks / WEEKS_PER_YEAR, 0.5)
            model.state.wage = self.money_wage

    def deficit(self, model) -> float:
        """The treasury's planned deficit, share of normal income: none here."""
        return 0.0

    def wage_slope(self, model) -> float:
        """Yearly fall of the money wage per point of unemployment above the natural rate: none here."""
        return 0.0

    def _reprice(self, model):
        """Normal prices follow normal unit cost at the methods in use (capacity-weighted by good), at the money wage.

        Enterprises price on their own costs (full-cost pricing: Lavoie 2014, ch. 3): where
        methods improved, labour per unit and so the normal price fall. Under the price rule
        ``"values"`` (:meth:`price_rule`) normal prices are the statistical office's labour
        values instead, as under the councils (seed §7c: price equals value; a token buys an
        hour of estimated value), whatever the methods in use.
        """
        if self.price_rule(model) == "values":
            self.normal = model.state.values.copy()
            return
        t, producers, sc = model.technology, model.producers, model.conditions
        by_good = producers.by_sector(producers.capacity, t.n)
        weighted = producers.by_sector(producers.capacity * producers.method, t.n)
        method = np.divide(weighted, by_good, out=np.ones(t.n), where=by_good > 0)
        paid = t.labour * method * (1.0 + sc.plan.labour_reserve)
        self.normal = firms.normal_prices(paid, model.councils.inputs_true, self.money_wage, self.markups(model))

    def markups(self, model):
        """Markup over normal unit cost: the scenario's ``markup``, every good alike (float, or (n,) by good)."""
        return self.rules(model).markup

    def investment_share(self, model) -> float:
        """This week's capital goods over its net product (sales less inputs and capital used up), at its prices."""
        b = self.books
        net = float(np.sum(b.revenue - b.inputs))
        return float(self.all_prices @ model.state.investment_use) / net if net > 0 else 0.0

    def lends(self, model) -> bool:
        """Whether enterprises may borrow from the bank (the market regime's ``bank.credit``); not here."""
        return False

    def rates(self, model, inflation: float) -> tuple[float, float]:
        """The central bank's rate by Taylor's (1993) rule and the bank's on loans, ``spread`` above it, per year."""
        rules = model.conditions.bank
        policy = banking.taylor_rate(
            inflation,
            self.unemployment_rate(model),
            rules.natural_unemployment,
            rules.neutral_rate,
            rules.inflation_target,
        )
        return policy, policy + rules.spread

    def _bank(self, model, working, weeks: int):
        """The central bank sets its rate (Taylor 1993); enterprises repay what is due; the bank pays out its profit."""
        b, rules = self.books, model.conditions.bank
        if not self.lends(model):
            return
        level = model.record.series("price_level")  # over the last year; the target until a year is seen
        year_ago = level.size > WEEKS_PER_YEAR
        inflation = level[-1] / level[-WEEKS_PER_YEAR - 1] - 1.0 if year_ago else rules.inflation_target
        self.inflation = inflation
        b.policy_rate, b.loan_rate = self.rates(model, inflation)
        spare = b.funds - working - self.committed(model)
        repaid = np.minimum(
            banking.repayment(b.loans, spare, rules.loan_years * WEEKS_PER_YEAR, weeks), np.maximum(b.funds, 0.0)
        )
        b.loans -= repaid
        b.funds -= repaid
        b.bank_payout = max(b.bank_equity, 0.0) / model.conditions.plan.period_weeks

    def _borrow(self, model, working):
        """Enterprises borrow what their new orders and working capital need beyond their funds, within their credit."""
        b = self.books
        if not self.lends(model):
            return
        room = banking.credit_room(b.loans, self.capital_value(model), model.conditions.bank.leverage)
        new = banking.borrowing(self.committed(model) + working, b.funds, room)
        b.loans += new
        b.funds += new

    def balance_sheets(self, model) -> dict:
        """Net financial assets of every sector, tokens; they sum to 0 (every token has its counterpart)."""
        b = self.books
        return {
            "households": float(model.consumers.savings.sum()),
            "enterprises": float(b.funds.sum() - b.loans.sum()),
            "bank": b.bank_equity,
            "treasury": b.treasury,
            "monetary authority": -b.issued,
        }

    def _plan_targets(self, model):
        """Output rule ``"plan"``: targets of the goods households do not buy, set as the plan factory sets them.

        As :meth:`sim.run.planning.Planner.solve` does each plan period: the final use
        expected — households' expected demand, public consumption, the capital goods ordered,
        exports less imports — through the input-output inverse of the office's estimates,
        plus each good's stock rebuilt to ``reserve_weeks`` of its use over
        ``max(rebuild_weeks, period_weeks)``; the goods' reserves and their other use follow.
        Households' demand is the mix enterprises expect from their sales, scaled to what
        households were paid this week after tax at normal prices (the plan factory scales its
        estimate to the tokens the plan pays households: what their incomes would buy, not
        what they bought); the stock is the enterprises' own count (no stock-taking error).
        """
        s, sc, planner = model.state, model.conditions, model.planner
        n, cg = model.technology.n, s.consumer_goods
        household = np.zeros(n)
        household[cg] = s.expected_demand
        household *= float(model.consumers.income.sum()) / max(float(self.normal @ household), 1e-12)
        final = household + s.public_plan + s.investment_plan + s.exports - s.imports
        reserve = sc.readjustment.reserve_weeks * (planner.plan_factory.intermediate_targets(final) + s.imports)
        rebuild = (reserve - s.stock) / max(sc.readjustment.rebuild_weeks, sc.plan.period_weeks)
        s.plan_output = np.maximum(planner.plan_factory.intermediate_targets(final + rebuild), 0.0)
        s.other_use = planner.inputs_estimated @ s.plan_output + s.public_plan + s.investment_plan + s.exports
        planned = np.ones(n, dtype=bool)
        planned[cg] = False
        s.reserve[planned] = reserve[planned]
        targets = model.producers.by_sector(model.producers.target, n)
        targets[planned] = s.plan_output[planned]
        model.councils.take_targets(targets)

    def _targets(self, model):
        """Reserve targets of every good: weeks of its expected use (imports included)."""
        s, rules = model.state, model.conditions.readjustment
        use = s.other_use.copy()
        use[s.consumer_goods] += s.expected_demand
        s.reserve = rules.reserve_weeks * use

    def _tax(self, model):
        """A structural tax rate: it pays the treasury's purchases, less a planned deficit, out of normal income.

        The balance is brought back to its planned path (the planned deficits summed) over 5 years.

        Normal income follows gross incomes over :data:`NORMAL_INCOME_WEEKS` and the purchases
        (public consumption and exports less imports) are valued at normal prices, so that the
        rate does not move with the cycle: benefits and taxes are automatic stabilisers, and the
        treasury's balance absorbs a slump (Godley & Lavoie 2007, ch. 3 and 11).
        """
        b, s = self.books, model.state
        weeks = max(b.weeks, 1)
        b.normal_income += min(weeks / NORMAL_INCOME_WEEKS, 1.0) * (b.taxed / weeks - b.normal_income)
        bought = s.public_plan + s.exports - s.imports
        if self.levies(model):  # and the capital goods ordered, under equal investment
            bought = bought + s.investment_plan
        purchases = float(self.normal @ bought)
        deficit = self.deficit(model) * b.normal_income  # planned, tokens a week
        b.planned_balance -= deficit * weeks
        # Under equal investment the levy balances within a plan period, as the plan withholds its share.
        horizon = model.conditions.plan.period_weeks if self.levies(model) else TAX_HORIZON_WEEKS
        needed = purchases - deficit - (b.treasury - b.planned_balance) / horizon
        if b.normal_income > 0:
            b.tax_rate = float(np.clip(needed / b.normal_income, 0.0, MAX_TAX_RATE))

    def working_capital(self, model) -> np.ndarray:
        """Funds each producer keeps: :data:`FUNDS_WEEKS` of its inputs and of its members' pay at the money wage.

        Pay at the money wage, not what was paid: funds paid out do not raise what is kept.
        """
        b, producers, s = self.books, model.producers, model.state
        pay = self.money_wage * s.hours_per_week * producers.workers
        return FUNDS_WEEKS * (b.bought / max(b.weeks, 1) + pay)

    def investment_margin(self, model) -> float:
        """Spare capacity enterprises invest to keep, share of expected use: the plan's ``investment_margin``."""
        return model.conditions.plan.investment_margin

    def capital_value(self, model, capacity=None) -> np.ndarray:
        """Each producer's ``capacity`` (default: in service) at normal prices, tokens (what the bank lends against)."""
        per_good = WEEKS_PER_YEAR * (self.normal @ model.planner.capital_per_capacity)
        return per_good[model.producers.sector] * (model.producers.capacity if capacity is None else capacity)

    def members_needed(self, model) -> np.ndarray:
        """Members each producer's target needs at its method and productivity, with the labour reserve (P,).

        Persons, not whole: ``target × labour per unit ÷ productivity ÷ hours per week × (1 + plan.labour_reserve)``.
        """
        producers, hours = model.producers, model.state.hours_per_week
        labour = model.councils.labour[producers.sector] * producers.method  # hours per unit, its own method
        need = producers.target * labour / producers.productivity / hours
        return need * (1.0 + model.conditions.plan.labour_reserve)

    def hands_needed(self, model) -> np.ndarray:
        """:meth:`members_needed` rounded up to whole persons (P,)."""
        return np.ceil(self.members_needed(model))

    def invests(self, model) -> np.ndarray:
        """Which producers may order capacity this plan (P,): all here."""
        return np.ones(model.producers.sector.size, dtype=bool)

    def capacity_cost(self, model) -> np.ndarray:
        """Tokens per unit of weekly capacity, for each producer, at this week's prices."""
        per_good = WEEKS_PER_YEAR * (self.all_prices @ model.planner.capital_per_capacity)
        return per_good[model.producers.sector]

    def _order(self, model, working):
        """Each producer orders capacity its expected use needs, as far as its funds beyond working capital pay."""
        s, plan, producers, b = model.state, model.conditions.plan, model.producers, self.books
        n = model.technology.n
        use = s.other_use - s.imports
        use[s.consumer_goods] += s.expected_demand
        by_good = producers.by_sector(producers.capacity, n)[producers.sector]
        share = np.divide(producers.capacity, by_good, out=np.zeros(by_good.size), where=by_good > 0)
        cost = self.capacity_cost(model)
        period = plan.period_weeks
        funds = b.funds - working
        if self.lends(model):
            funds = funds + banking.credit_room(b.loans, self.capital_value(model), model.conditions.bank.leverage)
        funds = np.where(self.invests(model), funds, 0.0)
        # The accelerator: capacity for the use expected once the order arrives, at the growth expected.
        ahead = 1.0 + self.expected_growth * (plan.investment_lag_weeks + period) / WEEKS_PER_YEAR
        orders = firms.capacity_orders(
            ahead * np.maximum(use, 0.0)[producers.sector] * share,
            producers.capacity,
            b.pipeline.sum(axis=0),
            self.investment_margin(model),
            funds,
            cost,
            plan.max_capacity_growth * producers.capacity * period / WEEKS_PER_YEAR,
        )
        if model.conditions.comparison.investment == "equal":
            orders = self._equal_orders(model, orders, cost)
        b.orders = orders / period
        s.capacity_plan = producers.by_sector(b.orders, n)
        s.investment_plan = model.planner.capital_per_capacity @ (WEEKS_PER_YEAR * s.capacity_plan)

    def initial_growth(self, model) -> float:
        """The yearly growth of use enterprises expect (their normal growth, as Harrod's warranted rate): none here."""
        return 0.0

    def _equal_orders(self, model, wanted, cost) -> np.ndarray:
        """``comparison.investment = "equal"``: capacity worth the plan's investment share of the net product.

        The period's net product (sales less inputs, capital used up and interest, as the
        books saw it) times ``1 − plan.private_share − plan.public_share`` is spent on capacity
        as the plan factory spends its fund (:meth:`sim.run.planning.Planner.allocate_investment`):
        first where the accelerator wants capacity (``wanted``, units a week), the rest on every
        producer's capacity by the same share; within the most a producer's capacity can grow.
        """
        b, plan, producers = self.books, model.conditions.plan, model.producers
        weeks = max(b.weeks, 1)
        budget = (1.0 - plan.private_share - plan.public_share) * max(float(b.net_income.sum()) / weeks, 0.0)
        budget *= plan.period_weeks
        limit = plan.max_capacity_growth * producers.capacity * plan.period_weeks / WEEKS_PER_YEAR
        ask = np.minimum(wanted, limit)
        spent = float(cost @ ask)
        orders = ask * min(1.0, budget / spent) if spent > 0 else ask
        budget = max(budget - spent, 0.0)
        base = float(cost @ producers.capacity)
        if budget > 0 and base > 0:  # what the accelerator leaves grows every producer by the same share
            orders = orders + np.minimum(budget / base * producers.capacity, np.maximum(limit - orders, 0.0))
        return orders

    def _sales_weights(self, model) -> np.ndarray:
        """Each producer's share of its good's sales: its share of the week's output (else of capacity, else equal)."""
        producers, n = model.producers, model.technology.n
        sector = producers.sector
        weight = 1.0 / np.bincount(sector, minlength=n)[sector]
        for amount in (producers.capacity, producers.output):  # output where some was made, else capacity
            total = producers.by_sector(amount, n)[sector]
            weight = np.where(total > 0, np.divide(amount, total, out=np.zeros(total.size), where=total > 0), weight)
        return weight

    @staticmethod
    def producer_of_persons(model) -> np.ndarray:
        """The producer row every person works in: their group's enterprise, their commune, or −1 (without work)."""
        c = model.consumers
        out = np.full(c.group.size, -1, dtype=int)
        workers = c.group >= 0
        members = c.commune >= 0
        out[workers] = model.work_groups.council[c.group[workers]]
        out[members] = model.communes.rows[c.commune[members]]
        return out

    def committed(self, model) -> np.ndarray:
        """Tokens each producer will pay, until the next plan, for the capacity it ordered at this one.

        None under equal investment: the treasury pays (:meth:`levies`).
        """
        if self.levies(model):
            return np.zeros(model.producers.sector.size)
        return self.books.orders * model.conditions.plan.period_weeks * self.capacity_cost(model)

    @staticmethod
    def levies(model) -> bool:
        """Under ``comparison.investment = "equal"`` investment is paid as the plan pays it, before incomes.

        The councils withhold the investment share of the net product from wages (seed §7f);
        here the treasury buys the capital goods enterprises order and its structural tax
        takes their normal cost from every income. Who saves then no longer decides how much
        is invested, and what is compared is who is paid what, and who decides output.
        """
        return model.conditions.comparison.investment == "equal"
