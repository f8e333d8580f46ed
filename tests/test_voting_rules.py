"""The voting rules (``sim.economics.voting_rules``) on published examples and hand-worked profiles.

- Schulze: Wikipedia's worked example of the Schulze method (45 voters, A–E), winner E, with
  its published table of strongest paths.
- Ranked pairs: Wikipedia's Tennessee capital example (Memphis 42 %, Nashville 26 %,
  Chattanooga 15 %, Knoxville 17 %), winner Nashville; and Wikipedia's Schulze example, where
  ranked pairs chooses A, not E (worked in the test).
- Borda and approval on profiles worked out in the comments beside them.
- A property: whenever a profile has a Condorcet winner, every Condorcet-consistent rule chooses
  it, and each of them chooses within the Smith set when there is none.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.economics import voting_rules
from sim.economics.voting_rules import Profile


def tally_of(ballots, candidates: str) -> np.ndarray:
    """Pairwise count of strict rankings: ``ballots`` is ``[(voters, "ACBED"), …]``, best first."""
    n = len(candidates)
    tally = np.zeros((n, n), dtype=int)
    for voters, ranking in ballots:
        place = {c: k for k, c in enumerate(ranking)}
        for i, a in enumerate(candidates):
            for j, b in enumerate(candidates):
                if place[a] < place[b]:
                    tally[i, j] += voters
    return tally


def profile(tally, order=None, approvals=None) -> Profile:
    n = tally.shape[0]
    return Profile(
        tally,
        np.zeros(n) if approvals is None else np.asarray(approvals),
        np.arange(n) if order is None else np.asarray(order),
    )


# Wikipedia, "Schulze method", the worked example.
SCHULZE_EXAMPLE = [
    (5, "ACBED"),
    (5, "ADECB"),
    (8, "BEDAC"),
    (3, "CABED"),
    (7, "CAEBD"),
    (2, "CBADE"),
    (7, "DCEBA"),
    (8, "EBADC"),
]
# Wikipedia, "Ranked pairs" (and "Condorcet method"): the capital of Tennessee.
TENNESSEE = [(42, "MNCK"), (26, "NCKM"), (15, "CKNM"), (17, "KCNM")]


def test_schulze_chooses_e_in_wikipedias_worked_example_with_its_published_strongest_paths():
    tally = tally_of(SCHULZE_EXAMPLE, "ABCDE")
    # the published matrix of pairwise preferences d[*, *]
    np.testing.assert_array_equal(
        tally,
        [[0, 20, 26, 30, 22], [25, 0, 16, 33, 18], [19, 29, 0, 17, 24], [15, 12, 28, 0, 14], [23, 27, 21, 31, 0]],
    )
    # the published strongest paths p[*, *]
    np.testing.assert_array_equal(
        voting_rules.strongest_paths(tally),
        [[0, 28, 28, 30, 24], [25, 0, 28, 33, 24], [25, 29, 0, 29, 24], [25, 28, 28, 0, 24], [25, 28, 28, 31, 0]],
    )
    for order in ([0, 1, 2, 3, 4], [4, 3, 2, 1, 0], [2, 0, 4, 1, 3]):  # a unique winner: no tie to break
        assert voting_rules.schulze(profile(tally, order)) == 4  # E
    assert voting_rules.condorcet_winner(tally) is None
    np.testing.assert_array_equal(voting_rules.smith_set(tally), [0, 1, 2, 3, 4])  # a cycle through all five


def test_ranked_pairs_chooses_nashville_in_wikipedias_tennessee_example():
    tally = tally_of(TENNESSEE, "MNCK")
    # Nashville beats Memphis 58–42, Chattanooga 68–32, Knoxville 68–32
    assert tally[1].tolist() == [58, 0, 68, 68]
    for order in ([0, 1, 2, 3], [3, 2, 1, 0]):
        assert voting_rules.ranked_pairs(profile(tally, order)) == 1


def test_ranked_pairs_locks_the_largest_margins_first_and_skips_the_one_that_closes_a_cycle():
    """Wikipedia's Schulze example by ranked pairs.

    Margins (d[X,Y] − d[Y,X]): B>D 33−12 = 21, E>D 31−14 = 17, A>D 30−15 = 15, C>B 29−16 = 13,
    D>C 28−17 = 11, E>B 27−18 = 9, A>C 26−19 = 7, B>A 25−20 = 5, C>E 24−21 = 3, E>A 23−22 = 1.
    Locked in turn: B>D, E>D, A>D, C>B; D>C would close C>B>D>C: skipped; E>B, A>C; B>A would
    close A>C>B>A: skipped; C>E; E>A would close A>C>E>A: skipped. Nothing locked beats A.
    """
    tally = tally_of(SCHULZE_EXAMPLE, "ABCDE")
    assert voting_rules.ranked_pairs(profile(tally)) == 0
    assert voting_rules.ranked_pairs(profile(tally, [4, 3, 2, 1, 0])) == 0  # no equal margins: the order is idle


def test_borda_counts_a_point_per_variant_ranked_below_and_can_pass_over_the_condorcet_winner():
    """3 voters A > B > C, 2 voters B > C > A.

    Borda: A 3·2 + 2·0 = 6, B 3·1 + 2·2 = 7, C 3·0 + 2·1 = 2 → B. A beats B and C 3–2: the Condorcet winner.
    """
    tally = tally_of([(3, "ABC"), (2, "BCA")], "ABC")
    assert tally.sum(axis=1).tolist() == [6, 7, 2]
    assert voting_rules.borda(profile(tally)) == 1
    assert voting_rules.condorcet_winner(tally) == 0
    for rule in voting_rules.CONDORCET_CONSISTENT:
        assert voting_rules.RULES[rule](profile(tally)) == 0


def test_approval_counts_the_variants_at_or_above_each_persons_mean_and_the_most_approved_wins():
    utility = np.array(
        [
            [3.0, 2.0, 1.0],  # mean 2: approves 0 and 1
            [3.0, 0.0, 0.0],  # mean 1: approves 0
            [0.0, 2.0, 2.0],  # mean 4/3: approves 1 and 2
            [1.0, 1.0, 1.0],  # indifferent: approves all
            [0.0, 1.0, 0.5],  # mean 0.5: approves 1 and 2
        ]
    )
    assembly = np.array([0, 0, 1, 1, 1])
    approved = voting_rules.approvals(utility, assembly, 3)
    np.testing.assert_array_equal(approved, [[2, 1, 0], [1, 3, 3], [0, 0, 0]])
    totals = approved.sum(axis=0)  # 3, 4, 3 → variant 1
    assert voting_rules.approval(profile(np.zeros((3, 3)), approvals=totals)) == 1
    # assembly 1 alone: 1 and 2 tie at 3: the tie order decides
    assert voting_rules.approval(profile(np.zeros((3, 3)), [2, 1, 0], approved[1])) == 2
    assert voting_rules.approval(profile(np.zeros((3, 3)), [0, 1, 2], approved[1])) == 1


def test_ties_go_to_the_variant_first_in_the_tie_order_under_every_rule():
    """Two voters, A > B and B > A: every pair ties, every score ties."""
    tally = tally_of([(1, "AB"), (1, "BA")], "AB")
    for name, rule in voting_rules.RULES.items():
        assert rule(profile(tally, [0, 1], [1, 1])) == 0, name
        assert rule(profile(tally, [1, 0], [1, 1])) == 1, name


def test_copeland_counts_wins_and_a_cycle_goes_to_the_variant_beating_most():
    """0 beats 3 only; 1 beats 0 and 2; 2 beats 0; 3 beats 1 and 2: scores 1, 2, 1, 2 → 1 or 3 by the tie order."""
    tally = np.array([[0, 1, 1, 3], [3, 0, 3, 1], [3, 1, 0, 1], [1, 3, 3, 0]])
    assert voting_rules.copeland(profile(tally)) == 1
    assert voting_rules.copeland(profile(tally, [3, 2, 1, 0])) == 3
    np.testing.assert_array_equal(voting_rules.smith_set(tally), [0, 1, 2, 3])


def test_the_smith_set_is_the_top_cycle_above_the_rest():
    """A > B > C > A, and each beats D: the Smith set is {A, B, C}."""
    tally = tally_of([(1, "ABCD"), (1, "BCAD"), (1, "CABD")], "ABCD")
    np.testing.assert_array_equal(voting_rules.smith_set(tally), [0, 1, 2])


def test_an_unknown_rule_is_refused_with_the_rules_there_are():
    with pytest.raises(ValueError, match=r"^rule 'plurality': must be one of copeland, schulze, ranked_pairs, borda"):
        voting_rules.choose("plurality", profile(np.zeros((2, 2))))


def test_robustness_gives_the_runner_up_its_margin_and_what_each_rule_and_a_direct_vote_choose():
    """The Borda profile above: Schulze chooses A; struck off, B beats C 5–0: runner-up B, margin 3 − 2."""
    tally = tally_of([(3, "ABC"), (2, "BCA")], "ABC")
    central = profile(tally, approvals=[3, 2, 0])
    direct = profile(tally_of([(2, "ABC"), (3, "BCA")], "ABC"), approvals=[2, 3, 0])
    firm = voting_rules.robustness("schulze", central, direct)
    assert (firm["winner"], firm["runner_up"], firm["margin"]) == (0, 1, 1.0)
    assert firm["condorcet_winner"] == 0 and firm["smith_set"] == [0]
    assert firm["rules"] == {"copeland": 0, "schulze": 0, "ranked_pairs": 0, "borda": 1, "approval": 0}
    assert not firm["agree"]
    assert firm["direct"]["schulze"] == 1 and firm["differs"]["schulze"] and not firm["differs"]["borda"]
    alone = voting_rules.robustness("borda", profile(np.zeros((1, 1))), profile(np.zeros((1, 1))))
    assert (alone["winner"], alone["runner_up"], alone["margin"], alone["agree"]) == (0, None, 0.0, True)


def test_on_a_ballot_of_two_the_runner_up_is_the_other_variant_and_the_margin_the_majority_less_the_minority():
    """Three voters rank A over B, two B over A: A wins 3–2, so B is runner-up with margin 3 − 2 = 1.

    With the ballot reversed (two for A, three for B) B wins and A is runner-up, by the same margin.
    """
    tally = tally_of([(3, "AB"), (2, "BA")], "AB")
    for rule in voting_rules.RULES:
        firm = voting_rules.robustness(rule, profile(tally, approvals=[3, 2]), profile(tally, approvals=[3, 2]))
        assert (firm["winner"], firm["runner_up"], firm["margin"]) == (0, 1, 1.0), rule
    reversed_tally = tally_of([(2, "AB"), (3, "BA")], "AB")
    firm = voting_rules.robustness("copeland", profile(reversed_tally), profile(reversed_tally))
    assert (firm["winner"], firm["runner_up"], firm["margin"]) == (1, 0, 1.0)


def test_a_profile_without_a_variant_keeps_the_others_counts_and_their_tie_order():
    tally = np.arange(16).reshape(4, 4)
    rest, keep = profile(tally, [2, 0, 3, 1], [5, 6, 7, 8]).without(2)
    np.testing.assert_array_equal(keep, [0, 1, 3])
    np.testing.assert_array_equal(rest.tally, tally[np.ix_([0, 1, 3], [0, 1, 3])])
    np.testing.assert_array_equal(rest.approvals, [5, 6, 8])
    np.testing.assert_array_equal(keep[rest.order], [0, 3, 1])  # 2 struck from 2, 0, 3, 1


@st.composite
def profiles(draw):
    """Random rankings (ties allowed) of 2–6 variants by 1–25 voters, and a random tie order."""
    n = draw(st.integers(2, 6))
    voters = draw(st.integers(1, 25))
    scores = draw(st.lists(st.lists(st.integers(0, 3), min_size=n, max_size=n), min_size=voters, max_size=voters))
    utility = np.array(scores, dtype=float)
    tally = (utility[:, :, None] > utility[:, None, :]).sum(axis=0)
    order = np.array(draw(st.permutations(list(range(n)))))
    return tally, order


@settings(max_examples=300, deadline=None)
@given(profiles())
def test_a_condorcet_winner_is_chosen_by_every_condorcet_consistent_rule_and_each_chooses_in_the_smith_set(drawn):
    tally, order = drawn
    winner = voting_rules.condorcet_winner(tally)
    smith = set(voting_rules.smith_set(tally).tolist())
    assert smith, "the Smith set is never empty"
    if winner is not None:
        assert smith == {winner}
    for name in voting_rules.CONDORCET_CONSISTENT:
        chosen = voting_rules.RULES[name](profile(tally, order))
        if winner is not None:
            assert chosen == winner, name
        assert chosen in smith, name


@st.composite
def bodies(draw):
    """Several assemblies' random rankings (ties allowed) of the same 2–5 variants, their approvals, one tie order."""
    n = draw(st.integers(2, 5))
    tallies, approved = [], []
    for _ in range(draw(st.integers(1, 6))):
        voters = draw(st.integers(1, 12))
        scores = draw(st.lists(st.lists(st.integers(0, 3), min_size=n, max_size=n), min_size=voters, max_size=voters))
        utility = np.array(scores, dtype=float)
        tallies.append((utility[:, :, None] > utility[:, None, :]).sum(axis=0))
        approved.append((utility >= utility.mean(axis=1, keepdims=True)).sum(axis=0))
    return np.array(tallies), np.array(approved), np.array(draw(st.permutations(list(range(n)))))


