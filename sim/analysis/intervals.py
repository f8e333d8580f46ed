"""95 % intervals over the seeds of a scenario: a mean, a share, and a censored time's median.

Pure functions of arrays, no I/O; ``councils table`` (:mod:`sim.analysis.table`) applies them
to each group of runs.

- :func:`mean_interval`: a mean with a Student t interval, or, when the sample is too skewed
  for the t interval by Cochran's rule (``n ≤ 25 G1²``), a BCa bootstrap interval drawn with
  a fixed seed (:data:`BOOTSTRAP_SEED`), so that the same runs always give the same table.
- :func:`wilson_interval`: a share (runs that converged) with Wilson's score interval.
- :func:`kaplan_meier_median`: the median of a time some runs never reached (the week a run
  converged; a run that did not is censored), with its Brookmeyer–Crowley interval on the
  log-log scale, and the number censored.

References
----------
Brookmeyer, R. and Crowley, J. (1982). A confidence interval for the median survival time.
*Biometrics* 38(1), 29–41.
Cochran, W. G. (1977). *Sampling Techniques*, 3rd ed., §2.15. Wiley.
Efron, B. (1987). Better bootstrap confidence intervals. *JASA* 82(397), 171–185.
Kaplan, E. L. and Meier, P. (1958). Nonparametric estimation from incomplete observations.
*JASA* 53(282), 457–481.
Klein, J. P. and Moeschberger, M. L. (2003). *Survival Analysis*, 2nd ed., §4.3 and §4.5. Springer.
Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference.
*JASA* 22(158), 209–212.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats

#: The level of every interval.
LEVEL = 0.95
#: The seed of the bootstrap's generator: the same sample always gets the same interval.
BOOTSTRAP_SEED = 1957
#: Bootstrap resamples (Efron and Tibshirani 1993 ask for at least 1,000 for a 95 % interval).
BOOTSTRAP_RESAMPLES = 9_999
#: Cochran's rule: the t interval is used when ``n > COCHRAN * G1²`` (G1: the sample's skewness).
COCHRAN = 25
#: Survival at most this far above one half counts as one half (a product of fractions like 4/6 · 3/4).
HALF_TOLERANCE = 1e-12


@dataclass(frozen=True)
class Interval:
    """An estimate over seeds with its 95 % interval.

    Attributes
    ----------
    estimate : float
        The mean (or the share); NaN without a value.
    low, high : float
        The interval's limits; NaN with fewer than two values (a mean) or none (a share).
    n : int
        How many values (seeds) it is over.
    method : str
        ``"t"``, ``"bootstrap"`` (BCa), ``"wilson"``, or ``"none"`` (no interval can be had).
    """

    estimate: float
    low: float
    high: float
    n: int
    method: str


@dataclass(frozen=True)
class MedianInterval:
    """The Kaplan–Meier median of a censored time with its 95 % interval.

    Attributes
    ----------
    median : float
        The smallest time at which the estimated survival is at most one half; NaN if it
        never falls that far (the median is not reached).
    low, high : float
        The interval's limits; NaN where a limit is not reached (``high`` NaN: above the
        longest time observed).
    n : int
        How many times (seeds).
    censored : int
        How many of them are censored (the event was not observed).
    """

    median: float
    low: float
    high: float
    n: int
    censored: int


#: Fewer values than this take the t interval, however skewed (see :func:`mean_interval`).
MIN_BOOTSTRAP = 10


def mean_interval(values) -> Interval:
    """The mean of ``values`` with a 95 % interval: Student t, or BCa bootstrap for a skewed sample.

    The rule (Cochran 1977, §2.15): the t interval is used when ``n > 25 G1²``, ``G1`` the
    sample's adjusted skewness (``scipy.stats.skew(bias=False)``); otherwise the sample is
    too skewed for the t interval's normal approximation at this size, and the interval is
    the bias-corrected and accelerated bootstrap's (Efron 1987; ``scipy.stats.bootstrap``,
    :data:`BOOTSTRAP_RESAMPLES` resamples, generator seeded with :data:`BOOTSTRAP_SEED`).
    Fewer than :data:`MIN_BOOTSTRAP` values always take the t interval: a bootstrap from a
    handful of seeds only resamples those few, and its interval is too narrow (Efron &
    Tibshirani 1993, §13.3: the percentile intervals' coverage falls short at small n); so do values that
    differ in their last digits only, for which the bootstrap's acceleration cannot be
    computed; a sample whose values are all equal has the interval ``[mean, mean]``.

    Parameters
    ----------
    values : array_like of float, shape (n,)
        One value per seed, finite (any unit: the interval has the unit of the values).

    Returns
    -------
    Interval
        ``method`` says which interval; with fewer than two values ``low`` and ``high`` are
        NaN and ``method`` is ``"none"``.

    Raises
    ------
    ValueError
        ``values`` is not one-dimensional or holds NaN or an infinity.
    """
    x = np.asarray(values, dtype=float)
    if x.ndim != 1 or not np.isfinite(x).all():
        raise ValueError("mean_interval: values must be a one-dimensional array of finite numbers")
    n = x.size
    if n == 0:
        return Interval(np.nan, np.nan, np.nan, 0, "none")
    mean = float(x.mean())
    if n == 1:
        return Interval(mean, np.nan, np.nan, 1, "none")
    if np.ptp(x) == 0:
        return Interval(mean, mean, mean, n, "t")
    t_low, t_high = stats.t.interval(LEVEL, n - 1, loc=mean, scale=stats.sem(x))
    t_interval = Interval(mean, float(t_low), float(t_high), n, "t")
    # the skewness of the deviations, the same number: values that agree to many digits would lose it to rounding
    if n < MIN_BOOTSTRAP or n > COCHRAN * stats.skew(x - mean, bias=False) ** 2:
        return t_interval
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)  # told by the limits, which are then NaN
        result = stats.bootstrap(
            (x,),
            np.mean,
            confidence_level=LEVEL,
            n_resamples=BOOTSTRAP_RESAMPLES,
            method="BCa",
            rng=np.random.default_rng(BOOTSTRAP_SEED),
        )
    low, high = float(result.confidence_interval.low), float(result.confidence_interval.high)
    if not (np.isfinite(low) and np.isfinite(high)):  # values that differ in their last digits only
        return t_interval
    return Interval(mean, low, high, n, "bootstrap")


def wilson_interval(successes, n):
    """Share ``successes / n`` with Wilson's 95 % score interval (Wilson 1927); vectorised.

    ``p̂ = k/n``; the limits are ``(k + z²/2)/(n + z²) ± z/(n + z²) · sqrt(k(n − k)/n + z²/4)``,
    ``z`` the normal's 97.5 % quantile. Unlike the normal approximation it stays within
    [0, 1] and is not empty at a share of 0 or 1; it is
    ``scipy.stats.binomtest(k, n).proportion_ci(method="wilson")``.

    Parameters
    ----------
    successes : array_like of int
        Runs with the outcome (e.g. that converged), ``0 ≤ successes ≤ n``.
    n : array_like of int
        Runs in all (seeds); where 0, every result is NaN.

    Returns
    -------
    share, low, high : ndarray of float
        Broadcast shapes of ``successes`` and ``n`` (floats for scalar arguments).

    Raises
    ------
    ValueError
        A count is negative, not whole, or above ``n``.
    """
    k, total = np.broadcast_arrays(np.asarray(successes, dtype=float), np.asarray(n, dtype=float))
    if (k < 0).any() or (k > total).any() or (k != np.round(k)).any() or (total != np.round(total)).any():
        raise ValueError("wilson_interval: successes and n must be whole numbers, 0 <= successes <= n")
    z = stats.norm.ppf(0.5 + LEVEL / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, k / total, np.nan)
        centre = (k + z**2 / 2) / (total + z**2)
        half = z / (total + z**2) * np.sqrt(k * (total - k) / total + z**2 / 4)
    low = np.where(total > 0, np.maximum(centre - half, 0.0), np.nan)  # 0 and 1 exactly at k = 0 and k = n
    high = np.where(total > 0, np.minimum(centre + half, 1.0), np.nan)
    if share.ndim == 0:
        return float(share), float(low), float(high)
    return share, low, high


def kaplan_meier(times, observed):
    """The Kaplan–Meier estimate of survival with its pointwise 95 % log-log band.

    At each distinct time ``t_i`` at which an event was observed, ``d_i`` events among the
    ``n_i`` still at risk (whose time is ``≥ t_i``; a time censored at ``t_i`` counts as at
    risk there, the usual convention), ``S(t_i) = Π_{j ≤ i} (1 − d_j / n_j)`` (Kaplan and Meier
    1958). Its variance is Greenwood's, and the band is the log-log ("exponential
    Greenwood") one, ``S^exp(±z σ / |ln S|)`` with ``σ² = Σ d_j / (n_j (n_j − d_j))``
    (Klein and Moeschberger 2003, §4.3), which stays within [0, 1]; where ``S`` has fallen
    to 0 the band is ``[0, 0]``.

    Parameters
    ----------
    times : array_like of float, shape (n,)
        Each seed's time (weeks): the event's, or the last at which it was known not to have
        happened yet.
    observed : array_like of bool, shape (n,)
        Whether the event was observed (false: censored at ``times``).

    Returns
    -------
    event_times, survival, low, high : ndarray of float, shape (m,)
        The distinct event times, ascending, and the step function's value and band from
        each on (survival is 1 before the first).
    """
    t, event = _checked(times, observed)
    event_times, deaths = np.unique(t[event], return_counts=True)
    at_risk = t.size - np.searchsorted(np.sort(t), event_times, side="left")
    survival = np.cumprod(1.0 - deaths / at_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        greenwood = np.cumsum(deaths / (at_risk * (at_risk - deaths)))
        spread = stats.norm.ppf(0.5 + LEVEL / 2) * np.sqrt(greenwood) / np.abs(np.log(survival))
        low = survival ** np.exp(spread)
        high = survival ** np.exp(-spread)
    gone = survival <= 0
    low[gone], high[gone] = 0.0, 0.0
    return event_times.astype(float), survival, low, high


def kaplan_meier_median(times, observed) -> MedianInterval:
    """The Kaplan–Meier median of a censored time, its 95 % interval, and how many were censored.

    The median is the smallest event time at which the Kaplan–Meier survival
    (:func:`kaplan_meier`) is at most one half. Its interval is Brookmeyer and Crowley's
    (1982): the times at which one half lies within the pointwise 95 % band of survival,
    here the log-log band (Klein and Moeschberger 2003, §4.5). Its lower limit is the first
    event time at which the band's lower edge is at most one half, its upper limit the first
    at which the upper edge is. A limit the band never reaches is NaN: the upper one lies
    beyond the longest time observed.

    Parameters
    ----------
    times : array_like of float, shape (n,)
        Each seed's time, weeks: the week a run converged, or, for a run that did not, the
        last week it could have declared convergence (it would come later).
    observed : array_like of bool, shape (n,)
        Whether the event was observed (the run converged).

    Returns
    -------
    MedianInterval

    Raises
    ------
    ValueError
        The arrays differ in length, are not one-dimensional, or a time is not finite.
    """
    t, event = _checked(times, observed)
    censored = int((~event).sum())
    if not event.any():
        return MedianInterval(np.nan, np.nan, np.nan, t.size, censored)
    event_times, survival, low, high = kaplan_meier(t, event)
    half = 0.5 + HALF_TOLERANCE
    return MedianInterval(
        _first(event_times, survival <= half),
        _first(event_times, low <= half),
        _first(event_times, high <= half),
        t.size,
        censored,
    )


def _first(times: np.ndarray, where: np.ndarray) -> float:
    """The first of ``times`` where ``where`` holds, NaN if nowhere."""
    hits = np.flatnonzero(where)
    return float(times[hits[0]]) if hits.size else np.nan


def _checked(times, observed) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(times, dtype=float)
    event = np.asarray(observed, dtype=bool)
    if t.ndim != 1 or event.shape != t.shape or not np.isfinite(t).all():
        raise ValueError("kaplan_meier: times and observed must be one-dimensional, of one length, times finite")
    return t, event
