"""Does the capitalist regime started from the US 2014 table reproduce the United States of 2014? (docs/validation.md)

The default economy *is* the United States in 2014. Run under ``regime = "market"`` with the
market's defaults, years 2–5 of a run are set against facts of that economy: three from the
table itself (shipped in ``sim/data/us2014``, from WIOD 2016) and five from outside, each
with its source and a band. Nothing is tuned to these facts; a row outside its band says so.

- :data:`FACTS`: the facts, their sources and bands;
- :func:`table_facts`: the table-based facts, computed from the shipped economy's files;
- :func:`measure`: a run's figures for every fact, over a window of weeks;
- :func:`summarise`: the means over seeds with their 95 % intervals, and whether each is in its band.

Definitions (the model's side): final demand is domestic absorption, households' and public
consumption and gross fixed capital formation (net investment plus the capital used up,
``D x``), because the default economy has no foreign trade; the labour share is wages and the
communes' members' incomes over gross value added (sales less the inputs bought, plus the
capital used up); inventories are every stock at this week's prices over a month's sales of
every good; the personal saving rate is households' income after tax less their spending,
over that income; the Gini is that of hourly earnings over the persons in work.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.intervals import mean_interval
from sim.economics.units import WEEKS_PER_YEAR

#: Weeks in a month, for inventories ÷ monthly sales.
WEEKS_PER_MONTH = WEEKS_PER_YEAR / 12.0


@dataclass(frozen=True)
class Fact:
    """A fact of the US economy in 2014, its source and the band within which the model must fall."""

    key: str
    name: str
    source: str
    value: float | None  # None: computed from the table (:func:`table_facts`)
    low: float | None = None  # band; None: value ± ``points``
    high: float | None = None
    points: float = 0.0


FACTS = (
    Fact("labour_share", "labour compensation ÷ value added", "WIOD SEA 2016, US 2014: LAB ÷ VA", None, points=0.03),
    Fact(
        "gfcf_share",
        "gross fixed capital formation ÷ final demand",
        "the table: GFCF ÷ (C + G + GFCF)",
        None,
        points=0.03,
    ),
    Fact(
        "consumption_share", "household consumption ÷ final demand", "the table: C ÷ (C + G + GFCF)", None, points=0.03
    ),
    Fact("unemployment_rate", "unemployment rate", "BLS, 2014 annual average (LNU04000000)", 0.062, 0.04, 0.09),
    Fact(
        "capacity_utilisation", "capacity utilisation", "Federal Reserve G.17, total industry, 2014", 0.79, 0.74, 0.84
    ),
    Fact("inventories_to_sales", "inventories ÷ monthly sales", "Census MTIS, total business, 2014", 1.30, 1.0, 1.6),
    Fact(
        "saving_rate", "personal saving rate", "BEA NIPA table 2.1, 2014 (after the 2018 revision)", 0.073, 0.04, 0.10
    ),
    Fact("earnings_gini", "Gini of hourly earnings", "not verified (see docs/validation.md)", None),
)


def table_facts(economy_dir) -> dict[str, float]:
    """The table-based facts from the shipped economy's files (``agg_employment.csv``, ``agg_final_demand.csv``)."""
    economy_dir = Path(economy_dir)
    employment = pd.read_csv(economy_dir / "agg_employment.csv")
    demand = pd.read_csv(economy_dir / "agg_final_demand.csv")
    consumption = float(demand["CONS_h"].sum() + demand["CONS_np"].sum())
    public, capital = float(demand["CONS_g"].sum()), float(demand["GFCF"].sum())
    absorption = consumption + public + capital
    return {
        "labour_share": float(employment["LAB_musd"].sum() / employment["VA_musd_SEA"].sum()),
        "gfcf_share": capital / absorption,
        "consumption_share": consumption / absorption,
    }


