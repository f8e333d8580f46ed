"""The same macroeconomy under every regime (issue 24): capacity that wears, credit, unemployment, SFC accounts."""

from __future__ import annotations

import numpy as np
import pytest

from sim.economics import banking, capital, firms
from sim.economics.units import WEEKS_PER_YEAR
from sim.model import CouncilsModel

SMALL = dict(population_consumers=2000, population_councils=30, population_communes=10)
REGIMES = ("councils", "fixed_plan", "market", "self_managed_market")


# --- capacity wears out and is renewed (sim.economics.capital) ------------------------------------


def test_capacity_depreciation_is_the_value_weighted_rate_of_its_capital():
    capital_held = np.array([[2.0, 0.0, 0.1], [1.0, 0.0, 0.3]])  # good 0 holds 2 of capital good 0, 1 of good 1
    rate = capital.capacity_depreciation(capital_held, [0.1, 0.3], [1.0, 2.0])
    # (1·2·0.1 + 2·1·0.3) / (1·2 + 2·1) = 0.8 / 4; good 1 holds none; good 2: (0.01 + 0.18) / 0.7
    assert rate == pytest.approx([0.2, 0.0, 0.19 / 0.7])
    assert np.isfinite(capital.capacity_depreciation(np.zeros((2, 2)), [0.1, 0.3], [1.0, 1.0])).all()


def test_idle_capacity_wears_out_and_used_capacity_is_renewed():
    # 52 % a year: 1 % a week. Capacity 100, output 39 at a base utilisation 0.78: 50 are held.
    after, renewed = capital.wear([100.0], [39.0], [0.52], [0.78])
    assert after == pytest.approx([100.0 - 0.01 * (100.0 - 50.0)])
    assert renewed == pytest.approx([0.01 * 50.0 / 99.5])
    # Capacity at what output holds, or used beyond the base year's rate, neither grows nor shrinks.
    assert capital.wear([50.0], [39.0], [0.52], [0.78])[0] == pytest.approx([50.0])
    after, renewed = capital.wear([10.0], [9.0], [5.2], [0.5])
    assert after == pytest.approx([10.0]) and renewed == pytest.approx([0.1])
    # Nothing there, nothing renewed (not 0/0).
    after, renewed = capital.wear([0.0, 4.0], [0.0, 1.0], [0.52, 0.52], [0.5, 0.5])
    assert after == pytest.approx([0.0, 4.0 - 0.01 * 2.0]) and renewed == pytest.approx([0.0, 0.01 * 2.0 / 3.98])
    # It never falls below what was made.
    assert capital.wear([10.0], [9.0], [52.0], [0.95])[0] == pytest.approx([10.0 - (10.0 - 9.0 / 0.95)])
    assert capital.wear([10.0], [2.0], [52.0], [1.0])[0] == pytest.approx([2.0])


def test_new_capacity_lowers_the_method_by_its_share():
    assert capital.improved_method([1.0, 0.8], [0.1, 0.0], 0.2) == pytest.approx([0.98, 0.8])
    # A share is a share: below 0 nothing is new, above 1 everything is.
    assert capital.improved_method([1.0, 1.0], [-0.5, 1.5], 0.2) == pytest.approx([1.0, 0.8])


# --- the bank (sim.economics.banking) -------------------------------------------------------------


def test_taylor_rule_by_hand_and_never_below_zero():
    # r* 2 %, π 3 %, π* 2 %, u 5 % = u*: 0.02 + 0.03 + 0.5·0.01 = 0.055
    assert banking.taylor_rate(0.03, 0.05, 0.05, 0.02, 0.02) == pytest.approx(0.055)
    # Unemployment 2 points above the natural rate lowers it by ½·2·0.02 = 0.02.
    assert banking.taylor_rate(0.03, 0.07, 0.05, 0.02, 0.02) == pytest.approx(0.035)
    assert banking.taylor_rate(-0.05, 0.20, 0.05, 0.02, 0.02) == 0.0


def test_credit_borrowing_and_repayment_by_hand():
    room = banking.credit_room([10.0, 60.0], [100.0, 100.0], 0.5)
    assert room == pytest.approx([40.0, 0.0])
    assert banking.borrowing([30.0, 30.0], [5.0, 50.0], room) == pytest.approx([25.0, 0.0])
    assert banking.borrowing([80.0], [5.0], [40.0]) == pytest.approx([40.0])
    assert banking.borrowing([5.5], [5.0], [40.0]) == pytest.approx([0.5])  # a small need is lent in full
    # Due over 4 of 260 weeks: 1/65 of the debt; spare funds repay more, never beyond the debt.
    assert banking.repayment([130.0, 130.0, 10.0], [0.0, 50.0, 50.0], 260.0, 4) == pytest.approx([2.0, 50.0, 10.0])
    assert banking.repayment([130.0], [2.5], 260.0, 4) == pytest.approx([2.5])  # spare funds beyond the instalment
    assert banking.repayment([13.0], [0.5], 260.0, 4) == pytest.approx([0.5])  # a little spare beyond a little due
    assert banking.repayment([130.0], [-9.0], 260.0, 4) == pytest.approx([2.0])  # the instalment, whatever the funds
    assert banking.repayment([10.0], [0.0], 4.0, 8) == pytest.approx([10.0])  # a term past: all of it


