"""Figures for a paper: matplotlib Figures that keep a notebook's backend, sizes, formats, envelopes.

- In a Jupyter kernel, importing every module of ``sim`` keeps the inline backend: a notebook
  built here (nbclient) that imports them all and draws has image outputs.
- The run's figures: head room above the decided hours, ``decisions`` only where the
  assemblies voted (hours and investment on axes of their own), the comparison's tolerance
  lines and its start-up swing named when it leaves the axis; every function takes a size.
- ``--format`` of ``plot`` and ``sweep``; a bad list is one line, exit status 2, nothing written.
- Envelopes of a sweep that kept its time series (``councils plot SWEEP --envelope VAR --by KEY``):
  the median and band a hand computation gives, and every bad input refused in one line.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cli_call import call
from matplotlib.figure import Figure
from scipy import stats

from sim.analysis.analyse import read_sweep
from sim.experiments.results import read_decisions, read_run
from sim.views import envelope, plots, sweep_plots

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"
SMALL = ["--set", "population.consumers=1200", "--set", "population.councils=30"]
PNG = b"\x89PNG\r\n\x1a\n"


def one_error_line(err: str) -> str:
    """The one line a user error prints; fails on a traceback or a second line."""
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("councils: "), err
    return lines[0]


def tree(directory: Path) -> dict[str, tuple[int, int]]:
    """Every entry under ``directory`` and beside it: relative name → (size, mtime in ns)."""
    entries = {}
    for path in [*directory.parent.iterdir(), *directory.rglob("*")]:
        info = path.lstat()
        entries[str(path.relative_to(directory.parent))] = (info.st_size, info.st_mtime_ns)
    return entries


def refused(argv: list[str], directory: Path) -> str:
    """Call ``councils ARGV``: exit status 2, one line, nothing written in or beside ``directory``; the line."""
    before = tree(directory)
    rc, _, err = call(argv)
    assert rc == 2, err
    assert tree(directory) == before
    return one_error_line(err)


def write_sweep_file(path: Path, keep: bool) -> Path:
    """A sweep of the baseline over two price responses, two seeds each, small and short (10 weeks)."""
    path.write_text(
        "\n".join(
            [
                *(["timeseries = true"] if keep else []),
                f"base = {json.dumps(str(SCENARIOS / 'baseline.toml'))}",
                "seed = 5",
                "replicates = 2",
                "[grid]",
                '"prices.response" = [0.5, 2.0]',
                "[set]",
                '"population.consumers" = 500',
                '"population.councils" = 20',
                '"years" = 0.2',
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    """A short baseline run without figures (nothing is voted in it)."""
    out = tmp_path_factory.mktemp("run") / "baseline"
    rc, _, err = call(["run", str(SCENARIOS / "baseline.toml"), "--years", "0.4", *SMALL, "--out", str(out)])
    assert rc == 0, err
    return out


@pytest.fixture(scope="module")
def voted_run(tmp_path_factory) -> Path:
    """A run of democratic growth long enough for its first yearly vote, without figures."""
    out = tmp_path_factory.mktemp("voted") / "democratic"
    argv = ["run", str(SCENARIOS / "democratic_growth.toml"), "--years", "1.1", *SMALL, "--no-plots", "--out", str(out)]
    rc, _, err = call(argv)
    assert rc == 0, err
    assert read_decisions(out), "the run must reach its first vote"
    return out


@pytest.fixture(scope="module")
def kept_sweep(tmp_path_factory) -> Path:
    """A finished sweep that kept every run's time series (shared: copy it before changing it)."""
    base = tmp_path_factory.mktemp("kept")
    out = base / "sweep"
    rc, _, err = call(["sweep", str(write_sweep_file(base / "k.toml", True)), "--workers", "1", "--out", str(out)])
    assert rc == 0, err
    return out


@pytest.fixture(scope="module")
def plain_sweep(tmp_path_factory) -> Path:
    """A finished sweep that kept no time series."""
    base = tmp_path_factory.mktemp("plain")
    out = base / "sweep"
    file = write_sweep_file(base / "p.toml", False)
    rc, _, err = call(["sweep", str(file), "--workers", "1", "--out", str(out), "--format", "pdf"])
    assert rc == 0, err
    return out


# --- a notebook keeps its inline figures ----------------------------------------------------------------

