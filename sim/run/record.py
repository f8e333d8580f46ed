"""What a run records, week by week (DESIGN §4), and the verdict it reaches.

Per good and week: price, labour value, stock, reserve target, output, sales, unmet
demand, and what goods conservation needs: ``output + imports = inputs_used + sales +
public_use + investment_use + exports + Δstock``; the regime's normal price, what households
would buy at it and the reserve the rule asks for it.
Per week: the gaps, shares and Ginis of :mod:`sim.economics.metrics`, and the yardstick
of :mod:`sim.economics.welfare`: welfare in hours of work, its costs, and the measures at the
regime's own normal prices (docs/welfare.md); and Kornai's marks of a shortage economy (queued
and piled goods, forced saving, forced substitution, hoarded inputs: :mod:`sim.economics.shortage`).
Per run: settled or not, from which week, peak
and cumulative shortage.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from sim.economics import metrics, shortage, welfare
from sim.economics.units import WEEKS_PER_YEAR

#: Per-good series, all goods (prices of goods households do not buy stay at value).
GOOD_SERIES = (
    "price",
    "value",
    "stock",
    "reserve",
    "output",
    "inputs_used",
    "public_use",
    "investment_use",
    "imports",
    "exports",
    "demand",
    "sales",
    "unmet",
    "notional_demand",
    "planning_error",
    "normal_price",
    "normal_demand",
    "normal_reserve",
)
#: Per-week marks of a regime's own history (:meth:`sim.regimes.base.Regime.marks`), 0 where it has none.
HISTORY_SERIES = (
    "market_rent_per_member",  # tokens a week: markups above the regime's own, from market power
    "credit_rent_per_member",  # tokens a week: what borrowed capital earns beyond its interest
    "hiring_refused",  # places councils refused under Ward's rule, share of persons
)
#: Per-week series.
WEEK_SERIES = (
    "price_value_gap",
    "stock_gap",
    "unmet_share",
    "excess_stock_share",
    "sovereignty_index",
    "fulfilment_floor",
    "wage_gini",
    "income_gini",
    "consumption_gini",
    "hours_per_week",
    "hours_used",
    "hours_paid",
    "unemployment_rate",
    "capacity_utilisation",
    "output_per_hour",
    "investment_share",
    "consumption_per_person",
    "wage",
    "price_level",
    "tokens_paid",
    "tokens_spent",
    "tokens_held",
    "tokens_retained",
    "tokens_treasury",
    "in_tolerance",
    "coefficient_error",
    "welfare_per_person",
    "welfare_ede",
    "welfare_ede2",
    "unconstrained_welfare",
    "rationing_cost",
    "price_distortion_cost",
    "leisure_welfare",
    "welfare_gap",
    "sovereignty_own_prices",
    "fulfilment_floor_own_prices",
    "stock_gap_own_prices",
    "enterprise_income_cv",
    "enterprise_income_gini",
    "sector_income_gini",
    "income_capital_correlation",
    "queued_goods_share",
    "queue_length",
    "piled_goods_share",
    "shortage_and_surplus",
    "forced_saving",
    "substituted_spending",
    "hoarded_stock",
    *HISTORY_SERIES,
)
#: Persons in the observer's welfare panel at most: every k-th person, k = ⌈N / PANEL⌉ (docs/welfare.md).
PANEL = 20_000
#: Price moves smaller than this (in log) are not logged as changes.
PRICE_LOG_THRESHOLD = 1e-3


class Record:
    """Arrays of everything measured, filled one week at a time.

    Parameters
    ----------
    model : CouncilsModel
    weeks : int
        Horizon; the arrays grow if the model runs longer.
    """

    def __init__(self, model, weeks: int):
        self.model = model
        n = model.technology.n
        self.goods = {name: np.zeros((weeks, n)) for name in GOOD_SERIES}
        self.weekly = {name: np.zeros(weeks) for name in WEEK_SERIES}
        self.latest = dict.fromkeys(WEEK_SERIES, 0.0)
        self.price_log: list[tuple[int, int, float, float, float]] = []  # week, good, old p/v, new p/v, S/S*
        self.decisions: list[dict] = []  # each year's variants, proposals, votes, result and recalls (seed §7f)
        self._base_values = model.state.values[model.state.consumer_goods].copy()  # week 0: a fixed yardstick
        self._values0 = model.state.values.copy()  # every good's, for output and capacity at fixed weights
        # hours of capital at week-0 values per unit of weekly capacity, each good's
        self._capital_per_capacity = WEEKS_PER_YEAR * (self._values0 @ model.planner.capital_per_capacity)
        s = model.state  # an hour of free time is worth leisure_value of the week-0 wage (docs/welfare.md)
        self._hour_of_leisure = model.conditions.welfare.leisure_value * s.wage
        self._hours_before = s.hours_per_week
        c = model.consumers  # the old hierarchy among those who work when the run starts
        self._wage_gini_before = metrics.gini(c.base_wage[c.workers])
        self._forced_savings = 0.0  # tokens, the stock households could not spend (sim.economics.shortage)
        self.weeks = 0

    def reporters(self) -> dict:
        """Model reporters for Mesa's DataCollector: the per-week series."""
        return {name: (lambda m, key=name: m.record.latest[key]) for name in WEEK_SERIES}

    def price_changes(self, old, new):
        """Log the price moves of this week with their cause (the stock against its reserve)."""
        moved = np.flatnonzero(np.abs(np.log(new / old)) > PRICE_LOG_THRESHOLD)
        if moved.size == 0:
            return
        s = self.model.state
        cg = s.consumer_goods
        value = s.values[cg]
        ratio = s.stock[cg] / np.where(s.reserve[cg] > 0, s.reserve[cg], 1.0)
        for k in moved:
            self.price_log.append((self.model.week, int(cg[k]), old[k] / value[k], new[k] / value[k], float(ratio[k])))

    def explain_prices(self, limit: int = 20) -> list[str]:
        """The last ``limit`` logged price changes, as sentences: the stock's gap, and at the good's change before.

        A price follows the size of its stock's gap, so it rises while its stock is above its
        reserve when that surplus shrank: the gap before says so.
        """
        names = self.model.technology.names
        previous: dict[int, tuple[int, float]] = {}  # good → (week, stock ÷ reserve) of its last change so far
        lines = []
        for week, good, old, new, ratio in self.price_log:
            line = (
                f"week {week}: {names[good]} {old:.3f}× → {new:.3f}× value, {'dearer' if new > old else 'cheaper'}: "
                f"stock {_gap(ratio)} reserve"
            )
            if good in previous:
                line += f" ({_gap(previous[good][1])} in week {previous[good][0]})"
            previous[good] = (week, ratio)
            lines.append(line)
        return lines[-limit:]

    def week_done(self):
        """Copy this week's state into the arrays and compute the week's measures."""
        m, s = self.model, self.model.state
        t = self.weeks
        if t >= self.weekly["wage"].size:
            self._grow()
        cg = s.consumer_goods
        c, p = m.consumers, m.producers
        price = s.values.copy()
        price[cg] = s.prices
        demand = np.zeros_like(price)
        sales = np.zeros_like(price)
        demand[cg], sales[cg] = s.wanted, s.sales
        normal_price = s.values.copy()
        normal_price[cg] = m.regime.normal_prices(m)
        normal_demand = np.zeros_like(price)  # the observer's measure: at p = pₙ, over every person
        normal_demand[cg] = m.consumers.notional_demand(normal_price[cg])
        notional = normal_demand  # a diagnostic: at p = v, the same where normal prices are values
        if not np.array_equal(normal_price[cg], s.values[cg]):  # else surveyed, as the welfare measures are
            panel = self._panel()
            notional = np.zeros_like(price)
            notional[cg] = m.consumers.notional_demand(s.values[cg], panel) * (c.income.size / c.income[panel].size)
        others = s.inputs_used + s.public_use + s.investment_use + s.exported
        normal_reserve = m.conditions.readjustment.reserve_weeks * (normal_demand + others)
        row = {
            "price": price,
            "value": s.values,
            "stock": s.stock,
            "reserve": s.reserve,
            "output": s.output,
            "inputs_used": s.inputs_used,
            "public_use": s.public_use,
            "investment_use": s.investment_use,
            "imports": s.imports,
            "exports": s.exported,
            "demand": demand,
            "sales": sales,
            "unmet": demand - sales,
            "notional_demand": notional,
            "planning_error": s.planning_errors,
            "normal_price": normal_price,
            "normal_demand": normal_demand,
            "normal_reserve": normal_reserve,
        }
        for name, values in row.items():
            self.goods[name][t] = values
        supply = (
            s.output[cg] + s.imports[cg] - s.inputs_used[cg] - s.public_use[cg] - s.investment_use[cg] - s.exported[cg]
        )
        stock_gap = metrics.stock_gap(s.stock[cg], s.reserve[cg])
        unemployed = m.regime.unemployment_rate(m)
        fulfilment = metrics.fulfilment(s.sales, notional[cg])
        week = {
            "price_value_gap": metrics.price_value_gap(s.prices, s.values[cg]),
            "stock_gap": stock_gap,
            "unmet_share": metrics.unmet_share(s.wanted - s.sales, s.wanted, s.values[cg]),
            "excess_stock_share": metrics.excess_stock_share(s.stock[cg], s.reserve[cg], s.values[cg]),
            "sovereignty_index": metrics.sovereignty_index(supply, notional[cg], s.values[cg]),
            "fulfilment_floor": float(fulfilment.min()),
            "wage_gini": m.regime.earnings_gini(m),  # hourly earnings: the regime knows how they are set
            "income_gini": metrics.gini_binned(c.income),  # within 1e-4, in O(n)
            "consumption_gini": metrics.gini_binned(c.spent),
            "hours_per_week": s.hours_per_week,
            "hours_used": float(np.sum(m.councils.labour[p.sector] * p.method * p.output)) / c.income.size,
            "hours_paid": s.hours_per_week * (1.0 - unemployed),
            "unemployment_rate": unemployed,
            "capacity_utilisation": metrics.utilisation(p.output, p.capacity, self._values0[p.sector]),
            "output_per_hour": float(self._values0 @ (s.output - s.inputs_used))
            / max(s.hours_per_week * (1.0 - unemployed) * c.income.size, 1e-12),
            "investment_share": m.regime.investment_share(m),
            "consumption_per_person": float(self._base_values @ s.sales) / c.income.size,
            "wage": s.wage,
            "price_level": metrics.price_level(s.prices, s.values[cg], c.preferences.base_shares),
            "tokens_paid": s.tokens_paid,
            "tokens_spent": s.tokens_spent,
            "tokens_held": float(c.savings.sum()),
            "tokens_retained": s.tokens_retained,
            "tokens_treasury": s.tokens_treasury,
            "coefficient_error": m.planner.coefficient_error(m.councils.inputs_true, s.output),
            "sovereignty_own_prices": metrics.sovereignty_index(supply, normal_demand[cg], self._base_values),
            "fulfilment_floor_own_prices": float(metrics.fulfilment(s.sales, normal_demand[cg]).min()),
            "stock_gap_own_prices": metrics.stock_gap(s.stock[cg], normal_reserve[cg]),
        }
        week.update(self._welfare(normal_price[cg]))
        week.update(self._dispersion())
        week.update(self._shortage())
        week.update(dict.fromkeys(HISTORY_SERIES, 0.0) | m.regime.marks(m))
        for name, value in week.items():
            self.weekly[name][t] = value
        self.weeks += 1
        week["in_tolerance"] = self.weekly["in_tolerance"][t] = float(self._in_tolerance(t))
        self.latest = week

    def _dispersion(self) -> dict:
        """Income per member between enterprises and sectors, and its correlation with capital per member.

        Income per member is the mean income of an enterprise's workers this week (tokens, after
        tax); capital per member its capacity's capital at week-0 values over its workers
        (:func:`sim.economics.metrics.dispersion`; Estrin 1983 on Yugoslav enterprises).
        """
        m = self.model
        c, p, rows = m.consumers, m.producers, m.councils.rows
        workers = np.flatnonzero(c.group >= 0)
        enterprise = m.work_groups.council[c.group[workers]]
        members = np.bincount(enterprise, minlength=p.sector.size)[rows].astype(float)
        paid = np.bincount(enterprise, weights=c.income[workers], minlength=p.sector.size)[rows]
        income = np.divide(paid, members, out=np.zeros(rows.size), where=members > 0)
        cv, between, sectors = metrics.dispersion(income, members, p.sector[rows])
        capital = (self._capital_per_capacity[p.sector] * p.capacity)[rows]
        per_member = np.divide(capital, members, out=np.zeros(rows.size), where=members > 0)
        return {
            "enterprise_income_cv": cv,
            "enterprise_income_gini": between,
            "sector_income_gini": sectors,
            "income_capital_correlation": metrics.weighted_correlation(income, per_member, members),
        }

    def _shortage(self) -> dict:
        """Kornai's marks of a shortage economy this week (:mod:`sim.economics.shortage`; docs/validation.md).

        Queued goods are the consumer goods with demand left unmet; piled goods those whose stock,
        less the enterprises' hoards, is above its reserve by more than the verdict's stock
        tolerance; ``shortage_and_surplus`` is 1 in a week with both. Forced saving is the tokens
        households meant to spend and could not, kept as a stock that they spend down over
        ``consumption.smoothing_weeks``; it, substituted spending (tokens a week) and the hoards
        (hours at week-0 values) are per person.
        """
        m, s = self.model, self.model.state
        c, cg, persons = m.consumers, s.consumer_goods, m.consumers.income.size
        rationed = c.purchases is not None and c.purchases.rationed
        forced = float(np.maximum(c.spending - c.spent, 0.0).sum()) if rationed else 0.0
        self._forced_savings = shortage.forced_savings(
            self._forced_savings, forced, m.conditions.consumption.smoothing_weeks
        )
        hoard = m.regime.hoarded(m)
        queued = shortage.queued(s.wanted, s.sales)
        piled = shortage.piled(s.stock[cg] - hoard[cg], s.reserve[cg], m.conditions.verdict.stock_tolerance)
        return {
            "queued_goods_share": float(queued.mean()),
            "queue_length": shortage.queue_length(s.wanted, s.sales),
            "piled_goods_share": float(piled.mean()),
            "shortage_and_surplus": float(queued.any() and piled.any()),
            "forced_saving": self._forced_savings / persons,
            "substituted_spending": m.regime.substituted_spending(m) / persons,
            "hoarded_stock": float(self._values0 @ hoard) / persons,
        }

    def _panel(self) -> slice:
        """The observer's survey: every k-th person, at most :data:`PANEL` of them (as the BLS's panels)."""
        return slice(None, None, -(-self.model.consumers.spending.size // PANEL))

    def _welfare(self, normal) -> dict:
        """The week's yardstick (docs/welfare.md): money metrics at week-0 values, their costs and Atkinson's EDEs."""
        c, s = self.model.consumers, self.model.state
        panel = self._panel()
        bought = c.purchases
        if bought is not None and bought.got is not None:
            substituted = None if bought.substituted is None else bought.substituted[panel]
            bought = dataclasses.replace(bought, got=bought.got[panel], substituted=substituted)
        measured = welfare.week_welfare(
            c.preferences, c.spending[panel], c.paid, c.reference, normal, c.taste[panel], bought, c.taste_floor
        )
        leisure = self._hour_of_leisure * (self._hours_before - s.hours_per_week)
        achieved = measured.achieved + leisure
        unconstrained = float(measured.unconstrained.mean()) + leisure
        return {
            "welfare_per_person": float(achieved.mean()),
            "welfare_ede": welfare.atkinson_ede(achieved, 1.0),
            "welfare_ede2": welfare.atkinson_ede(achieved, 2.0),
            "unconstrained_welfare": unconstrained,
            "rationing_cost": float(measured.rationing_cost.mean()),
            "price_distortion_cost": float(measured.price_distortion_cost.mean()),
            "leisure_welfare": leisure,
            "welfare_gap": _share_lost(
                measured.rationing_cost.mean() + measured.price_distortion_cost.mean(), unconstrained
            ),
        }

    def _in_tolerance(self, t: int) -> bool:
        """Whether the trailing window to week ``t`` meets both tolerances of the verdict.

        The window restarts at each decision of the assemblies (a new reference: the economy is
        judged on how it works out the decision in force, not on the weeks before it), so it
        holds fewer weeks at the start of the run and after each decision.
        """
        v = self.model.conditions.verdict
        window = slice(max(0, t + 1 - v.window_weeks, self.reference_week(t)), t + 1)
        w = self.weekly
        lost = w["rationing_cost"][window] + w["price_distortion_cost"][window]
        return bool(
            _share_lost(lost, w["unconstrained_welfare"][window]) <= v.welfare_tolerance
            and self.weekly["stock_gap_own_prices"][window].mean() <= v.stock_tolerance
        )

    def reference_week(self, t: int) -> int:
        """The week from which the decision in force at week ``t`` holds: the last one adopted by then (0: none)."""
        return max((d["week"] for d in self.decisions if d.get("result") is not None and d["week"] <= t), default=0)

    def _grow(self):
        for table in (self.goods, self.weekly):
            for name, values in table.items():
                table[name] = np.concatenate([values, np.zeros_like(values)])

    # --- the verdict ------------------------------------------------------------------------------

    def series(self, name: str) -> np.ndarray:
        """A per-week or per-good series, trimmed to the weeks run."""
        table = self.weekly if name in self.weekly else self.goods
        return table[name][: self.weeks]

    def summary(self) -> dict:
        """Per-run verdict (DESIGN §4, docs/welfare.md) and the levels of the last year, comparable between runs.

        ``converged_week`` is the week from which the run stays in tolerance to its end (the
        trailing window's welfare gap and mean stock gap at normal prices within the verdict's
        tolerances: :func:`sim.economics.metrics.settled_week`); ``None`` if it is not in
        tolerance at its end (censored at ``weeks``). ``*_last_year`` are means over the last 52
        weeks (or the whole run if shorter); ``welfare_gap_last_year`` is the share of the
        year's unconstrained welfare lost, ``fulfilment_floor*_last_year`` the worst good's
        mean of sales ÷ demand at normal prices (``_own_prices``) or at labour values (the
        at-value diagnostic).
        """
        v = self.model.conditions.verdict
        week = metrics.settled_week(self.series("in_tolerance") > 0.5)
        cg = self.model.state.consumer_goods
        value = self.series("value")[:, cg]
        unmet = float(np.sum(value * self.series("unmet")[:, cg]))
        wanted = float(np.sum(value * self.series("demand")[:, cg]))
        year = slice(max(0, self.weeks - WEEKS_PER_YEAR), self.weeks)
        sales = self.series("sales")[year][:, cg]
        at_value = metrics.fulfilment(sales, self.series("notional_demand")[year][:, cg])
        own = metrics.fulfilment(sales, self.series("normal_demand")[year][:, cg])
        last = {name: float(self.series(name)[-1]) for name in WEEK_SERIES} if self.weeks else {}
        mean = {name: float(self.series(name)[year].mean()) for name in WEEK_SERIES} if self.weeks else {}
        lost = self.series("rationing_cost")[year] + self.series("price_distortion_cost")[year]
        gap = _share_lost(lost, self.series("unconstrained_welfare")[year])
        return {
            "regime": self.model.conditions.regime,
            "weeks": self.weeks,
            "converged": week is not None,
            "converged_week": week,
            "welfare_tolerance": v.welfare_tolerance,
            "stock_tolerance": v.stock_tolerance,
            "in_tolerance_last_year": mean.get("in_tolerance"),
            "welfare_per_person_last_year": mean.get("welfare_per_person"),
            "welfare_ede_last_year": mean.get("welfare_ede"),
            "welfare_ede2_last_year": mean.get("welfare_ede2"),
            "unconstrained_welfare_last_year": mean.get("unconstrained_welfare"),
            "rationing_cost_last_year": mean.get("rationing_cost"),
            "price_distortion_cost_last_year": mean.get("price_distortion_cost"),
            "leisure_welfare_last_year": mean.get("leisure_welfare"),
            "welfare_gap_last_year": gap if self.weeks else None,
            "sovereignty_own_prices_last_year": mean.get("sovereignty_own_prices"),
            "fulfilment_floor_own_prices_last_year": float(own.mean(axis=0).min()) if self.weeks else None,
            "stock_gap_own_prices_last_year": mean.get("stock_gap_own_prices"),
            "stock_gap_last_year": mean.get("stock_gap"),
            "fulfilment_floor_last_year": float(at_value.mean(axis=0).min()) if self.weeks else None,
            "sovereignty_index_last_year": mean.get("sovereignty_index"),
            "price_value_gap_last_year": mean.get("price_value_gap"),
            "final_price_value_gap": last.get("price_value_gap"),
            "final_stock_gap": last.get("stock_gap"),
            "peak_unmet_share": float(self.series("unmet_share").max()) if self.weeks else None,
            "unmet_share_last_year": mean.get("unmet_share"),
            "excess_stock_share_last_year": mean.get("excess_stock_share"),
            "price_level_last_year": mean.get("price_level"),
            "hours_used_last_year": mean.get("hours_used"),
            "hours_paid_last_year": mean.get("hours_paid"),
            "unemployment_rate_last_year": mean.get("unemployment_rate"),
            "capacity_utilisation_last_year": mean.get("capacity_utilisation"),
            "output_per_hour_last_year": mean.get("output_per_hour"),
            "output_per_hour_growth": _yearly_growth(self.series("output_per_hour")) if self.weeks else None,
            "enterprise_income_cv_last_year": mean.get("enterprise_income_cv"),
            "enterprise_income_gini_last_year": mean.get("enterprise_income_gini"),
            "sector_income_gini_last_year": mean.get("sector_income_gini"),
            "income_capital_correlation_last_year": mean.get("income_capital_correlation"),
            "enterprise_income_gini_trend": _yearly_trend(self.series("enterprise_income_gini")),
            "queued_goods_share_last_year": mean.get("queued_goods_share"),
            "queue_length_last_year": mean.get("queue_length"),
            "piled_goods_share_last_year": mean.get("piled_goods_share"),
            "shortage_and_surplus_last_year": mean.get("shortage_and_surplus"),
            "forced_saving_last_year": mean.get("forced_saving"),
            "substituted_spending_last_year": mean.get("substituted_spending"),
            "hoarded_stock_last_year": mean.get("hoarded_stock"),
            **{f"{name}_last_year": mean.get(name) for name in HISTORY_SERIES},
            "cumulative_unmet_hours": unmet,
            "cumulative_unmet_share": unmet / wanted if wanted > 0 else 0.0,
            "min_sovereignty_index": float(self.series("sovereignty_index").min()) if self.weeks else None,
            "final_sovereignty_index": last.get("sovereignty_index"),
            "coefficient_error_final": last.get("coefficient_error"),
            "wage_gini_before": self._wage_gini_before,
            "wage_gini_final": last.get("wage_gini"),
            "income_gini_final": last.get("income_gini"),
            "consumption_gini_final": last.get("consumption_gini"),
            "price_changes_logged": len(self.price_log),
        }

    def timeseries(self) -> pd.DataFrame:
        """All series in one tidy table: ``week, good, variable, value`` (good is "" for per-week series)."""
        names = self.model.technology.names
        weeks = np.arange(self.weeks)
        frames = [
            pd.DataFrame(
                {
                    "week": np.repeat(weeks, len(names)),
                    "good": np.tile(names, self.weeks),
                    "variable": name,
                    "value": self.series(name).ravel(),
                }
            )
            for name in GOOD_SERIES
        ]
        frames += [
            pd.DataFrame({"week": weeks, "good": "", "variable": name, "value": self.series(name)})
            for name in WEEK_SERIES
        ]
        return pd.concat(frames, ignore_index=True)


def _yearly_trend(series) -> float | None:
    """Least-squares slope of a weekly series' yearly means, per year, from the second year (``None`` under three)."""
    years = series.size // WEEKS_PER_YEAR
    if years < 3:  # none before a run has three years (and none without weeks)
        return None
    means = series[: years * WEEKS_PER_YEAR].reshape(years, WEEKS_PER_YEAR).mean(axis=1)[1:]
    return float(np.polyfit(np.arange(means.size), means, 1)[0])


def _yearly_growth(series) -> float | None:
    """Yearly growth of a weekly series from its first year's mean to its last year's (``None`` under two years)."""
    years = series.size // WEEKS_PER_YEAR
    if years < 2:
        return None
    first, last = series[:WEEKS_PER_YEAR].mean(), series[-WEEKS_PER_YEAR:].mean()
    if first <= 0 or last <= 0:
        return None
    return float((last / first) ** (1.0 / (series.size / WEEKS_PER_YEAR - 1.0)) - 1.0)


def _share_lost(lost, unconstrained) -> float:
    """``Σ lost / Σ unconstrained`` (per person, over weeks): the share of unconstrained welfare lost (0 if none).

    ``lost`` is the rationing cost plus the price-distortion cost: the deadweight losses. What
    prices above or below normal move between households and the rest of the economy (the
    rest of ``unconstrained − welfare``) is a transfer, not a loss (docs/welfare.md).
    """
    total = float(np.sum(unconstrained))
    return float(np.sum(lost)) / total if total > 0 else 0.0


def _gap(ratio: float) -> str:
    """A stock against its reserve target, in words: "1.12 % above" (hundredths: a price moves on small changes)."""
    return f"{100 * abs(ratio - 1):.2f} % {'below' if ratio < 1 else 'above'}"
