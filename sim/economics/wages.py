"""Wages and credits: the hierarchy a transition starts from and its equalisation (seed §7d, §7e, §9a, §10).

Seed §7d: the hourly wage, "equal for all", is the fraction "private consumption :
total net production" of the token, which is the net product of one hour. Seed §10:
the programme is to "institute full equality of wages" at once; a scenario may
instead shrink the old hierarchy on a schedule, keeping the wage bill.
"""

from __future__ import annotations

import numpy as np
from scipy.special import erfinv

from sim.economics.units import WEEKS_PER_YEAR


def lognormal_sigma_for_gini(g: float) -> float:
    """σ of a lognormal distribution whose Gini coefficient is ``g`` (``G = 2Φ(σ/√2) − 1``)."""
    if not 0.0 <= g < 1.0:
        raise ValueError(f"gini = {g}: must be in [0, 1)")
    return float(2.0 * erfinv(g))


def wage_hierarchy(n: int, gini: float, rng: np.random.Generator) -> np.ndarray:
    """Pre-revolution relative hourly wages: lognormal with the given Gini, mean 1."""
    sigma = lognormal_sigma_for_gini(gini)
    factors = rng.lognormal(mean=0.0, sigma=sigma, size=n)
    return factors / factors.mean()


def rescaled_hierarchy(factors, gini_from: float, gini_to: float) -> np.ndarray:
    """The same ranking of relative wages, its log-spread scaled from a lognormal Gini to another, mean 1.

    ``f^(σ_to / σ_from)``: everyone keeps their place in the hierarchy, which becomes as
    unequal as ``gini_to`` (a managerial or capitalist hierarchy set by the scenario).

    Raises
    ------
    ValueError
        If ``gini_from`` is 0: an equal hierarchy has no ranking to keep.
    """
    if gini_from <= 0.0:
        raise ValueError("gini_from = 0: equal wages have no ranking to rescale")
    f = np.asarray(factors) ** (lognormal_sigma_for_gini(gini_to) / lognormal_sigma_for_gini(gini_from))
    return f / f.mean()


def equalised(factors, progress: float) -> np.ndarray:
    """The hierarchy after a share ``progress`` ∈ [0, 1] of the transition, mean kept at 1.

    Geometric interpolation, ``f^(1 − progress)``: every ratio between two wages shrinks
    by the same power, so the Gini falls steadily and the wage bill is unchanged.
    """
    if progress >= 1.0:
        return np.ones_like(factors)
    f = np.asarray(factors) ** (1.0 - max(progress, 0.0))
    return f / f.mean()


def equalisation_progress(equalisation_years: float, week: int) -> float:
    """Share of the way from the old hierarchy to equal wages after ``week`` weeks (seed §10).

    The hierarchy shrinks once a year: year / ``equalisation_years``, capped at 1; with
    ``equalisation_years = 0`` wages are equal at once.
    """
    if equalisation_years == 0:
        return 1.0
    return min(1.0, (week // WEEKS_PER_YEAR) / equalisation_years)


def hourly_wage(private_consumption_value: float, hours_paid: float) -> float:
    """Seed §7d and the overall equilibrium of §7c: tokens per hour worked.

    Tokens paid for all hours equal the labour value of the consumer goods planned; with
    no hours kept in reserve this is the seed's "private consumption : total net
    production" (private consumption and net product both in hours of value).
    """
    return private_consumption_value / hours_paid if hours_paid > 0 else 0.0


def commune_credits(total_credits: float, delivered_value, members, transfer: float) -> np.ndarray:
    """Split the communes' credits by what each delivered, with an optional equalising transfer (seed §9a).

    Parameters
    ----------
    total_credits : float
        Tokens for all communes this week (as much as wages for the same hours).
    delivered_value : array_like
        Labour value each commune delivered, hours; fertility makes it differ per member.
    members : array_like
        Persons per commune.
    transfer : float
        Share of the credits pooled and shared per member between communes (0 = none).

    Returns
    -------
    numpy.ndarray
        Tokens per commune; sums to ``total_credits``.
    """
    delivered_value = np.asarray(delivered_value)
    members = np.asarray(members)
    by_delivery = delivered_value / delivered_value.sum() if delivered_value.sum() > 0 else members / members.sum()
    by_member = members / members.sum()
    return total_credits * ((1.0 - transfer) * by_delivery + transfer * by_member)