NOTEBOOK_CELLS = [
    "%matplotlib inline",
    """import importlib, importlib.util, pkgutil
import agents, sim
names = [
    module.name
    for package in (sim, agents)
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + ".")
    if not module.name.endswith("__main__")
    and (module.name != "sim.views.app" or importlib.util.find_spec("solara") is not None)
]
for name in names:
    importlib.import_module(name)
import matplotlib
print(len(names), matplotlib.get_backend())""",
    """import matplotlib.pyplot as plt
plt.plot([0, 1, 2], [1, 0, 1])
plt.title("drawn after importing every module of sim")""",
    """import pandas as pd
from sim.views.sweep_plots import compare_conditions
compare_conditions(pd.DataFrame({
    "scenario": ["a", "a", "b", "b"], "error": [None] * 4, "converged": [True, False, True, True],
    "weeks": [52] * 4, "converged_week": [10.0, None, 12.0, 14.0], "peak_unmet_share": [0.1, 0.2, 0.0, 0.05],
    "income_gini_final": [0.01, 0.02, 0.03, 0.01], "stock_gap_last_year": [0.01, 0.2, 0.005, 0.004],
    "fulfilment_floor_last_year": [0.99, 0.9, 0.995, 0.996],
}), figsize=(9, 3))""",
]


@pytest.mark.skipif(
    any(importlib.util.find_spec(m) is None for m in ("nbclient", "nbformat", "ipykernel")),
    reason="the notebooks extra is not installed: pip install -e '.[notebooks]'",
)
def test_importing_every_sim_module_keeps_a_notebooks_inline_figures(tmp_path, monkeypatch):
    """``matplotlib.use("Agg")`` on import switched the inline backend off: every later figure was lost."""
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.delenv("MPLBACKEND", raising=False)
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in NOTEBOOK_CELLS])
    path = tmp_path / "imports.ipynb"
    nbformat.write(notebook, path)
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    printed = "".join(o["text"] for o in notebook.cells[1].outputs if o.get("name") == "stdout")
    count, backend = printed.split()
    assert int(count) > 40 and "inline" in backend, notebook.cells[1].outputs
    drawn = [o for o in notebook.cells[2].outputs if o["output_type"] == "display_data"]
    assert drawn and drawn[0]["data"]["image/png"]  # pyplot's figure, shown by the inline backend
    returned = [o for o in notebook.cells[3].outputs if "image/png" in o.get("data", {})]
    assert returned, notebook.cells[3].outputs  # the Figure a cell returns is shown as an image


def test_the_figure_modules_do_not_import_pyplot():
    """A figure made with pyplot stays registered (and drawn by a notebook) until closed; ours are plain Figures."""
    code = (
        "import sys; import sim.views.plots, sim.views.sweep_plots, sim.views.envelope, sim.analysis.figures, "
        "sim.views.cli; assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'"
    )
    import subprocess

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


# --- a run's figures ---------------------------------------------------------------------------------------


def test_every_run_figure_is_a_figure_of_the_size_asked(run_dir, voted_run):
    summary, ts = read_run(voted_run)
    decided = read_decisions(voted_run)
    for name in plots.FIGURES:
        extra = (decided,) if name == "decisions" else ()
        fig = getattr(plots, name)(summary, ts, *extra, figsize=(7.5, 4.25))
        assert isinstance(fig, Figure) and tuple(fig.get_size_inches()) == (7.5, 4.25), name
    runs = [read_run(run_dir), read_run(voted_run)]
    assert tuple(plots.compare_gaps(runs, figsize=(6.0, 3.0)).get_size_inches()) == (6.0, 3.0)


def test_the_decided_hours_are_below_the_top_of_their_axis(run_dir):
    summary, ts = read_run(run_dir)
    weekly = ts[ts["good"] == ""].pivot(index="week", columns="variable", values="value")
    hours = plots.hours_output(summary, ts).axes[0]
    highest = weekly[["hours_per_week", "hours_used"]].to_numpy().max()
    assert weekly["hours_per_week"].nunique() == 1  # a constant decided week: the case that hid in the frame
    low, top = hours.get_ylim()
    assert low == 0 and top >= 1.1 * highest


