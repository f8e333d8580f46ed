"""Scenario discovery: the boxes of factor ranges in which the cases of interest (runs that fail) concentrate.

PRIM, the Patient Rule Induction Method (Friedman and Fisher 1999), as scenario discovery
uses it (Bryant and Lempert 2010): starting from every run, it peels off, one slice of one
factor's range at a time, the slice whose removal most raises the share of cases of interest
left in the box, then pastes back what helps. Each box on the way is a point of the
*peeling trajectory*, with

- **coverage**: the share of all cases of interest that fall inside it;
- **density**: the share of the runs inside it that are cases of interest;
- **mass**: the share of all runs inside it;
- its **restricted dimensions**: the factors whose range it narrows, with those ranges and
  the quasi-p-value of each restriction (a one-sided binomial test of whether the box
  would be as dense without it).

The peeling is the ``prim`` package's (the standalone version of the EMA Workbench's), with
its defaults (peeling 5 % at a time, boxes of at least 5 % of the runs, the ``lenient1``
objective). It restricts numeric factors only. The box *chosen* here is the densest box
with a coverage of at least :data:`MIN_COVERAGE` (of equally dense ones, the one that
covers more): the full trajectory is reported beside it, for a reader who weighs coverage
and density otherwise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.experiments.designs import import_extra

#: The least coverage of the chosen box.
MIN_COVERAGE = 0.8


def peeling_trajectory(factors: pd.DataFrame, cases: np.ndarray) -> dict:
    """PRIM's first box for ``cases`` among runs at ``factors``: every box on its trajectory and the chosen one.

    Parameters
    ----------
    factors : DataFrame
        One numeric column per factor, one row per run.
    cases : array of bool, shape (runs,)
        The cases of interest; at least one, and not every run.

    Returns
    -------
    dict
        ``trajectory``: one entry per box, in peeling order, with ``coverage``, ``density``,
        ``mass``, ``restricted`` (factor → ``[low, high]``) and ``qp`` (factor → quasi-p-value);
        ``chosen``: the index of the chosen box; ``ranges``: factor → ``[low, high]`` over all runs.
    """
    prim = import_extra("prim", "PRIM")
    cases = np.asarray(cases, dtype=bool)
    finder = prim.Prim(factors.reset_index(drop=True), cases)
    box = finder.find_box()
    stats = box.peeling_trajectory
    trajectory = []
    for i in range(len(stats)):
        box.select(i)
        limits = box.limits
        trajectory.append(
            {
                "coverage": float(stats["coverage"].iloc[i]),
                "density": float(stats["density"].iloc[i]),
                "mass": float(stats["mass"].iloc[i]),
                "restricted": {
                    str(k): [_plain(limits.loc[k, "min"]), _plain(limits.loc[k, "max"])] for k in limits.index
                },
                "qp": {str(k): float(limits.loc[k, "qp values"]) for k in limits.index},
            }
        )
    ranges = {str(c): [_plain(factors[c].min()), _plain(factors[c].max())] for c in factors.columns}
    return {"trajectory": trajectory, "chosen": chosen_box(trajectory), "ranges": ranges}


def chosen_box(trajectory: list[dict], min_coverage: float = MIN_COVERAGE) -> int:
    """The densest box with coverage ≥ ``min_coverage`` (of equally dense ones, the one covering more).

    The first box covers every case, so there is always one.
    """
    eligible = [i for i, b in enumerate(trajectory) if b["coverage"] >= min_coverage - 1e-12] or [0]
    return max(eligible, key=lambda i: (trajectory[i]["density"], trajectory[i]["coverage"]))


def _plain(value):
    """A numpy scalar as the Python int or float it holds."""
    return int(value) if isinstance(value, np.integer | int) else float(value)
