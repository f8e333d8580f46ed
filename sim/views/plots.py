"""Figures of a run, drawn from its saved results.

Every function takes the run's summary and tidy time series (as written by
:mod:`sim.experiments.results`), so ``councils plot DIR`` redraws them without rerunning, and
returns a :class:`matplotlib.figure.Figure` made without pyplot (importing this module never
changes matplotlib's backend: a notebook shows the figure a cell returns). Each takes
``figsize``, (width, height) in inches. ``docs/plotting.md`` lists them.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from scipy import stats

from sim.analysis.figures import save, write_figure
from sim.analysis.formats import DEFAULT_FORMATS, FORMATS
from sim.economics.units import WEEKS_PER_YEAR
from sim.experiments.results import DECISIONS_FILE, read_decisions

#: Every figure of a run, by its file name; ``decisions`` only for a run whose assemblies voted.
FIGURES = ("stock_price_dynamics", "gaps", "inequality", "hours_output", "decisions")
#: Head room above the highest hours drawn (a share of it), so that a constant decided week is not the frame.
HOURS_HEADROOM = 0.15
#: The first weeks of a comparison, whose start-up swings may leave the y axis (the rest sets its range).
SETTLING_WEEKS = 13


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


def stock_price_dynamics(summary, ts, figsize: tuple[float, float] | None = None) -> Figure:
    """For each consumer good: price ÷ labour value and stock ÷ reserve target, week by week.

    One panel per good, four to a row; ``figsize`` defaults to 3.2 × 2.2 inches a panel.
    """
    goods = summary["consumer_goods"]
    price = _wide(ts, "price")[goods] / _wide(ts, "value")[goods]
    stock = _wide(ts, "stock")[goods] / _wide(ts, "reserve")[goods]
    cols = 4
    rows = int(np.ceil(len(goods) / cols))
    fig = Figure(figsize=figsize or (3.2 * cols, 2.2 * rows))
    axes = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False)
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
    handles.append(Line2D([], [], color="tab:green", ls="--", lw=0.8))
    labels.append("convergence week")
    fig.legend(handles, labels, loc="upper right", ncol=3, fontsize=8, frameon=False)
    fig.suptitle(f"Stock and price dynamics per consumer good — {_title(summary)}", fontsize=10, x=0.01, ha="left")
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    return fig


def gaps(summary, ts, figsize: tuple[float, float] = (10, 6)) -> Figure:
    """The verdict's measures over time (docs/welfare.md): stocks, welfare lost, queues, sovereignty.

    Stock gap and welfare lost are the weekly values; the verdict's tolerances apply to their
    trailing-year means (drawn dotted).
    """
    w = _weekly(ts)
    fig = Figure(figsize=figsize)
    axes = fig.subplots(2, 2, sharex=True)
    panels = [
        ("stock_gap_own_prices", "stock gap, max |S/S*ₙ − 1|, reserve rule at normal prices", 1.0, "stock_tolerance"),
        ("welfare_gap", "welfare lost to queues and prices off normal, %", 100.0, "welfare_tolerance"),
        ("unmet_share", "unmet demand at the prices faced, share (value)", 1.0, None),
        ("sovereignty_own_prices", "sovereignty against demand at own normal prices", 1.0, None),
    ]
    for ax, (key, label, scale, tolerance) in zip(axes.ravel(), panels, strict=True):
        if key not in w:  # results written before the yardstick
            ax.set_title(f"{label}: not recorded", fontsize=9)
            continue
        ax.plot(w.index, scale * w[key], lw=1.0, label="weekly")
        year = w[key].rolling(52, min_periods=1).mean()
        if tolerance is not None:
            ax.plot(w.index, scale * year, lw=1.2, color="tab:green", label="trailing year")
        tol = summary.get(tolerance) if tolerance else None
        if tol is not None:
            ax.axhline(scale * tol, color="tab:orange", ls=":", lw=1.0, label=f"verdict's tolerance {scale * tol:g}")
        if tolerance is not None:
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


def inequality(summary, ts, figsize: tuple[float, float] = (8, 4)) -> Figure:
    """Gini coefficients of hourly wages, incomes (communes included) and consumption."""
    w = _weekly(ts)
    fig = Figure(figsize=figsize)
    ax = fig.subplots()
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


def _hours_axis(ax, w: pd.DataFrame):
    """Hours per person and week, decided and embodied, from 0 to :data:`HOURS_HEADROOM` above the highest."""
    ax.plot(w.index, w["hours_per_week"], lw=1.4, label="decided week")
    ax.plot(w.index, w["hours_used"], lw=1.2, label="hours embodied in output")
    top = float(np.nanmax(w[["hours_per_week", "hours_used"]].to_numpy(dtype=float)))
    ax.set_ylim(0, (1 + HOURS_HEADROOM) * max(top, 1.0))
    ax.set_ylabel("hours per person per week")
    ax.legend(frameon=False, fontsize=8, loc="lower right")


def hours_output(summary, ts, figsize: tuple[float, float] = (12, 4.5)) -> Figure:
    """Hours worked per person and week, and output by sector relative to week 0."""
    w = _weekly(ts)
    output = _wide(ts, "output")
    fig = Figure(figsize=figsize)
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.6]})
    _hours_axis(left, w)
    left.set_xlabel("week")
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


def decisions(summary, ts, decided: Sequence[dict] = (), figsize: tuple[float, float] = (12, 7.5)) -> Figure:
    """What the yearly decisions chose and bought: hours, investment, consumption, labour values (seed §7f, §8).

    Four panels, each quantity on an axis of its own: the decided hours (with the hours
    embodied in output), the share of the net product invested (%), consumption per person
    at week-0 labour values, and the labour values of the goods of highest value. The weeks
    of the decisions in ``decided`` (each a mapping with its ``week``, as in ``decisions.json``)
    are marked on every panel.
    """
    w = _weekly(ts)
    goods = summary["consumer_goods"]
    value = _wide(ts, "value")[goods]
    fig = Figure(figsize=figsize)
    (hours, share), (consumption, values) = fig.subplots(2, 2, sharex=True)
    _hours_axis(hours, w)
    hours.set_title("Hours a week, as decided", fontsize=9)
    invested = 100 * w["investment_share"]
    share.plot(w.index, invested, color="tab:orange", lw=1.4)
    share.set_ylim(0, (1 + HOURS_HEADROOM) * max(float(invested.max()), 1.0))
    share.set_ylabel("% of the net product invested")
    share.set_title("Investment, as decided", fontsize=9)
    per_year = w["consumption_per_person"].rolling(WEEKS_PER_YEAR, min_periods=1).mean()
    consumption.plot(w.index, w["consumption_per_person"], color="0.75", lw=0.6, label="weekly")
    consumption.plot(w.index, per_year, color="tab:green", label="trailing year")
    consumption.set_ylabel("hours of week-0 value per person per week")
    consumption.legend(frameon=False, fontsize=8)
    consumption.set_title("Consumption per person, at week-0 labour values", fontsize=9)
    main = value.iloc[0].sort_values(ascending=False).index[:6]
    for good in main:
        values.plot(value.index, value[good] / value[good].iloc[0], lw=1.0, label=good)
    values.axhline(1.0, color="0.6", lw=0.6)
    values.set_ylabel("labour value ÷ week 0")
    values.legend(frameon=False, fontsize=8, title="highest labour value at week 0", title_fontsize=8)
    values.set_title("Labour values", fontsize=9)
    for ax in (hours, share, consumption, values):
        for k, decision in enumerate(decided):
            ax.axvline(decision["week"], color="0.5", lw=0.7, ls=":", label="a decision" if k == 0 else None)
    share.legend(frameon=False, fontsize=8, loc="lower right")
    for ax in (consumption, values):
        ax.set_xlabel("week")
    fig.suptitle(f"Decisions and growth — {_title(summary)}", fontsize=10, x=0.01, ha="left")
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    return fig


def figures(summary: dict, ts: pd.DataFrame, decided: list[dict]) -> dict[str, Figure]:
    """Every figure of :data:`FIGURES` the run supports, by name: ``decisions`` only if ``decided`` is not empty."""
    drawn = {}
    for name in FIGURES:
        if name == "decisions":
            if decided:
                drawn[name] = decisions(summary, ts, decided)
        else:
            drawn[name] = globals()[name](summary, ts)
    return drawn


def draw_all(summary: dict, ts: pd.DataFrame, out_dir: Path, formats: tuple[str, ...] = DEFAULT_FORMATS) -> list[Path]:
    """Draw every figure of a run into ``out_dir``, once per format; return their paths in the first format.

    The yearly decisions are read from the run's ``decisions.json`` in ``out_dir`` (a result
    written before there were decisions has none). A figure the run does not have (``decisions``
    where nothing was voted) is not drawn, and its files from an earlier drawing are removed.
    """
    out_dir = Path(out_dir)
    decided = read_decisions(out_dir) if os.path.lexists(out_dir / DECISIONS_FILE) else []
    drawn = figures(summary, ts, decided)
    for name in set(FIGURES) - set(drawn):  # what an earlier drawing made of a figure this run does not have
        for ext in FORMATS:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(out_dir / f"{name}.{ext}")  # a link is removed, never followed
    return [save(fig, out_dir / f"{name}.png", formats) for name, fig in drawn.items()]


def _settled_limits(ax, series: list[pd.Series], lines: list[float]) -> str:
    """Set ``ax``'s y range to what ``series`` do after :data:`SETTLING_WEEKS`, and the ``lines`` drawn.

    Returns a phrase for the panel saying how far the first weeks go beyond it ("" if they
    stay inside or the runs are too short to settle).
    """
    later = [s[s.index >= SETTLING_WEEKS].to_numpy(dtype=float) for s in series]
    later = np.concatenate(later) if later else np.array([])
    later = later[np.isfinite(later)]
    if later.size == 0:
        return ""
    low, high = min(later.min(), *lines), max(later.max(), *lines)
    pad = 0.1 * (high - low) or 0.01 * max(abs(high), 1e-9)
    ax.set_ylim(low - pad, high + pad)
    first = np.concatenate([s[s.index < SETTLING_WEEKS].to_numpy(dtype=float) for s in series])
    first = first[np.isfinite(first)]
    beyond = first[(first < low - pad) | (first > high + pad)]
    if beyond.size == 0:
        return ""
    extreme = beyond[np.argmax(np.abs(beyond - (low + high) / 2))]
    return f"weeks 0–{SETTLING_WEEKS - 1} leave the axis (to {extreme:.3g})"


def _groups(runs: list[tuple[dict, pd.DataFrame]]) -> dict[str, list[tuple[dict, pd.DataFrame]]]:
    """Runs grouped by scenario and regime, in the order they come: each group's seeds."""
    groups: dict[str, list] = {}
    for summary, ts in runs:
        groups.setdefault(f"{summary.get('scenario')} ({summary.get('regime', 'councils')})", []).append((summary, ts))
    return groups


