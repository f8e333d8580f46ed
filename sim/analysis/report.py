"""What ``councils analyse`` writes and prints: the analysis of :mod:`sim.analysis.analyse` as tables, text
and files.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from sim.storage.atomic import install_dir, temporary_name
from sim.storage.writes import write_text


def tables(result: dict) -> dict[str, pd.DataFrame]:
    """The analysis as three tables: Sobol' indices, PRIM's boxes and feature scores (one row per factor)."""
    sobol = [
        {"outcome": key, "factor": f, **{k: s[k][i] for k in ("S1", "S1_conf", "ST", "ST_conf")}}
        for key, s in result["sobol"].items()
        if "skipped" not in s
        for i, f in enumerate(s["factors"])
    ]
    boxes = []
    for name, found in result["prim"].items():
        for i, box in enumerate(found.get("trajectory", [])):
            head = {"cases": name, "box": i, "chosen": i == found["chosen"]}
            head |= {k: box[k] for k in ("coverage", "density", "mass")} | {"restricted_dims": len(box["restricted"])}
            restricted = box["restricted"] or {"": [np.nan, np.nan]}
            for factor, (low, high) in restricted.items():
                boxes.append(head | {"factor": factor, "low": low, "high": high, "qp": box["qp"].get(factor, np.nan)})
    group_of = {k: g for g, keys in result["design"].get("groups", {}).items() for k in keys}
    scores = [
        {"outcome": key, "factor": f, "group": group_of.get(f, f), "score": score, "fit": s["fit"]}
        for key, s in result["feature_scores"].items()
        if "skipped" not in s
        for f, score in s["scores"].items()
    ]
    return {
        "sobol_indices.csv": pd.DataFrame(sobol, columns=["outcome", "factor", "S1", "S1_conf", "ST", "ST_conf"]),
        "prim_boxes.csv": pd.DataFrame(boxes),
        "feature_scores.csv": pd.DataFrame(scores, columns=["outcome", "factor", "group", "score", "fit"]),
    }


def summary_text(result: dict, top: int = 3) -> str:
    """A short account of the analysis for the terminal: the leading factors of each outcome, PRIM's chosen boxes."""
    d = result["design"]
    lines = [f"{result['sweep']}: {result['finished']} of {result['runs']} runs finished; " + _design_line(d)]
    if result["sobol"]:
        lines.append(f"Sobol' indices, the {top} largest totals (± half the 95 % bootstrap interval):")
        for key, s in result["sobol"].items():
            note = result["outcomes"][key]["note"]
            lines.append(f"  {key}{f' ({note})' if note else ''}:")
            if "skipped" in s:
                lines.append(f"    not computed: {s['skipped']}")
                continue
            for i in np.argsort(s["ST"])[::-1][:top]:
                lines.append(
                    f"    {s['factors'][i]:<30} ST {s['ST'][i]:5.2f} ± {s['ST_conf'][i]:.2f}   "
                    f"S1 {s['S1'][i]:5.2f} ± {s['S1_conf'][i]:.2f}"
                )
    for name, found in result["prim"].items():
        if "skipped" in found:
            lines.append(f"PRIM, {name}: not run: {found['skipped']}")
            continue
        box = found["trajectory"][found["chosen"]]
        lines.append(
            f"PRIM, {name} ({found['cases']} of {found['runs']} runs): box {found['chosen']} of "
            f"{len(found['trajectory']) - 1}, coverage {box['coverage']:.1%}, density {box['density']:.1%}, "
            f"mass {box['mass']:.1%}"
        )
        for factor, (low, high) in box["restricted"].items():
            full = found["ranges"][factor]
            of = f"of {full[0]:.4g} … {full[1]:.4g}"
            lines.append(f"    {factor:<30} {low:.4g} … {high:.4g}   ({of}; qp {box['qp'][factor]:.1e})")
        if not box["restricted"]:
            lines.append("    no factor restricted: the cases are spread over the whole sweep")
    scored = {k: s for k, s in result["feature_scores"].items() if "skipped" not in s}
    if scored:
        lines.append(f"Feature scores (extra trees), the {top} highest; fit: out-of-bag balanced accuracy or R²:")
        for key, s in scored.items():
            best = sorted(s["factors"].items(), key=lambda kv: -kv[1])[:top]
            lines.append(f"  {key} (fit {s['fit']:.2f}): " + ", ".join(f"{f} {v:.2f}" for f, v in best))
    return "\n".join(lines)


def _design_line(design: dict) -> str:
    if design["method"] != "saltelli":
        return f"a {design['method']} design over {len(design['keys'])} numeric factor(s) (no Sobol' indices)"
    groups = ", ".join(f"{g}: {len(k)} keys" for g, k in design["groups"].items())
    order = "first-, second-order and total" if design["second_order"] else "first-order and total"
    return (
        f"a Saltelli design of {design['n']} base samples over {len(design['factors'])} factors"
        f"{f' ({groups})' if groups else ''}, "
        f"{design['replicates']} replicate(s) per point; {order} indices"
    )


def write_analysis(target: Path, result: dict, text: str, draw) -> Path:
    """Write the analysis to ``target`` whole: built under a temporary name, then swapped in.

    It holds ``analysis.json`` (everything), ``analysis.txt`` (the summary), the tables of
    :func:`tables` as CSV and the figures ``draw(result, directory)`` makes
    (:func:`sim.analysis.figures.draw_analysis`). Hold the lock of ``target``
    (:func:`sim.storage.locks.locked`) while calling this.
    """
    target = Path(target)
    tmp = temporary_name(target)
    tmp.mkdir()
    try:
        write_text(tmp / "analysis.json", json.dumps(_finite(result), indent=2) + "\n")
        write_text(tmp / "analysis.txt", text + "\n")
        for name, table in tables(result).items():
            write_text(tmp / name, table.to_csv(index=False))
        draw(result, tmp)
        install_dir(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _finite(value):
    """``value`` with every NaN or infinity replaced by ``None`` (JSON has neither)."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value
