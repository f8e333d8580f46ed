"""Figures of a sweep, drawn from ``runs.parquet``: phase diagram, comparison, sensitivity, regimes over time.

Each returns a :class:`matplotlib.figure.Figure` made without pyplot (importing this module
never changes matplotlib's backend) and takes ``figsize``, (width, height) in inches.
``docs/plotting.md`` lists them.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.analysis.figures import save
from sim.analysis.formats import DEFAULT_FORMATS
from sim.economics import corrective_loop
from sim.run.scenario import Readjustment
from sim.views.envelope import draw_band, kept_series

_HORIZONTAL = {"orientation": "horizontal"} if matplotlib.__version_info__ >= (3, 10) else {"vert": False}


def _label(value) -> str:
    return f"{value:g}" if isinstance(value, int | float | np.number) else str(value)


def phase_diagram(runs: pd.DataFrame, x: str, y: str, title: str = "", figsize=(16, 4.3)) -> Figure:
    """Share of runs converged, median convergence week and share of runs with a shortage over two parameters.

    When the axes are the price response and the rebuild horizon, the stability boundary of
    the linearised one-good loop (:mod:`sim.economics.corrective_loop`, ρ(J) = 1) is drawn over each panel.
    """
    ok = runs[runs["error"].isna()]
    share = ok.pivot_table(index=y, columns=x, values="converged", aggfunc="mean")
    week = ok[ok["converged"]].pivot_table(index=y, columns=x, values="converged_week", aggfunc="median")
    week = week.reindex(index=share.index, columns=share.columns)
    short = ok.assign(shortage=ok["peak_unmet_share"] > 0)
    short = short.pivot_table(index=y, columns=x, values="shortage", aggfunc="mean")
    short = short.reindex(index=share.index, columns=share.columns)
    boundary = _loop_boundary(share, ok, x, y)
    fig = Figure(figsize=figsize)
    axes = fig.subplots(1, 3)
    for ax, table, label, cmap, fmt in [
        (axes[0], share, "share of runs converged", "viridis", "{:.0%}"),
        (axes[1], week, "median convergence week (converged runs)", "magma_r", "{:.0f}"),
        (axes[2], short, "share of runs with a shortage", "Reds", "{:.0%}"),
    ]:
        image = ax.imshow(table.to_numpy(dtype=float), origin="lower", aspect="auto", cmap=cmap)
        ax.set_xticks(range(table.shape[1]), [_label(v) for v in table.columns])
        ax.set_yticks(range(table.shape[0]), [_label(v) for v in table.index])
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        ax.set_title(label, fontsize=9)
        for (i, j), value in np.ndenumerate(table.to_numpy(dtype=float)):
            if np.isfinite(value):
                shade = image.norm(value)  # dark text on the light end of the colour map
                light = shade > 0.6 if cmap == "viridis" else shade < 0.4
                ax.text(j, i, fmt.format(value), ha="center", va="center", fontsize=7, color="k" if light else "w")
        if boundary is not None:
            ax.plot(*boundary, color="tab:cyan", lw=1.5, ls="--", label="one-good loop: ρ(J) = 1")
            ax.set_xlim(-0.5, table.shape[1] - 0.5)
        fig.colorbar(image, ax=ax)
    if boundary is not None:
        axes[0].legend(fontsize=7, loc="upper right", frameon=True)
    n = int(ok.groupby([x, y]).size().min()) if len(ok) else 0
    fig.suptitle(f"Phase diagram of convergence{' — ' + title if title else ''} ({n}+ runs per cell)", fontsize=10)
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


def compare_conditions(runs: pd.DataFrame, title: str = "", figsize: tuple[float, float] | None = None) -> Figure:
    """Per transition condition (and regime): convergence week, peak shortage and final Ginis over replicates.

    ``figsize`` defaults to 4 inches a panel and a height that grows with the conditions.
    """
    ok = runs[runs["error"].isna()]
    ok = ok.assign(scenario=_condition(ok))
    names = list(dict.fromkeys(ok["scenario"]))
    panels = [
        ("converged_week", "convergence week (converged runs)"),
        ("peak_unmet_share", "peak unmet share of demand"),
        ("income_gini_final", "final income Gini"),
        ("stock_gap_last_year", "stock gap, mean of the last year"),
        ("fulfilment_floor_last_year", "fulfilment floor, last year"),
    ]
    fig = Figure(figsize=figsize or (4 * (len(panels) + 1), 0.45 * len(names) + 2.2))
    axes = fig.subplots(1, len(panels) + 1, sharey=True)
    share = ok.groupby("scenario")["converged"].mean().reindex(names)
    axes[0].barh(range(len(names)), share.to_numpy(), color="tab:green")
    axes[0].set_xlim(0, 1)
    axes[0].set_title("share of runs converged", fontsize=9)
    for ax, (key, label) in zip(axes[1:], panels, strict=True):
        data = [ok.loc[(ok["scenario"] == name), key].dropna().to_numpy(dtype=float) for name in names]
        ax.boxplot([d if d.size else [np.nan] for d in data], positions=range(len(names)), **_HORIZONTAL)
        if not key.startswith("fulfilment"):  # a share near 1: its spread matters, not its distance from 0
            ax.set_xlim(left=0)
        ax.set_title(label, fontsize=9)
    axes[0].set_yticks(range(len(names)), names)  # after the box plots, which reset the shared ticks
    fig.suptitle(f"Transition conditions compared{' — ' + title if title else ''}", fontsize=10)
    fig.tight_layout()
    return fig


def sensitivity(
    runs: pd.DataFrame, parameters: list[str], title: str = "", figsize: tuple[float, float] | None = None
) -> Figure:
    """Ranking of parameters by standardised regression coefficients on two outcomes.

    ``figsize`` defaults to 11 inches wide and a height that grows with the parameters.
    """
    ok = runs[runs["error"].isna()]
    X = ok[parameters].to_numpy(dtype=float)
    X = (X - X.mean(axis=0)) / np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)
    outcomes = {
        "converged (linear probability)": ok["converged"].to_numpy(dtype=float),
        "log stock gap of the last year": np.log(ok["stock_gap_last_year"].to_numpy(dtype=float) + 1e-6),
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
    "sovereignty_index": "sovereignty against notional demand",
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


def regime_paths(runs: pd.DataFrame, timeseries_dir: Path) -> pd.DataFrame:
    """Every finished run's 4-week means of :data:`REGIME_MEASURES`: scenario, regime, run_id, week, measure, value."""
    paths = kept_series(runs, timeseries_dir, list(REGIME_MEASURES), REGIME_WEEKS)
    if paths.empty:
        return pd.DataFrame()
    identity = runs.set_index("run_id")[["scenario", "regime"]]
    return paths.join(identity, on="run_id")


