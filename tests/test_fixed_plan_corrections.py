"""The fixed plan within the year (issue 24): quarterly corrections of its targets and its soft budget.

- The rules of :mod:`sim.economics.plan_corrections`, on numbers worked by hand.
- After a taste shift, corrections within the year shorten the queues and shrink the piles
  against the same run without them, while prices stay at the year's published values and
  targets move only at a correction or the yearly plan.
- The soft budget's mark (the share of investment granted beyond need) is positive with
  investment hunger and exactly zero without it.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.economics import plan_corrections
from sim.economics.units import WEEKS_PER_YEAR
from sim.model import CouncilsModel
from sim.run.scenario import ScenarioError

#: Good 1 uses half a unit of good 0 per unit: (I − A)⁻¹ = [[1, 0.5], [0, 1]].
INPUTS = np.array([[0.0, 0.5], [0.0, 0.0]])


def test_a_queue_raises_its_good_and_the_inputs_it_needs_by_the_share_corrected():
    raised = plan_corrections.raised_for_queues([10.0, 6.0], INPUTS, [0.0, 4.0], 0.5, ceiling=[100.0, 100.0])
    # Δy = 0.5 × (0, 4) = (0, 2); Δx = (I − A)⁻¹ Δy = (1, 2).
    np.testing.assert_allclose(raised, [11.0, 8.0])


def test_a_raise_stops_at_the_capacity_and_never_lowers_a_target_already_above_it():
    np.testing.assert_allclose(
        plan_corrections.raised_for_queues([10.0, 6.0], INPUTS, [0.0, 4.0], 0.5, ceiling=[10.5, 7.0]), [10.5, 7.0]
    )
    np.testing.assert_allclose(
        plan_corrections.raised_for_queues([12.0, 6.0], INPUTS, [0.0, 4.0], 0.5, ceiling=[10.0, 100.0]), [12.0, 8.0]
    )


def test_no_queue_or_no_strength_leaves_the_targets_as_they_were():
    targets = np.array([10.0, 6.0])
    assert np.array_equal(plan_corrections.raised_for_queues(targets, INPUTS, [0.0, 0.0], 0.5, [1.0, 1.0]), targets)
    assert np.array_equal(plan_corrections.raised_for_queues(targets, INPUTS, [3.0, 4.0], 0.0, [99.0, 99.0]), targets)
    assert np.array_equal(plan_corrections.cut_for_piles(targets, INPUTS, [0.0, 0.0], 13, 0.5), targets)


def test_a_pile_is_cut_over_the_weeks_to_the_next_correction_with_its_inputs_and_never_below_zero():
    # Δy = −0.5 × (0, 13) / 13 = (0, −0.5); Δx = (−0.25, −0.5).
    np.testing.assert_allclose(plan_corrections.cut_for_piles([10.0, 6.0], INPUTS, [0.0, 13.0], 13, 0.5), [9.75, 5.5])
    np.testing.assert_allclose(plan_corrections.cut_for_piles([10.0, 6.0], INPUTS, [0.0, 260.0], 13, 1.0), [0.0, 0.0])


def test_a_pile_is_what_stands_above_both_the_reserve_and_the_years_plan_for_the_stock():
    stock, reserve, at_plan = [5.0, 30.0, 12.0, 45.0], [10.0] * 4, [10.0, 50.0, 5.0, 50.0]
    # A quarter into the year the plan meant the stocks to be at max(10, S₀ + (10 − S₀)/4) = 10, 40, 10, 40.
    np.testing.assert_allclose(plan_corrections.piled(stock, reserve, at_plan, 0.25), [0.0, 0.0, 2.0, 5.0])
    np.testing.assert_allclose(plan_corrections.piled(stock, reserve, at_plan, 1.0), [0.0, 20.0, 2.0, 35.0])


def test_investment_hunger_asks_for_a_share_more_than_output_and_margin_need():
    assert plan_corrections.hungry_margin(0.1, 0.0) == 0.1
    assert plan_corrections.hungry_margin(0.1, 0.25) == pytest.approx(1.1 * 1.25 - 1.0)


def test_the_share_diverted_counts_only_the_capacity_granted_beyond_need_at_its_cost():
    # cost · (g − gₙ)⁺ = 3 × 1 + 1 × 0 = 3, of cost · g = 6 + 1 = 7.
    assert plan_corrections.diverted_share([2.0, 1.0], [1.0, 2.0], [3.0, 1.0]) == pytest.approx(3 / 7)
    assert plan_corrections.diverted_share([2.0, 1.0], [2.0, 1.0], [3.0, 1.0]) == 0.0
    assert plan_corrections.diverted_share([0.0, 0.0], [1.0, 2.0], [3.0, 1.0]) == 0.0


def shifted(correction_weeks: int, seed: int) -> CouncilsModel:
    """Two years of 2,000 persons; after half a year 5 % of every budget moves from real estate to hotels."""
    m = CouncilsModel(
        regime="fixed_plan",
        seed=seed,
        years=2,
        population_consumers=2000,
        population_councils=40,
        taste_shift_after_years=0.5,
        taste_shift_rises="ACCOM",
        taste_shift_falls="REAL",
        taste_shift_budget_share=0.05,
        fixed_plan_correction_weeks=correction_weeks,
    )
    targets = []
    for _ in range(m.conditions.weeks):
        m.step()
        targets.append(m.producers.target.copy())
    m.targets = np.array(targets)  # after each week's end (and its plan, if any)
    return m


@pytest.mark.parametrize("seed", [3, 4])
def test_corrections_within_the_year_shorten_the_queues_and_shrink_the_piles_after_a_taste_shift(seed):
    on, off = shifted(13, seed), shifted(0, seed)
    after = slice(WEEKS_PER_YEAR // 2, None)
    unmet = {k: m.record.series("unmet_share")[after] for k, m in (("on", on), ("off", off))}
    assert unmet["off"].mean() > 0.01  # the shift makes queues the yearly plan alone leaves for months
    assert unmet["on"].mean() < 0.8 * unmet["off"].mean()
    assert (unmet["on"] > 1e-3).mean() < (unmet["off"] > 1e-3).mean()
    piles = {k: m.record.series("excess_stock_share")[after].mean() for k, m in (("on", on), ("off", off))}
    assert piles["on"] < 0.8 * piles["off"]
    assert on.regime.corrections == 6 and off.regime.corrections == 0  # weeks 13, 26, 39 of each year


def test_prices_stay_at_the_years_values_and_targets_move_only_at_a_correction_or_the_plan():
    m = shifted(13, 3)
    price = m.record.series("price")[:, m.consumer_goods]
    for start in range(0, m.record.weeks, WEEKS_PER_YEAR):
        year = slice(start, start + WEEKS_PER_YEAR)
        assert np.all(price[year] == price[start]), f"a price changed within the year from week {start}"
    assert m.record.price_log == []
    moved = {w for w in range(1, m.targets.shape[0]) if not np.array_equal(m.targets[w], m.targets[w - 1])}
    ends = {w for w in range(m.targets.shape[0]) if (w + 1) % 13 == 0}  # the week a quarter (or a year) ends
    assert moved and moved <= ends
    assert moved & {12, 25, 38}  # corrections within the first year did change targets


@pytest.mark.parametrize(("hunger", "positive"), [(0.25, True), (0.0, False)])
def test_the_soft_budgets_mark_is_positive_with_investment_hunger_and_zero_without(hunger, positive):
    m = CouncilsModel(
        regime="fixed_plan",
        seed=2,
        years=1,
        population_consumers=2000,
        population_councils=40,
        fixed_plan_investment_hunger=hunger,
    )
    m.run()  # two yearly plans: the first, and the one at the year's end
    assert len(m.regime.diverted) == 2
    if positive:
        assert max(m.regime.diverted) > 0.01
    else:
        assert m.regime.diverted == [0.0, 0.0]


@pytest.mark.parametrize(
    ("key", "value", "rule"),
    [
        ("fixed_plan_correction_weeks", 27, "correction_weeks <= 26"),
        ("fixed_plan_correction_weeks", -1, "0 <= correction_weeks"),
        ("fixed_plan_correction_strength", 1.5, "correction_strength <= 1"),
        ("fixed_plan_investment_hunger", -0.1, "0 <= investment_hunger"),
    ],
)
def test_a_key_outside_its_range_is_refused_in_one_line(key, value, rule):
    with pytest.raises(ScenarioError, match=rule) as err:
        CouncilsModel(regime="fixed_plan", years=0.1, population_consumers=2000, **{key: value})
    assert "\n" not in str(err.value)
