"""The market regimes' pure rules (``sim.economics.firms``) against hand-worked cases and their defining identities."""

from __future__ import annotations

import numpy as np
import pytest

from sim.economics import firms, metrics

A = np.array([[0.1, 0.3], [0.2, 0.1]])
LABOUR = np.array([2.0, 0.5])
VALUES = np.linalg.solve((np.eye(2) - A).T, LABOUR)  # v = l (I − A)⁻¹


def test_normal_prices_at_zero_markup_and_unit_wage_are_labour_values():
    np.testing.assert_allclose(firms.normal_prices(LABOUR, A, 1.0, 0.0), VALUES, rtol=1e-12)


def test_normal_prices_cover_cost_and_markup_in_every_sector():
    markup = np.array([0.1, 0.4])
    p = firms.normal_prices(LABOUR, A, 0.8, markup)
    np.testing.assert_allclose(p, (1 + markup) * (0.8 * LABOUR + p @ A), rtol=1e-12)
    np.testing.assert_allclose(firms.normal_prices(LABOUR, A, 1.6, markup), 2 * p, rtol=1e-12)  # ∝ the wage


def test_without_inputs_a_price_is_the_marked_up_wage_cost():
    np.testing.assert_allclose(firms.normal_prices(LABOUR, np.zeros((2, 2)), 0.5, 0.2), 1.2 * 0.5 * LABOUR)


def test_normal_prices_refuse_a_markup_without_prices_of_production():
    rho = float(np.abs(np.linalg.eigvals(A)).max())
    firms.normal_prices(LABOUR, A, 1.0, 1.0 / rho - 1.0 - 0.01)  # just below: they exist
    with pytest.raises(ValueError, match="prices of production do not exist"):
        firms.normal_prices(LABOUR, A, 1.0, 1.0 / rho - 1.0 + 0.01)


def test_the_money_wage_puts_normal_prices_at_labour_values_on_average():
    weights = np.array([0.3, 0.7])
    for markup in (0.0, 0.15, 0.5):
        wage = firms.wage_for_level(LABOUR, A, markup, VALUES, weights, np.arange(2))
        p = firms.normal_prices(LABOUR, A, wage, markup)
        assert metrics.price_level(p, VALUES, weights) == pytest.approx(1.0, rel=1e-12)
    assert firms.wage_for_level(LABOUR, A, 0.0, VALUES, weights, np.arange(2)) == pytest.approx(1.0, rel=1e-12)


def test_capacity_orders_keep_the_margin_within_funds_and_limit():
    use, capacity, on_order = np.array([10.0, 10.0, 10.0, 10.0]), np.array([10.0, 8.0, 8.0, 20.0]), np.zeros(4)
    funds, cost, limit = np.array([100.0, 100.0, 6.0, 100.0]), np.full(4, 2.0), np.array([5.0, 1.0, 5.0, 5.0])
    orders = firms.capacity_orders(use, capacity, on_order, 0.1, funds, cost, limit)
    # wanted 1, 3, 3, 0; the second is held by its limit, the third by its funds (6 / 2)
    np.testing.assert_allclose(orders, [1.0, 1.0, 3.0, 0.0])
    none = firms.capacity_orders(use, capacity, on_order, 0.1, -funds, cost, limit)
    np.testing.assert_array_equal(none, 0.0)


def test_income_shares_keep_the_retention_share_and_guarantee_the_floor():
    per_member, retained = firms.income_shares([100.0, 10.0, -20.0, 50.0], [10, 10, 10, 0], 0.25, 1.0)
    np.testing.assert_allclose(per_member, [7.5, 1.0, 1.0, 0.0])
    np.testing.assert_allclose(retained, [25.0, 0.0, -30.0, 50.0])
    np.testing.assert_allclose(per_member * [10, 10, 10, 0] + retained, [100.0, 10.0, -20.0, 50.0])


def test_paid_out_never_pays_more_than_all_surpluses_less_all_deficits():
    np.testing.assert_allclose(firms.paid_out([4.0, 6.0, -5.0]), [2.0, 3.0, 0.0])
    np.testing.assert_allclose(firms.paid_out([4.0, 6.0]), [4.0, 6.0])
    np.testing.assert_array_equal(firms.paid_out([4.0, -6.0]), [0.0, 0.0])
    np.testing.assert_array_equal(firms.paid_out([-1.0, -2.0]), [0.0, 0.0])


def test_split_by_weight_shares_the_whole_amount():
    np.testing.assert_allclose(firms.split_by_weight(6.0, [1.0, 2.0, 0.0]), [2.0, 4.0, 0.0])
    np.testing.assert_allclose(firms.split_by_weight(6.0, [0.0, 0.0]), [3.0, 3.0])
