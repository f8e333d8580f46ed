"""``councils table``: outcomes over seeds, one row per group of runs, each with its 95 % interval.

A pure function of the gathered runs (:mod:`sim.analysis.gather`): the runs are grouped by
the values of one or more keys (by default the scenario's name and every key a sweep
varied), and each outcome is summarised over a group's seeds (:mod:`sim.analysis.intervals`):

- a boolean outcome (``converged``): the share of seeds, with Wilson's interval;
- ``converged_week``, a censored time: the Kaplan–Meier median with its Brookmeyer–Crowley
  interval and the number of runs censored. A run that did not converge is censored at its
  horizon, ``weeks``: the verdict (docs/welfare.md) can name any week up to the last, so its
  week, in a longer run, would come later;
- any other numeric outcome: the mean, with a Student t or a BCa bootstrap interval.

The result also says what a reader must know: groups whose horizons (``weeks``),
populations (``population.consumers``) or verdicts (``verdict.*``) differ, a group that holds
one seed twice, and outcomes a run did not record.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.analyse import NOT_OUTCOMES, AnalysisError
from sim.analysis.gather import Gathered
from sim.analysis.intervals import kaplan_meier_median, mean_interval, wilson_interval
from sim.storage.files import show

#: The censored time: the week from which a run converged.
CENSORED = "converged_week"
#: Always among the default outcomes, ahead of every ``*_last_year`` key the runs recorded.
DEFAULT_FIRST = ("converged", CENSORED)
#: The horizon and the population, shown for each group and compared between groups.
HORIZON, POPULATION = "weeks", "population.consumers"
#: Keys whose difference between runs makes their outcomes incomparable, and what they are.
COMPARED = {
    HORIZON: "horizon",
    POPULATION: "population",
    "verdict.welfare_tolerance": "verdict",
    "verdict.stock_tolerance": "verdict",
    "verdict.window_weeks": "verdict",
}


@dataclass(frozen=True)
class Table:
    """The table of outcomes, one row per group, and the warnings that go with it.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per group, in the order the groups first appear: the ``by`` keys, ``seeds``
        (finished runs), ``weeks`` and ``consumers`` (a number, or ``"a–b"`` if they differ
        within the group), then for each outcome ``K`` the columns ``K`` (the mean, share or
        median), ``K_low``, ``K_high`` (its 95 % interval), ``K_method`` (``t``, ``bootstrap``,
        ``wilson``, ``kaplan-meier`` or ``none``) and, for ``converged_week``, ``K_censored``.
    by : list of str
        The keys grouped by.
    outcomes : list of str
        The outcomes, in the order of the columns.
    warnings : list of str
        One sentence each.
    """

    frame: pd.DataFrame
    by: list[str]
    outcomes: list[str]
    warnings: list[str]


def allowed_outcomes(gathered: Gathered) -> list[str]:
    """The summary keys that are outcomes: numeric or true/false in the runs, not a run's identity or horizon."""
    runs = gathered.runs
    return [
        k
        for k in gathered.summary_keys
        if k not in NOT_OUTCOMES and k in runs and (k == CENSORED or _is_boolean(runs[k]) or _is_numeric(runs[k]))
    ]


def default_outcomes(gathered: Gathered) -> list[str]:
    """``converged``, ``converged_week`` and every ``*_last_year`` key the runs recorded, in their order."""
    allowed = allowed_outcomes(gathered)
    return [k for k in DEFAULT_FIRST if k in allowed] + [
        k for k in allowed if k.endswith("_last_year") and k not in DEFAULT_FIRST
    ]


def default_by(gathered: Gathered) -> list[str]:
    """The scenario's name and every key a sweep varied that takes more than one value among the runs."""
    runs = gathered.runs
    return ["scenario", *(k for k in gathered.parameters if runs[k].nunique(dropna=False) > 1)]


