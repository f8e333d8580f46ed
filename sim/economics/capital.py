"""Capacity wears out and is renewed: depreciation and the vintages that investment and renewal bring.

The economy's data give, for every good, the capital its production holds (``B``, per
unit of output at the base year's utilisation ``u``) and the yearly rate at which each
capital good wears out (``δ``); production draws the capital it uses up, ``D = δ ∘ B``, as
inputs (seed §7d note 6). Here the same capital also wears out *as capacity*: a sector's
capacity loses the value-weighted rate of its capital, and what production draws as
``D`` renews the capacity that output at the base year's utilisation holds (the
perpetual-inventory rule of the national accounts: capital falls by depreciation and
rises by investment; BEA, *Fixed Assets and Consumer Durable Goods*, methodology, 2003).
Capacity nobody uses is therefore not maintained: it wears out, and capacity settles
where output at the base-year utilisation needs it unless net investment adds to it.

Renewed and new capacity work with a better method (embodied technical change: Solow
1960; Greenwood, Hercowitz & Krusell 1997, *AER* 87), so that investment and renewal
raise output per hour.

Units: capacity and output in units per week, rates per year, methods as labour per unit
relative to the sector's at the start.
"""

from __future__ import annotations

import numpy as np

from sim.economics.units import WEEKS_PER_YEAR


def capacity_depreciation(capital, depreciation, values) -> np.ndarray:
    """Each sector's capacity's yearly rate of wear: ``δ̄_j = Σ_i v_i δ_i B_ij / Σ_i v_i B_ij``.

    Parameters
    ----------
    capital : array_like, shape (n, n)
        ``B``: capital good i held per unit of output of good j.
    depreciation : array_like, shape (n,)
        ``δ``: yearly rate at which each capital good wears out.
    values : array_like, shape (n,)
        Weights of the capital goods (labour values, hours per unit).

    Returns
    -------
    numpy.ndarray, shape (n,)
        Per year; 0 for a sector that holds no capital.
    """
    held = np.asarray(values)[:, None] * np.asarray(capital)
    worn = np.asarray(depreciation) @ held
    total = held.sum(axis=0)
    return np.where(total > 0, worn / np.where(total > 0, total, 1.0), 0.0)


def wear(capacity, output, rate, utilisation) -> tuple[np.ndarray, np.ndarray]:
    """A week of wear and renewal: ``C' = C − (δ̄/52)(C − min(X/u, C))``, never below what was made.

    Capacity wears out at ``rate`` a year; the capital production used up (``D``, drawn
    with the inputs) renews the capacity that this week's output needs at the base
    year's utilisation ``utilisation`` (what more intensive use draws beyond that
    replaces the faster wear of that use: renewal never adds capacity). Capacity beyond
    that is not renewed.

    Parameters
    ----------
    capacity, output : array_like, shape (P,)
        Weekly capacity in service and this week's output of each producer, units.
    rate : array_like, shape (P,)
        Yearly rate of wear of each producer's capacity (:func:`capacity_depreciation`), at most 52.
    utilisation : array_like, shape (P,)
        Output ÷ capacity of the producer's sector in the base year (in (0, 1]).

    Returns
    -------
    capacity : numpy.ndarray, shape (P,)
        After the week.
    renewed : numpy.ndarray, shape (P,)
        Share of the capacity after the week that is new this week (renewed), in [0, 1].
    """
    weekly = np.asarray(rate) / WEEKS_PER_YEAR
    held = np.minimum(np.asarray(output) / np.asarray(utilisation), capacity)
    after = np.maximum(capacity - weekly * (capacity - held), output)
    # In [0, 1] whenever the weekly rate is at most 1: after ≥ (1 − w) C + w·held ≥ w·held.
    renewed = np.where(after > 0, weekly * held / np.where(after > 0, after, 1.0), 0.0)
    return after, renewed


def improved_method(method, new_share, embodied: float) -> np.ndarray:
    """The capacity-weighted method after ``new_share`` of capacity came in ``embodied`` better.

    ``m' = m (1 − embodied · s)``: new capacity needs ``embodied`` less labour per unit
    than the producer's method (Solow 1960's vintages, relative to the average in use).
    """
    return np.asarray(method) * (1.0 - embodied * np.clip(new_share, 0.0, 1.0))