def compare_regimes(paths: pd.DataFrame, title: str = "", figsize: tuple[float, float] | None = None) -> Figure:
    """For each transition condition and regime: sovereignty and the earnings Gini over time, bands over seeds.

    The line is the median over the seeds, the band their 10th to 90th percentile, of
    :data:`REGIME_WEEKS`-week means (:func:`sim.views.envelope.draw_band`). ``figsize``
    defaults to 4.2 × 2.5 inches a panel.
    """
    scenarios = list(dict.fromkeys(paths["scenario"]))
    regimes = [r for r in REGIME_COLOURS if r in set(paths["regime"])] + sorted(
        set(paths["regime"]) - set(REGIME_COLOURS)
    )
    cols = min(4, len(scenarios))
    blocks = int(np.ceil(len(scenarios) / cols))
    fig = Figure(figsize=figsize or (4.2 * cols, 2.5 * blocks * len(REGIME_MEASURES)))
    axes = fig.subplots(blocks * len(REGIME_MEASURES), cols, squeeze=False)
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
                low, _, _ = draw_band(ax, wide, REGIME_COLOURS.get(regime, "0.3"), regime)
                if measure == "sovereignty_index" and low.min() < SOVEREIGNTY_FLOOR:
                    below.append(f"{regime} (to {low.min():.2f})")
            ax.set_title(f"{scenario}: {label}", fontsize=8)
            ax.tick_params(labelsize=7)
            if measure == "sovereignty_index":
                ax.set_ylim(max(ax.get_ylim()[0], SOVEREIGNTY_FLOOR), 1.0005)
                if below:
                    ax.text(0.02, 0.04, "below the axis: " + ", ".join(below), transform=ax.transAxes, fontsize=6.5)
            else:
                ax.set_ylim(bottom=0)
        for ax in rows[len(scenarios) :]:
            ax.axis("off")
    for ax in axes[-1]:
        ax.set_xlabel("week", fontsize=8)
    seeds = int(paths.groupby(["scenario", "regime"])["run_id"].nunique().min()) if len(paths) else 0
    fig.suptitle(
        f"Regimes compared{' — ' + title if title else ''}: median and 10–90 % band over {seeds}+ seeds, "
        f"{REGIME_WEEKS}-week means",
        fontsize=10,
        y=0.995,
    )
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=len(labels), fontsize=8, bbox_to_anchor=(0.5, 0.965))
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    return fig


def draw_sweep(
    runs: pd.DataFrame, parameters: list[str], out_dir: Path, title: str = "", formats=DEFAULT_FORMATS
) -> list[Path]:
    """Every figure the sweep's design supports, once per format; return their paths in the first format."""
    out_dir = Path(out_dir)
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
