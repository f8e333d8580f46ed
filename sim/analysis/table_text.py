"""The table of outcomes over seeds (:mod:`sim.analysis.table`) as text: Markdown, LaTeX or CSV.

Markdown and LaTeX show each outcome as ``estimate [low, high]``, rounded to the interval's
precision (the decimals that give its width two significant digits: ``61.0 [60.3, 61.6]``,
``151 [130, 173]``), and end with a legend of the methods. CSV
holds every column of the table at full precision, for a program.
"""

from __future__ import annotations

import math

import numpy as np

from sim.analysis.table import CENSORED, Table

#: The formats ``--format`` takes.
FORMATS = ("markdown", "latex", "csv")
#: Marks an interval drawn by the bootstrap rather than Student's t.
BOOTSTRAP_MARK = {"markdown": "ᵇ", "latex": "$^{b}$"}
#: LaTeX's special characters in text, escaped.
TEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "_": r"\_",
    "#": r"\#",
    "$": r"\$",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
#: An interval limit (or median) the estimate never reached.
NOT_REACHED = "n.r."
#: What each kind of interval is, for the legend under the table.
MEANS = (
    "Mean [95 % interval] over seeds: Student t, or BCa bootstrap (marked {mark}) where Cochran's rule finds t unfit."
)
SHARES = "{keys}: share of seeds [Wilson interval]."
MEDIAN = (
    "{key}: Kaplan–Meier median [Brookmeyer–Crowley interval, log-log] (runs that did not converge: censored at "
    "their horizon); {nr}: not reached."
)


def render(table: Table, fmt: str) -> str:
    """The table as text in ``fmt`` (one of :data:`FORMATS`), ending with a newline."""
    if fmt == "csv":
        return table.frame.to_csv(index=False)
    head = [*table.by, "seeds", "weeks", "consumers", *table.outcomes]
    body = [
        [*(str(row[k]) for k in table.by), str(row["seeds"]), str(row["weeks"]), str(row["consumers"])]
        + [_cell(row, k, fmt) for k in table.outcomes]
        for _, row in table.frame.iterrows()
    ]
    legend = _legend(table, fmt)
    if fmt == "markdown":
        lines = [_md_row(head), "|" + "|".join("---" if k in table.by else "---:" for k in head) + "|"]
        lines += [_md_row(r) for r in body]
        return "\n".join([*lines, "", legend]) + "\n"
    if fmt == "latex":
        align = "".join("l" if k in table.by else "r" for k in head)
        lines = [f"\\begin{{tabular}}{{{align}}}", "\\toprule", _tex_row(head), "\\midrule"]
        lines += [_tex_row(r) for r in body]
        lines += ["\\bottomrule", "\\end{tabular}", f"% {legend}"]
        return "\n".join(lines) + "\n"
    raise ValueError(f"render: format {fmt!r}: must be one of {', '.join(FORMATS)}")


def _legend(table: Table, fmt: str) -> str:
    """One sentence for each kind of interval in the table."""
    methods = {k: set(table.frame[f"{k}_method"]) for k in table.outcomes}
    shares = [k for k, m in methods.items() if "wilson" in m]
    means = [k for k, m in methods.items() if not m & {"wilson", "kaplan-meier"}]
    parts = [MEANS.format(mark=BOOTSTRAP_MARK[fmt])] if means else []
    parts += [SHARES.format(keys=", ".join(shares))] if shares else []
    parts += [MEDIAN.format(key=CENSORED, nr=NOT_REACHED)] if CENSORED in table.outcomes else []
    return " ".join(parts)


def _cell(row, key: str, fmt: str) -> str:
    """One outcome's ``estimate [low, high]``, rounded to the interval's precision."""
    estimate, low, high = row[key], row[f"{key}_low"], row[f"{key}_high"]
    if key == CENSORED:
        text = f"{_week(estimate)} [{_week(low)}, {_week(high)}]" if np.isfinite(estimate) else NOT_REACHED
        return f"{text} ({row[f'{key}_censored']} censored)"
    if not np.isfinite(estimate):
        return "–"
    if not (np.isfinite(low) and np.isfinite(high)):
        return f"{estimate:.4g}"
    places = decimals(high - low)
    text = (
        f"{estimate:.4g} [{low:.4g}, {high:.4g}]"
        if places is None
        else (f"{estimate:.{places}f} [{low:.{places}f}, {high:.{places}f}]")
    )
    return text + (BOOTSTRAP_MARK[fmt] if row[f"{key}_method"] == "bootstrap" else "")


def decimals(width: float) -> int | None:
    """Decimals that show an interval of ``width`` with two significant digits (0 to 8); ``None`` for no width."""
    if not width > 0:
        return None
    return min(8, max(0, 1 - math.floor(math.log10(width))))


def _week(x: float) -> str:
    return f"{x:.0f}" if np.isfinite(x) else NOT_REACHED


def _md_row(cells) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def _tex_row(cells) -> str:
    return " & ".join(_tex(c) for c in cells) + r" \\"


def _tex(text: str) -> str:
    """``text`` with LaTeX's special characters escaped (a bootstrap mark kept as math)."""
    mark = BOOTSTRAP_MARK["latex"]
    body = text.removesuffix(mark)
    return "".join(TEX_ESCAPES.get(c, c) for c in body) + (mark if body != text else "")
