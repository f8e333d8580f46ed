"""The fundamental decision (seed §7f): variants, assemblies' votes, delegates, technical change.

The pure rules are checked on hand-made ballots; the model-level tests run small economies
for a few years with everyone sharing one preference, and read the record of decisions.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from sim.economics import decision, voting_rules
from sim.economics.units import WEEKS_PER_YEAR
from sim.model import CouncilsModel
from sim.run.federation import CENTRAL, Delegates, assembly_names, assembly_of
from sim.run.scenario import Capital, Decision, Noise, Population, Scenario, TechnicalChange, from_dict, read_toml
from sim.views.cli import main
from sim.views.decision_table import decisions_table

SMALL = {"population_consumers": 1500, "population_councils": 25, "population_communes": 0}
VOTE = {
    "decision_vote": True,
    "decision_preference_spread": 0.0,
    "technical_change_rate": 0.01,
    "technical_change_embodied": 0.3,
}


def run(years, **parameters):
    model = CouncilsModel(years=years, seed=3, **SMALL, **VOTE, **parameters)
    model.run()
    return model


def _unstepped(**parameters):
    """A small economy as it stands before its first week, for the planner's rules worked by hand."""
    return CouncilsModel(seed=3, years=0.1, **SMALL, **parameters)


def _ballot(model, rules):
    """The planner's ballot for next year under ``rules``, no proposal asking for capacity."""
    state = model.state
    return model.planner.variants(
        state, model.consumers.income.size, np.zeros(state.stock.size), rules, model.conditions.technical_change
    )


def yearly(model, name):
    """The series at the start of each year (after each decision)."""
    return model.record.series(name)[::WEEKS_PER_YEAR]


# --- the pure rules ------------------------------------------------------------------------------------


def _copeland(tally, order=None):
    n = np.asarray(tally).shape[0]
    return voting_rules.copeland(
        voting_rules.Profile(np.asarray(tally), np.zeros(n), np.arange(n) if order is None else np.asarray(order))
    )


def test_a_condorcet_winner_is_chosen_and_a_cycle_goes_to_the_variant_beating_most():
    # three voters, three variants: 0 beats 1 and 2
    tally = np.array([[0, 2, 2], [1, 0, 2], [1, 1, 0]])
    assert _copeland(tally) == 0 == voting_rules.condorcet_winner(tally)
    # the classic cycle 0 > 1 > 2 > 0: each beats one; the first in the tie order wins the tie
    cycle = np.array([[0, 2, 1], [1, 0, 2], [2, 1, 0]])
    assert voting_rules.condorcet_winner(cycle) is None
    assert _copeland(cycle) == 0 and _copeland(cycle, [2, 0, 1]) == 2
    # a cycle among 1, 2, 3 that all beat 0: Copeland picks the first of the three in the tie order
    four = np.array([[0, 0, 0, 0], [3, 0, 2, 1], [3, 1, 0, 2], [3, 2, 1, 0]])
    assert _copeland(four) == 1 and _copeland(four, [0, 3, 2, 1]) == 3


