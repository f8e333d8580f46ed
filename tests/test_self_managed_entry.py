"""The self-managed market's entry (issue 29): the bank founds enterprises at a stated rate, the weakest merge.

``self_managed_market.entry`` enterprises a year are founded where a good pays above the mean
income per member; each takes the place of the enterprise paying least, which merges into
the best-paying one of its good (a soft budget: nobody dismissed, no debt written off). Off by
default (entry blocked), when nothing is founded. Whether entry narrows the dispersion over ten
years is measured by ``scripts/history_self_managed.py --entry 2`` (docs/validation.md).
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from sim.model import CouncilsModel
from sim.views.cli import main


@functools.cache
def history(entry: float, years: float = 2.0) -> tuple[CouncilsModel, np.ndarray, np.ndarray]:
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


def test_entry_founds_enterprises_and_none_without_it():
    """1.7 a year: 1.7 × 4/52 owed at each of the 26 plans after the first (which opens the books), 3.4: three."""
    founding, sectors, _ = history(1.7)
    blocked, unchanged, _ = history(0.0)
    assert founding.regime.founded == 3
    assert blocked.regime.founded == 0
    assert 0 < np.count_nonzero(founding.producers.sector != sectors) <= founding.regime.founded
    np.testing.assert_array_equal(blocked.producers.sector, unchanged)


def test_a_rate_below_one_a_plan_founds_once_its_sum_reaches_one():
    """0.4 a year: 0.4 × 4/52 owed at each plan; after 26 plans 0.8 (none), after 39 plans 1.2 (one)."""
    assert history(0.4)[0].regime.founded == 0
    assert history(0.4, years=3.0)[0].regime.founded == 1


def test_a_whole_number_a_year_founds_exactly_that_many_a_year():
    """1 a year, 13 plans a year: the thirteen 1/13ths make one founding at the 13th plan, two years make two."""
    assert history(1.0)[0].regime.founded == 2


def test_with_entry_every_balance_sheet_still_sums_to_zero_and_entrants_build_and_staff():
    """The levy moves funds between enterprises; the entrants of the first year hold capacity and members by the end."""
    m, _, _ = history(1.7)
    early = (m.regime.founded_week >= 0) & (m.regime.founded_week < 52)
    assert early.any()
    assert (m.producers.capacity[early] > 0).all() and (m.producers.workers[early] > 0).all()
    sheets = m.regime.balance_sheets(m)
    scale = max(abs(v) for v in sheets.values())
    assert scale > 0
    assert abs(sum(sheets.values())) < 1e-9 * scale


def test_every_good_made_at_the_start_is_still_made_by_an_enterprise():
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
