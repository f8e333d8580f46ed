"""Figures of a sweep, drawn from ``runs.parquet``: phase diagram, comparison, sensitivity, regimes over time.

Each returns a :class:`matplotlib.figure.Figure` made without pyplot (importing this module
never changes matplotlib's backend) and takes ``figsize``, (width, height) in inches.
``docs/plotting.md`` lists them.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.analysis.figures import save
from sim.analysis.formats import DEFAULT_FORMATS
from sim.analysis.history_marks import MARKS, judgements
from sim.analysis.intervals import kaplan_meier_median, mean_interval, wilson_interval
from sim.economics import corrective_loop
from sim.run.scenario import Readjustment
from sim.views.envelope import draw_mean_interval, kept_series


def _label(value) -> str:
    return f"{value:g}" if isinstance(value, int | float | np.number) else str(value)


def phase_diagram(runs: pd.DataFrame, x: str, y: str, title: str = "", figsize=(16, 4.3)) -> Figure:
    """Over two parameters: the share of runs converged, their median convergence week, and welfare lost to queues.

    Each cell gives its estimate over the cell's seeds and, below it, the 95 % interval: Wilson's
    for the share; Kaplan–Meier's median and interval for the week (runs that never converged
    censored at their horizon); the mean rationing cost as a share of unconstrained welfare, with
    its t (or bootstrap) interval. When the axes are the price response and the rebuild horizon,
    the stability boundary of the linearised one-good loop (:mod:`sim.economics.corrective_loop`,
    ρ(J) = 1) is drawn over each panel.
    """
    ok = runs[runs["error"].isna()]
    if "rationing_cost_last_year" in ok:
        ok = ok.assign(queue_loss=100 * ok["rationing_cost_last_year"] / ok["unconstrained_welfare_last_year"])
    cells = {}
    for (xv, yv), g in ok.groupby([x, y]):
        converged = wilson_interval(int(g["converged"].sum()), len(g))
        km = kaplan_meier_median(g["converged_week"].fillna(g["weeks"]).to_numpy(dtype=float), g["converged"])
        lost = mean_interval(g["queue_loss"].to_numpy(dtype=float)) if "queue_loss" in g else None
        cells[(xv, yv)] = {
            "converged": tuple(100 * np.asarray(converged)),
            "week": (km.median, km.low, km.high),
            "lost": (np.nan,) * 3 if lost is None else (lost.estimate, lost.low, lost.high),
        }
    xs = sorted(ok[x].unique())
    ys = sorted(ok[y].unique())
    boundary = _loop_boundary(pd.DataFrame(index=ys, columns=xs), ok, x, y)
    fig = Figure(figsize=figsize)
    axes = fig.subplots(1, 3)
    for ax, key, label, cmap, fmt in [
        (axes[0], "converged", "runs converged, %", "viridis", "{:.0f}"),
        (axes[1], "week", "convergence week, Kaplan–Meier median", "magma_r", "{:.0f}"),
        (axes[2], "lost", "welfare lost to queues, % (mean)", "Reds", "{:.2f}"),
    ]:
        grid = np.full((len(ys), len(xs), 3), np.nan)
        for (xv, yv), cell in cells.items():
            grid[ys.index(yv), xs.index(xv)] = cell[key]
        shown = grid[:, :, 0]
        finite = shown[np.isfinite(shown)]
        top = float(finite.max()) if finite.size else 1.0
        vmax = top if top > 0 else 1.0  # an all-zero panel keeps a scale from 0, not around it
        image = ax.imshow(
            shown, origin="lower", aspect="auto", cmap=cmap, vmin=min(0.0, float(finite.min(initial=0))), vmax=vmax
        )
        ax.set_xticks(range(len(xs)), [_label(v) for v in xs])
        ax.set_yticks(range(len(ys)), [_label(v) for v in ys])
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        ax.set_title(label, fontsize=9)
        for (i, j), value in np.ndenumerate(shown):
            if np.isfinite(value):
                shade = image.norm(value)  # dark text on the light end of the colour map
                light = shade > 0.6 if cmap == "viridis" else shade < 0.4
                low, high = grid[i, j, 1], grid[i, j, 2]
                span = f"\n[{fmt.format(low)}, {fmt.format(high)}]" if np.isfinite(low) and np.isfinite(high) else ""
                text = fmt.format(value) + span
                ax.text(j, i, text, ha="center", va="center", fontsize=6, color="k" if light else "w")
        if boundary is not None:
            ax.plot(*boundary, color="tab:cyan", lw=1.5, ls="--", label="one-good loop: ρ(J) = 1")
            ax.set_xlim(-0.5, len(xs) - 0.5)
        fig.colorbar(image, ax=ax)
    if boundary is not None:
        axes[0].legend(fontsize=7, loc="upper right", frameon=True)
    n = int(ok.groupby([x, y]).size().min()) if len(ok) else 0
    fig.suptitle(
        f"Phase diagram of convergence{' — ' + title if title else ''}: estimate and 95 % interval over "
        f"{n}+ seeds per cell",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


def _loop_boundary(table: pd.DataFrame, runs: pd.DataFrame, x: str, y: str):
    """Where ρ(J) = 1 for the one-good loop, in the table's cell coordinates; None for other axes.

    The loop's other parameters are the runs' (demand smoothing and reserve weeks, if swept
    or set, else their defaults), for a good that only households use (ω = 0) at unit
    demand elasticity: the most fragile case (``docs/corrective_loop.md``).
    """
    if (x, y) != ("prices.response", "readjustment.rebuild_weeks"):
        return None
    defaults = Readjustment()
    smoothing = float(runs.get("readjustment.demand_smoothing", pd.Series([defaults.demand_smoothing])).iloc[0])
    reserve = float(runs.get("readjustment.reserve_weeks", pd.Series([defaults.reserve_weeks])).iloc[0])
    responses = np.asarray(table.columns, dtype=float)
    rows, cols = [], []
    for i, rebuild in enumerate(np.asarray(table.index, dtype=float)):
        critical = corrective_loop.critical_response(
            rebuild_weeks=rebuild, demand_smoothing=smoothing, reserve_weeks=reserve, other_use=0.0, elasticity=1.0
        )
        rows.append(i)
        position = np.interp(np.log(critical), np.log(responses), np.arange(responses.size))
        if critical < responses[0] or critical > responses[-1]:
            position = -0.5 if critical < responses[0] else responses.size - 0.5
        cols.append(position)
    return np.asarray(cols), np.asarray(rows)


def _condition(runs: pd.DataFrame) -> pd.Series:
    """Each run's transition condition, with its regime where a sweep compares regimes."""
    if "regime" in runs and runs["regime"].nunique() > 1:
        return runs["scenario"] + " · " + runs["regime"]
    return runs["scenario"]


