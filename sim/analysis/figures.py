"""Figures of a sweep's analysis (:mod:`sim.analysis.analyse`): Sobol' indices, PRIM's trajectory and box,
feature scores; and how every figure of the project is written to disk (:func:`save`, :func:`write_figure`).

Every function returns a :class:`matplotlib.figure.Figure` made without pyplot, so that
importing it never changes matplotlib's backend (a notebook keeps its inline figures) and a
figure no one keeps is freed with its last reference.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from sim.analysis.formats import DEFAULT_FORMATS, DPI, FORMATS
from sim.storage.writes import replacing


def write_figure(fig: Figure, path: Path, flag: str = "figure") -> Path:
    """Write ``fig`` to ``path`` exactly, in the format of its extension (one of :data:`FORMATS`).

    It is written under a unique temporary name beside ``path``, then renamed into place
    (:func:`sim.storage.writes.replacing`: never through a link).

    Raises
    ------
    ValueError
        The extension is not one of :data:`FORMATS`.
    """
    path = Path(path)
    ext = path.suffix.lstrip(".").lower()
    if ext not in FORMATS:
        raise ValueError(f"{flag} {path}: a figure is written as {', '.join('.' + f for f in FORMATS)}")
    with replacing(path, flag) as file:
        fig.savefig(file, dpi=DPI, format=ext)
    return path


def save(fig: Figure, path: Path, formats: tuple[str, ...] = DEFAULT_FORMATS) -> Path:
    """Write ``fig`` beside ``path`` once per format (``name.png``, ``name.pdf``, …); return the first one's path."""
    for ext in formats:
        write_figure(fig, path.with_suffix(f".{ext}"))
    return path.with_suffix(f".{formats[0]}")


#: The index axis of the Sobol' figure: indices are shares of variance, estimates beyond are noise.
LIMITS = (-0.3, 1.3)


def sobol_figure(sobol: dict, notes: dict, title: str = "", figsize: tuple[float, float] | None = None) -> Figure:
    """One panel per outcome: first-order (S1) and total (ST) indices of each factor, with their intervals.

    Factors are in the order of their total index for the first outcome, the same in every panel.
    An interval that leaves the axis (:data:`LIMITS`) has its half-width written at the right.
    ``figsize`` is (width, height) in inches; by default it grows with the factors and outcomes.
    """
    done = {k: v for k, v in sobol.items() if "skipped" not in v}
    first = next(iter(done.values()))
    order = list(np.argsort(first["ST"]))  # largest at the top
    names = [first["factors"][i] for i in order]
    columns = min(3, len(done))
    rows = math.ceil(len(done) / columns)
    fig = Figure(figsize=figsize or (5.2 * columns, 0.32 * len(names) * rows + 1.4 * rows + 0.6))
    axes = fig.subplots(rows, columns, squeeze=False)
    y = np.arange(len(names))
    for ax, (key, s) in zip(axes.flat, done.items(), strict=False):
        at = [s["factors"].index(n) for n in names]
        for shift, index, colour in ((0.2, "S1", "tab:blue"), (-0.2, "ST", "tab:orange")):
            value = np.array([s[index][i] for i in at])
            conf = np.array([s[f"{index}_conf"][i] for i in at])
            ax.barh(
                y + shift, value, height=0.38, xerr=conf, color=colour, label=index, capsize=2, error_kw={"lw": 0.8}
            )
            for row, (v, c) in enumerate(zip(value, conf, strict=True)):
                if v - c < LIMITS[0] or v + c > LIMITS[1]:  # an interval wider than the axis: say how wide
                    ax.text(LIMITS[1], row + shift, f"± {c:.2g} ", ha="right", va="center", fontsize=6, color=colour)
        ax.axvline(0, color="0.4", lw=0.6)
        ax.set_yticks(y, names if ax in axes[:, 0] else [""] * len(names), fontsize=8)
        ax.set_xlim(*LIMITS)
        ax.set_title(key, fontsize=9)
        if notes.get(key):
            ax.text(0.99, 0.01, _wrap(notes[key], 60), transform=ax.transAxes, ha="right", va="bottom", fontsize=6)
    for ax in list(axes.flat)[len(done) :]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7, loc="lower right" if not notes.get(next(iter(done))) else "center right")
    fig.suptitle(
        f"Sobol' indices{' — ' + title if title else ''}: first-order S1 (alone) and total ST (with interactions), "
        "95 % bootstrap intervals",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


def prim_figure(name: str, found: dict, title: str = "", figsize: tuple[float, float] = (12, 4.2)) -> Figure:
    """PRIM's peeling trajectory (coverage against density) and the chosen box's ranges within each factor's range.

    ``figsize`` is (width, height) in inches.
    """
    trajectory, chosen = found["trajectory"], found["chosen"]
    box = trajectory[chosen]
    fig = Figure(figsize=figsize)
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.25]})
    coverage = [b["coverage"] for b in trajectory]
    density = [b["density"] for b in trajectory]
    dims = [len(b["restricted"]) for b in trajectory]
    points = left.scatter(coverage, density, c=dims, cmap="viridis", s=18, zorder=3)
    left.plot(coverage, density, color="0.7", lw=0.8, zorder=2)
    left.scatter([box["coverage"]], [box["density"]], s=140, facecolors="none", edgecolors="tab:red", lw=1.5, zorder=4)
    left.annotate(
        f"chosen: box {chosen}",
        (box["coverage"], box["density"]),
        textcoords="offset points",
        xytext=(-8, -14),
        ha="right",
        fontsize=8,
        color="tab:red",
    )
    left.set_xlabel("coverage (share of the cases inside the box)")
    left.set_ylabel("density (share of the box's runs that are cases)")
    left.set_xlim(-0.02, 1.02)
    left.set_ylim(max(0.0, min(density) - 0.1), min(1.02, max(density) + 0.05))
    fig.colorbar(points, ax=left, label="restricted dimensions", ticks=range(max(dims) + 1))
    left.set_title(f"peeling trajectory: {found['cases']} cases in {found['runs']} runs", fontsize=9)
    restricted = list(box["restricted"])
    ranges = found["ranges"]
    for row, key in enumerate(restricted):
        low, high = ranges[key]
        lo, hi = box["restricted"][key]
        span = (high - low) or 1.0
        right.barh(row, (hi - lo) / span, left=(lo - low) / span, color="tab:red", alpha=0.6, height=0.5)
        right.text(-0.03, row, f"{_number(low)}", ha="right", va="center", fontsize=7, color="0.4")
        right.text(1.02, row, f"{_number(high)}", ha="left", va="center", fontsize=7, color="0.4")
        right.text(
            (lo + hi - 2 * low) / (2 * span), row + 0.33, f"{_number(lo)} … {_number(hi)}", ha="center", fontsize=8
        )
    right.set_yticks(range(len(restricted)), restricted, fontsize=8)
    right.set_xlim(-0.3, 1.2)
    right.set_ylim(-0.6, max(len(restricted), 1) - 0.4)
    right.set_xticks([0, 1], ["low end of the range", "high end"], fontsize=7)
    right.set_title(
        f"box {chosen}: coverage {box['coverage']:.1%}, density {box['density']:.1%}, mass {box['mass']:.1%}",
        fontsize=9,
    )
    fig.suptitle(f"Scenario discovery (PRIM): {name}{' — ' + title if title else ''}", fontsize=10)
    fig.tight_layout()
    return fig