def test_decisions_are_drawn_only_where_the_assemblies_voted(run_dir, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(run_dir, run)
    (run / "decisions.png").write_bytes(b"a figure an earlier version drew")
    assert read_decisions(run) == []
    paths = plots.draw_all(*read_run(run), run, ("png",))
    assert [p.stem for p in paths] == [n for n in plots.FIGURES if n != "decisions"]
    assert not (run / "decisions.png").exists()  # the earlier drawing's figure of nothing is gone
    assert all(p.read_bytes().startswith(PNG) for p in paths)


def test_the_decisions_figure_puts_hours_and_investment_on_axes_of_their_own(voted_run, tmp_path):
    summary, ts = read_run(voted_run)
    decided = read_decisions(voted_run)
    fig = plots.decisions(summary, ts, decided)
    by_title = {ax.get_title(): ax for ax in fig.axes}
    hours, invested = by_title["Hours a week, as decided"], by_title["Investment, as decided"]
    assert hours.get_position().x0 != invested.get_position().x0  # side by side, not twins over one frame
    weekly = ts[ts["good"] == ""].pivot(index="week", columns="variable", values="value")
    share = 100 * weekly["investment_share"].to_numpy()
    assert np.allclose(invested.lines[0].get_ydata(), share)
    assert invested.get_ylim()[1] > share.max() and hours.get_ylim()[1] > weekly["hours_per_week"].max()
    marked = [line.get_xdata()[0] for line in invested.lines[1:]]
    assert marked == [d["week"] for d in decided]
    run = tmp_path / "run"
    shutil.copytree(voted_run, run)
    assert "decisions" in [p.stem for p in plots.draw_all(summary, ts, run, ("svg",))]
    assert b"<svg" in (run / "decisions.svg").read_bytes()[:2000]


def test_the_comparison_draws_the_tolerances_and_names_a_start_up_swing_off_its_axis(run_dir, voted_run):
    runs = [read_run(run_dir), read_run(voted_run)]
    summary, ts = runs[0]
    gap = (ts["variable"] == "stock_gap_own_prices") & (ts["good"] == "")
    later = ts.loc[gap & (ts["week"] >= plots.SETTLING_WEEKS), "value"].max()
    spiked = ts.copy()
    spiked.loc[gap & (spiked["week"] == 0), "value"] = 50 * later + 1.0  # the trailing year opens on it
    fig = plots.compare_gaps([(summary, spiked), runs[1]])
    stock, lost = fig.axes
    levels = {ax: [line.get_ydata()[0] for line in ax.lines if line.get_linestyle() == ":"] for ax in fig.axes}
    assert levels[stock] == [summary["stock_tolerance"]]
    assert levels[lost] == [pytest.approx(100 * summary["welfare_tolerance"])]
    assert stock.get_ylim()[1] < 50 * later + 1.0  # the rest keeps its scale
    assert stock.get_ylim()[1] > summary["stock_tolerance"]  # the tolerance line is on the axis
    notes = [t.get_text() for t in stock.texts]
    assert len(notes) == 1 and notes[0].startswith(f"weeks 0–{plots.SETTLING_WEEKS - 1} leave the axis")


def test_the_comparison_draws_seeds_of_one_condition_as_their_mean_and_interval(run_dir):
    """Three seeds of one scenario: one line, the weekly mean of their trailing years, inside its t band."""
    summary, ts = read_run(run_dir)
    runs = []
    for seed, shift in ((1, 0.0), (2, 0.01), (3, 0.03)):
        moved = ts.copy()
        rows = (moved["variable"] == "stock_gap_own_prices") & (moved["good"] == "")
        moved.loc[rows, "value"] += shift
        runs.append(({**summary, "seed": seed}, moved))
    fig = plots.compare_gaps(runs)
    stock = fig.axes[0]
    solid = [line for line in stock.lines if line.get_linestyle() == "-"]
    assert len(solid) == 1 and "3 seeds: mean, 95 % interval" in solid[0].get_label()
    weekly = ts[(ts["variable"] == "stock_gap_own_prices") & (ts["good"] == "")].set_index("week")["value"]
    expected = weekly.rolling(52, min_periods=1).mean() + 0.04 / 3
    np.testing.assert_allclose(solid[0].get_ydata(), expected.to_numpy(), rtol=1e-12)
    band = stock.collections[0].get_paths()[0].vertices[:, 1]
    half = stats.t.ppf(0.975, 2) * np.std([0.0, 0.01, 0.03], ddof=1) / np.sqrt(3)
    assert band.max() == pytest.approx(expected.max() + half, rel=1e-9)


# --- --format ----------------------------------------------------------------------------------------------


def test_plot_writes_the_formats_asked(run_dir, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(run_dir, run)
    for figure in run.glob("*.png"):
        figure.unlink()
    rc, out, err = call(["plot", str(run), "--format", "pdf,png"])
    assert rc == 0, err
    drawn = [n for n in plots.FIGURES if n != "decisions"]
    assert out.split() == [str(run / f"{n}.pdf") for n in drawn]
    for name in drawn:
        assert (run / f"{name}.pdf").read_bytes().startswith(b"%PDF")
        assert (run / f"{name}.png").read_bytes().startswith(PNG)


@pytest.mark.parametrize("formats", ["jpg", "png,,svg", "", "png,eps"])
def test_plot_refuses_an_unknown_format(run_dir, tmp_path, formats):
    run = tmp_path / "run"
    shutil.copytree(run_dir, run)
    line = refused(["plot", str(run), "--format", formats], run)
    assert "--format" in line and "png, svg, pdf" in line


def test_sweep_writes_its_figures_in_the_formats_asked(plain_sweep):
    figures = sorted(p for p in plain_sweep.iterdir() if p.suffix in (".png", ".svg", ".pdf"))
    assert [p.name for p in figures] == ["sensitivity.pdf"]
    assert figures[0].read_bytes().startswith(b"%PDF")


def test_sweep_refuses_an_unknown_format_before_running(tmp_path):
    file = write_sweep_file(tmp_path / "s.toml", False)
    out = tmp_path / "out"
    rc, _, err = call(["sweep", str(file), "--workers", "1", "--out", str(out), "--format", "png,tiff"])
    assert rc == 2 and "'tiff'" in one_error_line(err)
    assert not out.exists()


def test_plot_redraws_a_sweeps_figures(plain_sweep, tmp_path):
    sweep = tmp_path / "sweep"
    shutil.copytree(plain_sweep, sweep)
    rc, out, err = call(["plot", str(sweep), "--format", "svg"])
    assert rc == 0, err
    written = [Path(p) for p in out.split()]
    assert written and all(p.suffix == ".svg" and b"<svg" in p.read_bytes()[:2000] for p in written)


# --- envelopes ---------------------------------------------------------------------------------------------


def hand_envelope(sweep: Path, variable: str, key: str) -> dict:
    """Group → week × (10 %, median, 90 %) of the 4-week means, computed from the kept files with pandas alone."""
    runs = pd.read_parquet(sweep / "runs.parquet")
    out = {}
    for value, group in runs.groupby(key):
        means = {}
        for run_id in group["run_id"]:
            ts = pd.read_parquet(sweep / "timeseries" / f"{run_id}.parquet")
            ts = ts[(ts["good"] == "") & (ts["variable"] == variable)]
            means[run_id] = ts.groupby(ts["week"] // 4 * 4)["value"].mean()
        table = pd.DataFrame(means)
        out[value] = np.column_stack([np.quantile(table.to_numpy(), q, axis=1) for q in (0.1, 0.5, 0.9)])
    return out


def test_an_envelope_is_the_median_and_band_of_each_group(kept_sweep):
    sweep = read_sweep(kept_sweep)
    series = envelope.envelope_series(sweep, "stock_gap", "prices.response")
    fig = envelope.envelope_figure(series, "stock_gap", "prices.response", figsize=(6, 3))
    assert tuple(fig.get_size_inches()) == (6, 3)
    ax = fig.axes[0]
    expected = hand_envelope(kept_sweep, "stock_gap", "prices.response")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "prices.response = 0.5 (2 runs)",
        "prices.response = 2 (2 runs)",
    ]
    for line, band, (_, quantiles) in zip(ax.lines, ax.collections, sorted(expected.items()), strict=True):
        assert np.allclose(line.get_ydata(), quantiles[:, 1])
        edges = band.get_paths()[0].vertices[:, 1]
        assert np.isclose(edges.min(), quantiles[:, 0].min()) and np.isclose(edges.max(), quantiles[:, 2].max())
    assert len(expected) == 2 and not np.allclose(*(q[:, 1] for q in expected.values()))


def test_an_envelope_keeps_the_weeks_every_run_of_a_group_reached_and_skips_a_missing_value():
    weeks = np.arange(0, 40, 4)
    rows = [("g", run, w, float(k + w)) for k, run in enumerate("abc") for w in weeks if not (run == "c" and w > 20)]
    rows = [r for r in rows if not (r[1] == "a" and r[2] == 8)]  # one run has no value that week
    series = pd.DataFrame(rows, columns=["group", "run_id", "week", "value"])
    line = envelope.envelope_figure(series, "x", "key").axes[0].lines[0]
    assert list(line.get_xdata()) == [w for w in weeks if w <= 20]  # run c stopped at week 20
    assert np.allclose(line.get_ydata(), [w + (1.5 if w == 8 else 1) for w in weeks if w <= 20])


def test_plot_draws_an_envelope_of_a_series_the_code_does_not_name(kept_sweep, tmp_path):
    """Series are read by name from the kept files: one a later record adds is drawn as any other."""
    sweep = tmp_path / "sweep"
    shutil.copytree(kept_sweep, sweep)
    for path in (sweep / "timeseries").glob("*.parquet"):
        ts = pd.read_parquet(path)
        extra = ts[(ts["good"] == "") & (ts["variable"] == "stock_gap")].assign(variable="a_new_yardstick")
        pd.concat([ts, extra.assign(value=2 * extra["value"])], ignore_index=True).to_parquet(path, index=False)
    rc, out, err = call(["plot", str(sweep), "--envelope", "a_new_yardstick", "--by", "prices.response"])
    assert rc == 0, err
    assert out.split() == [str(sweep / "envelope_a_new_yardstick_by_prices.response.png")]
    assert (sweep / "envelope_a_new_yardstick_by_prices.response.png").read_bytes().startswith(PNG)
    assert (sweep / "envelope_a_new_yardstick_by_prices.response.svg").is_file()
    rc, out, err = call(["plot", str(sweep), "--envelope", "wage_gini", "--format", "pdf"])  # every run, one band
    assert rc == 0, err
    assert (sweep / "envelope_wage_gini.pdf").read_bytes().startswith(b"%PDF")


def test_an_envelope_needs_kept_time_series(plain_sweep):
    line = refused(["plot", str(plain_sweep), "--envelope", "stock_gap", "--by", "prices.response"], plain_sweep)
    assert "kept no time series" in line and "--keep-timeseries" in line


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--envelope", "stock_gap", "--by", "prices.respons"], "--by 'prices.respons': not a key of sweep"),
        (["--envelope", "stock_gap", "--by", "seed"], "--by 'seed': not a key of sweep"),
        (["--envelope", "stock_gp"], "--envelope 'stock_gp': no such series; did you mean 'stock_gap'?"),
        (["--envelope", "price"], "--envelope 'price': a per-good series"),
        (["--by", "prices.response"], "--by prices.response: only with --envelope"),
        (["--envelope", "stock_gap", "--format", "gif"], "unknown format 'gif'"),
    ],
)
def test_an_envelope_refuses_bad_input_in_one_line(kept_sweep, tmp_path, argv, says):
    sweep = tmp_path / "sweep"
    shutil.copytree(kept_sweep, sweep)
    assert says in refused(["plot", str(sweep), *argv], sweep)


