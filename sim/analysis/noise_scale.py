"""Whether a run's noise depends on how many persons it simulates: each sector's output per hour, week to week.

:func:`sector_spread` draws a freshly built model's noise alone for some weeks (the economy
held where it starts: :meth:`sim.run.noise.Noise.draw` and the councils' staffing,
nothing produced or moved), and measures, for each sector the councils run, the spread of
the weekly shock to its aggregate output per hour (``Σ workers × output per hour`` of its
enterprises). ``scripts/noise_invariance.py`` tabulates it over sizes and seeds
(docs/noise.md); ``tests/test_nation_noise.py`` checks a reduced version.
"""

from __future__ import annotations

import numpy as np

from sim.model import CouncilsModel


def sector_spread(model: CouncilsModel, weeks: int) -> np.ndarray:
    """The standard deviation of each sector's weekly log change of output per hour, ÷ √2.

    Parameters
    ----------
    model : CouncilsModel
        As built, before its first week; its weeks' count and its producers' output per hour change.
    weeks : int
        Weeks of noise drawn, ≥ 3.

    Returns
    -------
    numpy.ndarray, shape (n,)
        Per good: the spread of the weekly shock to its enterprises' aggregate output per hour
        (a log, so a share); NaN for a good no council makes (farming, where communes farm).
    """
    p, rows, n = model.producers, model.councils.rows, model.economy.technology.n
    made = np.bincount(p.sector[rows], weights=p.workers[rows], minlength=n) > 0
    levels = np.empty((weeks, n))
    for week in range(weeks):
        model.week = week + 1  # no harvest: the councils' output per hour alone
        model.noise.draw(model)
        levels[week] = np.bincount(p.sector[rows], weights=p.workers[rows] * p.productivity[rows], minlength=n)
    change = np.diff(np.log(levels[:, made]), axis=0)
    spread = np.full(n, np.nan)
    spread[made] = change.std(axis=0, ddof=1) / np.sqrt(2)
    return spread
