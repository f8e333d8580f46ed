"""Saltelli's design for Sobol' indices: which points a sweep runs, and how its analysis finds them again.

A Saltelli design of ``n`` base samples over ``G`` factors has ``n × (G + 2)`` points, or
``n × (2G + 2)`` with second-order indices: two independent samples A and B, and for each
factor the A rows with that factor's columns taken from B (Saltelli 2002; Saltelli et al.
2010). A *factor* is one swept key, or a named group of keys that move together in the
design and get one index between them (SALib's ``groups``). The sample is SALib's
(:func:`SALib.sample.sobol.sample`: a scrambled Sobol' sequence seeded by the sweep's seed),
so the sweep and its analysis build the same matrix from the sweep's definition.

SALib is an optional dependency, the ``analysis`` extra; :func:`import_extra` names it when
it is missing.
"""

from __future__ import annotations

import importlib
from types import ModuleType

import numpy as np

#: What to install for Saltelli designs and the analysis of sweeps.
EXTRA = "pip install 'councils[analysis]'"


class ExtraMissing(ImportError):
    """An optional dependency of the ``analysis`` extra is not installed; the message says what to install."""


def import_extra(module: str, purpose: str) -> ModuleType:
    """Import a module of the ``analysis`` extra, or raise :class:`ExtraMissing` saying what needs it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ExtraMissing(f"{purpose} needs {module.split('.')[0]}: {EXTRA}") from None


def factors(keys: list[str], groups: dict[str, list[str]]) -> list[str]:
    """The design's factors in SALib's order: each key's group name, or the key itself, first appearance first."""
    group_of = {key: name for name, members in groups.items() for key in members}
    return list(dict.fromkeys(group_of.get(key, key) for key in keys))


def problem(ranges: dict[str, list[float]], groups: dict[str, list[str]]) -> dict:
    """SALib's problem definition: the keys, their ``[low, high]`` bounds and, if any, their groups."""
    keys = list(ranges)
    spec = {"num_vars": len(keys), "names": keys, "bounds": [list(map(float, ranges[k])) for k in keys]}
    if groups:
        group_of = {key: name for name, members in groups.items() for key in members}
        spec["groups"] = [group_of.get(key, key) for key in keys]
    return spec


def size(n: int, n_factors: int, second_order: bool) -> int:
    """Points in a Saltelli design: ``n × (G + 2)``, or ``n × (2G + 2)`` with second-order indices."""
    return n * ((2 if second_order else 1) * n_factors + 2)


def rounded(keys: list[str], matrix: np.ndarray, integer: list[bool]) -> list[dict]:
    """Sampled rows as key path → value: an integer key (``integer``) rounded to the nearest integer, others floats."""
    return [
        {key: round(float(v)) if whole else float(v) for key, v, whole in zip(keys, row, integer, strict=True)}
        for row in matrix
    ]


def saltelli(
    ranges: dict[str, list[float]], n: int, second_order: bool, groups: dict[str, list[str]], seed: int
) -> np.ndarray:
    """The design's points, one row per point, one column per key of ``ranges`` (in its order).

    Parameters
    ----------
    ranges : dict
        Key path → ``[low, high]``; the sample is uniform within each range.
    n : int
        Base samples (a power of 2 keeps the Sobol' sequence balanced).
    second_order : bool
        Also the ``B`` rows with each factor from ``A``, for second-order indices.
    groups : dict
        Group name → its keys; the others are factors on their own.
    seed : int
        Seed of the scrambling.
    """
    sample = import_extra("SALib.sample.sobol", "a Saltelli design")
    return sample.sample(problem(ranges, groups), n, calc_second_order=second_order, scramble=True, seed=seed)