def test_the_aggregation_rule_matters_for_unequal_assemblies_with_opposite_majorities():
    """One assembly of 1,000 splits 51–49 for A; ten of 50 are unanimous for B."""
    prefers_a = np.r_[np.ones(510), np.zeros(490), np.zeros(500)]
    utility = np.column_stack([prefers_a, 1.0 - prefers_a])  # A = 0, B = 1
    assembly = np.r_[np.zeros(1000, dtype=int), 1 + np.arange(500) // 50]
    tallies = decision.pairwise_tallies(utility, assembly, 11)
    members = np.bincount(assembly)
    persons = decision.central_tally(tallies, members, "persons")
    assemblies = decision.central_tally(tallies, members, "assemblies")
    assert persons[1, 0] == 990 and persons[0, 1] == 510
    assert assemblies[0, 1] == 1000 and assemblies[1, 0] == 500
    assert _copeland(persons) == 1  # one person one vote: B
    assert _copeland(assemblies) == 0  # weighted assemblies' majorities: A


def test_utilities_rank_by_the_weights():
    consumption, hours, growth = [1000.0, 1100.0, 1000.0], [35.0, 40.0, 35.0], [0.01, 0.01, 0.03]
    weights = np.array([[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0]])
    u = decision.utilities(weights, consumption, hours, growth, horizon_years=20)
    assert np.argmax(u[0]) == 1  # consumption: the longest week
    assert u[1, 0] > u[1, 1]  # leisure: fewer hours
    assert np.argmax(u[2]) == 2  # growth: the most growth
    np.testing.assert_allclose(u[2, 2] - u[2, 0], 20 * (np.log(1.03) - np.log(1.01)))


@pytest.mark.parametrize("seed", [0, 1])
def test_the_pairwise_tallies_count_each_persons_strict_preferences_in_their_assembly(seed):
    rng = np.random.default_rng(seed)
    utility = rng.integers(0, 4, (300, 5)).astype(float)  # ties are frequent: neither side counts them
    assembly = rng.integers(0, 9, 300)
    expected = np.zeros((10, 5, 5), dtype=np.int64)  # the tenth assembly has no member
    np.add.at(expected, assembly, (utility[:, :, None] > utility[:, None, :]).astype(np.int64))
    np.testing.assert_array_equal(decision.pairwise_tallies(utility, assembly, 10), expected)


def test_delegates_who_support_the_result_against_their_assembly_are_recalled():
    members = np.array([3, 3])
    person_assembly = np.array([0, 0, 0, 1, 1, 1])
    delegates = Delegates(members, seats=0)  # one each
    rng = np.random.default_rng(0)
    # variant 0 or 1; everyone in assembly 0 prefers 0, in assembly 1 prefers 1
    utility = np.array([[1, 0], [1, 0], [1, 0], [0, 1], [0, 1], [0, 1]], dtype=float)
    first = delegates.answer(person_assembly, utility, np.array([0, 1]), result=0, year=1, term=5, rng=rng)
    assert first["elected"] == 2 and first["recalled"] == 0
    seated = delegates.person.copy()
    assert person_assembly[seated].tolist() == [0, 1]
    # assembly 1's delegate changes their mind: now prefers the result (0) over their assembly's choice (1)
    utility[seated[1]] = [1.0, 0.0]
    second = delegates.answer(person_assembly, utility, np.array([0, 1]), result=0, year=2, term=5, rng=rng)
    assert second["recalled"] == 1 and delegates.person[0] == seated[0]
    assert delegates.person[1] != seated[1] and utility[delegates.person[1], 1] == 1.0  # one who agrees with 1
    third = delegates.answer(person_assembly, utility, np.array([0, 1]), result=0, year=7, term=5, rng=rng)
    assert third["rotated"] == 2 and third["recalled"] == 0


def _answer_seat_by_seat(delegates, person_assembly, utility, choice, result, year, term, rng):
    """The oracle: each vacant seat filled in turn from its assembly's members, as first written."""
    seated = delegates.person >= 0
    who = np.maximum(delegates.person, 0)
    moved = seated & (person_assembly[who] != delegates.assembly)
    mandate = choice[delegates.assembly]
    supported = np.where(seated, np.where(utility[who, result] > utility[who, mandate], result, mandate), -1)
    recalled = seated & ~moved & (supported != choice[delegates.assembly])
    rotated = seated & ~moved & ~recalled & (year - delegates.elected_year >= term)
    favourite = np.argmax(utility, axis=1)
    person = delegates.person.copy()
    for d in np.flatnonzero(~seated | moved | recalled | rotated):
        a = delegates.assembly[d]
        pool = np.flatnonzero(person_assembly == a)
        agree = pool[favourite[pool] == choice[a]]
        pool = agree if agree.size else pool
        person[d] = rng.choice(pool) if pool.size else -1
    return person


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_new_delegates_are_drawn_as_seat_by_seat_from_the_same_stream(seed):
    rng = np.random.default_rng(seed)
    assemblies, persons = 7, 60
    person_assembly = rng.integers(0, assemblies - 1, persons)  # the last assembly has no members
    utility = rng.integers(0, 3, (persons, 3)).astype(float)
    members = np.bincount(person_assembly, minlength=assemblies)
    delegates = Delegates(members, seats=5)
    for year, choice in enumerate([rng.integers(0, 3, assemblies) for _ in range(3)], start=1):
        expected = _answer_seat_by_seat(
            delegates, person_assembly, utility, choice, 1, year, 2, np.random.default_rng(year)
        )
        delegates.answer(person_assembly, utility, choice, result=1, year=year, term=2, rng=np.random.default_rng(year))
        np.testing.assert_array_equal(delegates.person, expected)
        person_assembly = np.where(rng.random(persons) < 0.2, rng.integers(0, assemblies - 1, persons), person_assembly)
    assert np.all(delegates.person[delegates.assembly == assemblies - 1] == -1)


# --- the model -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def leisure():
    return run(6, decision_consumption=0.05, decision_leisure=0.9, decision_growth=0.05)


@pytest.fixture(scope="module")
def growth():
    return run(6, decision_consumption=0.05, decision_leisure=0.05, decision_growth=0.9)


def test_when_everyone_prefers_leisure_the_hours_fall_at_once_to_the_fewest_the_ballot_offers_and_stay(leisure):
    hours = yearly(leisure, "hours_per_week")
    fewest = leisure.conditions.decision.hours_min  # the ballot spans the feasible set, its fewest hours too
    assert hours[0] == 35.0 and np.all(hours[1:] == fewest), hours
    for d in leisure.record.decisions:  # the record shows what led there: the variants and the votes
        won = d["variants"][d["result"]]
        assert won["hours_per_week"] == min(v["hours_per_week"] for v in d["variants"] if v["offered"])
        assert d["first_preferences"][d["result"]] == SMALL["population_consumers"]
        assert all(a["choice"] == d["result"] for a in d["assemblies"])


def test_when_everyone_prefers_growth_investment_rises_to_the_most_allowed_and_buys_more_consumption_later(
    leisure, growth
):
    share = yearly(growth, "investment_share")
    top = growth.conditions.decision.investment_max
    assert np.all(np.diff(share) >= 0) and share[1] > share[0] and share[-1] == pytest.approx(top, abs=1e-9), share
    consumption = {m: m.record.series("consumption_per_person") for m in (leisure, growth)}
    five_years_on = slice(5 * WEEKS_PER_YEAR, 6 * WEEKS_PER_YEAR)
    assert consumption[growth][five_years_on].mean() > consumption[leisure][five_years_on].mean()
    chosen = [d["variants"][d["result"]]["investment_share"] for d in growth.record.decisions]
    np.testing.assert_allclose(chosen[: share.size - 1], share[1:])  # the record's result is what the economy did


def test_technical_change_lowers_labour_values_and_prices_follow(growth):
    values = growth.record.series("value")[:, growth.state.consumer_goods]
    prices = growth.record.series("price")[:, growth.state.consumer_goods]
    assert np.all(values[-1] < 0.97 * values[0])  # six years of 1 %/year and more from new capacity
    assert np.median(prices[-1] / prices[0]) < 0.97
    method = growth.producers.method[growth.councils.rows]
    assert np.all(method < 1.0)


def test_a_variant_beyond_capacity_is_shown_with_its_bottlenecks_and_not_put_to_the_vote():
    model = run(2, decision_hours_step=8.0, plan_capacity_headroom=0.02, plan_investment_margin=0.0)
    rows = [v for d in model.record.decisions for v in d["variants"]]
    over = [v for v in rows if v["bottlenecks"]]
    assert over, "no variant exceeded capacity: the test does not test"
    capacity = 52 * (model.state.sector_capacity + model.state.pipeline.sum(axis=0))
    for d in model.record.decisions:
        for v in d["variants"]:
            exceeds = np.asarray(v["output"]) > capacity * 1.5  # far beyond any capacity there was
            assert not exceeds.any() or v["bottlenecks"]
            assert v["offered"] == (not v["bottlenecks"])
            if v["bottlenecks"]:
                assert d["result"] is None or d["variants"][d["result"]] is not v
    table = decisions_table(model.record.decisions)
    assert any(line.startswith("  - ") and line.rstrip().split("  ")[-1] != "none" for line in table.splitlines())


def test_without_a_vote_hours_and_shares_stay_and_nothing_is_recorded():
    model = CouncilsModel(years=2, seed=3, plan_investment_rule="share", decision_vote=False, **SMALL)
    model.run()
    assert model.record.decisions == []
    assert set(model.record.series("hours_per_week")) == {35.0}
    np.testing.assert_allclose(model.record.series("investment_share"), 0.15)


def test_without_a_vote_the_plans_rule_moves_the_investment_share_from_the_second_year_and_hours_stay():
    model = CouncilsModel(years=2, seed=3, decision_vote=False, **SMALL)  # plan.investment_rule = "need", the default
    summary = model.run()
    per_hour = model.record.series("output_per_hour")  # two years: growth is the second's mean over the first's
    assert summary["output_per_hour_growth"] == pytest.approx(per_hour[52:].mean() / per_hour[:52].mean() - 1, rel=1e-9)
    share = model.record.series("investment_share")
    assert model.record.decisions == [] and set(model.record.series("hours_per_week")) == {35.0}
    np.testing.assert_allclose(share[:52], 0.15)  # the scenario's share through the first year
    assert share[52:].min() >= 0.0 and share[52:].max() <= model.conditions.decision.investment_max
    assert len(set(share[52:])) > 1  # then the plan's rule moves it
    assert len(set(share[52:56])) == 1  # once a plan period, not weekly
    assert share[52] != share[51]  # from the plan of week 52, the first of the second year


def test_the_federation_graph_leads_every_group_to_the_central_assembly():
    model = CouncilsModel(years=0.1, seed=3, population_consumers=2000, population_councils=25, population_communes=5)
    graph = model.graph  # the federation as its assemblies first met, before the first plan moved anyone
    groups = [n for n, k in graph.nodes(data="kind") if k == "group"]
    names = assembly_names(model.councils.rows.size, model.communes.rows.size)
    assert 0 < len(groups) <= model.work_groups.council.size  # groups formed since are not on it yet
    for g, council in enumerate(model.work_groups.council[: len(groups)]):
        assert list(graph.successors(f"group {g}")) == [names[council]]  # each group to its own council
        assert list(graph.successors(names[council])) == [CENTRAL]
    c = model.consumers
    assembly = assembly_of(c.group, c.commune, model.work_groups.council, model.councils.rows.size)
    assert np.bincount(assembly).sum() == c.income.size
    members = dict(graph.nodes(data="members"))
    assert sum(v for v in members.values() if v is not None) == c.income.size


def test_councils_decisions_prints_the_table(tmp_path, capsys):
    out = tmp_path / "r"
    argv = ["run", "scenarios/democratic_growth.toml", "--years", "2", "--no-plots", "--out", str(out)]
    assert main([*argv, "--set", "population.consumers=1500", "--set", "population.councils=25"]) == 0
    capsys.readouterr()
    assert main(["decisions", str(out)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Year 1 (week 52), one person one vote, schulze:")
    assert "Year 2 (week 104)" in text and "delegates:" in text and "proposals:" in text
    for robustness in (
        "  margin: ",
        "  Condorcet winner: ",
        "  every rule: copeland [",
        "  a direct vote of all persons",
    ):
        assert text.count(robustness) == 2, robustness  # each year's
    assert main(["decisions", str(tmp_path)]) == 2
    assert "not a results directory" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "phrase"),
    [("{not json", "not valid JSON"), ('{"a": 1}', "not a list of yearly decisions"), (None, "missing")],
)
def test_a_damaged_decisions_file_is_refused_in_one_line(tmp_path, capsys, content, phrase):
    out = tmp_path / "r"
    argv = ["run", "scenarios/baseline.toml", "--years", "0.05", "--no-plots", "--out", str(out)]
    assert main([*argv, "--set", "population.consumers=300", "--set", "population.councils=20"]) == 0
    assert (out / "decisions.json").read_text(encoding="utf-8").strip() == "[]"
    if content is None:
        (out / "decisions.json").unlink()
    else:
        (out / "decisions.json").write_text(content, encoding="utf-8")
    capsys.readouterr()
    assert main(["decisions", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and phrase in err[0] and "decisions.json" in err[0]


def _two_users_ask_of_one_supplier(model):
    """The two main users of the good most others use each ask to double their capacity; it has room for one.

    Returns the supplier, the two users, the capacity asked per good and what both asks need of the supplier.
    """
    s, inputs = model.state, model.planner.inputs_estimated
    supplier = int(np.argmax(inputs.sum(axis=1)))  # the good most others use
    users = [j for j in np.argsort(-inputs[supplier]) if j != supplier][:2]
    asked = np.zeros(s.stock.size)
    asked[users] = s.plan_output[users]  # each asks to double its capacity
    need = inputs[supplier, users] @ asked[users]
    s.sector_capacity[supplier] = s.plan_output[supplier] + 0.75 * need  # room for one of them, not both
    return supplier, users, asked, need


def test_proposals_that_together_ask_more_of_a_supplier_than_it_can_give_are_marked_and_held_back():
    model = CouncilsModel(years=0.1, seed=3, **SMALL)
    s, planner, names = model.state, model.planner, model.technology.names
    inputs = planner.inputs_estimated
    supplier, users, asked, need = _two_users_ask_of_one_supplier(model)
    proposals = {p["good"]: p for p in planner.proposals(s, asked)}
    assert set(proposals) == {names[j] for j in users}
    for j in users:  # each says what it implies for the supplier
        assert proposals[names[j]]["implies"][names[supplier]] == pytest.approx(inputs[supplier, j] * asked[j])
    held = [p for p in proposals.values() if p["status"] != "feasible"]
    assert len(held) == 1 and held[0]["status"] == f"held back: {names[supplier]} short"
    s.sector_capacity[supplier] = s.plan_output[supplier] + 2 * need  # room for both
    assert all(p["status"] == "feasible" for p in planner.proposals(s, asked))


def test_the_largest_proposals_by_labour_value_are_held_back_first_and_each_names_its_short_supplier():
    """Hand-built: goods 0–3 propose; suppliers 10 and 11 have 10 units of spare capacity each."""
    model = CouncilsModel(years=0.1, seed=3, **SMALL)
    s, planner, names = model.state, model.planner, model.technology.names
    n = s.stock.size
    planner.inputs_estimated = np.zeros((n, n))
    planner.values = np.ones(n)
    planner.values[[0, 1, 2, 3]] = [1.0, 4.0, 0.5, 3.0]
    s.plan_output = np.full(n, 100.0)
    s.sector_capacity = np.full(n, 1_000.0)
    s.sector_capacity[[10, 11]] = 110.0  # spare: 10 units each
    a = planner.inputs_estimated
    a[10, [0, 1, 2]] = [0.5, 0.5, 0.5]  # goods 0, 1 and 2 draw on supplier 10
    a[11, 1], a[11, 3] = 0.6, 0.1  # good 1 draws more on 11 than on 10; good 3 only a little
    a[[12, 13, 14, 15], 0] = [0.4, 0.3, 0.2, 0.1]  # good 0 has four other suppliers with room
    asked = np.zeros(n)
    asked[[0, 1, 2, 3]] = [8.0, 6.0, 8.0, 10.0]
    # on supplier 10: 4 + 3 + 4 = 11 > 10; on 11: 3.6 + 1 = 4.6 fits. By asked × value: 1 (24), 3 (30)…
    # good 3 (30) draws nothing from 10, so it is not held; good 1 (24) is, for supplier 10, its largest overrun
    out = {p["good"]: p for p in planner.proposals(s, asked)}
    assert out[names[1]]["status"] == f"held back: {names[10]} short"
    assert [out[names[j]]["status"] for j in (0, 2, 3)] == ["feasible"] * 3
    # what each implies: the three largest positive draws, no zero entries
    assert out[names[0]]["implies"] == pytest.approx({names[10]: 4.0, names[12]: 3.2, names[13]: 2.4})
    assert out[names[3]]["implies"] == pytest.approx({names[11]: 1.0})
    assert out[names[1]]["implies"] == pytest.approx({names[11]: 3.6, names[10]: 3.0})
    # a need that exactly fills the spare capacity is feasible
    s.sector_capacity[10] = 100.0 + 11.0
    assert all(p["status"] == "feasible" for p in planner.proposals(s, asked))
    # ordered by labour value asked (asked × value), not by asked ÷ value nor by position
    s.sector_capacity[10] = 110.0
    planner.values[[0, 1, 2]] = [5.0, 0.1, 1.0]  # now good 0 (40) comes first among the users of 10
    out = {p["good"]: p for p in planner.proposals(s, asked)}
    assert out[names[0]]["status"] == f"held back: {names[10]} short"
    assert out[names[1]]["status"] == out[names[2]]["status"] == "feasible"
    # with two suppliers overrun, the status names the one the held proposal strains most
    s.sector_capacity[11] = 100.0 + 3.0  # 4.6 > 3 on supplier 11 now too
    planner.values[[0, 1, 2]] = [1.0, 4.0, 0.5]
    out = {p["good"]: p for p in planner.proposals(s, asked)}
    assert out[names[1]]["status"] == f"held back: {names[11]} short"  # 3.6 on 11 against 3.0 on 10


# --- what the vote reads: proposals, assemblies, methods (seed §5, §7f) ------------------------------------


def _voting_model(communes=3, **decision):
    """600 persons, 22 enterprises and some communes, no noise, everyone of one mind (unless `decision` says)."""
    return CouncilsModel(
        Scenario(
            seed=2,
            years=1.0,
            noise=Noise(0.0, 0.0, 0.0, 0.0),
            population=Population(consumers=600, councils=22, communes=communes),
            decision=Decision(**{"vote": True, "preference_spread": 0.0, **decision}),
            technical_change=TechnicalChange(0.0, 0.0),  # methods stay as a test sets them
            capital=Capital(wear=False),
        )
    )


def _spy_on_variants(model, monkeypatch):
    """What the vote passes the plan factory as capacity asked (the third argument), while the vote goes on."""
    seen = []
    real = model.planner.variants

    def variants(state, persons, asked, rules, change):
        seen.append(np.array(asked, dtype=float))
        return real(state, persons, asked, rules, change)

    monkeypatch.setattr(model.planner, "variants", variants)
    return seen


def test_capacity_asked_by_proposals_held_back_is_not_counted_when_variants_are_checked(monkeypatch):
    model = _voting_model()
    names = model.technology.names
    _, _, asked, _ = _two_users_ask_of_one_supplier(model)
    monkeypatch.setattr(model.councils, "ask_for_capacity", lambda state, margin: asked.copy())
    seen = _spy_on_variants(model, monkeypatch)
    model.regime.decide(model)
    proposals = model.record.decisions[-1]["proposals"]
    feasible = {p["good"] for p in proposals if p["status"] == "feasible"}
    assert len(proposals) == 2 and len(feasible) == 1  # one goes ahead, one is held back
    expected = np.array([asked[j] if names[j] in feasible else 0.0 for j in range(len(names))])
    assert len(seen) == 1
    np.testing.assert_array_equal(seen[0], expected)


@pytest.mark.parametrize("left", [0, 1])
def test_every_general_assembly_counts_its_members_a_commune_of_one_or_none_too(left):
    """An assembly of one person is an assembly; one left with nobody is on the graph but casts nothing."""
    model = _voting_model(communes=3)
    c, groups = model.consumers, model.work_groups
    last = np.flatnonzero(c.commune == 2)
    c.commune[last[left:]] = 0  # the last commune's members but `left` of them join the first
    assert np.all(c.group[c.commune >= 0] < 0)  # commune members work in no enterprise
    members = {f"council {k}": int(np.sum(groups.council[c.group[c.group >= 0]] == k)) for k in range(22)}
    members |= {f"commune {k}": int(np.sum(c.commune == k)) for k in range(3)}
    assert members["commune 2"] == left and sum(members.values()) == 600
    model.regime.decide(model)
    d = model.record.decisions[-1]
    assert d["result"] is not None
    assert {a["assembly"]: a["members"] for a in d["assemblies"]} == {k: v for k, v in members.items() if v}
    on_graph = {name: k for name, k in model.graph.nodes(data="members") if name in members}
    assert on_graph == members  # every assembly is on the graph, the empty one too


@pytest.mark.parametrize("farming_council", [False, True])
def test_the_methods_councils_report_are_their_capacity_weighted_means_by_good_without_the_communes(
    farming_council,
):
    """Labour per unit ÷ the old method's, weighted by capacity; a council farming beside the communes (a table
    the initial conditions do not build, where the communes' good is the councils' too) reports its own method."""
    model = _voting_model(communes=3)
    p, names = model.producers, model.technology.names
    councils, communes = model.councils.rows, model.communes.rows
    farm = p.sector[communes[0]]
    if farming_council:  # a council that farms beside the communes
        p.sector[councils[0]] = farm
    p.method[councils] = np.linspace(0.6, 0.95, councils.size)
    p.method[communes] = 0.5
    p.capacity[councils] *= np.linspace(0.5, 2.0, councils.size)  # unequal weights, each under a unit a week
    expected, capacity = {}, []
    for good in sorted(set(p.sector[councils])):
        rows = councils[p.sector[councils] == good]
        capacity.append(np.sum(p.capacity[rows]))
        expected[names[good]] = float(np.sum(p.capacity[rows] * p.method[rows]) / capacity[-1])
    assert (names[farm] in expected) == farming_council
    assert max(capacity) < 1.0  # the weights are normalised however small the units
    model.regime.decide(model)
    reported = model.record.decisions[-1]["methods"]
    assert reported.keys() == expected.keys()
    for good, method in expected.items():
        assert reported[good] == pytest.approx(method, rel=1e-12), good


def test_councils_without_capacity_report_the_plain_mean_of_their_methods_not_zero():
    model = _voting_model(communes=3)
    p, names = model.producers, model.technology.names
    councils = model.councils.rows
    good = np.bincount(p.sector[councils]).argmax()  # the good with the most councils
    rows = councils[p.sector[councils] == good]
    assert rows.size >= 2 and model.conditions.technical_change.rate == 0.0  # methods stay as set here
    p.capacity[rows] = 0.0  # none of the good's councils has capacity left
    p.method[rows] = np.linspace(0.7, 0.9, rows.size)
    model.regime.decide(model)
    assert model.record.decisions[-1]["methods"][names[good]] == pytest.approx(0.8, rel=1e-12)


def test_the_record_gives_each_enterprise_its_share_of_the_chosen_output_and_the_labour_values_voted_at():
    """Seed §7f (a): a week of the chosen variant's output of each good, shared among the enterprises and
    communes making it by their capacity; the labour values the vote was taken at solve ``v (I − Â) = l̂``."""
    model = _voting_model(communes=3)
    s, p, planner, names = model.state, model.producers, model.planner, model.technology.names
    n = s.stock.size
    weight = np.linspace(0.5, 2.0, p.capacity.size)
    for good in np.unique(p.sector):  # unequal capacities within each good, each good's total kept
        rows = np.flatnonzero(p.sector == good)
        p.capacity[rows] = p.capacity[rows].sum() * weight[rows] / weight[rows].sum()
    capacity, sector = p.capacity.copy(), p.sector.copy()
    assert max(np.unique(sector, return_counts=True)[1]) > 1  # some good has several producers to share it
    values = np.linalg.solve((np.eye(n) - planner.inputs_estimated).T, planner.labour_estimated)
    model.regime.decide(model)
    d = model.record.decisions[-1]
    assert d["result"] is not None
    weekly = np.asarray(d["variants"][d["result"]]["output"]) / WEEKS_PER_YEAR
    by_enterprise = np.asarray(d["enterprise_output"])
    assert by_enterprise.shape == capacity.shape
    for good in np.unique(sector):
        rows = np.flatnonzero(sector == good)
        share = capacity[rows] / capacity[rows].sum()
        np.testing.assert_allclose(by_enterprise[rows], weekly[good] * share, rtol=1e-12)
    assert d["labour_values"].keys() == {names[g] for g in s.consumer_goods}
    for g in s.consumer_goods:
        assert d["labour_values"][names[g]] == pytest.approx(values[g], rel=1e-9), names[g]


def test_each_person_is_one_first_preference_and_only_variants_put_to_the_vote_get_any():
    model = _voting_model(preference_spread=1.0)
    model.regime.decide(model)
    d = model.record.decisions[-1]
    offered = [v["offered"] for v in d["variants"]]
    assert sum(offered) >= 2  # several variants on the ballot
    first = d["first_preferences"]
    assert len(first) == len(offered) and sum(first) == 600
    assert all(count == 0 for count, on in zip(first, offered, strict=True) if not on)


def test_a_federation_of_one_mind_chooses_the_same_variant_whether_persons_or_assemblies_are_counted():
    """Seed §5: every assembly's majority is everyone's choice, so the Central Assembly's count by assemblies
    (each weighted by its members) and by persons agree, by a plain majority."""
    chosen = {}
    for aggregation in ("persons", "assemblies"):
        model = _voting_model(aggregation=aggregation)
        model.regime.decide(model)
        d = model.record.decisions[-1]
        assert d["aggregation"] == aggregation and d["how"] == "majority"
        assert d["assemblies"] and all(a["choice"] == d["result"] for a in d["assemblies"])
        chosen[aggregation] = d["result"]
    assert chosen["assemblies"] == chosen["persons"] is not None


def test_when_no_variant_fits_the_capacity_the_decision_in_force_stays_and_the_record_says_why(monkeypatch):
    model = _voting_model()
    s = model.state
    s.sector_capacity[int(np.argmax(s.plan_output))] *= 0.1  # no variant fits, and nobody asks for more
    monkeypatch.setattr(model.councils, "ask_for_capacity", lambda state, margin: np.zeros(state.stock.size))
    shares = (model.planner.private_share, model.planner.public_share)
    graph = model.graph
    model.regime.decide(model)
    d = model.record.decisions[-1]
    assert d["variants"] and not any(v["offered"] for v in d["variants"])
    assert d["result"] is None and d["how"] == "no variant within capacity"
    assert d["assemblies"] == [] and d["delegates"] == {}
    assert s.hours_per_week == 35.0 and (model.planner.private_share, model.planner.public_share) == shares
    assert model.graph is graph


def test_a_variants_row_in_the_record_gives_its_implications_and_consumption_in_five_years():
    """Seed §7f (a–e): each variant's hours, shares, consumption now and in five years, output, bottlenecks."""
    from sim.economics.plan_factory import PlanVariant
    from sim.regimes.councils import _variant_row

    v = PlanVariant(33.0, 0.7, 0.15, 0.15, np.array([1.0, 2.0]), 1000.0, 2.5e6, 3.5e6, 0.03, ("MACH",))
    row = _variant_row(v, offered=True)
    assert row == {
        "hours_per_week": 33.0,
        "private_share": 0.7,
        "public_share": 0.15,
        "investment_share": 0.15,
        "consumption_per_person": 1000.0,
        "public_consumption": 2.5e6,
        "investment": 3.5e6,
        "consumption_growth": 0.03,
        "consumption_in_5_years": pytest.approx(1000.0 * 1.03**5, rel=1e-12),
        "output": [1.0, 2.0],
        "bottlenecks": ["MACH"],
        "offered": True,
    }


@pytest.mark.parametrize("aggregation", ["persons", "assemblies"])
def test_each_years_record_says_how_firm_the_decision_was_and_what_every_rule_and_a_direct_vote_choose(aggregation):
    model = CouncilsModel(
        years=3, seed=5, **SMALL, decision_vote=True, decision_rule="ranked_pairs", decision_aggregation=aggregation
    )
    model.run()
    assert len(model.record.decisions) == 3
    for d in model.record.decisions:
        r, won = d["robustness"], d["result"]
        offered = {k for k, v in enumerate(d["variants"]) if v["offered"]}
        assert d["rule"] == "ranked_pairs" and r["rules"]["ranked_pairs"] == won
        assert r["runner_up"] in offered - {won}
        assert r["margin_share"] == pytest.approx(r["margin"] / SMALL["population_consumers"], rel=1e-12)
        assert won in r["smith_set"] and set(r["smith_set"]) <= offered
        assert (r["condorcet_winner"] is None) == (d["how"] == "cycle")
        for name in voting_rules.CONDORCET_CONSISTENT:  # each chooses within the Smith set
            assert r["rules"][name] in r["smith_set"]
        assert r["agree"] == (set(r["rules"].values()) == {won})
        assert r["differs"] == {name: r["rules"][name] != r["direct"][name] for name in voting_rules.RULES}
        if aggregation == "persons":  # the Central Assembly counts every person: a direct vote
            assert r["direct"] == r["rules"]
        in_force = d["variants"][d["in_force"]]
        assert in_force["hours_per_week"] == model.record.series("hours_per_week")[d["week"] - 1]


def test_an_unknown_voting_rule_is_refused_in_one_line_naming_the_rules_there_are(tmp_path, capsys):
    out = tmp_path / "r"
    argv = [
        "run",
        "scenarios/democratic_growth.toml",
        "--no-plots",
        "--out",
        str(out),
        "--set",
        "decision.rule=plurality",
    ]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("councils: ")
    assert "decision.rule = 'plurality'" in err[0] and "copeland, schulze, ranked_pairs, borda, approval" in err[0]
    assert not out.exists()


def _democratic_growth(rule: str, seed: int) -> CouncilsModel:
    """``scenarios/democratic_growth.toml`` at 2,000 persons for six years, with ``rule``."""
    scenario = from_dict(read_toml("scenarios/democratic_growth.toml"))
    population = dataclasses.replace(scenario.population, consumers=2000, councils=25, communes=5)
    decided = dataclasses.replace(scenario.decision, rule=rule)
    model = CouncilsModel(dataclasses.replace(scenario, seed=seed, years=6.0, population=population, decision=decided))
    model.run()
    return model


@pytest.mark.parametrize("rule", voting_rules.CONDORCET_CONSISTENT)
def test_a_decision_in_force_outside_the_smith_set_and_beaten_by_over_2_percent_does_not_stay(rule):
    """``democratic_growth``: whenever the decision in force is outside the Smith set and some variant beats it
    head to head by more than 2 % of the votes, next year's hours or investment share differ from it."""
    tested = 0
    for seed in (1, 2):
        model = _democratic_growth(rule, seed)
        hours, invested = (model.record.series(name) for name in ("hours_per_week", "investment_share"))
        voters = model.consumers.income.size
        for d in model.record.decisions:
            r, now = d["robustness"], d["in_force"]
            assert now is not None and d["variants"][now]["offered"]  # the decision in force is on the ballot
            tally = np.asarray(r["tally"])
            beaten_by = float((tally[:, now] - tally[now, :]).max()) / voters
            if now in r["smith_set"] or beaten_by <= 0.02:
                continue
            tested += 1
            week = d["week"]
            assert d["result"] != now
            assert (hours[week], invested[week]) != pytest.approx((hours[week - 1], invested[week - 1]), abs=1e-9)
    assert tested, "the decision in force was never outside the Smith set and beaten: the test does not test"


@pytest.mark.parametrize(
    ("key", "value", "phrase"),
    [
        ("runner_up", 99, "not the position of one of its"),
        ("agree", "yes", "agree"),
        ("differs", {"schulze": 1}, "must map rules to true or false"),
        ("smith_set", [-1], "not the position of one of its"),
    ],
)
def test_a_damaged_robustness_row_is_refused_in_one_line(tmp_path, capsys, key, value, phrase):
    out = tmp_path / "r"
    argv = ["run", "scenarios/democratic_growth.toml", "--years", "1", "--no-plots", "--out", str(out)]
    assert main([*argv, "--set", "population.consumers=600", "--set", "population.councils=20"]) == 0
    path = out / "decisions.json"
    decisions = json.loads(path.read_text(encoding="utf-8"))
    decisions[0]["robustness"][key] = value
    path.write_text(json.dumps(decisions), encoding="utf-8")
    capsys.readouterr()
    assert main(["decisions", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and phrase in err[0] and "robustness" in err[0]


def test_the_plans_rule_moves_the_investment_share_a_period_over_half_a_year_of_the_way_to_what_is_needed(
    monkeypatch,
):
    """Needed 0.25 against 0.15 invested: a plan every 4 weeks moves 4/26 of the way, to 0.15 + 0.1 · 4/26; a plan
    every 26 weeks or more, all the way; never beyond ``investment_max`` (0.2 here)."""
    for period, share in ((4, 0.15 + 0.1 * 4 / 26), (26, 0.25), (52, 0.25)):
        model = CouncilsModel(seed=3, years=0.1, plan_period_weeks=period, **SMALL)
        monkeypatch.setattr(model.planner, "needed_share", lambda state, asked: 0.25)
        assert model.planner.investment_share == pytest.approx(0.15, rel=1e-12)
        model.regime._invest_as_needed(model, None)
        assert model.planner.investment_share == pytest.approx(share, rel=1e-12)
    model = CouncilsModel(seed=3, years=0.1, plan_period_weeks=52, decision_investment_max=0.2, **SMALL)
    monkeypatch.setattr(model.planner, "needed_share", lambda state, asked: 0.25)
    model.regime._invest_as_needed(model, None)
    assert model.planner.investment_share == pytest.approx(0.2, rel=1e-12)


# --- the plan's rule with the vote off, worked by hand -------------------------------------------------


def test_the_investment_the_plan_needs_is_next_years_capacity_at_its_cost_in_hours_over_the_net_product():
    """Hours a year the capacity asked for and the expected growth cost, ÷ the net product's hours a year.

    Worked one good and one pair at a time: ``Σ_i Σ_j v_i K_ij (asked_j + g · capacity_j)``
    (``K``: capital per unit of yearly capacity, so 52 × per weekly unit, over 52 × the weekly
    net product). Without a net product nothing is needed.
    """
    model = _unstepped()
    planner, state = model.planner, model.state
    n = planner.values.size
    rng = np.random.default_rng(5)
    planner.values = rng.uniform(0.5, 2.0, n)
    planner.capital_per_capacity = rng.uniform(0.0, 0.3, (n, n))
    planner.expected_growth = 0.04
    state.sector_capacity = rng.uniform(10.0, 100.0, n)
    asked = rng.uniform(0.0, 5.0, n)
    for net_product in (0.5, 3_000.0):
        state.net_product = net_product
        hours = sum(
            planner.values[i] * planner.capital_per_capacity[i, j] * (asked[j] + 0.04 * state.sector_capacity[j])
            for i in range(n)
            for j in range(n)
        )
        assert planner.needed_share(state, list(asked)) == pytest.approx(hours / net_product, rel=1e-12)
    for net_product in (0.0, -1.0):
        state.net_product = net_product
        assert planner.needed_share(state, asked) == 0.0


def test_a_new_investment_share_moves_the_wage_with_the_private_share_and_one_that_leaves_nothing_is_not_taken():
    """Public 0.25, private 0.6 (investment 0.15) and a wage of 2 tokens an hour.

    Investing 0.3 leaves 0.45 private: the wage falls to 2 × 0.45 / 0.6 = 1.5. Investing all
    that the public share leaves (private exactly 0) or more changes nothing, nor does any share
    when nothing was private before.
    """
    model = _unstepped()
    planner, state = model.planner, model.state
    planner.public_share, planner.private_share, state.wage = 0.25, 0.6, 2.0
    planner.set_investment_share(0.3, state)
    assert (planner.private_share, planner.investment_share) == pytest.approx((0.45, 0.3), rel=1e-12)
    assert state.wage == pytest.approx(1.5, rel=1e-12)
    for share in (0.75, 0.8):
        planner.set_investment_share(share, state)
        assert (planner.private_share, state.wage) == pytest.approx((0.45, 1.5), rel=1e-12)
    planner.private_share = 0.0
    planner.set_investment_share(0.3, state)
    assert (planner.private_share, state.wage) == pytest.approx((0.0, 1.5), rel=1e-12)


def test_a_decision_is_by_majority_when_the_condorcet_winner_won_and_says_so_when_it_did_not():
    from sim.regimes.councils import _how

    assert (_how(2, 2), _how(1, 2), _how(0, None)) == ("majority", "not condorcet", "cycle")


def test_a_robustness_row_numbers_variants_as_the_record_does_and_a_vote_without_voters_has_no_margin_share():
    """Variants 1 and 3 of four were offered: the count goes to their rows and columns, numbers to 1 and 3."""
    from sim.regimes.councils import _robustness_row

    firm = {
        "runner_up": 0,
        "margin": 30,
        "condorcet_winner": 1,
        "smith_set": [1],
        "rules": {"schulze": 1, "borda": 0},
        "agree": False,
        "direct": {"copeland": None},
        "differs": True,
    }
    row = _robustness_row(firm, [1, 3], 4, np.array([[0, 40], [10, 0]]), 120)
    assert row["tally"] == [[0, 0, 0, 0], [0, 0, 0, 40], [0, 0, 0, 0], [0, 10, 0, 0]]
    assert (row["runner_up"], row["condorcet_winner"], row["smith_set"]) == (1, 3, [3])
    assert (row["margin"], row["margin_share"]) == (30, 0.25)
    assert row["rules"] == {"schulze": 3, "borda": 1} and row["direct"] == {"copeland": None}
    assert (row["agree"], row["differs"]) == (False, True)
    assert _robustness_row(firm, [1, 3], 4, np.zeros((2, 2)), 0)["margin_share"] == 0.0


def test_the_decision_in_force_is_found_on_the_ballot_to_a_billionth_and_not_otherwise():
    """Hours and investment share equal to nine decimals are the same decision; to the hour or share, not."""
    from types import SimpleNamespace

    model = _unstepped()
    planner, state = model.planner, model.state
    planner.public_share, planner.private_share = 0.25, 0.6  # invests 0.15000000000000002

    def ballot(*pairs):
        return [SimpleNamespace(hours_per_week=h, investment_share=i) for h, i in pairs]

    state.hours_per_week = 35.4
    assert planner.in_force(state, ballot((35.0, 0.15), (35.4, 0.1), (35.4, 0.15))) == 2
    state.hours_per_week = 35.4 + 4e-10
    assert planner.in_force(state, ballot((35.4, 0.1500000004), (35.5, 0.15))) == 0
    planner.private_share = 0.6 - 4e-10  # invests 0.1500000004
    assert planner.in_force(state, ballot((35.4, 0.15))) == 0
    assert planner.in_force(state, ballot((35.0, 0.15), (35.4, 0.16))) is None
    assert planner.in_force(state, []) is None


def test_a_ballot_is_built_around_the_hours_in_force_to_a_billionth():
    """35.5 hours carried with round-off: the ballot shows 35.5 and its neighbours 2 hours away, not 36 ± 2."""
    model = _unstepped(**VOTE)
    state, rules = model.state, model.conditions.decision
    state.hours_per_week = 35.5 + 4e-10
    variants = _ballot(model, rules)
    shown = [(v.hours_per_week, round(v.investment_share, 9)) for v in variants]
    assert {(33.5, 0.15), (35.5, 0.15), (37.5, 0.15), (35.5, 0.125), (35.5, 0.175)} <= set(shown)
    assert model.planner.in_force(state, variants) == shown.index((35.5, 0.15))


def test_every_point_of_the_ballot_is_to_a_billionth_whatever_the_round_off_of_the_decision_and_the_steps():
    """A share in force of 0.15 and steps of 2 hours and 0.025 carried with round-off (4·10⁻¹⁰).

    The ballot shows the decision in force at 0.15 exactly, its neighbours at 33.5 and 37.5
    hours and at 0.125 and 0.175, and no point off a billionth of an hour or of a share.
    """
    model = _unstepped(**VOTE)
    state, planner = model.state, model.planner
    rules = dataclasses.replace(model.conditions.decision, hours_step=2.0 + 4e-10, investment_step=0.025 + 4e-10)
    state.hours_per_week = 35.5
    planner.private_share = planner.private_share - 4e-10
    assert planner.investment_share == pytest.approx(0.15 + 4e-10, abs=1e-15)
    variants = _ballot(model, rules)
    shown = [(v.hours_per_week, v.investment_share) for v in variants]
    assert all(h == round(h, 9) and i == round(i, 9) for h, i in shown)
    assert {(33.5, 0.15), (35.5, 0.15), (37.5, 0.15), (35.5, 0.125), (35.5, 0.175)} <= set(shown)


def test_the_ballot_offers_no_more_hours_than_the_most_allowed_even_next_to_a_decision_there():
    """Hours in force at ``hours_max`` (50): its neighbour above is clipped to 50, not offered at 52."""
    model = _unstepped(**VOTE)
    state, rules = model.state, model.conditions.decision
    state.hours_per_week = rules.hours_max
    variants = _ballot(model, rules)
    assert max(v.hours_per_week for v in variants) == rules.hours_max
    assert (rules.hours_max - rules.hours_step, round(model.planner.investment_share, 9)) in {
        (v.hours_per_week, round(v.investment_share, 9)) for v in variants
    }


def test_net_exports_take_capacity_from_the_ballots_frontier():
    """Exports of a tenth of each good's capacity a week: at the shares of the grid away from the decision in force
    (0 and 0.275), the most hours offered fall, since trade needs its output whatever the hours."""
    model = _unstepped(**VOTE)
    state, rules = model.state, model.conditions.decision

    def most_offered():
        variants = _ballot(model, rules)
        return [max(v.hours_per_week for v in variants if round(v.investment_share, 9) == i) for i in (0.0, 0.275)]

    closed = most_offered()
    state.exports = state.exports + 0.1 * state.sector_capacity
    trading = most_offered()
    assert all(rules.hours_min < t < c for t, c in zip(trading, closed, strict=True))


def test_a_point_on_the_ballots_grid_is_rounded_to_a_billionth_with_or_without_a_step():
    from sim.run.planning import _on_grid

    assert _on_grid(1e6 + 0.7, 0.1, round) == 1_000_000.7  # 10000007 × 0.1 is 1000000.7000000001
    assert _on_grid(0.1500000004, 0.0, round) == 0.15
    assert (_on_grid(0.174, 0.025, round), _on_grid(37.9, 2.0, np.floor)) == (0.175, 36.0)


def test_the_growth_the_plan_expects_is_how_far_labour_values_fell_on_the_plans_output_over_the_year():
    """Values 2 and 4 hours a year ago, 1.6 and 3.2 now, on a plan of 10 and 5 units: 40 / 32 − 1 = 0.25.

    The same on a plan too small to weigh an hour (0.1 and 0.05 units); a year in which values
    rose, or a plan of nothing, expects no growth; each year compares with the values of the last.
    """
    model = _unstepped()
    planner, state = model.planner, model.state
    n = planner.values.size
    for plan, growth in (([10.0, 5.0], 0.25), ([0.1, 0.05], 0.25), ([0.0, 0.0], 0.0)):
        planner._values_year_ago = np.r_[2.0, 4.0, np.ones(n - 2)]
        planner.values = np.r_[1.6, 3.2, np.ones(n - 2)]
        state.plan_output = np.r_[plan, np.zeros(n - 2)]
        planner.observe_growth(state)
        assert planner.expected_growth == pytest.approx(growth, rel=1e-12)
    planner.values = planner.values * 1.1  # the next year, dearer
    state.plan_output = np.r_[10.0, 5.0, np.zeros(n - 2)]
    planner.observe_growth(state)
    assert planner.expected_growth == 0.0
    np.testing.assert_array_equal(planner._values_year_ago, planner.values)


@pytest.mark.parametrize("hours", [0.5, 5_000.0])
def test_public_consumption_is_scaled_to_its_decided_share_of_the_net_product_however_little_it_was(hours):
    """A public plan worth half an hour a week, or 5,000, is scaled to buy public_share × the net product."""
    model = _unstepped()
    planner, state = model.planner, model.state
    planner.refresh()
    composition = state.public_plan / (planner.values @ state.public_plan)
    state.public_plan = hours * composition
    planner.solve(state, 0, np.random.default_rng(0), np.zeros(state.stock.size))
    np.testing.assert_allclose(state.public_plan, planner.public_share * state.net_product * composition, rtol=1e-9)
