"""A bank and a central bank for the market regimes, as pure functions (stock-flow consistent: Godley & Lavoie 2007).

Enterprises borrow from one bank (the banking sector) to pay for capacity their funds do
not cover; a loan creates the deposit it is spent from, so every token lent has its
counterpart, the enterprise's debt. Loans pay interest every week at the policy rate
plus a spread and are repaid over a fixed term; the bank pays its profits to the owners.
The central bank sets the policy rate by Taylor's (1993) rule, never below zero.

Sources of the defaults (docs/validation.md): Taylor (1993, *Carnegie-Rochester Conference
Series* 39): a neutral real rate of 2 %, an inflation target of 2 %, weights ½ and ½;
Okun's law turns the unemployment gap into an output gap (a coefficient of 2). The spread
of 3 points is the US prime rate over the federal funds rate in 2014 (3.25 % against
0.09 %, Federal Reserve H.15). Loans run 20 quarters (Caiani et al. 2016, *JEDC* 69).

Units: rates per year, amounts in tokens, loans' terms in weeks.
"""

from __future__ import annotations

import numpy as np

#: Okun's coefficient: points of output gap per point of unemployment above its natural rate.
OKUN = 2.0


def taylor_rate(inflation: float, unemployment: float, natural_unemployment: float, neutral: float, target: float):
    """The policy rate: ``i = r* + π + ½(π − π*) + ½·Okun·(u* − u)``, never below 0 (a year's rate).

    Parameters
    ----------
    inflation : float
        Growth of the price level over the last year.
    unemployment, natural_unemployment : float
        Share of persons without work, and the rate at which the bank sees no output gap.
    neutral, target : float
        Neutral real rate ``r*`` and inflation target ``π*``, per year.
    """
    gap = OKUN * (natural_unemployment - unemployment)
    return max(neutral + inflation + 0.5 * (inflation - target) + 0.5 * gap, 0.0)


def credit_room(loans, capital_value, leverage: float) -> np.ndarray:
    """What the bank will still lend each enterprise: ``leverage`` × the value of its capacity, less its debt (≥ 0)."""
    return np.maximum(leverage * np.asarray(capital_value) - np.asarray(loans), 0.0)


def borrowing(need, funds, room) -> np.ndarray:
    """New loans: what an enterprise's commitments ``need`` beyond its ``funds``, within its ``room`` (tokens)."""
    return np.clip(np.asarray(need) - np.asarray(funds), 0.0, room)


def repayment(loans, spare, term_weeks: float, weeks: int) -> np.ndarray:
    """Loans repaid at a plan: the instalments due over ``weeks`` of a ``term_weeks`` loan, and spare funds beyond.

    An enterprise repays at least its instalments (``loans × weeks / term``) and, from its
    ``spare`` funds (beyond working capital and commitments), as much more of its debt as they
    cover; never more than it owes.
    """
    loans = np.asarray(loans)
    return np.minimum(loans, np.maximum(loans * (weeks / term_weeks), np.maximum(spare, 0.0)))
