"""The self-managed market's entry (issue 29): the bank founds enterprises at a stated rate, the weakest merge.

``self_managed_market.entry`` enterprises a year are founded where a good pays above the mean
income per member; each takes the place of the enterprise paying least, which merges into
the best-paying one of its good (a soft budget: nobody dismissed, no debt written off). Off by
default (entry blocked), when nothing is founded. Whether entry narrows the dispersion over ten
years is measured by ``scripts/history_self_managed.py --entry 2`` (docs/validation.md).
"""

from __future__ import annotations

import numpy as np
import pytest
from shared_runs import shared

from sim.model import CouncilsModel
from sim.views.cli import main


def _history(entry: float, years: float = 2.0) -> tuple[CouncilsModel, np.ndarray, np.ndarray]:
    """The self-managed market, 1,500 persons in 40 councils, seed 2; with its first plan's sectors and incomes."""
    m = CouncilsModel(
        seed=2,
        regime="self_managed_market",
        years=years,
        population_consumers=1500,
        population_councils=40,
        self_managed_market_entry=entry,
    )
    sectors = m.producers.sector.copy()
    m.run()
    return m, sectors, m.producers.workers.copy()


history = shared(_history)


def test_entry_founds_enterprises_and_none_without_it(history):
    """1.7 a year: 1.7 × 4/52 owed at each of the 26 plans after the first (which opens the books), 3.4: three."""
    founding, sectors, _ = history(1.7)
    blocked, unchanged, _ = history(0.0)
    assert founding.regime.founded == 3
    assert blocked.regime.founded == 0
    assert 0 < np.count_nonzero(founding.producers.sector != sectors) <= founding.regime.founded
    np.testing.assert_array_equal(blocked.producers.sector, unchanged)


def test_a_rate_below_one_a_plan_founds_once_its_sum_reaches_one(history):
    """0.4 a year: 0.4 × 4/52 owed at each plan; after 26 plans 0.8 (none), after 39 plans 1.2 (one)."""
    assert history(0.4)[0].regime.founded == 0
    assert history(0.4, years=3.0)[0].regime.founded == 1


def test_a_whole_number_a_year_founds_exactly_that_many_a_year(history):
    """1 a year, 13 plans a year: the thirteen 1/13ths make one founding at the 13th plan, two years make two."""
    assert history(1.0)[0].regime.founded == 2


def test_with_entry_every_balance_sheet_still_sums_to_zero_and_entrants_build_and_staff(history):
    """The levy moves funds between enterprises; the entrants of the first year hold capacity and members by the end."""
    m, _, _ = history(1.7)
    early = (m.regime.founded_week >= 0) & (m.regime.founded_week < 52)
    assert early.any()
    assert (m.producers.capacity[early] > 0).all() and (m.producers.workers[early] > 0).all()
    sheets = m.regime.balance_sheets(m)
    scale = max(abs(v) for v in sheets.values())
    assert scale > 0
    assert abs(sum(sheets.values())) < 1e-9 * scale


def test_every_good_made_at_the_start_is_still_made_by_an_enterprise(history):
    m, sectors, _ = history(1.7)
    rows = m.councils.rows
    assert set(sectors[rows]) == set(m.producers.sector[rows])
    held = m.producers.by_sector(m.producers.capacity, m.technology.n)
    assert (held[np.unique(sectors[rows])] > 0).all()


def merged_pair(model: CouncilsModel) -> tuple[int, int]:
    """Two enterprises of one good that both hold capacity and members."""
    p = model.producers
    serving = np.flatnonzero(~p.is_commune & (p.capacity > 0) & (p.workers > 0))
    for row in serving:
        peers = serving[(p.sector[serving] == p.sector[row]) & (serving != row)]
        if peers.size:
            return int(row), int(peers[0])
    raise AssertionError("no good with two enterprises in service")


