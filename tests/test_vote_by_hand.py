"""The yearly vote and the federation of assemblies on ballots small enough to count by hand (seed §5, §7f).

Each expected number below is worked out in the comment beside it from the profile of the
test: who prefers which variant, in which assembly. The model-level behaviour of the vote is
in ``test_decision.py``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from agents.factory_council import WORKERS_PER_DELEGATE
from sim.economics import decision, voting_rules
from sim.run.federation import CENTRAL, Delegates, assembly_names, assembly_of, federation_graph

# Five persons, three variants; persons 0–2 meet in assembly 0, persons 3–4 in assembly 1, and
# assembly 2 has nobody. Person 2 is indifferent between variants 0 and 1, person 4 between all.
PROFILE = np.array(
    [
        [3.0, 2.0, 1.0],  # 0 > 1 > 2
        [1.0, 3.0, 2.0],  # 1 > 2 > 0
        [2.0, 2.0, 1.0],  # 0 = 1 > 2
        [1.0, 2.0, 3.0],  # 2 > 1 > 0
        [1.0, 1.0, 1.0],  # indifferent
    ]
)
ASSEMBLY = np.array([0, 0, 0, 1, 1])
# tally[a, i, j]: members of a who strictly prefer i to j.
#   assembly 0: 0>1 person 0; 1>0 person 1; 0>2 persons 0, 2; 2>0 person 1; 1>2 persons 0, 1, 2
#   assembly 1: 1>0, 2>0, 2>1 person 3 (person 4 prefers nothing to anything)
TALLIES = np.array(
    [
        [[0, 1, 2], [1, 0, 3], [1, 0, 0]],
        [[0, 0, 0], [1, 0, 0], [1, 1, 0]],
        [[0, 0, 0], [0, 0, 0], [0, 0, 0]],
    ]
)


# --- persons' weights and utilities ----------------------------------------------------------------------


def test_without_spread_every_person_weighs_the_means_scaled_to_one_and_a_zero_weight_stays_zero():
    weights = decision.person_weights(4, (2.0, 0.0, 6.0), 0.0, np.random.default_rng(1))
    np.testing.assert_array_equal(weights, np.tile([0.25, 0.0, 0.75], (4, 1)))


def test_weights_are_the_means_times_a_lognormal_of_mean_one_rows_scaled_to_one():
    """ln of each factor ~ N(−σ²/2, σ²): its mean is exactly 1, so the weights' means are the means'."""
    means, spread = np.array([0.5, 0.3, 0.2]), 0.4
    weights = decision.person_weights(6, means, spread, np.random.default_rng(8))
    draw = means * np.random.default_rng(8).lognormal(-(spread**2) / 2, spread, (6, 3))
    np.testing.assert_allclose(weights, draw / draw.sum(axis=1, keepdims=True), rtol=1e-15)
    many = decision.person_weights(200_000, (1.0, 1.0, 0.0), spread, np.random.default_rng(2))
    np.testing.assert_allclose(many.sum(axis=1), 1.0, rtol=1e-15)
    assert not many[:, 2].any()
    # ln(w_c / w_l) is the difference of two independent N(·, σ²): variance 2σ² = 0.32
    ratio = np.log(many[:, 0] / many[:, 1])
    assert abs(ratio.mean()) < 0.005 and ratio.var() == pytest.approx(2 * spread**2, rel=0.01)


def test_utility_is_weighted_log_consumption_free_time_and_growth_over_the_horizon():
    weights = np.array([[0.5, 0.3, 0.2], [0.0, 1.0, 0.0]])
    u = decision.utilities(weights, [1000.0, 1210.0], [35.0, 42.0], [0.02, 0.0], horizon_years=5.0)
    # free time: 112 − 35 = 77 and 112 − 42 = 70 hours a week; growth: 5 ln 1.02 and 0
    expected = [
        [
            0.5 * math.log(1000) + 0.3 * math.log(77) + 0.2 * 5 * math.log(1.02),
            0.5 * math.log(1210) + 0.3 * math.log(70),
        ],
        [math.log(77), math.log(70)],
    ]
    np.testing.assert_allclose(u, expected, rtol=1e-14)


# --- assemblies and the Central Assembly ----------------------------------------------------------------


def test_pairwise_tallies_count_strict_preferences_only_in_each_assembly_an_empty_one_too():
    tallies = decision.pairwise_tallies(PROFILE, ASSEMBLY, 3)
    assert tallies.dtype == np.int32  # counts of one assembly's persons; half the memory of int64
    np.testing.assert_array_equal(tallies, TALLIES)


def test_first_preferences_count_each_persons_favourite_ties_to_the_first_on_the_ballot():
    # favourites: 0, 1, 0 (0 = 1: the first), 2, 0 (all equal: the first)
    firsts = decision.first_preferences(PROFILE, ASSEMBLY, 3)
    np.testing.assert_array_equal(firsts, [[2, 1, 0], [1, 0, 1], [0, 0, 0]])


def _copeland(tally, order=None):
    n = np.asarray(tally).shape[0]
    order = np.arange(n) if order is None else np.asarray(order)
    return voting_rules.copeland(voting_rules.Profile(np.asarray(tally), np.zeros(n), order))


def test_a_tie_between_two_variants_is_a_win_for_neither():
    """1 ties 0, beats 2; 2 beats 0: no Condorcet winner; 1 and 2 each win one pair, 0 none."""
    tally = np.array([[0, 1, 0], [1, 0, 2], [2, 0, 0]])
    assert voting_rules.condorcet_winner(tally) is None
    assert _copeland(tally) == 1 and _copeland(tally, [2, 0, 1]) == 2 and _copeland(tally, [0, 1, 2]) == 1
    assert _copeland(tally, [0, 2, 1]) == 2  # 0 first in the order, but it wins no pair
    # assembly 0 of the profile: 0 ties 1, 0 beats 2, 1 beats 2: Copeland's tie goes to the first in the order
    assert voting_rules.condorcet_winner(TALLIES[0]) is None
    assert _copeland(TALLIES[0]) == 0 and _copeland(TALLIES[0], [1, 0, 2]) == 1
    # assembly 1: 2 beats both, 1 beats 0
    assert voting_rules.condorcet_winner(TALLIES[1]) == 2 == _copeland(TALLIES[1], [0, 1, 2])


def test_a_single_variant_on_the_ballot_is_chosen_by_every_rule():
    one = voting_rules.Profile(np.zeros((1, 1), dtype=int), np.zeros(1), np.zeros(1, dtype=int))
    assert voting_rules.condorcet_winner(one.tally) == 0
    assert all(rule(one) == 0 for rule in voting_rules.RULES.values())


def test_copeland_picks_the_variant_that_beats_most_not_the_first_when_it_beats_fewer():
    """0 beats 3 only; 1 beats 0 and 2; 2 beats 0; 3 beats 1 and 2: scores 1, 2, 1, 2 → 1, the first of the two."""
    tally = np.array([[0, 1, 1, 3], [3, 0, 3, 1], [3, 1, 0, 1], [1, 3, 3, 0]])
    assert _copeland(tally) == 1


def test_the_central_assembly_counts_persons_or_each_assemblys_majority_weighted_by_its_members():
    members = np.array([3, 2, 0])
    persons = decision.central_tally(TALLIES, members, "persons")
    np.testing.assert_array_equal(persons, [[0, 1, 2], [2, 0, 3], [2, 1, 0]])
    # by assemblies: assembly 0 (3 members) splits 0–1 (a tie: 1.5 each), gives 0>2 and 1>2 its 3;
    # assembly 1 (2 members) gives 1>0, 2>0 and 2>1 its 2; the empty assembly's ties weigh nothing
    by_assembly = decision.central_tally(TALLIES, members, "assemblies")
    np.testing.assert_array_equal(by_assembly, [[0.0, 1.5, 3.0], [3.5, 0.0, 3.0], [2.0, 2.0, 0.0]])
    assert voting_rules.condorcet_winner(by_assembly) == 1
    # an empty assembly given weight: its ties split its members half and half, nobody prefers a variant to itself
    weighted = decision.central_tally(TALLIES, np.array([0, 0, 4]), "assemblies")
    np.testing.assert_array_equal(weighted, 2.0 * (1 - np.eye(3)))


def test_approvals_are_each_persons_variants_at_or_above_their_mean_counted_by_persons_or_by_assemblies():
    # means 2, 2, 5/3, 2, 1: person 0 approves 0, 1; person 1: 1, 2; person 2: 0, 1; person 3: 1, 2; person 4: all
    approved = voting_rules.approvals(PROFILE, ASSEMBLY, 3)
    np.testing.assert_array_equal(approved, [[2, 3, 1], [1, 2, 2], [0, 0, 0]])
    members = np.array([3, 2, 0])
    np.testing.assert_array_equal(decision.central_approvals(approved, members, "persons"), [3, 5, 3])
    # assembly 0 (3): a majority approves 0 and 1, not 2 → 3, 3, 0; assembly 1 (2): half approve 0 → 1, all of
    # 1 and 2 → 2, 2; the empty assembly weighs nothing
    np.testing.assert_array_equal(decision.central_approvals(approved, members, "assemblies"), [4.0, 5.0, 2.0])
    with pytest.raises(ValueError, match=r"^aggregation 'seats': must be 'persons' or 'assemblies'$"):
        decision.central_approvals(approved, members, "seats")


def test_an_unknown_aggregation_is_refused_by_name():
    with pytest.raises(ValueError, match=r"^aggregation 'seats': must be 'persons' or 'assemblies'$"):
        decision.central_tally(TALLIES, np.array([3, 2, 0]), "seats")


# --- the federation -------------------------------------------------------------------------------------


def test_each_person_meets_in_their_enterprises_assembly_or_their_communes():
    group = np.array([0, 2, -1, -1, 1])
    commune = np.array([-1, -1, 0, 1, -1])
    group_council = np.array([1, 0, 2])  # groups 0, 1, 2 work in enterprises 1, 0, 2
    assembly = assembly_of(group, commune, group_council, councils=3)
    np.testing.assert_array_equal(assembly, [1, 2, 3, 4, 0])  # communes after the 3 enterprises
    assert assembly_names(2, 1) == ["council 0", "council 1", "commune 0"]


def test_the_graph_has_every_group_assembly_and_the_central_assembly_with_members_and_council_delegates():
    members = np.array([450, 74, 225])
    graph = federation_graph(np.array([0, 0, 1]), members, councils=2, communes=1)
    # delegates to the council: one per 150 members, rounded, at least one: 450 → 3, 74 → 0 → 1, 225 → 1.5 → 2
    assert WORKERS_PER_DELEGATE == 150
    assert dict(graph.nodes(data=True)) == {
        CENTRAL: {"kind": "central"},
        "council 0": {"kind": "council", "members": 450, "delegates": 3},
        "council 1": {"kind": "council", "members": 74, "delegates": 1},
        "commune 0": {"kind": "commune", "members": 225, "delegates": 2},
        "group 0": {"kind": "group"},
        "group 1": {"kind": "group"},
        "group 2": {"kind": "group"},
    }
    assert set(graph.edges) == {
        ("council 0", CENTRAL),
        ("council 1", CENTRAL),
        ("commune 0", CENTRAL),
        ("group 0", "council 0"),
        ("group 1", "council 0"),
        ("group 2", "council 1"),
    }


def test_central_seats_are_one_per_assembly_and_the_rest_shared_by_largest_remainder():
    # 3 seats over members 10, 20, 70: quotas 0.3, 0.6, 2.1 → 0, 0, 2 and the last to the largest remainder (0.6)
    delegates = Delegates(np.array([10, 20, 70]), seats=3)
    np.testing.assert_array_equal(delegates.assembly, [0, 1, 1, 2, 2, 2])
    np.testing.assert_array_equal(delegates.person, [-1] * 6)
    np.testing.assert_array_equal(delegates.supported, [-1] * 6)
    np.testing.assert_array_equal(delegates.elected_year, [0] * 6)
    np.testing.assert_array_equal(Delegates(np.array([10, 20, 70]), seats=0).assembly, [0, 1, 2])


# Persons 0–4: person 1, 2 and 4 meet in assembly 0, persons 0 and 3 in assembly 1; assembly 2 is empty.
PERSON_ASSEMBLY = np.array([1, 0, 0, 1, 0])


def _first_election(year=4):
    """Assembly 0 chose 0 and only person 2 there favours 0; nobody in assembly 1 favours its choice, 1."""
    utility = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    delegates = Delegates(np.array([3, 2, 0]), seats=0)
    rng = np.random.default_rng(5)
    counts = delegates.answer(PERSON_ASSEMBLY, utility, np.array([0, 1, 0]), 0, year, 3, rng)
    return delegates, utility, counts, rng


def test_a_new_delegate_favours_the_assemblys_choice_or_is_any_member_and_an_empty_assembly_sends_nobody():
    delegates, _, counts, _ = _first_election()
    replay = np.random.default_rng(5)
    expected = [replay.choice([2]), replay.choice([0, 3]), -1]  # the pools, in the persons' order
    assert delegates.person.tolist() == expected
    assert delegates.elected_year.tolist() == [4, 4, 4]
    assert delegates.supported.tolist() == [-1, -1, -1]  # nobody was seated at the vote
    assert counts["recalled"] == counts["rotated"] == counts["moved"] == 0
    assert counts["elected"] == 2  # the seats of assemblies 0 and 1: the empty assembly's stays empty


def test_an_assembly_with_no_members_elects_nobody_year_after_year():
    """Assembly 0 (persons 0 and 1) has two seats, the empty assembly 1 one; terms of a year."""
    delegates = Delegates(np.array([2, 0]), seats=1)
    assert delegates.assembly.tolist() == [0, 0, 1]
    utility = np.array([[1.0, 0.0], [1.0, 0.0]])
    for year, rotated in ((1, 0), (2, 2), (3, 2)):
        counts = delegates.answer(np.array([0, 0]), utility, np.array([0, 1]), 0, year, 1, np.random.default_rng(0))
        assert counts == {"recalled": 0, "rotated": rotated, "moved": 0, "elected": 2}
        assert delegates.person[2] == -1 and set(delegates.person[:2]) <= {0, 1}


def test_a_delegate_who_prefers_the_result_to_their_assemblys_choice_is_recalled_and_replaced():
    delegates, utility, _, rng = _first_election()
    second = delegates.person[1]
    utility[2] = [0.0, 1.0]  # assembly 0's delegate now prefers the result, 1, to the choice, 0
    utility[1] = [1.0, 0.0]  # and person 1 now favours assembly 0's choice: the only one who does
    counts = delegates.answer(PERSON_ASSEMBLY, utility, np.array([0, 1, 0]), 1, 5, 3, rng)
    assert counts["recalled"] == 1 and counts["rotated"] == counts["moved"] == 0
    assert delegates.supported.tolist() == [1, 1, -1]  # assembly 1's delegate spoke for its choice, the result
    assert delegates.person.tolist() == [1, second, -1]
    assert delegates.elected_year.tolist()[:2] == [5, 4]


def test_a_delegate_indifferent_between_the_result_and_the_mandate_or_preferring_a_third_keeps_the_mandate():
    utility = np.array([[0.5, 0.0, 1.0], [2.0, 2.0, 0.0], [1.0, 0.0, 0.0]])
    person_assembly = np.array([0, 0, 0])
    delegates = Delegates(np.array([3]), seats=0)
    delegates.person[:] = 1  # seated, indifferent between variants 0 and 1
    counts = delegates.answer(person_assembly, utility, np.array([0]), 1, 1, 5, np.random.default_rng(0))
    assert counts["recalled"] == 0 and delegates.supported.tolist() == [0] and delegates.person.tolist() == [1]
    delegates.person[:] = 0  # seated, prefers variant 2 most, the choice (0) to the result (1)
    counts = delegates.answer(person_assembly, utility, np.array([0]), 1, 1, 5, np.random.default_rng(0))
    assert counts == {"recalled": 0, "rotated": 0, "moved": 0, "elected": 0}
    assert delegates.supported.tolist() == [0]


def test_a_delegate_rotates_out_after_exactly_the_term():
    delegates, utility, _, rng = _first_election(year=4)  # elected in year 4 for terms of 3 years
    seated = delegates.person.copy()
    # the result is assembly 1's choice and the delegate of assembly 0 prefers its own: nobody is recalled
    counts = delegates.answer(PERSON_ASSEMBLY, utility, np.array([0, 1, 0]), 1, 6, 3, rng)
    assert counts["rotated"] == 0 and delegates.person.tolist() == seated.tolist()
    counts = delegates.answer(PERSON_ASSEMBLY, utility, np.array([0, 1, 0]), 1, 7, 3, rng)
    assert counts["rotated"] == 2 and counts["recalled"] == 0
    assert delegates.elected_year.tolist() == [7, 7, 7]


def test_a_delegate_who_left_the_assembly_is_replaced_and_counted_as_moved_only():
    delegates, utility, _, rng = _first_election(year=4)
    moved = PERSON_ASSEMBLY.copy()
    moved[2] = 1  # assembly 0's delegate, person 2, now works in assembly 1's enterprise
    utility[2] = [0.0, 1.0]  # and prefers the result, 1, to assembly 0's choice: would be recalled had they stayed
    utility[4] = [1.0, 0.0]  # person 4 now favours assembly 0's choice
    counts = delegates.answer(moved, utility, np.array([0, 1, 0]), 1, 7, 3, rng)
    assert counts["moved"] == 1 and counts["recalled"] == 0 and counts["rotated"] == 1  # assembly 1's, at its term
    assert delegates.person[0] == 4


def test_new_delegates_are_drawn_from_the_pool_in_the_persons_order_so_that_a_run_is_reproducible():
    """Forty persons of two assemblies interleaved; the draw is from each pool sorted by person."""
    person_assembly = np.arange(40) % 2
    utility = np.zeros((40, 2))
    utility[np.arange(40) % 4 < 2, 0] = 1.0  # persons 0, 1, 4, 5, … favour variant 0
    utility[np.arange(40) % 4 >= 2, 1] = 1.0
    delegates = Delegates(np.array([20, 20]), seats=6)
    delegates.answer(person_assembly, utility, np.array([0, 1]), 0, 1, 5, np.random.default_rng(3))
    replay = np.random.default_rng(3)
    pools = [np.flatnonzero((person_assembly == a) & (np.argmax(utility, axis=1) == a)) for a in (0, 1)]
    expected = [replay.choice(pools[a]) for a in delegates.assembly]
    assert delegates.person.tolist() == expected


def test_the_first_person_can_be_a_delegate_and_answers_for_their_own_preference_not_their_neighbours():
    """Person 0, assembly 0's delegate, prefers the result (1) to the choice (0); person 1 the choice."""
    utility = np.array([[0.0, 1.0], [1.0, 0.0]])
    delegates = Delegates(np.array([2]), seats=0)
    delegates.person[:] = 0
    counts = delegates.answer(np.array([0, 0]), utility, np.array([0]), 1, 1, 5, np.random.default_rng(0))
    assert counts == {"recalled": 1, "rotated": 0, "moved": 0, "elected": 1}
    assert delegates.person.tolist() == [1] and delegates.supported.tolist() == [1]


def test_the_first_person_elected_to_a_vacant_seat_is_counted_as_elected():
    """Assembly 0 has one member, person 0, and its seat is vacant: person 0 fills it, one elected."""
    delegates = Delegates(np.array([1]), seats=0)
    counts = delegates.answer(np.array([0]), np.array([[1.0, 0.0]]), np.array([0]), 0, 1, 5, np.random.default_rng(0))
    assert delegates.person.tolist() == [0]
    assert counts == {"recalled": 0, "rotated": 0, "moved": 0, "elected": 1}
