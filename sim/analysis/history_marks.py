"""What each regime reproduces of its history, judged from a regimes sweep's kept series (issue 29).

Each regime that has a history is judged by the mark ``docs/validation.md`` sets for it, from
the second year on (the first is the transition from the plan of the US 2014 table):

- ``fixed_plan``: Kornai's shortage economy, queues beside piles "in most weeks": the share of
  weeks with a good queued and another piled above its reserve (``shortage_and_surplus``);
  reproduced where it is over half;
- ``market``: the United States of 2014 it starts from: the mean unemployment rate within the
  band of :data:`sim.analysis.validation.FACTS` (BLS, 2014: 6.2 %, band 4–9 %);
- ``self_managed_market``: the Yugoslav widening of the late 1960s: the linear trend a year of
  the Gini of income per member between enterprises (``enterprise_income_gini``), reproduced
  where its 95 % interval over the seeds lies above 0.

The councils have no history: they are a proposal. Pure: the table in, the judgements out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.intervals import Interval, mean_interval
from sim.analysis.validation import FACTS

#: Weeks a year; the marks are judged from week :data:`WEEKS_PER_YEAR` on.
WEEKS_PER_YEAR = 52
#: The share of weeks over which queues beside piles are "most weeks".
MOST_WEEKS = 0.5
_UNEMPLOYMENT = next(fact for fact in FACTS if fact.key == "unemployment_rate")


def _share(x: float, digits: int = 1) -> str:
    """A share as per cent, with the space the project's documents use."""
    return f"{100 * x:.{digits}f} %"


@dataclass(frozen=True)
class Mark:
    """A regime's historical mark: the series that shows it, what it measures, and how it is judged."""

    series: str
    label: str
    history: str


#: Each regime's mark of its history.
MARKS = {
    "fixed_plan": Mark("shortage_and_surplus", "weeks with queues beside piles", "Kornai's chronic shortage"),
    "market": Mark(
        "unemployment_rate",
        f"unemployment rate (US 2014: {_share(_UNEMPLOYMENT.value)}, band "
        f"{100 * _UNEMPLOYMENT.low:.0f}–{_share(_UNEMPLOYMENT.high, 0)})",
        "the US economy of 2014",
    ),
    "self_managed_market": Mark(
        "enterprise_income_gini", "income per member, Gini between enterprises", "the Yugoslav widening"
    ),
}


@dataclass(frozen=True)
class Judgement:
    """A regime's mark in one condition: the measure over the seeds, and whether the history is reproduced."""

    regime: str
    scenario: str
    measure: Interval  # share of weeks, a rate, or Gini points a year
    reproduced: bool

    def text(self) -> str:
        """One line: the measure with its interval and the verdict."""
        mark = MARKS[self.regime]
        m = self.measure
        if self.regime == "self_managed_market":
            value = f"trend {m.estimate:+.4f} a year [{m.low:+.4f}, {m.high:+.4f}]"
        else:
            value = f"{_share(m.estimate)} [{100 * m.low:.1f}, {100 * m.high:.1f}]"
        return f"{mark.history}: {value}, {'reproduced' if self.reproduced else 'not reproduced'}"


def _per_run(table: pd.DataFrame, regime: str) -> np.ndarray:
    """Each run's figure from the second year on: the mean, or for the self-managed market the trend a year."""
    later = table[table["week"] >= WEEKS_PER_YEAR]
    if regime != "self_managed_market":
        return later.groupby("run_id")["value"].mean().to_numpy(dtype=float)
    slopes = [
        np.polyfit(run["week"].to_numpy(dtype=float) / WEEKS_PER_YEAR, run["value"].to_numpy(dtype=float), 1)[0]
        for _, run in later.groupby("run_id")
        if run["week"].nunique() >= 2
    ]
    return np.asarray(slopes, dtype=float)


def judge(regime: str, m: Interval) -> bool:
    """Whether the runs' figures, their mean and its interval over the seeds, reproduce the regime's history."""
    if regime == "fixed_plan":
        return bool(m.estimate > MOST_WEEKS)
    if regime == "market":
        return bool(_UNEMPLOYMENT.low <= m.estimate <= _UNEMPLOYMENT.high)
    return bool(m.low > 0)


def judgements(paths: pd.DataFrame) -> list[Judgement]:
    """Every regime with a history, in every condition, judged by its mark.

    Parameters
    ----------
    paths : DataFrame
        Columns ``scenario``, ``regime``, ``run_id``, ``variable``, ``week``, ``value``: the
        runs' series (block means over weeks, as :func:`sim.views.sweep_plots.regime_paths`).

    Returns
    -------
    list of Judgement
        In the order of the scenarios' first appearance, then :data:`MARKS`; a condition
        whose runs kept fewer than two seeds of the series is left out.
    """
    out = []
    for scenario in dict.fromkeys(paths["scenario"]):
        for regime, mark in MARKS.items():
            mine = (paths["scenario"] == scenario) & (paths["regime"] == regime) & (paths["variable"] == mark.series)
            values = _per_run(paths[mine], regime)
            if len(values) >= 2:
                interval = mean_interval(values)
                out.append(Judgement(regime, scenario, interval, judge(regime, interval)))
    return out
