"""The weekly consumer step (demand, rationing, spending, saving), vectorised against the per-agent oracle.

Usage::

    .venv/bin/python benchmarks/consumer_step.py [--quick]

For 10⁴, 10⁵ and 10⁶ consumers × 20 and 100 goods it times ``market.buy`` — both the
exact-aggregation path (two matrix–vector products) and the full demand-matrix path —
plus the spending and saving around it. In the same run it times the plain Mesa way,
a loop over ``Consumer`` agents each computing its own demand and purchases, on
10⁴ × 20, and reports the speed-ups per consumer-good. Medians of repeated calls,
``time.perf_counter``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from types import SimpleNamespace

import mesa
import numpy as np

from agents import Consumer
from sim.economics import market
from sim.run.scenario import Consumption


class Households(mesa.Model):
    """The smallest model a Consumer agent can live in: arrays, prices and preferences."""

    def __init__(self, n: int, goods: int, seed: int = 0, agents: bool = False):
        super().__init__(rng=seed)
        shares = self.rng.dirichlet(np.full(goods, 2.0))
        elasticities = self.rng.uniform(0.4, 1.6, goods)
        income = self.rng.lognormal(0.0, 0.1, n)  # after equalisation: small spread (communes, savings)
        self.preferences = market.calibrate_preferences(shares, elasticities, income)
        taste = 0.1 * shares * self.rng.standard_normal((n, goods))
        taste -= shares * taste.sum(axis=1, keepdims=True)
        self.consumers = _Arrays(income, 4.0 * income, np.zeros(n), taste, self.preferences)
        self.values = self.rng.uniform(0.5, 2.0, goods)
        self.prices = self.values * self.rng.uniform(0.8, 1.25, goods)
        self.state = SimpleNamespace(consumer_goods=np.arange(goods), values=self.values)  # what agents read
        self.conditions = SimpleNamespace(consumption=Consumption())
        if agents:
            Consumer.create_agents(self, n, row=np.arange(n))


class _Arrays:
    def __init__(self, income, savings, spent, taste, preferences):
        self.income, self.savings, self.spent, self.taste = income, savings, spent, taste
        self.taste_floor = taste.min(axis=0)
        self.preferences = preferences
        # everybody keeps the scenario's buffer and smoothing (per-person ones are the market regimes')
        self.buffer_weeks = self.smoothing_weeks = None


def vectorised_week(m: Households, on_sale, exact: bool):
    """One consumer step for everybody, as the model runs it."""
    c, cfg = m.consumers, m.conditions.consumption
    spending = market.intended_spending(c.income, c.savings, cfg.buffer_weeks, cfg.smoothing_weeks)
    week = market.buy(
        m.preferences, spending, m.prices, m.values, c.taste, on_sale, taste_floor=c.taste_floor if exact else None
    )
    return c.savings + c.income - week.spent


def per_agent_week(m: Households, on_sale):
    """The plain Mesa way: every agent computes its demand, then takes its share and pays."""
    persons = list(m.agents_by_type[Consumer])
    wanted = [a.wanted(m.prices) for a in persons]
    total = np.sum(wanted, axis=0)
    fill = np.minimum(1.0, on_sale / total)
    for agent, want in zip(persons, wanted, strict=True):
        agent.buy(want, fill, m.prices)


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip 10⁶ consumers")
    args = parser.parse_args()
    sizes = [10_000, 100_000] + ([] if args.quick else [1_000_000])
    rows = []
    for goods in (20, 100):
        for n in sizes:
            m = Households(n, goods)
            demand = market.buy(
                m.preferences, m.consumers.income, m.prices, m.values, m.consumers.taste, np.full(goods, np.inf)
            )
            on_sale = demand.wanted * np.where(np.arange(goods) % 3 == 0, 0.7, 2.0)  # a third of goods scarce
            exact_ok = market.aggregates_exactly(
                m.preferences, m.consumers.income, m.prices, m.values, m.consumers.taste_floor
            )
            repeats = 20 if n <= 100_000 else 5
            t_exact = median_time(lambda m=m, s=on_sale: vectorised_week(m, s, True), repeats)
            t_full = median_time(lambda m=m, s=on_sale: vectorised_week(m, s, False), max(3, repeats // 4))
            a = vectorised_week(m, on_sale, True)
            b = vectorised_week(m, on_sale, False)
            gap = float(np.max(np.abs(a - b)) / np.max(np.abs(b)))
            rows.append((n, goods, t_exact, t_full, exact_ok, gap))
            print(
                f"{n:>9,} × {goods:>3}: exact {1e3 * t_exact:8.2f} ms ({n * goods / t_exact:.2e} consumer-goods/s)"
                f"  full matrix {1e3 * t_full:8.2f} ms  [exact path valid: {exact_ok}; max rel. diff {gap:.1e}]"
            )
    oracle_model = Households(10_000, 20, agents=True)
    demand = market.buy(
        oracle_model.preferences,
        oracle_model.consumers.income,
        oracle_model.prices,
        oracle_model.values,
        oracle_model.consumers.taste,
        np.full(20, np.inf),
    )
    on_sale = demand.wanted * np.where(np.arange(20) % 3 == 0, 0.7, 2.0)
    t_oracle = median_time(lambda: per_agent_week(oracle_model, on_sale), 3)
    t_exact = next(r[2] for r in rows if r[0] == 10_000 and r[1] == 20)
    t_full = next(r[3] for r in rows if r[0] == 10_000 and r[1] == 20)
    print(
        f"per-agent Mesa oracle, 10,000 × 20: {1e3 * t_oracle:.1f} ms ({10_000 * 20 / t_oracle:.2e} consumer-goods/s)"
    )
    print(
        f"speed-up per consumer-good, same run: exact {t_oracle / t_exact:,.0f}×, full matrix {t_oracle / t_full:,.0f}×"
    )
    best = {(n, g): (te, tf) for n, g, te, tf, _, _ in rows}
    if (100_000, 100) in best:
        te = best[(100_000, 100)][0]
        oracle_rate = 10_000 * 20 / t_oracle
        rate = 100_000 * 100 / te
        ratio = rate / oracle_rate
        print(
            f"target 10⁵ × 100 ≤ 50 ms: {1e3 * te:.1f} ms {'PASS' if te <= 0.05 else 'FAIL'}; "
            f"≥ 100× the oracle per consumer-good: {ratio:,.0f}× {'PASS' if ratio >= 100 else 'FAIL'}"
        )


if __name__ == "__main__":
    main()