def check_by(gathered: Gathered, by) -> list[str]:
    """The keys to group by, each a column of the runs (a summary or a scenario key), or the defaults.

    Raises
    ------
    AnalysisError
        A key that is neither, with the closest one.
    """
    if not by:
        return default_by(gathered)
    keys = list(dict.fromkeys(by))
    for key in keys:
        if key not in gathered.runs:
            close = _close(key, gathered.runs.columns)
            raise AnalysisError(f"--by {show(key)}: not a summary key, a swept key or a scenario key{close}")
    return keys


def check_outcomes(gathered: Gathered, outcomes) -> list[str]:
    """The outcomes to tabulate (the defaults if none is named), each one the runs recorded.

    Raises
    ------
    AnalysisError
        An outcome that is not a numeric or true/false summary key, with the closest one.
    """
    allowed = allowed_outcomes(gathered)
    if not outcomes:
        return default_outcomes(gathered)
    chosen = list(dict.fromkeys(outcomes))
    for key in chosen:
        if key not in allowed:
            what = (
                "not a numeric or true/false key of the runs' summaries"
                if key not in gathered.runs
                else ("not an outcome (a run's identity, horizon or setting)")
            )
            raise AnalysisError(f"--outcomes {show(key)}: {what}{_close(key, allowed)}")
    return chosen


def outcome_table(gathered: Gathered, by=None, outcomes=None) -> Table:
    """Group the runs by ``by`` and summarise each outcome over each group's seeds with its 95 % interval.

    Parameters
    ----------
    gathered : Gathered
        The finished runs (:func:`sim.analysis.gather.gather`).
    by : list of str, optional
        Keys to group by (default :func:`default_by`).
    outcomes : list of str, optional
        Outcomes (default :func:`default_outcomes`).

    Raises
    ------
    AnalysisError
        An unknown key or outcome (:func:`check_by`, :func:`check_outcomes`).
    """
    by = check_by(gathered, by)
    named = outcomes
    outcomes = [k for k in check_outcomes(gathered, outcomes) if not (k in by and not named)]
    both = [k for k in outcomes if k in by]
    if both:
        raise AnalysisError(f"--outcomes {show(both[0])}: also a --by key, the same in every run of a group")
    runs = gathered.runs
    keys = runs[by].astype(object).where(runs[by].notna(), "").map(_hashable)
    groups = list(runs.groupby([keys[k] for k in by], sort=False, dropna=False).indices.items())
    rows, names, spans, warnings, repeated = [], [], [], [], []
    for label, index in groups:
        label = label if len(by) > 1 else (label,)
        group = runs.iloc[index]
        names.append(_name(by, label))
        spans.append({key: _span(group, key) for key in COMPARED})
        row = dict(zip(by, label, strict=True))
        row |= {"seeds": len(group), "weeks": spans[-1][HORIZON], "consumers": spans[-1][POPULATION]}
        for key in outcomes:
            row |= _summarise(group, key, names[-1], warnings)
        repeated += _repeated_seeds(group, names[-1])
        rows.append(row)
    frame = pd.DataFrame(rows)
    warnings = [
        *(w for key, what in COMPARED.items() for w in _differences(names, [s[key] for s in spans], what, key)),
        *warnings,
    ]
    if repeated:
        more = f" (and in {len(repeated) - 1} more groups)" if len(repeated) > 1 else ""
        warnings.append(f"{repeated[0]}{more}: not independent seeds, so the intervals are too narrow")
    return Table(frame, by, outcomes, warnings)


