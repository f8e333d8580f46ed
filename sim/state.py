"""The model's hot state: numpy arrays with one row per agent.

Agents (``agents/``) are views on these rows; the model's weekly phases work on
whole arrays at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class ConsumerArrays:
    """One row per person (N)."""

    income: np.ndarray  # tokens received this week
    savings: np.ndarray  # tokens held
    spent: np.ndarray  # tokens spent this week
    base_wage: np.ndarray  # pre-revolution relative hourly wage, mean 1 over workers
    wage_factor: np.ndarray  # current relative hourly wage (1 once equal)
    taste: np.ndarray  # (N, G) personal shifts of the AIDS budget shares, rows sum to 0
    taste_floor: np.ndarray  # (G,) the smallest taste shift per good (decides if demand aggregates exactly)
    group: np.ndarray  # int, primary work group row, −1 for commune members
    commune: np.ndarray  # int, commune number, −1 for workers

    @property
    def workers(self) -> np.ndarray:
        """Mask of persons who work in a group (not in a commune)."""
        return self.group >= 0


@dataclass
class GroupArrays:
    """One row per primary work group (M)."""

    council: np.ndarray  # int, producer row of the enterprise
    productivity: np.ndarray  # output per hour relative to the norm


@dataclass
class ProducerArrays:
    """One row per producer (P): factory councils first, then rural communes."""

    sector: np.ndarray  # int, the good made
    capacity: np.ndarray  # units per week
    target: np.ndarray  # units per week
    output: np.ndarray  # units made this week
    productivity: np.ndarray  # hours-weighted productivity of its groups, or the commune's fertility
    workers: np.ndarray  # int, persons
    is_commune: np.ndarray  # bool