def test_a_merger_passes_members_capacity_funds_debts_and_orders_and_keeps_every_total():
    m = CouncilsModel(
        seed=2, regime="self_managed_market", years=0.5, population_consumers=1500, population_councils=40
    )
    m.run()
    regime, p, b = m.regime, m.producers, m.regime.books
    row, into = merged_pair(m)
    b.loans[row], b.orders[row], b.pipeline[1, row] = 7.0, 0.5, 0.25  # something to pass on
    b.pipeline[0, into] += 0.125  # and something to add it to
    before = {
        "capacity": (p.capacity[row], p.capacity[into], p.capacity.sum()),
        "funds": (b.funds[row], b.funds[into], b.funds.sum()),
        "loans": (b.loans[row], b.loans[into], b.loans.sum()),
        "orders": (b.orders[row], b.orders[into], b.orders.sum()),
        "pipeline": (b.pipeline[:, row].sum(), b.pipeline[:, into].sum(), b.pipeline.sum()),
    }
    method = (p.method[row] * p.capacity[row] + p.method[into] * p.capacity[into]) / (
        p.capacity[row] + p.capacity[into]
    )
    members, workers = p.workers[row], p.workers[into]
    working = np.count_nonzero(m.consumers.group >= 0)
    regime._merge(m, row, into)
    after = {
        "capacity": (p.capacity[row], p.capacity[into], p.capacity.sum()),
        "funds": (b.funds[row], b.funds[into], b.funds.sum()),
        "loans": (b.loans[row], b.loans[into], b.loans.sum()),
        "orders": (b.orders[row], b.orders[into], b.orders.sum()),
        "pipeline": (b.pipeline[:, row].sum(), b.pipeline[:, into].sum(), b.pipeline.sum()),
    }
    for name, (mine, theirs, total) in before.items():
        assert after[name][0] == 0.0, name
        assert after[name][1] == pytest.approx(mine + theirs), name
        assert after[name][2] == pytest.approx(total), name
    assert p.method[into] == pytest.approx(method)
    assert p.workers[row] == 0 and p.workers[into] == members + workers
    assert np.count_nonzero(m.consumers.group >= 0) == working  # nobody dismissed


def test_an_entrant_is_founded_in_a_good_paying_above_the_mean():
    """One founding at the first plan it is due: the good's income per member beats the mean, the place's did not."""
    m = CouncilsModel(
        seed=2, regime="self_managed_market", years=0.5, population_consumers=1500, population_councils=40
    )
    m.run()
    regime, p = m.regime, m.producers
    members = p.workers.astype(float)
    working = ~p.is_commune & (members > 0)
    paid = regime.member_income * members
    mean = paid[working].sum() / members[working].sum()
    by_good = np.bincount(p.sector[working], weights=paid[working], minlength=m.technology.n)
    per_member = by_good / np.maximum(
        np.bincount(p.sector[working], weights=members[working], minlength=by_good.size), 1
    )
    income_before = regime.member_income.copy()
    capacity_before = p.capacity.copy()
    assert regime._found(m)
    [row] = np.flatnonzero(~p.is_commune & (capacity_before > 0) & (p.capacity == 0))  # the entrant's place
    assert per_member[p.sector[row]] == pytest.approx(per_member.max())
    assert per_member[p.sector[row]] > mean
    assert income_before[row] < mean
    assert p.capacity[row] == 0.0 and p.workers[row] == 0 and regime.books.orders[row] == 0.0
    size = (
        m.conditions.self_managed_market.entry_size * p.capacity[(p.sector == p.sector[row]) & (p.capacity > 0)].mean()
    )
    assert regime.to_build[row] == pytest.approx(size)
    assert regime.build_step[row] == pytest.approx(size * m.conditions.plan.period_weeks / 52)