# --- stock-flow consistency, every regime ---------------------------------------------------------


@pytest.mark.parametrize("regime", REGIMES)
def test_every_sectors_balance_sheet_sums_to_zero_every_week(regime):
    extra = {"market_firing": 0.5, "bank_credit": True, "capital_wear": True} if regime == "market" else {}
    model = CouncilsModel(seed=5, regime=regime, years=3, **SMALL, **extra)
    scale = 0.0
    for _ in range(model.conditions.weeks):
        model.step()
        sheets = model.regime.balance_sheets(model)
        scale = max(scale, *(abs(v) for v in sheets.values()))
        assert abs(sum(sheets.values())) <= 1e-9 * scale, (model.week, sheets)
    assert len(sheets) >= 2 and scale > 0


def test_a_loan_creates_its_deposit_and_interest_goes_to_the_bank_then_to_the_owners():
    model = CouncilsModel(seed=2, regime="market", years=1, bank_credit=True, **SMALL)
    model.run(8)
    regime, b = model.regime, model.regime.books
    b.funds[:] = 0.0  # every enterprise short of its working capital: it borrows what its credit allows
    working = regime.working_capital(model)
    before, owed = sum(regime.balance_sheets(model).values()), b.loans.copy()
    regime._borrow(model, working)
    assert (b.loans > owed).any()
    assert b.funds == pytest.approx(b.loans - owed)  # the deposit a loan creates
    assert sum(regime.balance_sheets(model).values()) == pytest.approx(before, abs=1e-6)
    b.loan_rate = 0.05
    owners_before = model.consumers.savings[regime.owners].sum()
    model.run(4)
    assert b.bank_equity > 0 or model.consumers.savings[regime.owners].sum() > owners_before
    # Setting the funds to 0 took tokens out of the economy; none appears or vanishes since.
    assert sum(regime.balance_sheets(model).values()) == pytest.approx(before, abs=1e-9 * b.issued)


# --- employment ------------------------------------------------------------------------------------


def test_the_market_fires_hands_it_does_not_need_and_records_unemployment():
    fired = CouncilsModel(seed=4, regime="market", years=1, market_firing=1.0, **SMALL)
    fired.run(50)  # no plan since the last pay (plans every 4 weeks): who is jobless now was jobless then
    kept = CouncilsModel(seed=4, regime="market", years=1, market_firing=0.0, **SMALL)
    kept.run()
    u = fired.record.series("unemployment_rate")
    assert u[-1] > 0.02  # the market's demand does not employ everyone
    assert (kept.record.series("unemployment_rate") == 0).all()
    # Hours paid are hours of the employed; the unemployed get the benefit, and nothing from work.
    paid = fired.record.series("hours_paid")
    assert paid[-1] == pytest.approx(fired.state.hours_per_week * (1 - u[-1]))
    jobless = fired.regime.jobless(fired) & ~fired.regime.owners  # owners keep their dividends
    benefit = fired.conditions.market.benefit * fired.regime.money_wage * fired.state.hours_per_week
    got = fired.consumers.income[jobless]
    assert got.size and np.ptp(got) == pytest.approx(0.0, abs=1e-9)
    assert 0.5 * benefit < got[0] < benefit  # the benefit, less the income tax
    worker = fired.consumers.income[fired.consumers.workers & ~fired.regime.owners]
    assert got[0] < np.median(worker)


