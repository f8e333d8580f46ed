"""Figures of a run, drawn from its saved results (PNG and SVG).

Every function takes the run's summary and tidy time series (as written by
:mod:`sim.experiments.results`), so ``councils plot DIR`` redraws them without rerunning.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.economics.units import WEEKS_PER_YEAR
from sim.storage.writes import replacing

FIGURES = ("stock_price_dynamics", "gaps", "inequality", "hours_output", "decisions")


def _wide(ts: pd.DataFrame, variable: str) -> pd.DataFrame:
    """One per-good variable as a week × good table."""
    part = ts[ts["variable"] == variable]
    return part.pivot(index="week", columns="good", values="value")


def _weekly(ts: pd.DataFrame) -> pd.DataFrame:
    """Per-week series as a week × variable table."""
    part = ts[ts["good"] == ""]
    return part.pivot(index="week", columns="variable", values="value")


def _mark_convergence(ax, summary):
    week = summary.get("converged_week")
    if week is not None:
        ax.axvline(week, color="tab:green", lw=0.8, ls="--")


def _title(summary) -> str:
    verdict = f"converged from week {summary['converged_week']}" if summary.get("converged") else "did not converge"
    return f"{summary.get('scenario', 'run')} (seed {summary.get('seed', '?')}): {verdict}"


def stock_price_dynamics(summary, ts):
    """For each consumer good: price ÷ labour value and stock ÷ reserve target, week by week."""
    goods = summary["consumer_goods"]
    price = _wide(ts, "price")[goods] / _wide(ts, "value")[goods]
    stock = _wide(ts, "stock")[goods] / _wide(ts, "reserve")[goods]
    cols = 4
    rows = int(np.ceil(len(goods) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.2 * rows), sharex=True, sharey=True, squeeze=False)
    for ax, good in zip(axes.ravel(), goods, strict=False):
        ax.axhline(1.0, color="0.6", lw=0.6)
        ax.plot(price.index, price[good], color="tab:red", lw=1.0, label="price ÷ labour value")
        ax.plot(stock.index, stock[good], color="tab:blue", lw=1.0, label="stock ÷ reserve target")
        _mark_convergence(ax, summary)
        ax.set_title(good, fontsize=9)
    for ax in axes.ravel()[len(goods) :]:
        ax.axis("off")
    for ax in axes[-1]:
        ax.set_xlabel("week")
    fig.supylabel("ratio (1 = price at labour value, stock at its reserve target)", fontsize=9)
    handles, labels = axes.ravel()[0].get_legend_handles_labels()
    handles.append(plt.Line2D([], [], color="tab:green", ls="--", lw=0.8))
    labels.append("convergence week")
    fig.legend(handles, labels, loc="upper right", ncol=3, fontsize=8, frameon=False)
    fig.suptitle(f"Stock and price dynamics per consumer good — {_title(summary)}", fontsize=10, x=0.01, ha="left")
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    return fig


def gaps(summary, ts):
    """Stock gap, fulfilment floor, unmet share and sovereignty index over time (the verdict's measures)."""
    w = _weekly(ts)
    fig, axes = plt.subplots(2, 2, figsize=(10, 6), sharex=True)
    fulfil = summary.get("fulfilment_tolerance")
    panels = [
        ("stock_gap", "stock gap, max |S/S* − 1|", summary.get("stock_tolerance")),
        ("fulfilment_floor", "fulfilment floor, min sales ÷ demand at value", None if fulfil is None else 1 - fulfil),
        ("unmet_share", "unmet demand at the prices faced, share (value)", None),
        ("sovereignty_index", "sovereignty index against demand at value", None),
    ]
    for ax, (key, label, tol) in zip(axes.ravel(), panels, strict=True):
        ax.plot(w.index, w[key], lw=1.0)
        if tol is not None:
            ax.axhline(tol, color="tab:orange", ls=":", lw=1.0, label=f"verdict's tolerance {tol:g}")
            ax.legend(fontsize=8, frameon=False)
        if key == "unmet_share":
            ax.set_ylim(0, max(0.01, 1.1 * float(w[key].max())))
        _mark_convergence(ax, summary)
        ax.set_title(label, fontsize=9)
    for ax in axes[-1]:
        ax.set_xlabel("week")
    fig.suptitle(f"Gaps over time — {_title(summary)}", fontsize=10, x=0.01, ha="left")
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    return fig


def inequality(summary, ts):
    """Gini coefficients of hourly wages, incomes (communes included) and consumption."""
    w = _weekly(ts)
    fig, ax = plt.subplots(figsize=(8, 4))
    for key, label, style in [
        ("consumption_gini", "consumption spending", "-"),
        ("income_gini", "incomes (communes included)", "-"),
        ("wage_gini", "hourly wages (workers)", "--"),
    ]:
        ax.plot(w.index, w[key], lw=1.6, ls=style, label=label)
    before = summary.get("wage_gini_before")
    if before is not None:
        ax.axhline(before, color="0.5", ls=":", lw=1.0, label=f"hourly wages before the transition ({before:.2f})")
    ax.set_xlabel("week")
    ax.set_ylabel("Gini coefficient (0 = equal)")
    ax.set_ylim(bottom=0)
    ax.legend(frameon=False)
    ax.set_title(f"Inequality over time — {_title(summary)}", fontsize=10, loc="left")
    fig.tight_layout()
    return fig


def hours_output(summary, ts):
    """Hours worked per person and week, and output by sector relative to week 0."""
    w = _weekly(ts)
    output = _wide(ts, "output")
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5), gridspec_kw={"width_ratios": [1, 1.6]})
    left.plot(w.index, w["hours_per_week"], label="decided week")
    left.plot(w.index, w["hours_used"], label="hours embodied in output")
    left.set_xlabel("week")
    left.set_ylabel("hours per person per week")
    left.set_ylim(bottom=0)
    left.legend(frameon=False, fontsize=8)
    left.set_title("Hours", fontsize=9)
    change = 100 * (output / output.iloc[0] - 1)
    movers = change.iloc[-1].abs().sort_values(ascending=False).index
    for good in movers:
        right.plot(change.index, change[good], lw=0.8, color="0.75")
    for good in movers[:6]:
        right.plot(change.index, change[good], lw=1.2, label=f"{good} ({change[good].iloc[-1]:+.0f} %)")
    right.axhline(0, color="0.4", lw=0.6)
    right.set_xlabel("week")
    right.set_ylabel("output, % change since week 0")
    right.legend(
        frameon=False,
        fontsize=8,
        title="largest movers\n(grey: others)",
        title_fontsize=8,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
    )
    right.set_title("Output by sector", fontsize=9)
    fig.suptitle(f"Hours and output — {_title(summary)}", fontsize=10, x=0.01, ha="left")
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    return fig