#: The panels of :func:`compare_conditions`: summary key, title, scale (docs/welfare.md).
CONDITION_PANELS = (
    ("welfare_per_person_last_year", "welfare, hours a week per person", 1.0),
    ("welfare_ede_last_year", "equally-distributed equivalent (Atkinson 1)", 1.0),
    ("welfare_gap_last_year", "welfare lost to queues and prices, %", 100.0),
    ("hours_used_last_year", "hours used a week per person", 1.0),
    ("sovereignty_own_prices_last_year", "sovereignty at own normal prices", 1.0),
    ("unmet_share_last_year", "demand unmet (queues), %", 100.0),
    ("excess_stock_share_last_year", "unsold piles, % of reserves", 100.0),
    ("income_gini_final", "final income Gini", 1.0),
)


def compare_conditions(runs: pd.DataFrame, title: str = "", figsize: tuple[float, float] | None = None) -> Figure:
    """Per transition condition (and regime): the verdict and the last year's measures, with 95 % intervals over seeds.

    The share converged with Wilson's interval; the convergence week as the Kaplan–Meier median
    with its interval, runs that never converged censored at their horizon; every other panel
    the mean over seeds with its t (or bootstrap) interval (:mod:`sim.analysis.intervals`).
    Panels a sweep did not record are left out. ``figsize`` defaults to 3.2 inches a panel
    and a height that grows with the conditions.
    """
    ok = runs[runs["error"].isna()]
    ok = ok.assign(scenario=_condition(ok))
    names = list(dict.fromkeys(ok["scenario"]))
    panels = [p for p in CONDITION_PANELS if p[0] in ok]
    fig = Figure(figsize=figsize or (3.2 * (len(panels) + 2), 0.42 * len(names) + 2.4))
    axes = fig.subplots(1, len(panels) + 2, sharey=True)
    y = np.arange(len(names))
    groups = [ok[ok["scenario"] == name] for name in names]
    share = np.array([wilson_interval(int(g["converged"].sum()), len(g)) for g in groups])
    _points(axes[0], 100 * share, y, "tab:green")
    axes[0].set_xlim(-2, 102)
    axes[0].set_title("runs converged, %", fontsize=9)
    weeks = []
    for g in groups:
        m = kaplan_meier_median(g["converged_week"].fillna(g["weeks"]).to_numpy(dtype=float), g["converged"])
        weeks.append((m.median, m.low, m.high))
    _points(axes[1], np.array(weeks, dtype=float), y, "tab:purple")
    axes[1].set_title("convergence week (Kaplan–Meier median)", fontsize=9)
    for ax, (key, label, scale) in zip(axes[2:], panels, strict=True):
        cells = []
        for g in groups:
            values = g[key].dropna().to_numpy(dtype=float)
            i = mean_interval(values) if values.size else None
            cells.append((np.nan,) * 3 if i is None else (i.estimate, i.low, i.high))
        table = scale * np.array(cells, dtype=float)
        _points(ax, table, y, "tab:blue")
        if np.nanmax(np.abs(table), initial=0.0) == 0.0:  # all zero: a scale from 0, not around it
            ax.set_xlim(-0.05, 1.0)
        ax.set_title(label, fontsize=9)
    axes[0].set_yticks(y, names)
    axes[0].invert_yaxis()
    seeds = min((len(g) for g in groups), default=0)
    fig.suptitle(
        f"Transition conditions compared{' — ' + title if title else ''}: mean (median for the week) and 95 % "
        f"interval over {seeds}+ seeds, the last year",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


def _points(ax, table: np.ndarray, y: np.ndarray, colour: str):
    """Estimates (column 0) with their intervals (columns 1, 2) as dots and bars, one row of ``y`` each."""
    estimate, low, high = table[:, 0], table[:, 1], table[:, 2]
    known = np.isfinite(estimate)
    # a bootstrap interval or a Kaplan–Meier median's may lie to one side of the estimate: no bar below it
    spread = np.where(np.isfinite(low) & np.isfinite(high), [estimate - low, high - estimate], 0.0).clip(min=0.0)
    ax.errorbar(estimate[known], y[known], xerr=spread[:, known], fmt="o", ms=3.5, color=colour, capsize=2, lw=1)
    ax.grid(axis="x", lw=0.4, alpha=0.5)
    ax.tick_params(labelsize=7)


def sensitivity(
    runs: pd.DataFrame, parameters: list[str], title: str = "", figsize: tuple[float, float] | None = None
) -> Figure:
    """Ranking of parameters by standardised regression coefficients on two outcomes.

    ``figsize`` defaults to 11 inches wide and a height that grows with the parameters.
    """
    ok = runs[runs["error"].isna()]
    X = ok[parameters].to_numpy(dtype=float)
    X = (X - X.mean(axis=0)) / np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)
    gap = "stock_gap_own_prices_last_year" if "stock_gap_own_prices_last_year" in ok else "stock_gap_last_year"
    outcomes = {
        "converged (linear probability)": ok["converged"].to_numpy(dtype=float),
        "log stock gap of the last year (reserve rule at normal prices)": np.log(ok[gap].to_numpy(dtype=float) + 1e-6),
    }
    fig = Figure(figsize=figsize or (11, 0.5 * len(parameters) + 2.2))
    axes = fig.subplots(1, 2)
    for ax, (label, target) in zip(axes, outcomes.items(), strict=True):
        design = np.column_stack([np.ones(len(X)), X])
        coef = np.linalg.lstsq(design, target, rcond=None)[0][1:]
        scale = target.std() if target.std() > 0 else 1.0
        src = coef / scale
        order = np.argsort(np.abs(src))
        ax.barh(range(len(parameters)), src[order], color=np.where(src[order] > 0, "tab:blue", "tab:red"))
        ax.set_yticks(range(len(parameters)), [parameters[k] for k in order])
        ax.axvline(0, color="0.4", lw=0.6)
        ax.set_title(f"{label}: standardised coefficient", fontsize=9)
    fig.suptitle(f"Sensitivity ranking{' — ' + title if title else ''} ({len(ok)} runs)", fontsize=10)
    fig.tight_layout()
    return fig


