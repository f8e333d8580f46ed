"""Envelopes of a sweep over time: the median and 10–90 % band over runs, week by week, of a per-week series.

For any sweep that kept its runs' time series (``--keep-timeseries``, or ``timeseries = true``
in the sweep file: one file per run in :data:`sim.experiments.sweep_store.TIMESERIES_DIR`),
one band per value of any swept key. Series are found by name in the files themselves, so
every per-week series a run records can be drawn, those added to the record later included.
``councils plot SWEEP_DIR --envelope VARIABLE --by KEY`` draws one (``docs/plotting.md``).
"""

from __future__ import annotations

import difflib
import os
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow
from matplotlib import colormaps
from matplotlib.figure import Figure
from scipy import stats

from sim.analysis.figures import file_name, save
from sim.analysis.formats import DEFAULT_FORMATS
from sim.experiments.results import MAX_TIMESERIES_BYTES
from sim.experiments.sweep_store import TIMESERIES_DIR
from sim.storage.files import kind, shorten, show

#: Weeks averaged per point: a plan period (a single week's series are noisy).
WEEKS_PER_POINT = 4
#: The quantiles over a group's runs: the band's lower edge, the line, the band's upper edge.
QUANTILES = (0.1, 0.5, 0.9)
#: The key that groups runs by their scenario file (a sweep over transition conditions).
SCENARIO_KEY = "scenario"


class EnvelopeError(ValueError):
    """A sweep, series or key an envelope cannot be drawn from; one line naming it."""


def kept_files(runs: pd.DataFrame, timeseries_dir: Path) -> dict[str, Path]:
    """``run_id`` → its kept time series, for every finished run in ``runs`` that has one."""
    finished = runs[runs["error"].isna()] if "error" in runs else runs
    files = {run_id: Path(timeseries_dir) / f"{run_id}.parquet" for run_id in finished["run_id"]}
    return {run_id: path for run_id, path in files.items() if os.path.lexists(path)}


def _read(path: Path, columns: list[str], filters=None) -> pd.DataFrame:
    """Columns of a kept time series, checked: a regular file no larger than a run writes, readable Parquet."""
    try:
        info = os.lstat(path)
    except OSError as err:
        raise EnvelopeError(f"{path}: cannot read: {err.strerror or err}") from None
    if not stat.S_ISREG(info.st_mode):
        raise EnvelopeError(f"{path}: is {kind(info.st_mode)}, not a run's time series")
    if info.st_size > MAX_TIMESERIES_BYTES:
        raise EnvelopeError(f"{path}: {info.st_size:,} bytes: larger than any run writes; not a run's time series")
    try:
        table = pd.read_parquet(path, columns=columns, filters=filters)
    except (OSError, ValueError, KeyError, pyarrow.ArrowException) as err:
        reason = shorten((str(err).strip().splitlines() or [type(err).__name__])[0], 100)
        raise EnvelopeError(f"{path}: not a readable run's time series ({reason}); rerun the sweep") from None
    return table


def series_names(path: Path) -> tuple[list[str], list[str]]:
    """The per-week and the per-good series a kept time series holds, each sorted by name."""
    table = _read(path, ["good", "variable"]).drop_duplicates()
    per_week = table.loc[table["good"] == "", "variable"]
    per_good = table.loc[table["good"] != "", "variable"]
    return sorted(set(per_week)), sorted(set(per_good))