def idle_against_reserve(regime: str, seed: int, **population) -> tuple[float, float, float]:
    """The baseline economy (5,000 persons, 3 years), its last year: idle paid hours, the reserve it states, and
    the hours of its producers' targets left unmade, each a share of the hours paid.

    Unmade hours are those of ``target − output`` wherever output fell short, for want of inputs, capacity or
    hands: a bound that also counts hands that were all used (a tighter one, without those, is in
    ``docs/regimes.md``, where the councils exceed it too).

    ``population``: keyword parameters of the persons and enterprises, over the scenario's defaults.

    The stated reserve: ``plan.labour_reserve`` of the hours the enterprises use (``r / (1 + r)`` of those
    they pay), and the farms' spare hands (``1 − 1 / staffing`` of theirs, seed §9a).
    """
    from sim.run.scenario import from_parameters, load_scenario

    base = load_scenario("scenarios/baseline.toml")
    m = CouncilsModel(from_parameters(base, regime=regime, seed=seed, population_consumers=5000, years=3, **population))
    r, hours = m.conditions.plan.labour_reserve, m.state.hours_per_week
    paid = farms = short = 0.0
    for week in range(m.conditions.weeks):
        m.step()
        if week >= m.conditions.weeks - WEEKS_PER_YEAR:
            p, rows = m.producers, m.councils.rows
            labour = (m.councils.labour[p.sector] * p.method)[rows]
            paid += float(p.workers.sum()) * hours
            farms += float(p.workers[m.communes.rows].sum()) * hours
            short += float(np.maximum(p.target[rows] - p.output[rows], 0.0) @ labour)
    summary = m.record.summary()
    idle = 1.0 - summary["hours_used_last_year"] / summary["hours_paid_last_year"]
    reserve = (paid - farms) / paid * r / (1 + r) + farms / paid * (1 - 1 / m.communes.staffing)
    return idle, reserve, short / paid


@pytest.mark.parametrize("population", ("national", "like-sized"))
def test_the_market_pays_no_idle_hours_beyond_its_reserve_and_the_people_it_does_not_need_are_unemployed(
    population,
):
    """Issue 24: enterprises hire and fire toward their targets' hours with the labour reserve, down to one
    person, family farms keep their spare hands and shed the rest, so what idles beyond the reserve is no more
    than the hours of targets left unmade (before, enterprises laid off half the hands beyond a need rounded
    up, farms kept every member, and 8 % of hours paid idled against a reserve of 5 %; and with enterprises at
    national proportions, held at the councils' smallest work group of 10, the smallest idled a third of the
    hours they paid: 6.9 % in all, seed 1)."""
    like_sized = population == "like-sized"
    for seed in (1, 2):
        idle, reserve, short = idle_against_reserve("market", seed, **(EQUAL_ENTERPRISES if like_sized else {}))
        assert reserve < idle <= reserve + short, (seed, idle, reserve, short)


#: 100 enterprises of like sizes and the sample's noise, the setting the test above was first written in.
EQUAL_ENTERPRISES = dict(population_councils=100, population_represents="sample")


# --- investment that pays -------------------------------------------------------------------------


# The self-managed market is left out: its members share net income whatever hours its output needs, so
# better methods leave members idle rather than raise output per hour paid (hiring is the regimes' history issue).
@pytest.mark.parametrize("regime", ("councils", "fixed_plan", "market"))
def test_output_per_hour_rises_with_embodied_technical_change(regime):
    change = dict(technical_change_rate=0.01, technical_change_embodied=0.2, capital_wear=True)
    model = CouncilsModel(seed=6, regime=regime, years=3, **SMALL, **change)
    growth = model.run()["output_per_hour_growth"]
    per_hour = model.record.series("output_per_hour")  # from the first year's mean to the last's, per year
    assert growth == pytest.approx((per_hour[-52:].mean() / per_hour[:52].mean()) ** (1 / (per_hour.size / 52 - 1)) - 1)
    still = CouncilsModel(seed=6, regime=regime, years=3, **SMALL).run()["output_per_hour_growth"]
    assert growth > 0  # output per paid hour rises along the run
    assert growth - still > 0.005  # by more than half a point a year over the same economy without it