def measure(model, first_week: int) -> dict[str, float]:
    """Run ``model`` to its horizon and return its figure for every fact over weeks ``first_week`` … the end.

    Parameters
    ----------
    model : sim.model.CouncilsModel
        A run under a market regime (it has books and prices for every good), not yet stepped.
    first_week : int
        The first week measured (52: from the second year).
    """
    sums = dict.fromkeys(("labour", "value_added", "C", "G", "GFCF", "stock", "sales", "income", "saved"), 0.0)
    D = model.technology.capital_consumption
    D = np.zeros((model.technology.n,) * 2) if D is None else np.asarray(D.toarray() if hasattr(D, "toarray") else D)
    c = model.consumers
    while model.running and model.week < model.conditions.weeks:
        model.step()
        if model.week <= first_week:
            continue
        regime, s = model.regime, model.state
        p, b = regime.all_prices, regime.books
        used_up = float(p @ (D @ s.output))
        households = float(s.prices @ s.sales)
        sums["labour"] += regime.labour_income
        sums["value_added"] += float(np.sum(b.revenue - b.inputs)) + used_up
        sums["C"] += households
        sums["G"] += float(p @ s.public_use)
        sums["GFCF"] += float(p @ s.investment_use) + used_up
        sums["stock"] += float(p @ s.stock)
        sums["sales"] += households + float(p @ (s.inputs_used + s.public_use + s.investment_use + s.exported))
        sums["income"] += float(c.income.sum())
        sums["saved"] += float((c.income - c.spent).sum())
    window = slice(first_week, model.record.weeks)
    absorption = sums["C"] + sums["G"] + sums["GFCF"]
    return {
        "labour_share": sums["labour"] / sums["value_added"],
        "gfcf_share": sums["GFCF"] / absorption,
        "consumption_share": sums["C"] / absorption,
        "unemployment_rate": float(model.record.series("unemployment_rate")[window].mean()),
        "capacity_utilisation": float(model.record.series("capacity_utilisation")[window].mean()),
        "inventories_to_sales": sums["stock"] / (sums["sales"] * WEEKS_PER_MONTH),
        "saving_rate": sums["saved"] / sums["income"],
        "earnings_gini": float(model.record.series("wage_gini")[window].mean()),
    }


def band(fact: Fact, table: dict[str, float]) -> tuple[float | None, float | None, float | None]:
    """A fact's value and band: ``(value, low, high)``; ``None`` where the fact has none."""
    value = table.get(fact.key, fact.value)
    if fact.low is not None:
        return value, fact.low, fact.high
    if value is None:
        return None, None, None
    return value, value - fact.points, value + fact.points


def summarise(runs: list[dict[str, float]], table: dict[str, float]) -> pd.DataFrame:
    """One row per fact: its value and band, the model's mean over the runs with its 95 % interval, in band or not."""
    rows = []
    for fact in FACTS:
        value, low, high = band(fact, table)
        estimate = mean_interval([run[fact.key] for run in runs])
        inside = None if low is None else bool(low <= estimate.estimate <= high)
        rows.append(
            {
                "fact": fact.name,
                "source": fact.source,
                "value": value,
                "low": low,
                "high": high,
                "model": estimate.estimate,
                "model_low": estimate.low,
                "model_high": estimate.high,
                "seeds": estimate.n,
                "in_band": inside,
            }
        )
    return pd.DataFrame(rows)


def markdown(summary: pd.DataFrame) -> str:
    """The summary as the table docs/validation.md shows (percentages where the fact is a share)."""

    def show(x, share):
        if x is None or (isinstance(x, float) and np.isnan(x)):
            return "—"
        return f"{100 * x:.1f} %" if share else f"{x:.2f}"

    lines = [
        "| fact | source | US 2014 | band | model (95 % interval) | in band |",
        "|---|---|---|---|---|---|",
    ]
    for row in summary.itertuples():
        share = row.fact != "inventories ÷ monthly sales" and row.fact != "Gini of hourly earnings"
        bounds = "—" if row.low is None else f"{show(row.low, share)} – {show(row.high, share)}"
        verdict = {True: "yes", False: "**no**", None: "not checked"}[row.in_band]
        model = f"{show(row.model, share)} ({show(row.model_low, share)} – {show(row.model_high, share)})"
        lines.append(f"| {row.fact} | {row.source} | {show(row.value, share)} | {bounds} | {model} | {verdict} |")
    return "\n".join(lines)