def test_an_envelope_of_a_run_directory_is_refused(run_dir, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(run_dir, run)
    line = refused(["plot", str(run), "--envelope", "stock_gap"], run)
    assert "is not a sweep directory" in line


def test_an_envelope_refuses_a_damaged_kept_file(kept_sweep, tmp_path):
    sweep = tmp_path / "sweep"
    shutil.copytree(kept_sweep, sweep)
    damaged = sorted((sweep / "timeseries").glob("*.parquet"))[-1]
    damaged.write_bytes(b"not parquet")
    line = refused(["plot", str(sweep), "--envelope", "stock_gap", "--by", "prices.response"], sweep)
    assert str(damaged) in line and "not a readable run's time series" in line
    os.unlink(damaged)
    os.symlink(sweep / "runs.parquet", damaged)
    assert "symbolic link" in refused(["plot", str(sweep), "--envelope", "stock_gap"], sweep)


def test_the_regimes_figure_reads_the_kept_series_as_envelopes_do(kept_sweep):
    runs = pd.read_parquet(kept_sweep / "runs.parquet").assign(regime="councils")
    paths = sweep_plots.regime_paths(runs, kept_sweep / "timeseries")
    marks = {mark.series for mark in sweep_plots.MARKS.values()}
    assert set(paths["variable"]) == set(sweep_plots.REGIME_MEASURES) | marks
    assert paths["run_id"].nunique() == len(runs) and set(paths["regime"]) == {"councils"}
    assert tuple(sweep_plots.compare_regimes(paths, figsize=(5, 4)).get_size_inches()) == (5, 4)