@settings(max_examples=200, deadline=None)
@given(bodies())
def test_many_bodies_at_once_choose_as_each_would_alone_under_every_rule(drawn):
    tallies, approved, order = drawn
    for name in voting_rules.RULES:
        together = voting_rules.choose(name, Profile(tallies, approved, order))
        alone = [voting_rules.choose(name, Profile(t, a, order)) for t, a in zip(tallies, approved, strict=True)]
        assert isinstance(together, np.ndarray) and together.shape == (len(tallies),), name
        np.testing.assert_array_equal(together, alone, err_msg=name)


@settings(max_examples=100, deadline=None)
@given(bodies())
def test_the_strongest_paths_are_the_widest_paths_of_the_majorities_each_matrix_recomputed(drawn):
    """The oracle: Floyd–Warshall written as Schulze (2011) does, a new matrix from the old at each step."""
    tallies = drawn[0].astype(float)
    p = np.where(tallies > tallies.transpose(0, 2, 1), tallies, 0.0)
    for k in range(p.shape[-1]):
        p = np.maximum(p, np.minimum(p[:, :, k : k + 1], p[:, k : k + 1, :]))
    p[:, np.arange(p.shape[-1]), np.arange(p.shape[-1])] = 0.0
    np.testing.assert_array_equal(voting_rules.strongest_paths(drawn[0]), p)
    np.testing.assert_array_equal(voting_rules.strongest_paths(drawn[0][0]), p[0])


def test_many_bodies_are_read_a_bounded_number_at_a_time_with_the_same_choices(monkeypatch):
    rng = np.random.default_rng(3)
    utility = rng.integers(0, 4, (7, 40, 4)).astype(float)  # 7 bodies of 40 voters, 4 variants
    tallies = (utility[:, :, :, None] > utility[:, :, None, :]).sum(axis=1)
    approved = (utility >= utility.mean(axis=2, keepdims=True)).sum(axis=1)
    profile = Profile(tallies, approved, np.array([2, 0, 3, 1]))
    at_once = {name: voting_rules.choose(name, profile) for name in voting_rules.RULES}
    monkeypatch.setattr(voting_rules, "BODIES_AT_ONCE", 3)  # 3 + 3 + 1 bodies
    for name in voting_rules.RULES:
        np.testing.assert_array_equal(voting_rules.choose(name, profile), at_once[name], err_msg=name)