#: What the regimes figure draws over time: per-week series of the record, and their labels.
REGIME_MEASURES = {
    "sovereignty_own_prices": "sovereignty at own normal prices",
    "welfare_per_person": "welfare, hours a week per person",
    "wage_gini": "Gini of hourly earnings",
}
#: Weeks averaged per point of the regimes figure (a plan period: the weekly series are noisy).
REGIME_WEEKS = 4
#: The lowest sovereignty drawn; a band below it is named in its panel instead (a collapse would flatten the rest).
SOVEREIGNTY_FLOOR = 0.9
REGIME_COLOURS = {
    "councils": "tab:green",
    "fixed_plan": "tab:red",
    "market": "tab:blue",
    "self_managed_market": "tab:orange",
}


#: The sweep key that says how the regimes' investment is compared; the history row keeps its own closures.
INVESTMENT_KEY = "comparison.investment"
#: Characters a line of the history row's titles and verdicts holds, so that its panels keep a column's width.
HISTORY_TEXT_WIDTH = 58


def regime_paths(runs: pd.DataFrame, timeseries_dir: Path) -> pd.DataFrame:
    """Every finished run's 4-week means of :data:`REGIME_MEASURES` and of each regime's historical mark.

    Columns scenario, regime, run_id, week, variable, value, and :data:`INVESTMENT_KEY` where
    the sweep varied it.
    """
    variables = [*REGIME_MEASURES, *(mark.series for mark in MARKS.values())]
    paths = kept_series(runs, timeseries_dir, variables, REGIME_WEEKS)
    if paths.empty:
        return pd.DataFrame()
    identity = runs.set_index("run_id")[[k for k in ("scenario", "regime", INVESTMENT_KEY) if k in runs]]
    return paths.join(identity, on="run_id")