def test_the_plans_rule_keeps_capacity_utilisation_where_the_fixed_share_lets_it_drift_down():
    # the plan's rule moves the investment share only where the assemblies do not vote
    change = dict(technical_change_rate=0.01, technical_change_embodied=0.2, capital_wear=True, years=5)
    change["decision_vote"] = False
    need = CouncilsModel(seed=7, plan_investment_rule="need", **SMALL, **change)
    share = CouncilsModel(seed=7, plan_investment_rule="share", **SMALL, **change)
    need.run()
    share.run()

    def yearly(model):
        u = model.record.series("capacity_utilisation")
        return u[: u.size // 52 * 52].reshape(-1, 52).mean(axis=1)

    assert yearly(share)[-1] < yearly(share)[1] - 0.02  # a fixed 15 % builds capacity nobody uses
    assert yearly(need)[-1] > yearly(need)[1] - 0.015
    assert need.planner.investment_share < share.planner.investment_share


# --- exit ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("exit_weeks", [0, 2])
def test_an_enterprise_whose_net_worth_stays_negative_closes_and_its_debt_is_written_off(exit_weeks):
    model = CouncilsModel(seed=2, regime="market", years=1, market_exit_weeks=exit_weeks, **SMALL)
    model.run(8)
    regime, b, producers = model.regime, model.regime.books, model.producers
    row = model.councils.rows[0]
    b.loans[row] += 10 * regime.capital_value(model)[row]  # a debt it cannot carry (booked without a deposit)
    before = sum(regime.balance_sheets(model).values())
    model.run(8)  # two plans
    assert sum(regime.balance_sheets(model).values()) == pytest.approx(before, abs=1e-9 * b.issued)
    if exit_weeks == 0:  # never closes
        assert not regime.closed.any() and b.loans[row] > 0
        return
    assert regime.closed[row] and regime.exits == 1
    assert producers.capacity[row] == 0 and producers.workers[row] == 0 and b.loans[row] == 0
    assert b.orders[row] == 0 and not b.pipeline[:, row].any()
    assert regime.unemployment_rate(model) > 0


# --- entry -----------------------------------------------------------------------------------------


def test_entry_sectors_by_hand():
    # Goods 0, 1, 2; enterprises: two in good 0, one each in goods 1 and 2, one closed in good 2.
    profit = np.array([10.0, 10.0, 30.0, 2.0, 1_000.0])  # tokens a year
    value = np.array([100.0, 100.0, 100.0, 100.0, 100.0])
    sector = np.array([0, 0, 1, 2, 2])
    active = np.array([True, True, True, True, False])  # the closed one's profit does not count
    # Rates: good 0 20/200 = 0.10, good 1 0.30, good 2 0.02; the economy's 52/400 = 0.13.
    drawn = firms.entry_sectors
    np.testing.assert_array_equal(drawn(profit, value, sector, active, 3, 0.0), [1])
    np.testing.assert_array_equal(drawn(profit, value, sector, active, 3, 0.17), [])  # 0.30 is not above 0.13 + 0.17
    np.testing.assert_array_equal(drawn(profit, value, sector, active, 3, 0.16), [1])
    profit[0] = 40.0  # good 0: 50/200 = 0.25; the economy's 82/400 = 0.205: both above, the most profitable first
    np.testing.assert_array_equal(drawn(profit, value, sector, active, 3, 0.0), [1, 0])
    assert drawn(profit, np.zeros(5), sector, active, 3, 0.0).size == 0  # no capital, no rate


@pytest.mark.parametrize("entry", [False, True])
def test_a_closed_enterprises_place_is_taken_where_profits_are_high_from_the_owners_savings(entry):
    model = CouncilsModel(
        seed=2, regime="market", years=1, market_exit_weeks=2, market_entry=entry, market_entry_premium=0.0, **SMALL
    )
    model.run(8)
    regime, b, producers, c = model.regime, model.regime.books, model.producers, model.consumers
    shared = np.bincount(producers.sector)[producers.sector] > 1  # its good has another enterprise
    row = model.councils.rows[shared[model.councils.rows]][0]
    old_good = producers.sector[row]
    b.loans[row] += 10 * regime.capital_value(model)[row]  # a debt it cannot carry (booked without a deposit)
    before = sum(regime.balance_sheets(model).values())
    for _ in range(8):  # two plans: it closes at the second, and where entry is on its place is taken at once
        savings = c.savings[regime.owners].sum()
        model.step()
        assert sum(regime.balance_sheets(model).values()) == pytest.approx(before, abs=1e-9 * b.issued)
        if regime.exits:
            break
    assert regime.exits == 1
    if not entry:
        assert regime.closed[row] and regime.entries == 0 and producers.sector[row] == old_good
        return
    assert regime.entries == 1 and not regime.closed[row]
    good = producers.sector[row]
    active = ~producers.is_commune & (np.arange(producers.sector.size) != row)
    n = model.technology.n
    value = np.bincount(producers.sector[active], regime.capital_value(model)[active], n)
    rate = np.bincount(producers.sector[active], regime.profit[active], n)[value > 0] / value[value > 0]
    assert good == np.flatnonzero(value > 0)[np.argmax(rate)]  # the most profitable good (premium 0)
    assert b.orders[row] > 0 and b.funds[row] > 0 and producers.capacity[row] == 0  # it orders its capacity
    assert c.savings[regime.owners].sum() < savings  # its owners paid in
    model.run(4)
    assert producers.workers[row] > 0  # its first crew
    model.run(model.conditions.plan.investment_lag_weeks + 8)
    assert producers.capacity[row] > 0 and producers.output[row] > 0
    assert sum(regime.balance_sheets(model).values()) == pytest.approx(before, abs=1e-9 * b.issued)
