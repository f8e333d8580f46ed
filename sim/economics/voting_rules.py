"""Voting rules as a registry of pure functions: which variant a body chooses from its ballots (seed §7f).

Every rule reads one :class:`Profile` — the pairwise count of a body (an assembly, or the
Central Assembly), its approvals and the order that breaks ties — and returns the index of
the variant chosen:

- ``copeland``: the Condorcet winner (it beats every other variant head to head), or when
  majorities cycle the variant that beats most others (Copeland 1951; the rule the
  assemblies used before the registry);
- ``schulze``: the beatpath method: a variant wins if its strongest path of majorities to
  every other is at least as strong as the other's back (Schulze 2011, *Social Choice and
  Welfare* 36, 267–303);
- ``ranked_pairs``: majorities locked in from the largest margin down, each unless it would
  close a cycle with those already locked; the winner is the variant no locked majority beats
  (Tideman 1987, *Social Choice and Welfare* 4, 185–206);
- ``borda``: the most points, one point for each variant a voter ranks it above
  (Borda 1781; with strict rankings the sum of a variant's pairwise counts);
- ``approval``: each voter approves the variants whose utility is at or above their own mean
  over the ballot; the most approved wins (Brams & Fishburn 1978, *American Political
  Science Review* 72, 831–847).

The first three are Condorcet-consistent (:data:`CONDORCET_CONSISTENT`): a variant that beats
every other head to head is chosen; each of them chooses within the Smith set (:func:`smith_set`).

Every rule but ranked pairs also reads many bodies at once — a profile whose tally is
(A, V, V) and approvals (A, V), one row per assembly — and returns each one's choice, as
choosing body by body would (a national federation has half a million assemblies).

**Ties** — equal scores, or (ranked pairs) equal margins — go to the variant earliest in
``Profile.order``, a random order of the ballot drawn each year from the model's generator:
it knows nothing of the decision in force, so no tie favours the status quo.

Units: votes are persons (or members' weights, for the assemblies' aggregation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np


@dataclass(frozen=True)
class Profile:
    """What a body's ballots say, as each rule reads them.

    Attributes
    ----------
    tally : numpy.ndarray, shape (V, V), or (A, V, V) for A bodies at once
        Votes for variant i over variant j (strict preferences; a voter indifferent counts for neither).
    approvals : numpy.ndarray, shape (V,), or (A, V)
        Votes approving each variant (:func:`approvals`).
    order : numpy.ndarray of int, shape (V,)
        The variants in the order that breaks ties, earliest first: a permutation of ``0 … V − 1``.
    """

    tally: np.ndarray
    approvals: np.ndarray
    order: np.ndarray

    def without(self, variant: int) -> tuple[Profile, np.ndarray]:
        """The same ballots without one variant, and the indices of the variants kept."""
        keep = np.flatnonzero(np.arange(self.tally.shape[0]) != variant)
        rank = np.argsort(self.order)[keep]  # each kept variant's place in the tie order
        profile = Profile(self.tally[np.ix_(keep, keep)], self.approvals[keep], np.argsort(rank, kind="stable"))
        return profile, keep


def approvals(utility, assembly, assemblies: int) -> np.ndarray:
    """Members of each assembly approving each variant: its utility at or above their mean over the ballot.

    Parameters
    ----------
    utility : numpy.ndarray, shape (N, V)
    assembly : numpy.ndarray of int, shape (N,)
    assemblies : int

    Returns
    -------
    numpy.ndarray of int, shape (assemblies, V)
    """
    utility = np.asarray(utility)
    approve = utility >= utility.mean(axis=1, keepdims=True)
    return np.stack(
        [np.bincount(assembly[approve[:, k]], minlength=assemblies) for k in range(utility.shape[1])], axis=1
    )


def first_in_order(candidates, order):
    """The candidate earliest in the tie order (in each body, for candidates of shape (A, V)).

    Parameters
    ----------
    candidates : numpy.ndarray of bool, shape (V,) or (A, V)
        At least one true in each row.
    order : numpy.ndarray of int, shape (V,)

    Returns
    -------
    int, or numpy.ndarray of int, shape (A,)
    """
    order = np.asarray(order)
    first = order[np.argmax(np.asarray(candidates)[..., order], axis=-1)]
    return int(first) if first.ndim == 0 else first


def beats(tally) -> np.ndarray:
    """``beats[i, j]``: a strict majority for i over j, shape (V, V) (or (A, V, V))."""
    tally = np.asarray(tally)
    return tally > np.swapaxes(tally, -1, -2)


def condorcet_winner(tally) -> int | None:
    """The variant that beats every other head to head, or ``None`` if there is none."""
    wins = beats(tally).sum(axis=1)
    found = np.flatnonzero(wins == wins.size - 1)
    return int(found[0]) if found.size else None


def smith_set(tally) -> np.ndarray:
    """The Smith set: the smallest set of variants each of which beats every variant outside it.

    A variant is in it when it reaches every other by a chain of majorities it wins or ties
    (the transitive closure of "not beaten"; Smith 1973, *Econometrica* 41, 1027–1041).

    Returns
    -------
    numpy.ndarray of int
        The variants of the Smith set, in index order.
    """
    reach = ~beats(tally).T  # i reaches j: j does not beat i
    for k in range(reach.shape[0]):
        reach |= reach[:, k : k + 1] & reach[k : k + 1, :]
    return np.flatnonzero(reach.all(axis=1))


def copeland(profile: Profile) -> int:
    """The variant beating most others head to head (the Condorcet winner, when there is one)."""
    wins = beats(profile.tally).sum(axis=-1)
    return first_in_order(wins == wins.max(axis=-1, keepdims=True), profile.order)


def strongest_paths(tally) -> np.ndarray:
    """Schulze's strongest paths: ``p[i, j]``, the strength of the strongest chain of majorities from i to j.

    A link i → j is as strong as the votes for i over j, where those are a majority (0
    otherwise); a chain is as strong as its weakest link (Floyd–Warshall's widest paths).
    """
    tally = np.asarray(tally, dtype=float)
    links = np.where(beats(tally), tally, 0.0)
    return _widest_paths(links.reshape((-1, *links.shape[-2:]))).reshape(links.shape)


@numba.njit(cache=True)
def _widest_paths(p):
    """Floyd–Warshall's widest paths in each body's (V, V) links, in place; the diagonal set to 0.

    Row and column k do not change while k is the intermediate, so updating in place gives
    what recomputing the whole matrix from the previous one would.
    """
    bodies, n, _ = p.shape
    for body in range(bodies):
        for k in range(n):
            for i in range(n):
                for j in range(n):
                    p[body, i, j] = max(p[body, i, j], min(p[body, i, k], p[body, k, j]))
        for i in range(n):
            p[body, i, i] = 0.0
    return p


def schulze(profile: Profile) -> int:
    """The variant whose strongest path to each other variant is at least as strong as the way back."""
    p = strongest_paths(profile.tally)
    return first_in_order((p >= np.swapaxes(p, -1, -2)).all(axis=-1), profile.order)


def ranked_pairs(profile: Profile) -> int:
    """Tideman's ranked pairs: lock majorities from the largest margin down, skip any that closes a cycle.

    Pairs of equal margin are taken in the tie order of their winners, then of their losers
    (Tideman 1987's tie-breaking ranking). The winner is the variant no locked majority beats.
    Many bodies are read one by one: locking is sequential.
    """
    if np.ndim(profile.tally) == 3:
        bodies = zip(profile.tally, profile.approvals, strict=True)
        return np.array([ranked_pairs(Profile(t, a, profile.order)) for t, a in bodies], dtype=int)
    tally = np.asarray(profile.tally, dtype=float)
    n = tally.shape[0]
    rank = np.argsort(profile.order)
    winners, losers = np.nonzero(beats(tally))
    margin = tally[winners, losers] - tally[losers, winners]
    locked = np.zeros((n, n), dtype=bool)
    reach = np.eye(n, dtype=bool)  # reach[i, j]: a chain of locked majorities leads from i to j
    for k in np.lexsort((rank[losers], rank[winners], -margin)):
        i, j = winners[k], losers[k]
        if reach[j, i]:
            continue  # locking i over j would close a cycle
        locked[i, j] = True
        reach |= reach[:, i : i + 1] & reach[j : j + 1, :]
    return first_in_order(~locked.any(axis=0), profile.order)


def borda(profile: Profile) -> int:
    """The most Borda points: a point for every voter and every variant they rank it above."""
    points = np.asarray(profile.tally).sum(axis=-1)
    return first_in_order(points == points.max(axis=-1, keepdims=True), profile.order)


def approval(profile: Profile) -> int:
    """The variant the most voters approve."""
    approved = np.asarray(profile.approvals)
    return first_in_order(approved == approved.max(axis=-1, keepdims=True), profile.order)


#: Every rule a scenario's ``[decision] rule`` may name.
RULES = {
    "copeland": copeland,
    "schulze": schulze,
    "ranked_pairs": ranked_pairs,
    "borda": borda,
    "approval": approval,
}
#: Bodies a rule reads at once when many vote: its (A, V, V) arrays stay within tens of megabytes.
BODIES_AT_ONCE = 20_000
#: The rules that choose the Condorcet winner whenever there is one.
CONDORCET_CONSISTENT = ("copeland", "schulze", "ranked_pairs")


def choose(rule: str, profile: Profile):
    """The variant ``rule`` chooses (each body's, for many); an unknown rule is refused by name."""
    if rule not in RULES:
        raise ValueError(f"rule {rule!r}: must be one of {', '.join(RULES)}")
    if np.ndim(profile.tally) == 3 and len(profile.tally) > BODIES_AT_ONCE:  # a rule's (A, V, V) work, bounded
        return np.concatenate(
            [
                RULES[rule](
                    Profile(
                        profile.tally[k : k + BODIES_AT_ONCE], profile.approvals[k : k + BODIES_AT_ONCE], profile.order
                    )
                )
                for k in range(0, len(profile.tally), BODIES_AT_ONCE)
            ]
        )
    return RULES[rule](profile)


def robustness(rule: str, profile: Profile, direct: Profile) -> dict:
    """How firm a decision is: its margin against the runner-up, the Condorcet winner, what every rule chooses.

    Parameters
    ----------
    rule : str
        The rule in force.
    profile : Profile
        The Central Assembly's ballots.
    direct : Profile
        The ballots of a direct vote of all persons, one person one vote.

    Returns
    -------
    dict
        ``winner``; ``runner_up``, the variant ``rule`` chooses once the winner is struck off
        (``None`` on a ballot of one); ``margin``, votes for the winner over the runner-up
        less the votes back (0 without a runner-up); ``condorcet_winner`` (or ``None``);
        ``smith_set``; ``rules`` and ``direct``, what every rule chooses from the Central
        Assembly's ballots and from the direct vote; ``agree``, whether every rule chose the
        winner; ``differs``, by rule, whether the Central Assembly's choice differs from the
        direct vote's.
    """
    tally = np.asarray(profile.tally)
    won = choose(rule, profile)
    runner_up, margin = None, 0.0
    if tally.shape[0] > 1:
        rest, keep = profile.without(won)
        runner_up = int(keep[choose(rule, rest)])
        margin = float(tally[won, runner_up] - tally[runner_up, won])
    every = {name: f(profile) for name, f in RULES.items()}
    by_direct = {name: f(direct) for name, f in RULES.items()}
    return {
        "winner": won,
        "runner_up": runner_up,
        "margin": margin,
        "condorcet_winner": condorcet_winner(tally),
        "smith_set": [int(k) for k in smith_set(tally)],
        "rules": every,
        "agree": all(k == won for k in every.values()),
        "direct": by_direct,
        "differs": {name: every[name] != by_direct[name] for name in RULES},
    }