def _band(series: list[pd.Series]) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Mean over seeds, week by week, with its 95 % Student t interval (the mean alone for one seed)."""
    frame = pd.concat(series, axis=1)
    mean = frame.mean(axis=1)
    n = frame.count(axis=1)
    half = stats.t.ppf(0.975, np.maximum(n - 1, 1)) * frame.std(axis=1, ddof=1) / np.sqrt(n)
    half = half.where(n > 1, 0.0)
    return mean, mean - half, mean + half


def compare_gaps(runs: list[tuple[dict, pd.DataFrame]], figsize: tuple[float, float] = (12, 4.2)) -> Figure:
    """Stocks against the reserve rule and welfare lost, of several runs, with the verdict's tolerances.

    Runs of the same scenario and regime are seeds of one condition: drawn as their weekly
    mean with its 95 % interval over seeds (a band); a condition with one seed as its line.
    Both measures are trailing-year means, as the verdict judges them. The y axes show what
    the runs do after their first :data:`SETTLING_WEEKS` weeks (and the tolerance lines); a
    start-up swing beyond that range leaves the axis, and its panel says so.
    """
    fig = Figure(figsize=figsize)
    axes = fig.subplots(1, 2, sharex=True)
    drawn: list[list[pd.Series]] = [[], []]
    for label, group in _groups(runs).items():
        seeds = len(group)
        for k, key in enumerate(("stock_gap_own_prices", "welfare_gap")):
            series = [_weekly(ts)[key].rolling(52, min_periods=1).mean() for _, ts in group]
            mean, low, high = _band(series)
            scale = 100.0 if key == "welfare_gap" else 1.0
            name = (
                f"{label}, {seeds} seeds: mean, 95 % interval" if seeds > 1 else f"{label} (seed {group[0][0]['seed']})"
            )
            line = axes[k].plot(mean.index, scale * mean, lw=1.2, label=name)[0]
            if seeds > 1:
                axes[k].fill_between(mean.index, scale * low, scale * high, color=line.get_color(), alpha=0.2, lw=0)
            drawn[k] += [scale * low, scale * high]
    tolerances = [
        sorted({float(s["stock_tolerance"]) for s, _ in runs}),
        sorted({100.0 * float(s["welfare_tolerance"]) for s, _ in runs}),
    ]
    for ax, title, series, lines in [
        (axes[0], "stock gap, trailing year: max |S/S*ₙ − 1|", drawn[0], tolerances[0]),
        (axes[1], "welfare lost to queues and prices off normal, trailing year, %", drawn[1], tolerances[1]),
    ]:
        for tol in lines:
            ax.axhline(tol, color="0.3", ls=":", lw=1.0, label=f"verdict's tolerance {tol:g}")
        note = _settled_limits(ax, series, lines)
        if note:
            ax.text(0.99, 0.98, note, transform=ax.transAxes, ha="right", va="top", fontsize=7, color="0.3")
        ax.set_xlabel("week")
        ax.set_title(title, fontsize=9)
    axes[0].legend(frameon=False, fontsize=8, loc="center right")
    fig.suptitle("Comparison of transition conditions", fontsize=10, x=0.01, ha="left")
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    return fig


def write_comparison(runs: list[tuple[dict, pd.DataFrame]], out_path: Path) -> Path:
    """:func:`compare_gaps` written to ``out_path`` exactly, in the format of its extension (png, svg, pdf)."""
    return write_figure(compare_gaps(runs), out_path, "--out")