def decisions(summary, ts):
    """What the yearly decisions chose and bought: hours, investment, consumption, labour values (seed §7f, §8)."""
    w = _weekly(ts)
    goods = summary["consumer_goods"]
    value = _wide(ts, "value")[goods]
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    hours, consumption, values = axes
    hours.plot(w.index, w["hours_per_week"], color="tab:blue", label="hours a week (decided)")
    hours.set_ylabel("hours per week", color="tab:blue")
    hours.set_ylim(0, max(1.2 * w["hours_per_week"].max(), 1))
    share = hours.twinx()
    share.plot(w.index, 100 * w["investment_share"], color="tab:orange", label="investment share (decided)")
    share.set_ylabel("% of the net product invested", color="tab:orange")
    share.set_ylim(0, max(1.2 * 100 * w["investment_share"].max(), 1))
    hours.set_title("The decision: hours and investment", fontsize=9)
    hours.set_xlabel("week")
    per_year = w["consumption_per_person"].rolling(WEEKS_PER_YEAR, min_periods=1).mean()
    consumption.plot(w.index, w["consumption_per_person"], color="0.75", lw=0.6, label="weekly")
    consumption.plot(w.index, per_year, color="tab:green", label="trailing year")
    consumption.set_ylabel("hours of week-0 labour value per person per week")
    consumption.set_xlabel("week")
    consumption.legend(frameon=False, fontsize=8)
    consumption.set_title("Consumption per person, at week-0 values", fontsize=9)
    main = value.iloc[0].sort_values(ascending=False).index[:6]
    for good in main:
        values.plot(value.index, value[good] / value[good].iloc[0], lw=1.0, label=good)
    values.axhline(1.0, color="0.6", lw=0.6)
    values.set_ylabel("labour value ÷ week 0")
    values.set_xlabel("week")
    values.legend(frameon=False, fontsize=8, title="highest labour value at week 0", title_fontsize=8)
    values.set_title("Labour values", fontsize=9)
    fig.suptitle(f"Decisions and growth — {_title(summary)}", fontsize=10, x=0.01, ha="left")
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    return fig


def draw_all(summary: dict, ts: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Draw every figure of a run into ``out_dir`` as PNG and SVG; return the PNG paths."""
    out_dir = Path(out_dir)
    written = []
    for name in FIGURES:
        fig = globals()[name](summary, ts)
        for ext in ("png", "svg"):
            with replacing(out_dir / f"{name}.{ext}", "figure") as file:  # a unique temporary, never through a link
                fig.savefig(file, dpi=110, format=ext)
        plt.close(fig)
        written.append(out_dir / f"{name}.png")
    return written


#: The formats ``compare --out`` writes, by the file's extension.
FIGURE_FORMATS = ("png", "svg", "pdf")


def compare_gaps(runs: list[tuple[dict, pd.DataFrame]], out_path: Path) -> Path:
    """One figure overlaying the stock gaps and fulfilment floors of several runs, written to ``out_path`` exactly.

    Its format is the extension of ``out_path`` (one of :data:`FIGURE_FORMATS`); it is written
    under a unique temporary name beside it, then renamed into place.
    """
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), sharex=True)
    for summary, ts in runs:
        w = _weekly(ts)
        label = f"{summary.get('scenario')} (seed {summary.get('seed')})"
        axes[0].plot(w.index, w["stock_gap"], lw=1.0, label=label)
        axes[1].plot(w.index, w["fulfilment_floor"], lw=1.0, label=label)
    for ax, title in [
        (axes[0], "stock gap, max |S/S* − 1|"),
        (axes[1], "fulfilment floor, min sales ÷ demand at value"),
    ]:
        ax.set_xlabel("week")
        ax.set_title(title, fontsize=9)
    axes[0].legend(frameon=False, fontsize=8)
    fig.suptitle("Comparison of transition conditions", fontsize=10, x=0.01, ha="left")
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    out_path = Path(out_path)
    try:
        with replacing(out_path, "--out") as file:
            fig.savefig(file, dpi=110, format=out_path.suffix.lstrip(".").lower())
    finally:
        plt.close(fig)
    return out_path