def _history_row(axes, paths: pd.DataFrame) -> None:
    """One panel per regime with a history: its mark in the first condition, and each condition's verdict.

    Runs under each regime's own investment only, where the sweep compared both.
    """
    if INVESTMENT_KEY in paths:
        paths = paths[paths[INVESTMENT_KEY] == "own"]
    judged = judgements(paths)
    first = next(iter(dict.fromkeys(paths["scenario"])), None)
    regimes = [r for r in MARKS if any(j.regime == r for j in judged)]
    for ax, regime in zip(axes, regimes, strict=False):
        mark = MARKS[regime]
        table = paths[(paths["scenario"] == first) & (paths["regime"] == regime) & (paths["variable"] == mark.series)]
        wide = table.pivot(index="week", columns="run_id", values="value")
        if not wide.empty:
            draw_mean_interval(ax, wide, REGIME_COLOURS.get(regime, "0.3"), regime)
        mine = [j for j in judged if j.regime == regime]
        lines = [textwrap.fill(f"{first}: {j.text()}", HISTORY_TEXT_WIDTH) for j in mine if j.scenario == first]
        lines.append(f"reproduced in {sum(j.reproduced for j in mine)} of {len(mine)} conditions")
        ax.set_title(textwrap.fill(f"{regime}: {mark.label}", HISTORY_TEXT_WIDTH), fontsize=8)
        ax.text(0.02, 0.96, "\n".join(lines), transform=ax.transAxes, fontsize=6.5, va="top")
        ax.set_ylim(bottom=0)
        ax.tick_params(labelsize=7)
    for ax in axes[len(regimes) :]:
        ax.axis("off")


