"""Which factors an outcome of a sweep depends on: Sobol' indices, and feature scores as a check on them.

- :func:`sobol_indices`: variance-based global sensitivity (Sobol' 2001), estimated from a
  Saltelli design (:mod:`sim.experiments.designs`) with SALib's estimators (Saltelli et al. 2010 for
  first-order and total indices), with bootstrap confidence intervals. ``S1`` is the share
  of the outcome's variance a factor explains alone; ``ST`` the share it takes part in,
  interactions included, so ``ST − S1`` measures its interactions.
- :func:`feature_scores`: the mean decrease of impurity in an ensemble of extremely
  randomised trees (scikit-learn's extra trees, as the EMA Workbench's feature scoring).
  It needs no particular design, ranks factors whether their effects are linear, threshold
  or interacting, and is the check on the Sobol' ranking that any sweep can have.

Both take plain arrays; :mod:`sim.analysis.analyse` says which outcomes and factors.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.experiments.designs import import_extra

#: Bootstrap resamples of the Sobol' indices' confidence intervals.
RESAMPLES = 1000
#: Level of the confidence intervals.
CONFIDENCE = 0.95
#: Seed of the bootstrap (SALib draws its resamples from it).
BOOTSTRAP_SEED = 1
#: Trees in the feature-scoring ensemble, and the fewest runs a leaf holds.
TREES = 100
LEAF_RUNS = 3


def sobol_indices(problem: dict, outcome: np.ndarray, second_order: bool) -> dict:
    """First-order and total Sobol' indices of ``outcome`` over a Saltelli design, with confidence intervals.

    Parameters
    ----------
    problem : dict
        SALib's problem of the design (:func:`sim.experiments.designs.problem`).
    outcome : array, shape (points,)
        The outcome at every point of the design, in the design's order.
    second_order : bool
        Whether the design has the rows for second-order indices.

    Returns
    -------
    dict
        ``factors``; ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (lists, one entry per factor;
        ``*_conf`` is the half-width of the :data:`CONFIDENCE` bootstrap interval); with
        ``second_order``, ``S2`` and ``S2_conf`` as lists of ``[factor, factor, value]``.
    """
    sobol = import_extra("SALib.analyze.sobol", "Sobol' indices")
    y = np.asarray(outcome, dtype=float)
    result = sobol.analyze(
        problem,
        y,
        calc_second_order=second_order,
        num_resamples=RESAMPLES,
        conf_level=CONFIDENCE,
        seed=BOOTSTRAP_SEED,
    )
    names = list(dict.fromkeys(problem.get("groups", problem["names"])))
    out = {"factors": names} | {key: [float(v) for v in result[key]] for key in ("S1", "S1_conf", "ST", "ST_conf")}
    if second_order:
        for key in ("S2", "S2_conf"):
            out[key] = [
                [names[i], names[j], float(result[key][i, j])]
                for i in range(len(names))
                for j in range(i + 1, len(names))
            ]
    return out


def feature_scores(factors: pd.DataFrame, outcome: np.ndarray, boolean: bool, seed: int = 0) -> dict:
    """Feature scores of each factor for ``outcome``: extra trees' mean decrease of impurity, summing to 1.

    Parameters
    ----------
    factors : DataFrame
        One numeric column per factor, one row per run.
    outcome : array, shape (runs,)
        The outcome of each run; a class (0/1) if ``boolean``.
    boolean : bool
        Classification trees (Gini impurity) for a boolean outcome, regression trees otherwise.
    seed : int
        Seed of the trees' randomness.

    Returns
    -------
    dict
        ``scores``: factor → score; ``fit``: the out-of-bag balanced accuracy (boolean) or R²
        of the ensemble, so a reader can tell scores of a model that explains the outcome
        from scores of one that does not.
    """
    ensemble = import_extra("sklearn.ensemble", "feature scoring")
    kind = ensemble.ExtraTreesClassifier if boolean else ensemble.ExtraTreesRegressor
    trees = kind(
        n_estimators=TREES,
        min_samples_leaf=LEAF_RUNS,
        bootstrap=True,
        oob_score=True,
        random_state=seed,
        n_jobs=1,
    )
    y = np.asarray(outcome, dtype=int if boolean else float)
    trees.fit(factors.to_numpy(dtype=float), y)
    scores = dict(zip(factors.columns, (float(s) for s in trees.feature_importances_), strict=True))
    return {"scores": scores, "fit": _balanced_accuracy(trees, y) if boolean else float(trees.oob_score_)}


def _balanced_accuracy(trees, y: np.ndarray) -> float:
    """Out-of-bag balanced accuracy: the mean of the two classes' recall (0.5 is no better than chance).

    Plain accuracy would flatter a rare outcome: with 4 % of runs converged, always
    guessing "not converged" is 96 % accurate.
    """
    votes = trees.oob_decision_function_
    seen = np.all(np.isfinite(votes), axis=1)  # runs in every tree's bootstrap have no out-of-bag vote
    guess = trees.classes_[np.argmax(votes[seen], axis=1)]
    truth = y[seen]
    return float(np.mean([np.mean(guess[truth == c] == c) for c in np.unique(truth)]))
