"""Scenarios: the transition conditions of one run, as typed, validated data.

A scenario is a tree of frozen dataclasses; every field has a default, a unit in its
comment and a rule (``check``) that the TOML loader enforces. Errors name the file,
the key path, the value and what is allowed.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import operator
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path

from sim.economics.economy import SHIPPED_ECONOMIES
from sim.economics.units import WEEKS_PER_YEAR
from sim.economics.voting_rules import RULES
from sim.regimes import regime_problem
from sim.storage import files
from sim.storage.files import FileRefused, show


class ScenarioError(ValueError):
    """A scenario that breaks a rule; the message names file, key path, value and what is allowed."""


def _rule(check: str, words: tuple[str, ...] = (), **kw):
    """A dataclass field with a default and a rule, e.g. ``_rule(">= 0", default=1.0)``.

    ``words``: the words a number key also takes in place of a number (``"auto"``).
    """
    return field(metadata={"check": check, "words": words}, **kw)


#: ``population.councils = "auto"``: enterprises follow from the persons (sim.economics.firm_sizes).
AUTO = "auto"


#: What ``population.represents`` may name besides a number of persons.
REPRESENTS = ("sample", "economy")
#: The most persons a run may stand for: more than live on Earth.
MAX_REPRESENTS = 10_000_000_000
REPRESENTS_ALLOWED = f'`"sample"`, `"economy"` or `consumers <= represents <= {MAX_REPRESENTS:_}`'


@dataclass(frozen=True)
class Population:
    """Who lives in the simulated economy.

    The defaults are the smallest run whose findings agree with two million persons'
    (``docs/national.md``): 20,000 persons, enterprises at national proportions (``"auto"``)
    and each sector's noise the nation's (``represents = "economy"``).

    ``taste_precision``: each person's own taste shifts (16 numbers a person) are the largest
    person array; ``"float32"`` halves them, for a national run (``scenarios/national.toml``).
    Demand is still summed in float64; a run's summary then agrees with float64's to the
    tolerance ``tests/test_taste_precision.py`` states.
    """

    consumers: int = _rule("100 <= x <= 10_000_000", default=20_000)  # persons; every one works in a group or a commune
    # enterprises (one factory council each); "auto": per sector its workers ÷ 20.78, sizes Zipf (docs/firm_sizes.md)
    councils: int | str = _rule("1 <= x <= 5_000_000", words=(AUTO,), default=AUTO)
    communes: int = _rule("0 <= x <= 100_000", default=20)  # rural communes (0: agriculture run by councils)
    group_size_min: int = _rule("2 <= x <= 1000", default=10)  # persons per primary work group, at least
    group_size_max: int = _rule("2 <= x <= 1000", default=30)  # persons per primary work group, at most
    taste_precision: str = _rule("in float64, float32", default="float64")  # each person's own taste shifts held in
    # persons the run stands for (docs/noise.md): "sample" itself, "economy" the economy's persons engaged, or a number
    represents: int | str = field(default="economy", metadata={"allowed": REPRESENTS_ALLOWED})

    @property
    def fewest_councils(self) -> int:
        """Councils the persons must staff at least: the number set, or one for ``"auto"``.

        Under ``"auto"`` every sector the councils run has one at least; that is checked
        against the economy (:mod:`sim.run.scenario_economy`).
        """
        return 1 if self.councils == AUTO else self.councils


@dataclass(frozen=True)
class Wages:
    """The wage hierarchy the transition starts from and how it is equalised (seed §7e, §10)."""

    initial_gini: float = _rule("0 <= x <= 0.9", default=0.35)  # Gini of pre-revolution hourly wages
    equalisation_years: float = _rule("0 <= x <= 200", default=0.0)  # 0: "full equality of wages" at once


@dataclass(frozen=True)
class PriceRule:
    """Corrective process (b): ``p = v · clip((S/S*)^(−response), floor, ceiling)`` (seed §7c)."""

    response: float = _rule("0 <= x <= 20", default=1.0)  # elasticity of price to the stock ratio
    floor: float = _rule("0.001 <= x <= 1", default=0.25)  # lowest p / v
    ceiling: float = _rule("1 <= x <= 1000", default=4.0)  # highest p / v


@dataclass(frozen=True)
class Readjustment:
    """Corrective process (c): output toward ``D̂ + (S* − S)/τ`` (seed §7c)."""

    rebuild_weeks: float = _rule("1 <= x <= 520", default=6.0)  # τ, weeks to close a stock gap
    demand_smoothing: float = _rule("0.001 <= x <= 1", default=0.5)  # weight of this week's demand in D̂
    reserve_weeks: float = _rule("0.1 <= x <= 520", default=4.0)  # reserve stock S*, in weeks of expected use


@dataclass(frozen=True)
class Consumption:
    """Households: demand (docs/demand.md), saving and rationing (seed §7c, §7d)."""

    rationing: str = _rule("in proportional, queue", default="proportional")  # how scarce goods are shared (§7c)
    # θ = 1 − σ of the price index; above 0.8 the richest's inferior necessities can be Giffen goods (docs/demand.md)
    price_response: float = _rule("0 <= x <= 0.8", default=0.4)
    taste_noise: float = _rule("0 <= x <= 5", default=0.1)  # spread of personal tastes, share of each budget share
    buffer_weeks: float = _rule("0 <= x <= 520", default=4.0)  # savings households like to hold, weeks of income
    smoothing_weeks: float = _rule("1 <= x <= 520", default=8.0)  # weeks to spend down an excess of savings


@dataclass(frozen=True)
class Plan:
    """The plan factory's cadence, the fundamental decision's defaults and investment (seed §7b, §7f)."""

    period_weeks: int = _rule("1 <= x <= 520", default=4)  # weeks between plan solves
    hours_per_week: float = _rule("1 <= x <= 80", default=35.0)  # the decided working week, hours
    private_share: float = _rule("0.01 <= x < 1", default=0.70)  # share of the net product wages pay households
    public_share: float = _rule("0 <= x < 1", default=0.15)  # for public consumption (rest: investment)
    labour_reserve: float = _rule("0 <= x <= 0.5", default=0.05)  # hours kept free for readjustment, share
    capacity_headroom: float = _rule("0 <= x <= 2", default=0.28)  # initial spare capacity over the first plan, share
    investment_lag_weeks: int = _rule("0 <= x <= 520", default=26)  # weeks from investment to new capacity
    investment_margin: float = _rule("0 <= x <= 2", default=0.10)  # spare capacity the plan invests to keep, share
    max_capacity_growth: float = _rule("0 <= x <= 2", default=0.25)  # most a sector's capacity can grow, per year
    # With the vote off, the yearly investment share: "need" what next year's capacity needs, "share" the key's.
    investment_rule: str = _rule("in need, share", default="need")
    information_error: float = _rule("0 <= x <= 1", default=0.0)  # spread of the plan factory's coefficient errors
    inventory_error: float = _rule("0 <= x <= 1", default=0.0)  # spread of its stock-taking errors, each solve
    revision_rate: float = _rule("0 <= x <= 1", default=0.25)  # share of a coefficient error corrected per solve
    price_signal: float = _rule("0 <= x <= 1", default=0.02)  # |p/v − 1| through a plan period: a planning error


@dataclass(frozen=True)
class Communes:
    """Rural communes (seed §9a): land, fertility and how credits are shared."""

    sector: str = "AGR"  # code of the sector the communes farm
    population_share: float = _rule("0 <= x <= 0.9", default=0.0)  # share of persons in communes (0: the economy's)
    fertility_spread: float = _rule("0 <= x <= 2", default=0.3)  # σ of lognormal fertility
    transfer: float = _rule("0 <= x <= 1", default=0.0)  # share of credits pooled between communes
    mobility: float = _rule("0 <= x <= 1", default=0.05)  # share of persons who may move to or from farming, per year


@dataclass(frozen=True)
class Imports:
    """Consumer goods bought abroad, paid for by exports (seed §10: Britain)."""

    goods: tuple[str, ...] = ("AGR", "FOOD")  # sector codes of the imported goods
    share: float = _rule("0 <= x <= 0.9", default=0.0)  # share of households' demand for them met by imports
    stop_after_years: float = _rule("0 <= x <= 200", default=0.0)  # when imports (and exports) stop; 0: never


@dataclass(frozen=True)
class TasteShift:
    """A displacement of demand (seed §6b, §8: "new products … displacements of demand")."""

    after_years: float = _rule("0 <= x <= 200", default=0.0)  # when tastes change; 0: never
    rises: str = "INFO"  # the good whose new product draws demand
    falls: str = "LIGHT"  # the good demand turns away from
    budget_share: float = _rule("0 <= x <= 0.5", default=0.0)  # share of every budget that moves


@dataclass(frozen=True)
class Noise:
    """What nobody plans (DESIGN §4): tastes drift, work varies, harvests vary, reports err. All 0: deterministic.

    Each key is the spread at the level where the shock lives (docs/noise.md), lognormal
    with mean 1 where it multiplies. The nation: ``taste_drift``, every person's budget
    shares drift around their own with one common, mean-reverting fashion (AR(1), half-life
    18 weeks) to which each person is exposed to a personal degree fixed for life; the weekly
    innovation is this share of each budget share; ``sector``, σ of each sector's weekly
    output per hour, shared by all its enterprises and communes. The enterprise:
    ``enterprise``, σ of each enterprise's weekly output per hour, shared by its groups;
    ``reports``, σ of each council's and commune's measurement of the inputs it used per unit
    of output, in every report to the plan factory. The group: ``productivity``, σ of each
    work group's weekly output per hour. The commune: ``harvest``, σ of each commune's yearly
    yield, half of its variance shared by the five neighbouring communes of its region (the
    weather). When the run stands for more persons than it simulates
    (``population.represents``), every group, enterprise, commune and report keeps its σ, and
    each sector's aggregate of them gets the variance the nation's units would give it.
    """

    taste_drift: float = _rule("0 <= x <= 0.2", default=0.002)  # weekly innovation of tastes, share of a budget share
    productivity: float = _rule("0 <= x <= 1", default=0.02)  # σ of each work group's weekly output per hour
    harvest: float = _rule("0 <= x <= 1", default=0.05)  # σ of each commune's yearly yield
    reports: float = _rule("0 <= x <= 1", default=0.02)  # σ of the councils' measurement of their inputs
    enterprise: float = _rule("0 <= x <= 1", default=0.0)  # σ of each enterprise's weekly output per hour
    sector: float = _rule("0 <= x <= 1", default=0.0)  # σ of each sector's weekly output per hour


@dataclass(frozen=True)
class Comparison:
    """How regimes are compared (docs/regimes.md): each investing by its own institutions, or all alike.

    ``investment = "equal"``: every regime invests the plan's investment share of its net
    product (``1 − plan.private_share − plan.public_share``), so that what remains compared is
    institutions — prices, wages, who decides output — not thrift. The councils keep that share
    (no plan's rule); market enterprises order capacity worth it, first where their accelerator
    wants it, the rest on every enterprise's capacity alike, and the treasury pays for it out of
    its tax, as the plan withholds the share before wages (no entry of enterprises then). The
    councils hold no yearly vote then: every regime keeps the scenario's hours and shares.
    """

    investment: str = _rule("in own, equal", default="own")  # each regime invests by its own rule, or all alike


@dataclass(frozen=True)
class Verdict:
    """When a run has converged, judged against what people want (DESIGN §4, docs/welfare.md).

    Every week the observer measures, with nobody's estimate: the **welfare gap**, the share of
    ``unconstrained_welfare`` (every person's spending at the regime's normal prices, nothing
    rationed) that queues and prices away from normal took away; and the **stock gap**, the
    worst consumer good's ``|S/S*ₙ − 1|`` against the reserve rule applied to what households
    would buy at normal prices and the week's other uses, ``S*ₙ = reserve_weeks · (Dₙ + other)``.
    Over the trailing ``window_weeks`` (fewer in the first weeks, and after each decision of the
    assemblies, which restarts the window: each decision is a new reference), the economy is *in
    tolerance* when the welfare gap is at most ``welfare_tolerance`` and the mean stock gap at
    most ``stock_tolerance``. A run converges at the first week from which it stays in tolerance
    to its end; one that is not in tolerance at its end has not converged (censored at its horizon).
    """

    welfare_tolerance: float = _rule("0 < x <= 1", default=0.005)  # share of unconstrained welfare lost
    stock_tolerance: float = _rule("0 < x <= 1", default=0.05)  # mean of the worst good's |S/S*ₙ − 1|
    window_weeks: int = _rule("1 <= x <= 520", default=52)  # the trailing window, weeks


@dataclass(frozen=True)
class Welfare:
    """How the yardstick values free time (docs/welfare.md).

    Welfare is each person's money metric of what they consume, in tokens (hours) at week-0
    labour values, plus ``leisure_value`` times the week-0 wage for every hour a week less than
    they worked in week 0 (separable). 0.5: the value of non-work time as half the wage in the
    guidance of the US Department of Transportation (2016) and the review of Small (2012).
    """

    leisure_value: float = _rule("0 <= x <= 2", default=0.5)  # value of an hour of free time, share of the wage


@dataclass(frozen=True)
class Decision:
    """The fundamental decision (seed §7f): once a year the assemblies vote on plan variants.

    The plan factory offers a ballot across the whole feasible set (``Planner.variants``):
    at four investment shares from 0 to ``investment_max``, the fewest hours
    (``hours_min``) and the most the capacity allows (at most ``hours_max``); and the
    decision in force with its neighbours, ± ``hours_step`` and ± ``investment_step``
    (public share as decided). A variant beyond the capacity there will be is shown with its
    bottlenecks and not put to the vote. Every person weighs consumption now, free time and
    growth (how much more the same hours buy ``growth_years`` on) by weights drawn around
    ``consumption``, ``leisure`` and ``growth`` (lognormal, σ ``preference_spread``,
    normalised to sum to 1). Each General Assembly chooses by ``rule``
    (``sim.economics.voting_rules``: ``copeland``, ``schulze``, ``ranked_pairs``, ``borda``,
    ``approval``); the Central Assembly adds up their results by ``aggregation``:
    ``persons`` (one person one vote) or ``assemblies`` (each assembly's majority, weighted
    by its members), and chooses by the same rule. Ties go to the variant first in an order
    of the ballot drawn at random each year. The vote is on by default; with ``vote = false``
    hours and shares stay as the scenario's ``[plan]`` sets them (and the plan's rule moves
    the investment share), which isolates the corrective loops.
    """

    vote: bool = True  # whether the assemblies vote each year (false: [plan] keeps hours and shares)
    rule: str = _rule("in " + ", ".join(RULES), default="schulze")  # the voting rule of assemblies and Central Assembly
    aggregation: str = _rule("in persons, assemblies", default="persons")  # how the Central Assembly adds up votes
    hours_step: float = _rule("0 <= x <= 10", default=2.0)  # hours per week: the neighbours' step, the frontier's grid
    investment_step: float = _rule("0 <= x <= 0.2", default=0.025)  # share: the neighbours' step, the shares' grid
    hours_min: float = _rule("1 <= x <= 80", default=20.0)  # no variant below, hours per week
    hours_max: float = _rule("1 <= x <= 80", default=50.0)  # no variant above, hours per week
    investment_max: float = _rule("0 <= x < 1", default=0.40)  # no variant above, share of the net product
    consumption: float = _rule("0 <= x <= 1", default=0.22)  # mean weight of consumption now
    leisure: float = _rule("0 <= x <= 1", default=0.60)  # mean weight of free time
    growth: float = _rule("0 <= x <= 1", default=0.18)  # mean weight of growth
    growth_years: float = _rule("1 <= x <= 50", default=20.0)  # the horizon over which growth is weighed, years
    preference_spread: float = _rule("0 <= x <= 3", default=0.5)  # σ of each person's weights (lognormal)
    delegate_years: int = _rule("1 <= x <= 20", default=2)  # a delegate's term before rotation, years
    central_seats: int = _rule("1 <= x <= 100_000", default=150)  # Central Assembly, beside one per assembly


@dataclass(frozen=True)
class TechnicalChange:
    """Workers' management improves its methods (seed §8): labour per unit falls.

    Every year each enterprise's labour coefficient falls by ``rate`` times its groups'
    output per hour (better-organised groups find better methods faster); capacity that
    investment adds works with the enterprise's method improved by ``embodied``, and the
    enterprise's coefficient becomes the capacity-weighted mean of old and new. Councils
    report what they measure and the plan factory revises its labour coefficients, so
    labour values, hence normal prices, fall. The same under every regime: enterprises
    anywhere improve their methods, and renewed capacity (``[capital] wear``) embodies them too.

    Defaults (docs/validation.md): ``rate`` is BLS multifactor productivity growth, private
    nonfarm business, 2007–2015 (0.4 % a year, rounded to 0.5 %); ``embodied`` is set so that
    output per hour grows about as BLS measured over the same years (1.2 % a year), well
    inside Sakellaris & Wilson's (2004) 8–17 % a year gain of each new vintage of equipment.
    """

    rate: float = _rule("0 <= x <= 0.2", default=0.005)  # yearly fall of labour per unit, at norm organisation
    embodied: float = _rule("0 <= x <= 0.9", default=0.1)  # share less labour per unit new capacity needs than the old


@dataclass(frozen=True)
class Capital:
    """Capacity wears out (``sim.economics.capital``): idle capacity is not renewed, renewal embodies better methods."""

    wear: bool = True  # whether capacity wears at its capital's depreciation rates (renewed by the capital used up)


@dataclass(frozen=True)
class WorkGroups:
    """Primary work groups (seed §5–6)."""

    productivity_spread: float = _rule("0 <= x <= 2", default=0.05)  # σ of lognormal group productivity
    rotation: float = _rule("0 <= x <= 1", default=0.10)  # share of workers who change group each year
    exclusion: float = _rule("0 <= x <= 1", default=0.02)  # chance a group asks a member to leave, per year


@dataclass(frozen=True)
class FixedPlan:
    """Bureaucratic planning (``regime = "fixed_plan"``, seed §1, §7b note 2): prices at value, yearly plan, queues.

    Targets are corrected within the year from queues and piles; enterprises' budgets are soft, they hoard
    inputs that were short, and households turned away by a queue buy something else or save (Kornai 1980).
    """

    wage_gini: float = _rule("0 <= x <= 0.9", default=0.25)  # Gini of the managerial hierarchy of hourly wages, kept
    correction_weeks: int = _rule("0 <= x <= 26", default=13)  # weeks between corrections of targets in a year; 0: none
    correction_strength: float = _rule("0 <= x <= 1", default=0.5)  # share of a queue's or a pile's gap corrected
    investment_hunger: float = _rule("0 <= x <= 1", default=0.25)  # capacity asked beyond need, share; 0: hard budget
    # weeks of an input's use enterprises hold above need after it was short (Kornai 1980); 0: no hoarding
    hoarding: float = _rule("0 <= x <= 26", default=2.0)
    # share of the money turned away by a queue spent on goods still on sale, the rest saved (Kornai 1980); 0: none
    substitution: float = _rule("0 <= x <= 1", default=0.5)


@dataclass(frozen=True)
class Market:
    """Private capitalism (``regime = "market"``, seed §7a, §7c): owners, hierarchical wages, markup pricing."""

    owners_share: float = _rule("0.001 <= x <= 1", default=0.10)  # share of persons who own the enterprises (1: all)
    wage_gini: float = _rule("0 <= x <= 0.9", default=0.35)  # Gini of the hierarchy of hourly wages
    markup: float = _rule("0 <= x <= 0.75", default=0.15)  # over normal unit cost (wages, inputs, capital used up)
    rebuild_weeks: float = _rule("1 <= x <= 520", default=13.0)  # weeks to close an inventory gap (a quarter)
    payout: float = _rule("0 <= x <= 1", default=0.5)  # share of profits and spare funds paid out each plan period
    owners_buffer_weeks: float = _rule("0 <= x <= 520", default=182.0)  # savings owners like to hold, weeks of income
    owners_smoothing_weeks: float = _rule("1 <= x <= 1040", default=364.0)  # weeks owners take to spend down an excess
    target_utilisation: float = _rule("0.3 <= x <= 1", default=0.78)  # capacity use investment aims at (G.17, 2014)
    growth_expected: float = _rule("0 <= x <= 0.2", default=0.03)  # yearly growth of use investment expects
    deficit: float = _rule("-0.1 <= x <= 0.2", default=0.028)  # the treasury's planned deficit, share of income
    wage_slope: float = _rule("0 <= x <= 5", default=0.5)  # yearly money-wage fall per point of excess unemployment
    exit_weeks: int = _rule("0 <= x <= 520", default=26)  # weeks of negative net worth before it closes (0: never)
    firing: float = _rule("0 <= x <= 1", default=1.0)  # share of the hands beyond need laid off each plan (0: moved)
    benefit: float = _rule("0 <= x <= 1", default=0.4)  # unemployment benefit, share of the mean wage, from the tax
    entry: bool = True  # a closed enterprise's place is taken where profits are high (false: closed for good)
    entry_premium: float = _rule("0 <= x <= 1", default=0.02)  # profit rate over the mean that draws entry, a year
    entry_size: float = _rule("0.05 <= x <= 2", default=0.5)  # an entrant's capacity, share of its sector's mean
    prices: str = _rule("in normal, values", default="normal")  # prices gravitate to: own costs, or the office's values
    readjustment: str = _rule("in sales, plan", default="sales")  # output rule: every good weekly, or the councils'
    # incomes: the market's own (wages for the price level, farms share what they sell), or the councils' rule
    incomes: str = _rule("in own, plan", default="own")


@dataclass(frozen=True)
class Bank:
    """The bank and the central bank of the ``market`` regime (``sim.economics.banking``; docs/validation.md)."""

    credit: bool = True  # whether enterprises may borrow to pay for capacity (false: from their own funds only)
    leverage: float = _rule("0 <= x <= 2", default=0.1)  # most debt, share of the value of its capacity
    loan_years: float = _rule("0.25 <= x <= 30", default=5.0)  # term of a loan, years (Caiani et al. 2016: 20 quarters)
    spread: float = _rule("0 <= x <= 0.2", default=0.03)  # loan rate over the policy rate, per year (prime − fed funds)
    neutral_rate: float = _rule("0 <= x <= 0.1", default=0.02)  # Taylor's r*, per year
    inflation_target: float = _rule("0 <= x <= 0.1", default=0.02)  # Taylor's π*, per year
    natural_unemployment: float = _rule("0 <= x <= 0.3", default=0.05)  # where the central bank sees no output gap


@dataclass(frozen=True)
class SelfManagedMarket:
    """Market self-management (``regime = "self_managed_market"``, Yugoslavia after 1965): shared net income."""

    markup: float = _rule("0 <= x <= 0.5", default=0.15)  # over normal unit cost (normal personal income, inputs)
    rebuild_weeks: float = _rule("1 <= x <= 520", default=13.0)  # weeks to close an inventory gap (a quarter)
    retention: float = _rule("0 <= x <= 1", default=0.25)  # share of net income the council keeps for its funds
    mobility: float = _rule(
        "0 <= x <= 1", default=0.05
    )  # share of members of worse-paying enterprises who move, per year
    minimum_income: float = _rule("0 <= x <= 1", default=0.5)  # guaranteed personal income, share of the average
    separation: float = _rule("0 <= x <= 1", default=0.1)  # members who leave each year, replaced only by hiring
    hiring: str = _rule("in income, need", default="income")  # hire where income per member rises, or to need
    benefit: float = _rule("0 <= x <= 1", default=0.4)  # unemployment benefit, share of the mean income, from the tax
    credit: bool = True  # councils borrow social capital from the bank for their capacity (false: own funds only)
    loan_rate: float = _rule("-0.2 <= x <= 0.3", default=0.0)  # the bank's fixed rate on loans, a year (no Taylor)
    market_power: float = _rule(
        "0 <= x <= 0.5", default=0.0
    )  # markup a monopoly adds: markup + market_power × Herfindahl of the good's capacity (0: none)
    entry: float = _rule(
        "0 <= x <= 12", default=0.0
    )  # enterprises founded a year, from a levy, in goods paying above the mean income per member (0: blocked)
    entry_size: float = _rule("0.05 <= x <= 2", default=0.5)  # an entrant's capacity, share of its good's mean


@dataclass(frozen=True)
class Scenario:
    """One set of transition conditions: everything a run needs besides the code."""

    name: str = "baseline"  # names the results, results/<name>-<seed>/
    seed: int = _rule("0 <= x <= 4_294_967_295", default=1)  # of every random draw of the run
    years: float = _rule("0 < x <= 200", default=3.0)  # the horizon, years of 52 weeks
    regime: str = "councils"  # a name of sim.regimes.REGIMES, or your own "package.module:Class" (docs/plugins.md)
    economy: str = "default"  # a shipped economy ("default" = "us2014", "us2014-55") or a directory with economy.toml
    population: Population = field(default_factory=Population)
    wages: Wages = field(default_factory=Wages)
    prices: PriceRule = field(default_factory=PriceRule)
    readjustment: Readjustment = field(default_factory=Readjustment)
    consumption: Consumption = field(default_factory=Consumption)
    plan: Plan = field(default_factory=Plan)
    communes: Communes = field(default_factory=Communes)
    work_groups: WorkGroups = field(default_factory=WorkGroups)
    imports: Imports = field(default_factory=Imports)
    taste_shift: TasteShift = field(default_factory=TasteShift)
    noise: Noise = field(default_factory=Noise)
    verdict: Verdict = field(default_factory=Verdict)
    comparison: Comparison = field(default_factory=Comparison)
    welfare: Welfare = field(default_factory=Welfare)
    decision: Decision = field(default_factory=Decision)
    technical_change: TechnicalChange = field(default_factory=TechnicalChange)
    capital: Capital = field(default_factory=Capital)
    fixed_plan: FixedPlan = field(default_factory=FixedPlan)  # read only under regime = "fixed_plan"
    market: Market = field(default_factory=Market)  # read only under regime = "market"
    bank: Bank = field(default_factory=Bank)  # read only under regime = "market"
    self_managed_market: SelfManagedMarket = field(default_factory=SelfManagedMarket)  # under "self_managed_market"

    @property
    def weeks(self) -> int:
        """Horizon, weeks."""
        return round(self.years * WEEKS_PER_YEAR)


# --- validation ----------------------------------------------------------------------------------


_COMPARE = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}


def _allowed(check: str, value) -> bool:
    """Whether ``value`` obeys a rule: ``"in a, b"``, ``">= 0"`` or ``"0 < x <= 1"``."""
    if check.startswith("in "):
        return value in [s.strip() for s in check[3:].split(",")]
    tokens = check.split()
    if len(tokens) == 2:
        return _COMPARE[tokens[0]](value, float(tokens[1]))
    low, op_low, _, op_high, high = tokens
    return _COMPARE[op_low](float(low), value) and _COMPARE[op_high](value, float(high))


def _check_tree(obj, path: str, where: str):
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        key = f"{path}{f.name}"
        if dataclasses.is_dataclass(value):
            _check_tree(value, key + ".", where)
            continue
        check, words = f.metadata.get("check"), f.metadata.get("words", ())
        if isinstance(value, float) and math.isinf(value):
            raise ScenarioError(f"{where}: {key} = {show(value)}: must be finite")
        if isinstance(value, str) and words:
            if value not in words:
                raise ScenarioError(f"{where}: {key} = {show(value)}: must be {_rule_text(check, words, key)}")
            continue
        if check and not _allowed(check, value):
            raise ScenarioError(f"{where}: {key} = {show(value)}: must be {_rule_text(check, words, key)}")
    if isinstance(obj, Population) and obj.group_size_min > obj.group_size_max:
        raise ScenarioError(
            f"{where}: population.group_size_min = {obj.group_size_min} > "
            f"population.group_size_max = {obj.group_size_max}: must be ≤ group_size_max"
        )
    if isinstance(obj, Scenario) and (problem := regime_problem(obj.regime)):
        raise ScenarioError(f"{where}: regime = {show(obj.regime)}: {problem}")
    if isinstance(obj, Population):
        _check_headcount(obj, where)
        _check_represents(obj, where)
    if isinstance(obj, Decision) and obj.hours_min > obj.hours_max:
        raise ScenarioError(
            f"{where}: decision.hours_min = {obj.hours_min} > decision.hours_max = {obj.hours_max}: must be ≤ hours_max"
        )
    if isinstance(obj, Decision) and obj.consumption + obj.leisure + obj.growth <= 0:
        raise ScenarioError(f"{where}: decision.consumption + leisure + growth = 0: at least one weight must be > 0")
    if isinstance(obj, Scenario) and obj.weeks < 1:
        raise ScenarioError(f"{where}: years = {show(obj.years)}: must be at least one week (round(years × 52) ≥ 1)")
    if isinstance(obj, Market) and obj.owners_buffer_weeks > obj.owners_smoothing_weeks:
        raise ScenarioError(
            f"{where}: market.owners_buffer_weeks = {obj.owners_buffer_weeks} > market.owners_smoothing_weeks = "
            f"{obj.owners_smoothing_weeks}: must be ≤ it (owners would spend less when their income rises)"
        )
    if isinstance(obj, Plan) and obj.private_share + obj.public_share >= 1:
        raise ScenarioError(
            f"{where}: plan.private_share + plan.public_share = {obj.private_share + obj.public_share}: must be < 1"
        )


def _rule_text(check: str, words: tuple[str, ...], key: str) -> str:
    """What a key allows, as a message says it: ``"auto" or 1 <= councils <= 5_000_000``."""
    number = check.replace("x", key.split(".")[-1])
    return " or ".join([*(f'"{w}"' for w in words), number])


def _check_headcount(pop: Population, where: str):
    """Enough persons for every council's first group and every commune's first member."""
    staff = pop.fewest_councils * pop.group_size_min
    councils = "a council" if pop.councils == AUTO else f"{pop.councils} councils"
    if pop.consumers >= staff and pop.communes > pop.consumers - staff:
        raise ScenarioError(
            f"{where}: population.communes = {pop.communes}: must be ≤ consumers − councils × group_size_min "
            f"= {pop.consumers - staff} (every commune needs a member, every council a group)"
        )
    if pop.consumers < staff + pop.communes:
        raise ScenarioError(
            f"{where}: population.consumers = {pop.consumers}: too few for {councils} with groups of "
            f"at least {pop.group_size_min} and {pop.communes} communes: must be ≥ {staff + pop.communes}"
        )


def _check_represents(pop: Population, where: str):
    """``population.represents``: "sample", "economy", or at least as many persons as are simulated."""
    value = pop.represents
    if value in REPRESENTS if isinstance(value, str) else pop.consumers <= value <= MAX_REPRESENTS:
        return
    raise ScenarioError(
        f'{where}: population.represents = {show(value)}: must be "sample", "economy" or a number of persons '
        f"from population.consumers = {pop.consumers} to {MAX_REPRESENTS:_}"
    )


def validate(scenario: Scenario, where: str = "scenario") -> Scenario:
    """Check every rule of the scenario; return it unchanged or raise :class:`ScenarioError`."""
    _check_tree(scenario, "", where)
    check_name(scenario.name, where)
    if "\0" in scenario.economy or not scenario.economy:
        raise ScenarioError(
            f"{where}: economy = {show(scenario.economy)}: must be a shipped economy "
            f"({', '.join(SHIPPED_ECONOMIES)}) or a directory path"
        )
    return scenario


#: A scenario name: a letter or digit, then letters, digits, '_', '-' or '.'; it names ``results/<name>-<seed>/``.
_NAME = re.compile(r"[^\W_][\w.-]*")
MAX_NAME_LENGTH = 100


def check_name(name, where: str):
    """Refuse a name that is not a plain file name: it becomes a directory name under ``results/``."""
    if not isinstance(name, str) or not _NAME.fullmatch(name) or len(name) > MAX_NAME_LENGTH:
        raise ScenarioError(
            f"{where}: name = {show(name, MAX_NAME_LENGTH + 3)}: must be 1 to {MAX_NAME_LENGTH} letters, digits, "
            "'_', '-' or '.', starting with a letter or digit (no path separators)"
        )


def _build(cls, table: dict, path: str, where: str):
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for key, value in table.items():
        if key not in fields:
            close = difflib.get_close_matches(key, fields, n=1)
            hint = f" (did you mean '{path}{close[0]}'?)" if close else f"; allowed: {', '.join(fields)}"
            raise ScenarioError(f"{where}: unknown key '{path}{key}'{hint}")
        kind = hints[key]
        if dataclasses.is_dataclass(kind):
            if not isinstance(value, dict):
                raise ScenarioError(f"{where}: {path}{key} = {show(value)}: must be a table [{path}{key}]")
            kwargs[key] = _build(kind, value, f"{path}{key}.", where)
        else:
            kwargs[key] = _coerce(kind, value, f"{path}{key}", where, fields[key].metadata)
    return cls(**kwargs)


def _coerce(kind, value, key, where, metadata):
    words = metadata.get("words", ())
    if words:  # a number, or one of its words
        if isinstance(value, str):
            return value
        kind = _number_kind(kind)
        if not isinstance(value, kind) or isinstance(value, bool):
            rule = _rule_text(metadata["check"], words, key)
            raise ScenarioError(f"{where}: {key} = {show(value)}: must be {rule}")
        return value
    if isinstance(kind, types.UnionType):
        kinds = [k for k in typing.get_args(kind) if k is not type(None)]
        if len(kinds) > 1:  # a number or a word (``int | str``): either, never a truth value
            if isinstance(value, tuple(kinds)) and not isinstance(value, bool):
                return value
            names = " or ".join(k.__name__ for k in kinds)
            raise ScenarioError(f"{where}: {key} = {show(value)}: must be of type {names}")
        kind = kinds[0]
    if typing.get_origin(kind) is tuple:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ScenarioError(f"{where}: {key} = {show(value)}: must be a list of strings")
        return tuple(value)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise ScenarioError(f"{where}: {key} = {show(value)}: must be of type {kind.__name__}")
    return value


def from_dict(table: dict, where: str = "scenario") -> Scenario:
    """Build and validate a scenario from a nested dictionary (a parsed TOML file)."""
    return validate(_build(Scenario, table, "", where), where)


#: The largest scenario or sweep file read, bytes: far above any real one (a few hundred bytes).
MAX_TOML_BYTES = 1 << 20


def read_toml(path: str | Path) -> dict:
    """A TOML file as a dictionary; a missing, unreadable, oversized or malformed file is a :class:`ScenarioError`.

    Only a regular file of at most :data:`MAX_TOML_BYTES` is read: ``/dev/zero`` or a pipe is refused
    before a byte of it is read. A byte-order mark is dropped; a file nested deeper than
    :data:`sim.storage.files.MAX_DEPTH` is refused before it is parsed.
    """
    try:
        return files.read_toml(path, MAX_TOML_BYTES, "a scenario or sweep file")
    except FileRefused as err:
        raise ScenarioError(str(err)) from None


def read_scenario(path: str | Path) -> dict:
    """A scenario file as a table: refused if it sets nothing; its ``economy`` path made relative to the file.

    An empty file would silently run the defaults under the name "baseline"; a relative
    ``economy`` directory means the one beside the scenario file, wherever the command runs (a
    shipped economy's name, :data:`sim.economics.economy.SHIPPED_ECONOMIES`, is kept as it is).
    """
    path = Path(path)
    table = read_toml(path)
    if not table:
        raise ScenarioError(f'{path}: empty: a scenario file must set at least its name (e.g. name = "{path.stem}")')
    economy = table.get("economy")
    if isinstance(economy, str) and economy not in SHIPPED_ECONOMIES and "\0" not in economy:
        table["economy"] = str((path.parent / economy).resolve())
    return table


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file."""
    return from_dict(read_scenario(path), str(path))


def _number_kind(kind):
    """The number type of a key that also takes words (``int | str`` → ``int``); any other type as it is."""
    if isinstance(kind, types.UnionType):
        return next((k for k in typing.get_args(kind) if k in (int, float)), kind)
    return kind


def field_type(key: str) -> type | None:
    """The type of a scenario key path (``"population.consumers"`` → ``int``), or ``None`` if there is no such key.

    A number key that also takes a word (``population.councils``: a number or ``"auto"``) is its number type.
    """
    cls, parts = Scenario, key.split(".")
    for depth, part in enumerate(parts):
        hints = typing.get_type_hints(cls)
        if part not in hints:
            return None
        kind = hints[part]
        if dataclasses.is_dataclass(kind):
            cls = kind
            continue
        return _number_kind(kind) if depth == len(parts) - 1 else None
    return None


def from_parameters(base: Scenario | None = None, **parameters) -> Scenario:
    """A scenario from keyword parameters, as Mesa's ``SolaraViz`` and ``batch_run`` pass them.

    A section's key is ``section_key`` (``prices_response=2.0``, ``taste_shift_after_years=1``),
    a top-level key is itself (``seed=1``); ``rng`` (an integer) is taken as ``seed``, and
    ``rng=None`` keeps the scenario's seed. The
    parameters change ``base`` (default: the defaults) and the result is validated as a
    scenario file is.

    Raises
    ------
    ScenarioError
        For an unknown parameter (with the closest known one) or a value a scenario refuses.
    """
    table = _as_table(base or Scenario())
    sections = sorted((f.name for f in dataclasses.fields(Scenario) if isinstance(table[f.name], dict)), key=len)
    for name, value in parameters.items():
        if name == "rng" and value is None:  # Mesa's batch_run passes rng=None for "no seed of its own"
            continue
        key = "seed" if name == "rng" else name
        section = next((s for s in reversed(sections) if key.startswith(s + "_")), None)
        if section is not None and key[len(section) + 1 :] in table[section]:
            table[section][key[len(section) + 1 :]] = value
        elif key in table and not isinstance(table[key], dict):
            table[key] = value
        else:
            known = [f"{s}_{k}" for s in sections for k in table[s]] + [k for k in table if k not in sections]
            close = difflib.get_close_matches(name, known, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ScenarioError(f"parameters: unknown parameter '{name}'{hint}")
    return from_dict(table, "parameters")


def _as_table(scenario: Scenario) -> dict:
    """A scenario as the nested dictionary a TOML file would give (lists for tuples)."""

    def plain(value):
        return list(value) if isinstance(value, tuple) else value

    table = {}
    for f in dataclasses.fields(scenario):
        value = getattr(scenario, f.name)
        if dataclasses.is_dataclass(value):
            table[f.name] = {k.name: plain(getattr(value, k.name)) for k in dataclasses.fields(value)}
        else:
            table[f.name] = plain(value)
    return table