def compare_regimes(paths: pd.DataFrame, title: str = "", figsize: tuple[float, float] | None = None) -> Figure:
    """For each transition condition and regime: sovereignty at own prices, welfare and the earnings Gini over time.

    The line is the mean over the seeds, the band its 95 % Student t interval, of
    :data:`REGIME_WEEKS`-week means (:func:`sim.views.envelope.draw_mean_interval`). A last row
    shows what each regime reproduces of its history (:mod:`sim.analysis.history_marks`): its
    mark over time in the first condition, with the verdict there and the number of conditions
    that reproduce it. ``figsize`` defaults to 4.2 × 2.5 inches a panel.
    """
    scenarios = list(dict.fromkeys(paths["scenario"]))
    regimes = [r for r in REGIME_COLOURS if r in set(paths["regime"])] + sorted(
        set(paths["regime"]) - set(REGIME_COLOURS)
    )
    cols = min(4, len(scenarios))
    blocks = int(np.ceil(len(scenarios) / cols))
    history = int(any(paths["variable"].isin([mark.series for mark in MARKS.values()])))
    fig = Figure(figsize=figsize or (max(4.2 * cols, 12.6), 2.5 * (blocks * len(REGIME_MEASURES) + history)))
    axes = fig.subplots(blocks * len(REGIME_MEASURES) + history, max(cols, 3 * history), squeeze=False)
    for m, (measure, label) in enumerate(REGIME_MEASURES.items()):
        rows = axes[m * blocks : (m + 1) * blocks].ravel()
        part = paths[paths["variable"] == measure]
        for ax, scenario in zip(rows, scenarios, strict=False):
            below = []
            for regime in regimes:
                table = part[(part["scenario"] == scenario) & (part["regime"] == regime)]
                wide = table.pivot(index="week", columns="run_id", values="value")
                if wide.empty:
                    continue
                low, _, _ = draw_mean_interval(ax, wide, REGIME_COLOURS.get(regime, "0.3"), regime)
                if measure == "sovereignty_own_prices" and low.min() < SOVEREIGNTY_FLOOR:
                    below.append(f"{regime} (to {low.min():.2f})")
            ax.set_title(f"{scenario}: {label}", fontsize=8)
            ax.tick_params(labelsize=7)
            if measure == "sovereignty_own_prices":
                ax.set_ylim(max(ax.get_ylim()[0], SOVEREIGNTY_FLOOR), 1.0005)
                if below:
                    ax.text(0.02, 0.04, "below the axis: " + ", ".join(below), transform=ax.transAxes, fontsize=6.5)
            elif measure == "wage_gini":
                ax.set_ylim(bottom=0)
        for ax in rows[len(scenarios) :]:
            ax.axis("off")
    if history:
        _history_row(axes[-1], paths)
    for ax in axes[-1]:
        ax.set_xlabel("week", fontsize=8)
    seeds = int(paths.groupby(["scenario", "regime"])["run_id"].nunique().min()) if len(paths) else 0
    fig.suptitle(
        f"Regimes compared{' — ' + title if title else ''}: mean and 95 % interval over {seeds}+ seeds, "
        f"{REGIME_WEEKS}-week means",
        fontsize=10,
        y=0.995,
    )
    handles, labels = max((ax.get_legend_handles_labels() for ax in axes.ravel()), key=lambda h: len(h[1]))
    if labels:
        fig.legend(handles, labels, loc="upper center", ncol=len(labels), fontsize=8, bbox_to_anchor=(0.5, 0.965))
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    return fig


def _label(value) -> str:
    """A table's keys and values, or a list's items, as one short label; anything else as it is written."""
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def draw_sweep(
    runs: pd.DataFrame, parameters: list[str], out_dir: Path, title: str = "", formats=DEFAULT_FORMATS
) -> list[Path]:
    """Every figure the sweep's design supports, once per format; return their paths in the first format.

    A parameter whose values are tables (a grid over ``population = [{...}, {...}]``) is drawn by
    a label of each table's keys and values.
    """
    out_dir = Path(out_dir)
    runs = runs.copy()
    for p in parameters:
        if p in runs and runs[p].map(lambda v: isinstance(v, dict | list)).any():
            runs[p] = runs[p].map(_label)
    ok = runs[runs["error"].isna()] if "error" in runs else runs
    written = []
    if len(ok) == 0:
        return written
    if len(parameters) >= 2 and all(ok[p].nunique() <= 12 for p in parameters[:2]):
        diagram = phase_diagram(runs, parameters[0], parameters[1], title)
        written.append(save(diagram, out_dir / "phase_diagram.png", formats))
    if _condition(ok).nunique() > 1:
        written.append(save(compare_conditions(runs, title), out_dir / "transition_conditions.png", formats))
    if "regime" in parameters and (out_dir / "timeseries").is_dir():
        paths = regime_paths(runs, out_dir / "timeseries")
        if len(paths):
            written.append(save(compare_regimes(paths, title), out_dir / "regimes.png", formats))
    numeric = [p for p in parameters if pd.api.types.is_numeric_dtype(ok[p]) and not pd.api.types.is_bool_dtype(ok[p])]
    if numeric and len(ok) > len(numeric) + 2:
        written.append(save(sensitivity(runs, numeric, title), out_dir / "sensitivity.png", formats))
    return written