@pytest.mark.parametrize("value", ["-1", "13", "nan"])
def test_a_bad_entry_rate_is_refused_in_one_line(tmp_path, capsys, value):
    out = tmp_path / "out"
    argv = ["run", "scenarios/baseline.toml", "--years", "0.05", "--no-plots", "--out", str(out)]
    assert main([*argv, "--set", "regime=self_managed_market", "--set", f"self_managed_market.entry={value}"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("councils: ") and "self_managed_market.entry" in err[0]
    assert not out.exists()


@pytest.mark.parametrize("short", [False, True])
def test_a_new_enterprises_step_is_ordered_and_levied_on_the_others_spare_funds_worked_by_hand(short, monkeypatch):
    """A new enterprise (row 2, OUT) with 3 units a week still to order, 1 a plan. A unit of OUT's capacity
    holds 2 units of IN at 0.9375 tokens, for a year: c = 52 · 2 · 0.9375 = 97.5 tokens.

    Spare funds are funds beyond working capital and orders, of the enterprises there from the start only:
    funds 10 + 2c and 20 + c over working capital 10 and 20 leave 2c and c (3c ≥ c): the step is ordered whole,
    its cost levied 2 : 1 on them, and it orders ¼ unit a week over a plan of 4 weeks, 2 units left to order.
    With only c/4 spare in each, half the step is ordered: the levy takes all their spare funds, 2.5 units left.
    """
    from test_regimes_hand_worked import model_of

    from sim.regimes.enterprises import MarketEconomy

    monkeypatch.setattr(MarketEconomy, "_order", lambda self, model, working: None)  # the incumbents' own orders
    model = model_of(regime="self_managed_market", capital=True)
    regime, b = model.regime, model.regime.books
    c = 97.5
    np.testing.assert_allclose(regime.capacity_cost(model), [0.0, c, c], rtol=1e-12)
    regime.founded = 1
    regime.founded_week, regime.build_step = np.array([-1, -1, 5]), np.ones(3)
    regime.to_build = np.array([0.0, 0.0, 3.0])
    b.orders[:] = 0.0
    working = np.array([10.0, 20.0, 0.0])
    b.funds = np.array([10.0 + c / 4, 20.0 + c / 4, 7.0]) if short else np.array([10.0 + 2 * c, 20.0 + c, 7.0])
    before = b.funds.sum()
    regime._order(model, working)
    scale = 0.5 if short else 1.0
    expected = [10.0, 20.0, 7.0 + c / 2] if short else [10.0 + 2 * c - c * 2 / 3, 20.0 + c - c / 3, 7.0 + c]
    np.testing.assert_allclose(b.funds, expected, rtol=1e-12)
    assert b.funds.sum() == pytest.approx(before, rel=1e-12)  # founding creates no money
    np.testing.assert_allclose(b.orders, [0.0, 0.0, scale / 4], rtol=1e-12)
    np.testing.assert_allclose(regime.to_build, [0.0, 0.0, 3.0 - scale], rtol=1e-12)
    np.testing.assert_allclose(model.state.capacity_plan, [0.0, scale / 4], rtol=1e-12)


C = 97.5  # tokens a unit of OUT's weekly capacity costs (above)


@pytest.mark.parametrize(
    ("funds", "ordered", "to_build", "expected_funds", "expected_orders", "left"),
    [
        # row 1 ordered ⅛ unit a week of its own, c/2 over the plan: beyond it, its spare is c, as above
        ([10 + 2 * C, 20 + 1.5 * C, 7.0], 1 / 8, 3.0, [10 + 4 / 3 * C, 20 + 7 / 6 * C, 7 + C], [0, 1 / 8, 1 / 4], 2.0),
        # row 0 holds less than its working capital: nothing spare, and row 1 pays it all
        ([5.0, 20 + C, 7.0], 0.0, 3.0, [5.0, 20.0, 7 + C], [0, 0, 1 / 4], 2.0),
        # a step of a thousandth of a unit (0.0975 tokens) is ordered and levied 2 : 1 like any other
        ([10 + 2 * C, 20 + C, 7.0], 0.0, 0.001, [10 + 2 * C - 0.065, 20 + C - 0.0325, 7.0975], [0, 0, 0.00025], 0.0),
        # half a token spare in all: that much of the step is ordered
        ([10.25, 20.25, 7.0], 0.0, 3.0, [10.0, 20.0, 7.5], [0, 0, 0.5 / C / 4], 3 - 0.5 / C),
        # nothing spare: nothing ordered, nothing levied
        ([10.0, 20.0, 7.0], 0.0, 3.0, [10.0, 20.0, 7.0], [0, 0, 0], 3.0),
    ],
    ids=["orders-of-their-own", "below-working-capital", "a-thousandth", "half-a-token", "nothing-spare"],
)
def test_the_levy_for_a_founding_in_the_cases_at_its_edges_worked_by_hand(
    funds, ordered, to_build, expected_funds, expected_orders, left, monkeypatch
):
    """The economy above, working capital 10 and 20; each case says what changes (c = 97.5 tokens)."""
    from test_regimes_hand_worked import model_of

    from sim.regimes.enterprises import MarketEconomy

    monkeypatch.setattr(MarketEconomy, "_order", lambda self, model, working: None)
    model = model_of(regime="self_managed_market", capital=True)
    regime, b = model.regime, model.regime.books
    regime.founded = 1
    regime.founded_week, regime.build_step = np.array([-1, -1, 5]), np.ones(3)
    regime.to_build = np.array([0.0, 0.0, to_build])
    b.orders[:] = [0.0, ordered, 0.0]
    b.funds = np.array(funds)
    regime._order(model, np.array([10.0, 20.0, 0.0]))
    np.testing.assert_allclose(b.funds, expected_funds, rtol=1e-12)
    np.testing.assert_allclose(b.orders, expected_orders, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(regime.to_build, [0.0, 0.0, left], rtol=1e-12, atol=1e-15)


def test_nothing_is_ordered_for_a_founding_before_any_or_once_it_has_all_its_capacity(monkeypatch):
    from test_regimes_hand_worked import model_of

    from sim.regimes.enterprises import MarketEconomy

    monkeypatch.setattr(MarketEconomy, "_order", lambda self, model, working: None)
    model = model_of(regime="self_managed_market", capital=True)
    regime, b = model.regime, model.regime.books
    funds = b.funds.copy()
    regime._order(model, np.zeros(3))  # none founded
    np.testing.assert_array_equal(b.funds, funds)
    regime.founded = 1
    regime.founded_week, regime.to_build, regime.build_step = np.array([-1, -1, 5]), np.zeros(3), np.ones(3)
    regime._order(model, np.zeros(3))  # all of it ordered
    np.testing.assert_array_equal(b.funds, funds)


def founding_economy(incomes, communes=(False, False, False)):
    """The three enterprises worked by hand (IN; OUT, OUT) with 135, 68 and 97 members, in week 9.

    Capacity 100, 40 and 60 units a week, methods 0.9, 0.8 and 1.2, orders 1, 2 and 3 units a
    week; each pays ``incomes`` per member, tokens a week.
    """
    from test_regimes_hand_worked import model_of

    model = model_of(regime="self_managed_market", capital=True)
    p, regime = model.producers, model.regime
    np.testing.assert_array_equal(p.workers, [135, 68, 97])
    p.capacity[:] = [100.0, 40.0, 60.0]
    p.method[:] = [0.9, 0.8, 1.2]
    p.is_commune[:] = communes
    regime.books.orders[:] = [1.0, 2.0, 3.0]
    regime.member_income = np.array(incomes, dtype=float)
    model.week = 9
    return model


def test_a_founding_takes_the_weakest_place_in_a_shared_good_and_makes_the_good_paying_most_worked_by_hand():
    """Incomes 30, 20, 10 a member: the mean is (30·135 + 20·68 + 10·97) / 300 = 21.27, IN's 30 above it.

    OUT's enterprises are both below it and share their good; the weaker (row 2, 10) merges into the
    other (row 1): capacity 40 + 60 = 100, method (0.8·40 + 1.2·60) / 100 = 1.04, members 68 + 97 = 165,
    orders 2 + 3 = 5. In its place an enterprise of IN, with IN's method 0.9, nothing paid and nothing
    ordered yet, to order ½ × IN's 100 units = 50 units a week over a year, 50 × 4/52 at each plan. The
    plan's capacity by good is then the orders 1 and 5; its investment 2 units of IN per unit of OUT's
    capacity for a year: 2 × 52 × 5 = 520.
    """
    model = founding_economy([30.0, 20.0, 10.0])
    p, regime = model.producers, model.regime
    assert regime._found(model)
    np.testing.assert_array_equal(p.sector, [0, 1, 0])
    np.testing.assert_allclose(p.capacity, [100.0, 100.0, 0.0], rtol=1e-12)
    np.testing.assert_allclose(p.method, [0.9, 1.04, 0.9], rtol=1e-12)
    np.testing.assert_array_equal(p.workers, [135, 165, 0])
    np.testing.assert_allclose(regime.books.orders, [1.0, 5.0, 0.0], rtol=1e-12)
    np.testing.assert_array_equal(regime.goods_of, [[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    np.testing.assert_array_equal(regime.member_income, [30.0, 20.0, 0.0])
    np.testing.assert_array_equal(regime.founded_week, [-1, -1, 9])
    np.testing.assert_allclose(regime.to_build, [0.0, 0.0, 50.0], rtol=1e-12)
    np.testing.assert_allclose(regime.build_step, [0.0, 0.0, 50.0 * 4 / 52], rtol=1e-12)
    np.testing.assert_allclose(model.state.capacity_plan, [1.0, 5.0], rtol=1e-12)
    np.testing.assert_allclose(model.state.investment_plan, [520.0, 0.0], rtol=1e-12)
    assert not regime._found(model)  # each good is now made by one enterprise in service: no place left


def test_an_enterprise_alone_in_its_good_is_no_place_even_if_it_pays_least_worked_by_hand():
    """Incomes 10, 50, 12: mean (1,350 + 3,400 + 1,164) / 300 = 19.71; OUT pays (3,400 + 1,164) / 165 = 27.66.

    IN's enterprise pays least but is IN's only one: the place is OUT's row 2 (12), merged into row 1,
    and the entrant makes OUT again, ½ of OUT's mean capacity per enterprise (100 and 0 after the
    merger: 50) = 25 units a week, with OUT's method in use (1.04).
    """
    model = founding_economy([10.0, 50.0, 12.0])
    p, regime = model.producers, model.regime
    assert regime._found(model)
    np.testing.assert_array_equal(p.sector, [0, 1, 1])
    np.testing.assert_allclose(p.capacity, [100.0, 100.0, 0.0], rtol=1e-12)
    np.testing.assert_allclose(p.method, [0.9, 1.04, 1.04], rtol=1e-12)
    np.testing.assert_array_equal(p.workers, [135, 165, 0])
    np.testing.assert_allclose(regime.to_build, [0.0, 0.0, 25.0], rtol=1e-12)


@pytest.mark.parametrize(
    ("incomes", "communes", "why"),
    [
        ([26.0, 26.0, 26.0], (False, False, False), "every good pays the mean"),
        ([10.0, 30.0, 30.0], (False, False, False), "the only enterprise below the mean is alone in its good"),
        ([100.0, 20.0, 10.0], (True, False, False), "only a commune pays above the mean, and communes do not count"),
        # 135 · 3.9375 + 68 · 10 + 97 · 18.4375 = 3,000 over 300 members: the mean is 10 to the last bit.
        ([3.9375, 10.0, 18.4375], (False, False, False), "the only shared enterprise not above the mean pays it"),
    ],
)
def test_no_founding_where_no_good_pays_above_the_mean_or_no_place_is_left(incomes, communes, why):
    """Nothing changes and ``False`` is returned (:meth:`SelfManagedMarket.close` then waits a plan)."""
    model = founding_economy(incomes, communes)
    p, regime = model.producers, model.regime
    before = (p.sector.copy(), p.capacity.copy(), p.workers.copy(), regime.books.orders.copy())
    assert not regime._found(model), why
    for was, now in zip(before, (p.sector, p.capacity, p.workers, regime.books.orders), strict=True):
        np.testing.assert_array_equal(now, was)
    assert regime.founded_week is None


@pytest.mark.parametrize("building", [[2], [1, 2]])
def test_an_enterprise_still_building_is_no_place(building):
    """Row 2 pays least but has no capacity yet (an entrant): OUT keeps one enterprise in service, or none."""
    model = founding_economy([30.0, 20.0, 10.0])
    model.producers.capacity[building] = 0.0
    assert not model.regime._found(model)
    np.testing.assert_array_equal(model.producers.workers, [135, 68, 97])


def keep_members(model, row: int, members: int):
    """Members of ``row`` leave (they retire or quit) until ``members`` are left."""
    c, groups, councils = model.consumers, model.work_groups, model.councils
    count = np.where(councils.rows == row, model.producers.workers[councils.rows] - members, 0)
    groups.release(c, councils.members_drawn(c, groups, count, model.rng), model.rng)
    councils.staff(c.group, groups, model.state.hours_per_week)
    assert model.producers.workers[row] == members


def test_an_enterprise_of_one_member_is_a_place_and_one_without_members_is_none():
    """Row 2, paying least, keeps 1 member: the mean (4,050 + 1,360 + 10) / 204 = 26.57, row 2 merges into row 1.

    Without members it is not an enterprise at work: OUT has one in service (row 1), and no place is left.
    """
    model = founding_economy([30.0, 20.0, 10.0])
    keep_members(model, 2, 1)
    assert model.regime._found(model)
    np.testing.assert_array_equal(model.producers.workers, [135, 69, 0])
    model = founding_economy([30.0, 20.0, 10.0])
    keep_members(model, 2, 0)
    assert not model.regime._found(model)


def test_a_good_paying_a_little_above_the_mean_draws_a_founding():
    """Incomes 20.5, 20, 19: the mean (2,767.5 + 1,360 + 1,843) / 300 = 19.90; IN's 20.5 is above it by 0.6 a week."""
    model = founding_economy([20.5, 20.0, 19.0])
    assert model.regime._found(model)
    np.testing.assert_array_equal(model.producers.sector, [0, 1, 0])


def test_the_weakest_place_merges_into_the_best_paying_enterprise_of_its_good():
    """Five enterprises, IN's two and OUT's three (63, 72; 66, 46, 53 members): OUT's row 3 pays least (10) and
    merges into row 4 (25), not row 2 (20); IN pays (63 · 30 + 72 · 28) / 135 = 28.93 a member, above the mean
    7,011 / 300 = 23.37."""
    from test_regimes_hand_worked import model_of

    model = model_of(regime="self_managed_market", capital=True, population_councils=5)
    p, regime = model.producers, model.regime
    np.testing.assert_array_equal(p.sector, [0, 0, 1, 1, 1])
    np.testing.assert_array_equal(p.workers, [63, 72, 66, 46, 53])
    regime.member_income = np.array([30.0, 28.0, 20.0, 10.0, 25.0])
    assert regime._found(model)
    np.testing.assert_array_equal(p.workers, [63, 72, 66, 0, 99])
    np.testing.assert_array_equal(p.sector, [0, 0, 1, 0, 1])


def test_a_founding_that_finds_no_place_waits_a_plan_and_is_not_lost_or_doubled(monkeypatch):
    """1.7 a year owes 1.7 × 4/52 = 0.1308 at each plan: from 0.9 the sum passes 1, but no good draws one (``_found``
    fails): one founding waits, owed as exactly 1. At the next plan it is made once, and 0.1308 is left owed."""
    from test_regimes_hand_worked import model_of

    from sim.regimes.self_managed_market import SelfManagedMarket

    model = model_of(regime="self_managed_market", self_managed_market_entry=1.7)
    regime = model.regime
    regime.due = 0.9
    monkeypatch.setattr(SelfManagedMarket, "_found", lambda self, model: False)
    regime.close(model)
    assert (regime.due, regime.founded) == (1.0, 0)
    monkeypatch.setattr(SelfManagedMarket, "_found", lambda self, model: True)
    regime.close(model)
    assert regime.founded == 1
    assert regime.due == pytest.approx(1.7 * 4 / 52, rel=1e-12)


def test_no_founding_under_equal_investment_whatever_is_owed(monkeypatch):
    """Under ``comparison.investment = "equal"`` the treasury pays for capacity: no levy, so no founding."""
    from test_regimes_hand_worked import model_of

    from sim.regimes.self_managed_market import SelfManagedMarket

    model = model_of(regime="self_managed_market", self_managed_market_entry=1.7, comparison_investment="equal")
    regime = model.regime
    regime.due = 0.95
    monkeypatch.setattr(SelfManagedMarket, "_found", lambda self, model: True)
    regime.close(model)
    assert (regime.due, regime.founded) == (0.95, 0)