def kept_series(runs: pd.DataFrame, timeseries_dir: Path, variables, weeks: int = WEEKS_PER_POINT) -> pd.DataFrame:
    """Every finished run's ``weeks``-week means of the per-week ``variables`` it kept.

    Returns
    -------
    DataFrame
        Columns ``run_id``, ``variable``, ``week`` (the first week of each block of
        ``weeks`` weeks) and ``value``; empty if no run kept its series.
    """
    frames = []
    for run_id, path in kept_files(runs, timeseries_dir).items():
        filters = [("good", "==", ""), ("variable", "in", list(variables))]
        ts = _read(path, ["week", "variable", "value"], filters)
        ts = ts.assign(week=ts["week"] // weeks * weeks)
        ts = ts.groupby(["variable", "week"], as_index=False)["value"].mean()
        frames.append(ts.assign(run_id=run_id))
    columns = ["run_id", "variable", "week", "value"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def group_keys(parameters: list[str], runs: pd.DataFrame) -> list[str]:
    """The keys runs can be grouped by: the swept key paths, and :data:`SCENARIO_KEY` (each run's scenario)."""
    return [*parameters, *([SCENARIO_KEY] if SCENARIO_KEY in runs and SCENARIO_KEY not in parameters else [])]


def envelope_series(sweep, variable: str, by: str | None = None, weeks: int = WEEKS_PER_POINT) -> pd.DataFrame:
    """The ``weeks``-week means of ``variable`` for every finished run of ``sweep`` that kept its series.

    Parameters
    ----------
    sweep : sim.analysis.analyse.SweepRuns
        A finished sweep, as :func:`sim.analysis.analyse.read_sweep` reads it.
    variable : str
        A per-week series of the record (``stock_gap``, ``wage_gini``, …).
    by : str, optional
        A swept key path, or ``"scenario"``: each run's value of it is its group. Without
        it every run is in one group.

    Returns
    -------
    DataFrame
        Columns ``group``, ``run_id``, ``week``, ``value``.

    Raises
    ------
    EnvelopeError
        The sweep kept no time series; ``by`` is not one of its keys; ``variable`` is not a
        per-week series of its runs; or a kept file cannot be read. Each names what there is.
    """
    keys = group_keys(sweep.parameters, sweep.runs)
    if by is not None and by not in keys:
        raise EnvelopeError(f"--by {show(by)}: not a key of sweep {sweep.name}{_suggest(by, keys)}")
    files = kept_files(sweep.finished, sweep.path / TIMESERIES_DIR)
    if not files:
        raise EnvelopeError(
            f"{sweep.path}: the sweep kept no time series: an envelope needs them; "
            "run the sweep again with --keep-timeseries (or timeseries = true in its file)"
        )
    per_week, per_good = series_names(next(iter(files.values())))
    if variable not in per_week:
        what = "a per-good series; an envelope draws a per-week series" if variable in per_good else "no such series"
        raise EnvelopeError(f"--envelope {show(variable)}: {what}{_suggest(variable, per_week)}")
    series = kept_series(sweep.finished, sweep.path / TIMESERIES_DIR, [variable], weeks)
    finished = sweep.finished.set_index("run_id")
    groups = finished[by] if by is not None else pd.Series("all runs", index=finished.index)
    return series.assign(group=series["run_id"].map(groups))[["group", "run_id", "week", "value"]]


def _suggest(name: str, known: list[str]) -> str:
    """``"; did you mean 'x'?"`` for a near name, else the names there are (shortened)."""
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; there are: {shorten(', '.join(known), 160)}" if known else ""


def band(wide: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    """The :data:`QUANTILES` over the columns (runs) of a week × run table, week by week."""
    low, mid, high = (wide.quantile(q, axis=1) for q in QUANTILES)
    return low, mid, high


def draw_band(ax, wide: pd.DataFrame, colour, label: str) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Draw the median of a week × run table as a line, its 10–90 % band shaded; return the three quantiles."""
    low, mid, high = band(wide)
    ax.fill_between(wide.index, low, high, color=colour, alpha=0.25, lw=0)
    ax.plot(wide.index, mid, color=colour, lw=1.2, label=label)
    return low, mid, high


def draw_mean_interval(ax, wide: pd.DataFrame, colour, label: str) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Draw the mean over runs of a week × run table as a line, its 95 % Student t interval shaded; return them.

    Where a comparison between conditions is the point (the regimes figure), the interval of
    the mean says whether two lines differ; the 10–90 % band of :func:`draw_band` says how
    far single runs stray.
    """
    mean = wide.mean(axis=1)
    n = wide.count(axis=1)
    half = stats.t.ppf(0.975, np.maximum(n - 1, 1)) * wide.std(axis=1, ddof=1) / np.sqrt(n)
    half = half.where(n > 1, 0.0)
    low, high = mean - half, mean + half
    ax.fill_between(wide.index, low, high, color=colour, alpha=0.25, lw=0)
    ax.plot(wide.index, mean, color=colour, lw=1.2, label=label)
    return low, mean, high


def _ordered(values) -> list:
    """The groups in their natural order: numbers by size, anything else by its text."""
    values = list(values)
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=str)


def _colours(groups: list) -> list:
    """A colour per group: along viridis for a numeric key (its order visible), the tab10 cycle otherwise."""
    numeric = all(isinstance(g, int | float | np.number) and not isinstance(g, bool) for g in groups)
    if numeric and len(groups) > 1:
        return [colormaps["viridis"](k / (len(groups) - 1) * 0.9) for k in range(len(groups))]
    return [colormaps["tab10"](k % 10) for k in range(len(groups))]


def envelope_figure(
    series: pd.DataFrame,
    variable: str,
    by: str | None = None,
    title: str = "",
    weeks: int = WEEKS_PER_POINT,
    figsize: tuple[float, float] = (8, 4.5),
) -> Figure:
    """One band per group: the median over its runs of ``variable``, week by week, and their 10–90 % band.

    Parameters
    ----------
    series : DataFrame
        What :func:`envelope_series` returns: ``group``, ``run_id``, ``week``, ``value``.
    variable : str
        The series drawn, for the axis.
    by : str, optional
        The key the groups are values of, for the legend.
    weeks : int
        Weeks averaged per point, for the caption.
    figsize : (float, float)
        Width and height, inches.

    Notes
    -----
    A group is drawn over the weeks every one of its runs reached, so that its band is
    always over the same runs.
    """
    fig = Figure(figsize=figsize)
    ax = fig.subplots()
    groups = _ordered(series["group"].unique())
    for group, colour in zip(groups, _colours(groups), strict=True):
        table = series[series["group"] == group]
        reached = table.groupby("run_id")["week"].max().min()  # the last week every run of the group reached
        wide = table[table["week"] <= reached].pivot(index="week", columns="run_id", values="value")
        label = f"{by} = {group:g}" if isinstance(group, float) else (f"{by} = {group}" if by else str(group))
        draw_band(ax, wide, colour, f"{label} ({wide.shape[1]} runs)")
    ax.set_xlabel("week")
    ax.set_ylabel(variable)
    ax.legend(frameon=False, fontsize=8, loc="best")
    ax.set_title(
        f"{variable}{' — ' + title if title else ''}: median and 10–90 % band over the runs of each group, "
        f"{weeks}-week means",
        fontsize=9,
        loc="left",
    )
    fig.tight_layout()
    return fig


def envelope_name(variable: str, by: str | None) -> str:
    """The file name of an envelope figure, without its extension: ``envelope_stock_gap_by_prices.response``."""
    return file_name(f"envelope_{variable}" + (f"_by_{by}" if by else ""))


def draw_envelope(sweep, variable: str, by: str | None = None, formats=DEFAULT_FORMATS) -> Path:
    """Draw the envelope of ``variable`` grouped ``by`` into the sweep's directory, once per format.

    Everything is checked (:func:`envelope_series`) before a file is written. Hold the sweep's
    lock while calling this. Returns the figure's path in the first format.
    """
    series = envelope_series(sweep, variable, by)
    figure = envelope_figure(series, variable, by, sweep.name)
    return save(figure, sweep.path / f"{envelope_name(variable, by)}.png", formats)