def _summarise(group: pd.DataFrame, key: str, name: str, warnings: list[str]) -> dict:
    """The columns of one outcome over one group's runs."""
    column = group[key]
    if key == CENSORED:
        converged = group["converged"].to_numpy(dtype=bool)
        cap = group[HORIZON].to_numpy(dtype=float)
        times = np.where(converged, pd.to_numeric(column, errors="coerce").to_numpy(dtype=float), cap)
        known = np.isfinite(times)
        if not known.all():
            warnings.append(f"{name}: {key} missing in {int((~known).sum())} of {len(times)} runs, left out")
        m = kaplan_meier_median(times[known], converged[known])
        return {key: m.median, f"{key}_low": m.low, f"{key}_high": m.high, f"{key}_method": "kaplan-meier"} | {
            f"{key}_censored": m.censored
        }
    values = pd.to_numeric(column.astype(object).where(column.notna(), np.nan), errors="coerce").to_numpy(dtype=float)
    finite = np.isfinite(values)
    if not finite.all():
        warnings.append(
            f"{name}: {key} not recorded (or not finite) in {int((~finite).sum())} of {len(values)} runs, left out"
        )
    values = values[finite]
    if _is_boolean(column):
        share, low, high = wilson_interval(int(values.sum()), values.size)
        return {key: share, f"{key}_low": low, f"{key}_high": high, f"{key}_method": "wilson"}
    interval = mean_interval(values)
    return {key: interval.estimate, f"{key}_low": interval.low, f"{key}_high": interval.high} | {
        f"{key}_method": interval.method
    }


def _span(group: pd.DataFrame, key: str):
    """The group's value of ``key`` if it is one, ``"low–high"`` if it varies, ``""`` if the runs lack it."""
    if key not in group:
        return ""
    values = pd.to_numeric(group[key], errors="coerce").dropna()
    if values.empty:
        return ""
    low, high = values.min(), values.max()
    return _number(low) if low == high else f"{_number(low)}–{_number(high)}"


def _number(x: float):
    return int(x) if float(x).is_integer() else float(x)


def _differences(names: list[str], values: list, what: str, key: str) -> list[str]:
    """A warning if the groups' values of ``key`` are not one and the same, within a group or between groups."""
    text = [str(v) for v in values]
    mixed = any("–" in v for v in text)
    if len(set(text)) <= 1 and not mixed:
        return []
    listed = ", ".join(f"{n} {v}" for n, v in zip(names, text, strict=True))
    where = "the runs of a group" if mixed else "the groups"
    return [f"{where} differ in {what} ({key}): {listed}; their outcomes are not measured alike"]


def _repeated_seeds(group: pd.DataFrame, name: str) -> list[str]:
    """A warning if one seed appears twice in a group: the same run, or runs that are not independent replicates."""
    if "seed" not in group:
        return []
    seeds = group["seed"]
    twice = seeds[seeds.duplicated()]
    if twice.empty:
        return []
    return [f"{name}: seed {twice.iloc[0]} appears {int((seeds == twice.iloc[0]).sum())} times"]


def _hashable(value):
    """A group's value as a key: a list (or an array read from Parquet) as a tuple."""
    return tuple(value) if isinstance(value, list | np.ndarray) else value


def _name(by: list[str], label: tuple) -> str:
    """A group's name for messages: its value, or ``key=value, …`` for several keys."""
    if len(by) == 1:
        return str(label[0])
    return ", ".join(f"{k}={v}" for k, v in zip(by, label, strict=True))


def _close(key: str, choices) -> str:
    close = difflib.get_close_matches(key, [str(c) for c in choices], n=1)
    return f" (did you mean {show(close[0])}?)" if close else ""


def _is_boolean(column: pd.Series) -> bool:
    """Whether every value the runs recorded is true or false (a column with gaps holds Python objects)."""
    if pd.api.types.is_bool_dtype(column):
        return True
    values = column.dropna()
    return column.dtype == object and not values.empty and all(isinstance(v, bool | np.bool_) for v in values)


def _is_numeric(column: pd.Series) -> bool:
    """Whether every value the runs recorded is a number, not true or false."""
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        return column.notna().any()
    values = column.dropna()
    return (
        column.dtype == object
        and not values.empty
        and all(
            isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool | np.bool_) for v in values
        )
    )