def scores_figure(scores: dict, title: str = "", figsize: tuple[float, float] | None = None) -> Figure:
    """Feature scores of each factor (rows) for each outcome (columns), with each ensemble's fit.

    ``figsize`` is (width, height) in inches; by default it grows with the factors and outcomes.
    """
    done = {k: v for k, v in scores.items() if "skipped" not in v}
    factors = list(next(iter(done.values()))["factors"])
    table = np.array([[v["factors"][f] for v in done.values()] for f in factors])
    order = np.argsort(-table.max(axis=1))
    table = table[order]
    fig = Figure(figsize=figsize or (1.5 * len(done) + 3.5, 0.36 * len(factors) + 1.8))
    ax = fig.subplots()
    image = ax.imshow(table, cmap="viridis", aspect="auto", vmin=0)
    for (i, j), value in np.ndenumerate(table):
        ax.text(
            j, i, f"{value:.2f}", ha="center", va="center", fontsize=7, color="w" if value < 0.6 * table.max() else "k"
        )
    labels = [f"{k}\n(fit {v['fit']:.2f})" for k, v in done.items()]
    ax.set_xticks(range(len(done)), labels, rotation=30, ha="right", fontsize=7)
    ax.set_yticks(range(len(factors)), [factors[i] for i in order], fontsize=8)
    fig.colorbar(image, ax=ax, label="feature score (sums to 1 per outcome)")
    fit = "fit: out-of-bag balanced accuracy or R²"
    fig.suptitle(f"Feature scores (extra trees){' — ' + title if title else ''}; {fit}", fontsize=9)
    fig.tight_layout()
    return fig


def draw_analysis(result: dict, out_dir: Path) -> list[Path]:
    """Every figure the analysis supports, as PNG and SVG in ``out_dir``; return the PNG paths."""
    out_dir = Path(out_dir)
    title = result["sweep"]
    notes = {k: v["note"] for k, v in result["outcomes"].items()}
    written = []
    if any("skipped" not in v for v in result["sobol"].values()):
        written.append(save(sobol_figure(result["sobol"], notes, title), out_dir / "sobol_indices.png"))
    for name, found in result["prim"].items():
        if "skipped" not in found:
            written.append(save(prim_figure(name, found, title), out_dir / f"prim_{file_name(name)}.png"))
    if any("skipped" not in v for v in result["feature_scores"].values()):
        written.append(save(scores_figure(result["feature_scores"], title), out_dir / "feature_scores.png"))
    return written


def file_name(name: str) -> str:
    """A PRIM analysis's name as part of a file name: ``"not converged"`` → ``not_converged``."""
    return re.sub(r"[^\w.-]+", "_", name).strip("_")


def _number(value: float) -> str:
    return f"{value:.3g}"


def _wrap(text: str, width: int) -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join([*lines, line])
