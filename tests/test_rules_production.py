"""Production by councils and communes (``sim.economics.production``, seed §6, §7b), checked from first principles.

Each producer makes ``min(target, capacity, labour × productivity / l, what its inputs allow)``;
the inputs ``(A + D) q`` come from the stock and from the week's own output. The tests compute
each bound by hand or, for random economies, check the result against what any correct answer
must satisfy: no bound exceeded, no input used beyond what there is, every producer held back
by an input that has run out, and the users of a scarce input all getting the same share.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.optimize import linprog

from sim.economics import production

FINITE = {"allow_nan": False, "allow_infinity": False, "allow_subnormal": False}


# --- the labour bound ---------------------------------------------------------------------------


def test_labour_limited_output_is_hours_times_productivity_over_labour_coefficient():
    """``hours × productivity / l``: 400 h at productivity 1.25 with 2 h per unit make 250 units."""
    out = production.labour_limited_output(np.array([400.0, 90.0]), np.array([1.25, 1.0]), np.array([2.0, 3.0]))
    np.testing.assert_allclose(out, [250.0, 30.0], rtol=1e-15)


# --- min(target, capacity, labour): each bound binds in turn ----------------------------------------


@pytest.mark.parametrize(
    ("target", "capacity", "labour", "expected"),
    [(5.0, 8.0, 9.0, 5.0), (10.0, 7.0, 9.0, 7.0), (10.0, 8.0, 6.0, 6.0)],
    ids=["target binds", "capacity binds", "labour binds"],
)
def test_produce_makes_the_least_of_target_capacity_and_labour(target, capacity, labour, expected):
    """With no inputs needed, output is ``min(target, capacity, labour cap)``, whichever binds."""
    out, by_sector, used = production.produce(
        np.array([target]), np.array([capacity]), np.array([labour]), np.array([0]), np.zeros((1, 1)), np.zeros(1)
    )
    np.testing.assert_array_equal(out, [expected])
    np.testing.assert_array_equal(by_sector, [expected])
    np.testing.assert_array_equal(used, [0.0])


# --- inputs: a hand-worked economy of corn (0) and iron (1) ------------------------------------------
#
# Iron needs 0.5 corn a unit; corn needs 0.1 iron a unit. Stock: 10 corn, 100 iron.
# The corn council wants 4 units, the two iron councils 10 and 20 (30 in all).
# Corn available within the week: 10 in stock + 4 made = 14; iron's need: 0.5 · 30 = 15 > 14,
# so iron runs at 14/15 of what it wanted: 28/3 and 56/3 units (28 in all), using all 14 corn.
# Iron for corn: 0.1 · 4 = 0.4 ≤ 100 + 28: corn is not held back.

INPUTS = np.array([[0.0, 0.5], [0.1, 0.0]])
SECTOR = np.array([0, 1, 1])


def test_produce_input_shortage_binds_in_hand_worked_case():
    """Iron runs at 14/15 of its target: the corn it needs (stock + this week's corn) runs out."""
    target = np.array([4.0, 10.0, 20.0])
    stock = np.array([10.0, 100.0])
    out, by_sector, used = production.produce(target, np.full(3, 1e9), np.full(3, 1e9), SECTOR, INPUTS, stock)
    np.testing.assert_allclose(out, [4.0, 28.0 / 3.0, 56.0 / 3.0], rtol=1e-12)
    np.testing.assert_allclose(by_sector, [4.0, 28.0], rtol=1e-12)
    np.testing.assert_allclose(used, [14.0, 0.4], rtol=1e-12)
    assert stock[0] + by_sector[0] - used[0] == pytest.approx(0.0, abs=1e-12)  # the corn is all used


def test_produce_without_shortage_makes_every_target():
    """The same economy with corn enough (20 in stock): nobody is held back."""
    target = np.array([4.0, 10.0, 20.0])
    stock = np.array([20.0, 100.0])
    out, _, used = production.produce(target, np.full(3, 1e9), np.full(3, 1e9), SECTOR, INPUTS, stock)
    np.testing.assert_allclose(out, target, rtol=1e-15)
    np.testing.assert_allclose(used, [15.0, 0.4], rtol=1e-15)


def _counting(monkeypatch, name):
    calls = []
    real = getattr(production, name)

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(production, name, counting)
    return calls


@pytest.mark.parametrize(("corn", "solves"), [(20.0, 0), (11.0, 0), (11.0 - 1e-9, 1), (10.0, 1)])
def test_produce_solves_only_when_the_inputs_do_not_cover_the_wanted_output(monkeypatch, corn, solves):
    """Production runs every week for every producer: where stock + output cover what every producer
    wants, it is made at once, without a linear programme. With 11 corn the iron needs exactly what
    there is (11 + 4 = 15), which is enough; a billionth less is not."""
    calls = _counting(monkeypatch, "feasible_fill")
    lps = _counting(monkeypatch, "linprog")
    target = np.array([4.0, 10.0, 20.0])
    out, by_sector, used = production.produce(
        target, np.full(3, 1e9), np.full(3, 1e9), SECTOR, INPUTS, np.array([corn, 100.0])
    )
    assert len(calls) == solves
    assert len(lps) == solves  # one round: the iron sector is the only one held back
    if solves == 0:
        np.testing.assert_array_equal(out, target)
        np.testing.assert_array_equal(by_sector, [4.0, 30.0])
        np.testing.assert_array_equal(used, INPUTS @ [4.0, 30.0])
    else:
        np.testing.assert_allclose(by_sector, [4.0, (corn + 4.0) / 0.5], rtol=1e-12)


def test_feasible_fill_every_user_of_a_scarce_input_gets_the_same_share():
    """Two sectors share a scarce input; a third, which does not use it, is not held back (Leontief).

    Good 0 (20 in stock, not made this week) is needed 10 · 1 + 10 · 3 = 40 by sectors 1 and 2:
    both run at 20/40 = 1/2. Sector 3 needs 0.5 of good 1 a unit, 2 in all, and good 1 is there
    (10 in stock; with 1 in stock, 1 + the 5 sector 1 makes): it runs full.
    """
    inputs = np.array([[0.0, 1.0, 3.0, 0.0], [0.0, 0.0, 0.0, 0.5], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    wanted = np.array([0.0, 10.0, 10.0, 4.0])
    stock = np.array([20.0, 10.0, 0.0, 0.0])
    np.testing.assert_allclose(production.feasible_fill(inputs, wanted, stock), [1.0, 0.5, 0.5, 1.0], rtol=1e-15)
    stock[1] = 1.0
    np.testing.assert_allclose(production.feasible_fill(inputs, wanted, stock), [1.0, 0.5, 0.5, 1.0], rtol=1e-15)
    stock[1] = 0.0  # now good 1 is short too: sector 1's 5 units feed sector 3 at 5 / 2 per unit of fill
    np.testing.assert_allclose(production.feasible_fill(inputs, wanted, stock), [1.0, 0.5, 0.5, 1.0], rtol=1e-15)


def test_feasible_fill_gives_what_a_sector_cannot_use_to_the_other_users():
    """The priority rule by hand: steel (10 in stock) feeds machines and rails; coal (2) machines only.

    Machines need 1 steel and 1 coal a unit, rails 1 steel; each wants 10. Raising both fill rates
    together, coal binds first, at 2/10: machines are held at 0.2 and use 2 steel. Rails go on
    rising alone until the steel left, 8, is used: 0.8. (Sharing the steel by need, 10/20 each,
    would leave rails at 0.5 and 3 steel unused.)
    """
    inputs = np.zeros((4, 4))
    inputs[0, 2] = inputs[1, 2] = inputs[0, 3] = 1.0
    fill = production.feasible_fill(inputs, np.array([0.0, 0.0, 10.0, 10.0]), np.array([10.0, 2.0, 0.0, 0.0]))
    np.testing.assert_allclose(fill, [1.0, 1.0, 0.2, 0.8], rtol=1e-15)


def test_feasible_fill_a_sector_is_held_back_by_its_scarcest_input():
    """Sector 2 needs goods 0 and 1: good 0 allows 80 %, good 1 allows 25 %, so it makes 25 %."""
    inputs = np.array([[0.0, 0.0, 1.0], [0.0, 0.0, 2.0], [0.0, 0.0, 0.0]])
    fill = production.feasible_fill(inputs, np.array([0.0, 0.0, 10.0]), np.array([8.0, 5.0, 0.0]))
    np.testing.assert_allclose(fill, [1.0, 1.0, 0.25], rtol=1e-15)


def test_feasible_fill_settles_every_sector_left_at_once_when_the_floor_reaches_one(monkeypatch):
    """Steel (25 in stock) feeds machines, rails and bridges (1 a unit each); coal (2) feeds machines; each
    wants 10. Round one: coal holds machines at 0.2, using 2 steel. Round two: the floor under rails and
    bridges reaches 1 (they need 20 of the 23 steel left), and both are settled there: two programmes."""
    lps = _counting(monkeypatch, "linprog")
    inputs = np.zeros((5, 5))
    inputs[0, 2:] = 1.0
    inputs[1, 2] = 1.0
    fill = production.feasible_fill(inputs, np.array([0.0, 0.0, 10.0, 10.0, 10.0]), np.array([25.0, 2.0, 0, 0, 0]))
    np.testing.assert_allclose(fill, [1.0, 1.0, 0.2, 1.0, 1.0], rtol=1e-15)
    assert len(lps) == 2


def test_a_use_too_small_for_the_solver_still_holds_its_user_back_and_nobody_else():
    """Good 0 (none in stock, not made) is used by sector 1 (1 a unit) and sector 2 (1e-12 a unit, which
    HiGHS would drop); sector 3 uses good 4 (half a week's need in stock). Sectors 1 and 2 make nothing
    (every unit of either needs good 0); sector 3 makes half of what it wants."""
    inputs = np.zeros((5, 5))
    inputs[0, 1], inputs[0, 2], inputs[4, 3] = 1.0, 1e-12, 1.0
    wanted = np.array([0.0, 1.0, 1.0, 1.0, 0.0])
    fill = production.feasible_fill(inputs, wanted, np.array([0.0, 0.0, 0.0, 0.0, 0.5]))
    np.testing.assert_allclose(fill, [1.0, 0.0, 0.0, 0.5, 1.0], rtol=0, atol=1e-15)


@pytest.mark.parametrize(
    ("inputs", "wanted", "stock"),
    [
        (INPUTS, np.array([4.0, 30.0]), np.array([10.0, 100.0])),  # the corn the iron needs: a row of one term
        (np.array([[0.0, 0.4, 1.0], [0.5, 0.0, 0.0], [0.0, 0.0, 0.0]]), np.full(3, 10.0), np.zeros(3)),  # the cycle
    ],
    ids=["corn and iron", "cycle"],
)
def test_the_programmes_rates_are_taken_as_they_are_where_they_fit_to_round_off(monkeypatch, inputs, wanted, stock):
    """The exact step solves the goods' balances once and keeps the programme's rates where every row fits
    to round-off (a row exactly full; a maker exactly at 1): it lowers nothing."""
    calls = _counting(monkeypatch, "_least_above")
    fill = production.feasible_fill(inputs, wanted, stock)
    assert len(calls) == 1
    assert np.all(fill <= 1.0) and fill.min() > 0.0


def test_a_good_that_uses_up_more_of_itself_than_it_makes_can_only_draw_on_its_stock():
    """A technology the model would refuse, but the rule holds: good 0 uses 1.5 of itself and 1 of good 1 a
    unit and wants 10; sector 2 uses 0.5 of good 0 a unit and wants 2. Good 0's row, 0.5 · 10 f₀ + 0.5 · 2 f₂
    ≤ 4 in stock, is no balance for sector 0 (more of good 0 only uses more of it); good 1, 1 in stock,
    allows sector 0 a tenth, and sector 2 has what is left, 3.5 ≥ 1."""
    inputs = np.array([[1.5, 0.0, 0.5], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    fill = production.feasible_fill(inputs, np.array([10.0, 0.0, 2.0]), np.array([4.0, 1.0, 0.0]))
    np.testing.assert_allclose(fill, [0.1, 1.0, 1.0], rtol=1e-15)


def test_produce_shortage_propagates_down_a_chain_of_inputs():
    """Ore → steel → machines: too little ore holds back steel, which holds back machines, within the week."""
    inputs = np.array([[0.0, 2.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
    target = np.array([0.0, 10.0, 10.0])  # no ore is mined this week; steel wants 20 ore, machines 10 steel
    stock = np.array([10.0, 0.0, 0.0])
    _, by_sector, used = production.produce(target, np.full(3, 1e9), np.full(3, 1e9), np.arange(3), inputs, stock)
    # steel: 10 ore for 20 needed → 5 units; machines: 5 steel for 10 needed → 5 units
    np.testing.assert_allclose(by_sector, [0.0, 5.0, 5.0], rtol=1e-12)
    np.testing.assert_allclose(used, [10.0, 5.0, 0.0], rtol=1e-12)


# --- goods that feed themselves, and cycles --------------------------------------------------------
#
# Corn feeds itself (0.5 corn a unit) and the bakery (0.6 corn a bread); no corn in stock; each wants
# 1 unit. Corn there within the week is what is made, c, and corn used 0.5 c + 0.6 b, so b ≤ 5c/6.
# Raising both fill rates together would stop at once (1.1 t ≤ t only at t = 0: the absorbing zero);
# corn can run ahead of bread instead: with c = 1, bread gets 5/6 and every unit of corn is used.

CYCLE_INPUTS = np.array([[0.5, 0.6], [0.0, 0.0]])


def test_produce_never_needs_more_input_than_there_is_when_a_good_feeds_itself():
    """Goods conserved even in a cycle: the inputs the output needs fit in stock + this week's output."""
    out, by_sector, used = production.produce(
        np.ones(2), np.ones(2), np.ones(2), np.arange(2), CYCLE_INPUTS, np.zeros(2)
    )
    need = CYCLE_INPUTS @ by_sector
    np.testing.assert_array_equal(used, need)  # every unit made has all its inputs: nothing clipped
    assert np.all(need <= by_sector * (1 + 1e-15))
    np.testing.assert_allclose(out, [1.0, 5.0 / 6.0], rtol=1e-14)
    np.testing.assert_allclose(used, [1.0, 0.0], rtol=1e-14)  # all the corn


def test_a_cycle_with_nothing_in_stock_feeds_a_third_sector():
    """Goods 0 and 1 feed each other (0.4 of good 1 per unit of 0, 0.5 of good 0 per unit of 1), and good 0
    feeds sector 2 (1 a unit); nothing in stock, each wants 10.

    With good 0 full (10 units), the rest of its output, 10 − 0.4 · 10 f₁, goes to sector 2: the
    smallest fill rate is largest when f₁ = f₂ = t with 10 t = 10 − 4 t, t = 5/7; good 1 then makes
    50/7 ≥ the 5 good 0 needs of it.
    """
    inputs = np.array([[0.0, 0.4, 1.0], [0.5, 0.0, 0.0], [0.0, 0.0, 0.0]])
    out, by_sector, used = production.produce(
        np.full(3, 10.0), np.full(3, 10.0), np.full(3, 10.0), np.arange(3), inputs, np.zeros(3)
    )
    np.testing.assert_allclose(out, [10.0, 50.0 / 7.0, 50.0 / 7.0], rtol=1e-14)
    np.testing.assert_allclose(used, [10.0, 5.0, 0.0], rtol=1e-14)
    assert np.all(used <= by_sector * (1 + 1e-15))


def test_a_good_that_feeds_itself_restarts_from_a_little_stock():
    """No absorbing zero: ore (0.2 ore a unit) with 0.1 in stock and no other input makes all it wants, 5,
    and steel (2 ore a unit, wants 10) gets the rest: (0.1 + 5 − 1) / 2 = 2.05 units."""
    inputs = np.array([[0.2, 2.0], [0.0, 0.0]])
    _, by_sector, used = production.produce(
        np.array([5.0, 10.0]), np.full(2, 1e9), np.full(2, 1e9), np.arange(2), inputs, np.array([0.1, 0.0])
    )
    np.testing.assert_allclose(by_sector, [5.0, 2.05], rtol=1e-14)
    np.testing.assert_allclose(used, [5.1, 0.0], rtol=1e-14)


def test_the_least_output_that_feeds_a_cycle_solves_its_balances_together():
    """The exact step, by hand: in the cycle above with sector 2 held at 5/7, good 0 must make the 50/7
    sector 2 takes plus 0.4 of what good 1 makes, and good 1 half of what good 0 makes:
    x₀ = 50/7 + 0.4 x₁, x₁ = 0.5 x₀, so x₀ = (50/7) / 0.8 = 62.5/7 (fill 25/28) and x₁ = 31.25/7 (25/56).
    From floors of 0 the first round puts good 0 on its balance (x₀ = 50/7), the second good 1 too."""
    rows = np.array([[-10.0, 4.0, 10.0], [5.0, -10.0, 0.0]])  # net use per unit of fill; row i is good i
    least = production._least_above(rows, np.zeros(2), np.array([0, 1]), np.array([0.0, 0.0, 5.0 / 7.0]))
    np.testing.assert_allclose(least, [25.0 / 28.0, 25.0 / 56.0, 5.0 / 7.0], rtol=1e-14)
    # a floor above the balance stays; a row that is not its maker's (own = −1) is no balance
    least = production._least_above(rows, np.zeros(2), np.array([0, -1]), np.array([0.0, 0.9, 5.0 / 7.0]))
    np.testing.assert_allclose(least, [(3.6 + 50.0 / 7.0) / 10.0, 0.9, 5.0 / 7.0], rtol=1e-14)
    # a technology that is not productive (each good needs 4 of the other a unit): no rates above the floor
    assert (
        production._least_above(np.array([[-1.0, 4.0], [4.0, -1.0]]), np.zeros(2), np.arange(2), np.array([0.1, 0.0]))
        is None
    )


MAX_MIN = [1.0, 5.0 / 7.0, 5.0 / 7.0]


@pytest.mark.parametrize(
    ("approx", "expected"),
    [
        ([0.9, 5.0 / 7.0, 5.0 / 7.0], MAX_MIN),  # good 0 too low: raised to feed its users
        ([1.0, 5.0 / 7.0 + 5e-13, 5.0 / 7.0 + 5e-13], MAX_MIN),  # users a little too high: 1e-12 lower, then halving
        ([1.0, 5.0 / 7.0 + 5e-7, 5.0 / 7.0 + 5e-7], MAX_MIN),  # 1e-6 lower
        ([1.0, 0.9, 0.9], MAX_MIN),  # far off: every floor at 0, then halving
        # good 0 and 1 too low, sector 2 too high: at 0.9 it needs good 0 at 0.9 / (1 − 0.4 · 0.5) = 1.125 > 1;
        # every floor lowered by 0.1, good 0 runs full and good 1 at half to feed it
        ([0.2, 0.0, 0.9], [1.0, 0.5, 0.8]),
    ],
)
def test_the_exact_step_makes_any_rates_feasible_to_round_off(monkeypatch, approx, expected):
    """Whatever rates the programme returns, those made fit the inputs to round-off. In the cycle above
    (max–min rates 1, 5/7, 5/7), a maker below what its users need is raised to it; users above what can be
    made are lowered by 1e-12, 1e-9, 1e-6, 1e-3, 1 in turn until they fit, then the last gap is halved: they
    end at 5/7, where good 0 runs full, to round-off."""
    inputs = np.array([[0.0, 0.4, 1.0], [0.5, 0.0, 0.0], [0.0, 0.0, 0.0]])
    monkeypatch.setattr(production, "_max_min", lambda rows, bound: np.array(approx))
    fill = production.feasible_fill(inputs, np.full(3, 10.0), np.zeros(3))
    x = 10.0 * fill
    assert np.all(inputs @ x <= x * (1 + 1e-15))
    assert np.all(fill <= 1.0)
    np.testing.assert_allclose(fill, expected, rtol=0, atol=1e-13)


# --- random economies: what any correct answer satisfies ------------------------------------------


def _oracle_fill(wanted, sector, inputs, stock):
    """Each producer's fill rate, the lexicographic max–min by the textbook progressive filling.

    Radunović & Le Boudec (2007, IEEE/ACM Trans. Networking 15(5), algorithm "MP"): raise a common
    floor under every producer not yet fixed as far as it goes; then test each of them alone, by a
    programme that maximises its own rate with the others at the floor, and fix those that cannot
    rise above it. Per producer, in units (no sectors, no scaling, no shadow prices).
    """
    n = stock.size
    on = np.flatnonzero(wanted > 0)
    makes = np.zeros((n, on.size))
    makes[sector[on], np.arange(on.size)] = wanted[on]
    rows = (inputs - np.eye(n)) @ makes  # net use of each good per unit of each producer's fill
    bound = np.maximum(stock, 0.0)
    k = on.size
    level, fixed = np.zeros(k), np.zeros(k, dtype=bool)
    while not fixed.all():
        free = np.flatnonzero(~fixed)
        floors = np.zeros((free.size, k + 1))
        floors[np.arange(free.size), free] = -1.0
        floors[:, k] = 1.0
        box = [(level[j], level[j]) if fixed[j] else (0.0, 1.0) for j in range(k)]
        res = linprog(
            np.eye(k + 1)[k] * -1.0,
            A_ub=np.vstack([np.hstack([rows, np.zeros((n, 1))]), floors]),
            b_ub=np.concatenate([bound, np.zeros(free.size)]),
            bounds=[*box, (0.0, 1.0)],
            method="highs",
        )
        assert res.status == 0, res.message
        t = res.x[k]
        if t >= 1.0 - 1e-12:
            level[free] = 1.0
            break
        stuck = []
        for j in free:
            alone = [(level[i], level[i]) if fixed[i] else (max(t - 1e-12, 0.0), 1.0) for i in range(k)]
            best = linprog(-np.eye(k)[j], A_ub=rows, b_ub=bound, bounds=alone, method="highs")
            if best.status != 0 or -best.fun <= t + 1e-9:
                stuck.append(j)
        assert stuck, "some producer must be stuck at the floor"
        level[stuck], fixed[stuck] = t, True
    fill = np.ones(wanted.size)
    fill[on] = level
    return fill


def _random_economy(rng, scale=(1.0, 100.0)):
    """Up to 6 goods with inputs in any direction (cycles) and on the diagonal (goods that feed themselves),
    columns summing to 0.3–0.95; up to 9 producers; half the goods in stock, too little for what is wanted."""
    n = int(rng.integers(1, 7))
    p = int(rng.integers(1, 10))
    sector = rng.integers(0, n, p)
    inputs = rng.uniform(0.0, 1.0, (n, n)) * (rng.uniform(size=(n, n)) < 0.5)
    inputs *= rng.uniform(0.3, 0.95) / max(inputs.sum(axis=0).max(), 1e-300)
    wanted = rng.uniform(*scale, p) * (rng.uniform(size=p) < 0.9)
    by_wanted = np.bincount(sector, weights=wanted, minlength=n)
    stock = rng.uniform(0.0, 0.5, n) * (inputs @ by_wanted) * (rng.uniform(size=n) < 0.5)
    return wanted, sector, inputs, stock


def test_produce_against_the_oracle_on_a_grid_of_short_economies(monkeypatch):
    """300 seeded economies with an input short (cycles, goods that feed themselves, goods not made this
    week): for every good, output × inputs per unit ≤ stock + output, to round-off; every producer of a
    sector at the same share of what it wanted; the shares those of the per-producer oracle; every producer
    held back by an input used up; and every producer makes something where each of its inputs is in stock
    or made this week. HiGHS's rates fit to round-off every time: the exact step solves the balances once."""
    solves = _counting(monkeypatch, "_least_above")
    rng = np.random.default_rng(20251204)
    cases = positive = 0
    while cases < 300:
        wanted, sector, inputs, stock = _random_economy(rng)
        n = stock.size
        by_wanted = np.bincount(sector, weights=wanted, minlength=n)
        if np.all(inputs @ by_wanted <= stock + by_wanted):
            continue  # no shortage: the quick path, tested elsewhere
        cases += 1
        solves.clear()
        out, by_sector, used = production.produce(wanted, wanted + 1.0, wanted + 2.0, sector, inputs, stock)
        assert len(solves) == 1, cases
        flows = inputs @ by_wanted + by_wanted + stock  # a good's flows at the output wanted
        np.testing.assert_array_equal(used, inputs @ by_sector)
        assert np.all(used - stock - by_sector <= 1e-14 * flows), cases
        assert np.all(out >= 0.0) and np.all(out <= wanted)
        fill = np.divide(out, wanted, out=np.ones_like(out), where=wanted > 0)
        by_fill = np.divide(by_sector, by_wanted, out=np.ones(n), where=by_wanted > 0)
        some = wanted > 0
        np.testing.assert_allclose(fill[some], by_fill[sector[some]], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(fill, _oracle_fill(wanted, sector, inputs, stock), rtol=0, atol=1e-7)
        exhausted = stock + by_sector - used <= 1e-9 * flows
        for j in np.flatnonzero((by_fill < 1.0 - 1e-9) & (by_wanted > 0)):
            assert np.any(exhausted[inputs[:, j] > 0]), (cases, j)
        fed = (inputs[:, by_wanted > 0] == 0) | ((stock > 0) | (by_wanted > 0))[:, None]
        if fed.all():
            positive += 1
            assert np.all(out[wanted > 0] > 0.0), cases
    assert positive >= 30


@pytest.mark.parametrize("seed", range(4))
def test_produce_fits_the_inputs_to_round_off_at_any_scale(seed):
    """Quantities from 1e-12 to 1e6 units and coefficients from 1e-9 (where HiGHS works to 1e-10): what
    is made never needs more of a good than there is, beyond round-off of that good's flows."""
    rng = np.random.default_rng(seed)
    for _ in range(250):
        n, p = int(rng.integers(1, 9)), int(rng.integers(1, 13))
        sector = rng.integers(0, n, p)
        inputs = 10 ** rng.uniform(-9, 0, (n, n)) * (rng.uniform(size=(n, n)) < 0.5)
        inputs *= rng.uniform(0.1, 0.999) / max(inputs.sum(axis=0).max(), 1e-300)
        wanted = 10 ** rng.uniform(-12, 6, p) * (rng.uniform(size=p) < 0.9)
        stock = 10 ** rng.uniform(-12, 6, n) * (rng.uniform(size=n) < 0.5)
        out, by_sector, used = production.produce(wanted, np.full(p, 1e9), np.full(p, 1e9), sector, inputs, stock)
        by_wanted = np.bincount(sector, weights=wanted, minlength=n)
        assert np.all(used - stock - by_sector <= 1e-14 * (inputs @ by_wanted + by_wanted + stock))
        assert np.all(out >= 0.0) and np.all(out <= wanted)


@st.composite
def economies(draw):
    """Producers, bounds and stocks over any input structure (cycles and goods that feed themselves)."""
    n = draw(st.integers(1, 5))
    p = draw(st.integers(1, 8))
    sector = np.array(draw(st.lists(st.integers(0, n - 1), min_size=p, max_size=p)))
    raw = draw(arrays(np.float64, (n, n), elements=st.one_of(st.just(0.0), st.floats(0.05, 1.0, **FINITE))))
    top = raw.sum(axis=0).max()
    inputs = raw * (draw(st.floats(0.1, 0.9, **FINITE)) / top) if top > 0 else raw
    amounts = st.one_of(st.just(0.0), st.floats(1e-3, 100.0, **FINITE))  # nothing, or a thousandth of a unit
    target = draw(arrays(np.float64, p, elements=amounts))
    capacity = draw(arrays(np.float64, p, elements=amounts))
    labour = draw(arrays(np.float64, p, elements=amounts))
    stock = draw(arrays(np.float64, n, elements=st.one_of(st.just(0.0), st.floats(1e-3, 200.0, **FINITE))))
    return target, capacity, labour, sector, inputs, stock


@settings(max_examples=80, deadline=None)
@given(economies())
def test_produce_respects_every_bound_and_is_held_back_only_by_exhausted_inputs(case):
    """Output within min(target, capacity, labour); inputs within stock + output; a shortfall has a cause."""
    target, capacity, labour, sector, inputs, stock = case
    out, by_sector, used = production.produce(target, capacity, labour, sector, inputs, stock)
    n = stock.size
    wanted = np.minimum(np.minimum(target, capacity), labour)
    by_wanted = np.bincount(sector, weights=wanted, minlength=n)
    flows = inputs @ by_wanted + by_wanted + stock
    assert np.all(out >= 0) and np.all(out <= wanted)
    np.testing.assert_allclose(by_sector, np.bincount(sector, weights=out, minlength=n), rtol=1e-12, atol=1e-15)
    # the inputs the output needs, computed here; none beyond stock + the week's output
    np.testing.assert_array_equal(used, inputs @ by_sector)
    assert np.all(used - stock - by_sector <= 1e-14 * flows)
    # every producer of a sector makes the same share of what it wanted ...
    fill = np.ones(n)
    np.divide(by_sector, by_wanted, out=fill, where=by_wanted > 0)
    np.testing.assert_allclose(out, wanted * fill[sector], rtol=1e-12, atol=1e-15)
    # ... and a sector is held back only where an input it uses is used up
    exhausted = stock + by_sector - used <= 1e-9 * flows
    for s in np.flatnonzero((fill < 1 - 1e-9) & (by_wanted > 0)):
        assert np.any(exhausted[inputs[:, s] > 0]), (s, fill)


@settings(max_examples=60, deadline=None)
@given(economies())
def test_produce_with_plenty_of_inputs_makes_what_is_wanted(case):
    """Inputs never bind when the stock covers what full output needs: output = min(target, capacity, labour)."""
    target, capacity, labour, sector, inputs, _ = case
    n = inputs.shape[0]
    wanted = np.minimum(np.minimum(target, capacity), labour)
    stock = inputs @ np.bincount(sector, weights=wanted, minlength=n) + 1.0
    out, _, _ = production.produce(target, capacity, labour, sector, inputs, stock)
    np.testing.assert_array_equal(out, wanted)


# --- split_by_share ----------------------------------------------------------------------------


def test_split_by_share_divides_each_sectors_amount_by_weight():
    """Three sectors, four producers: 90 split 1 : 2, 40 to the only producer, 7 to the only producer of no weight."""
    out = production.split_by_share(np.array([90.0, 40.0, 7.0]), np.array([0, 0, 1, 2]), np.array([1.0, 2.0, 5.0, 0.0]))
    np.testing.assert_allclose(out, [30.0, 60.0, 40.0, 7.0], rtol=1e-15)


def test_split_by_share_splits_evenly_where_no_producer_of_a_sector_weighs_anything():
    """Capacity arriving in a sector whose three producers have none is not lost: 9 arrives, each gets 3.
    The other sectors are split by weight as ever, and the sector with no producer gives nothing to anyone."""
    out = production.split_by_share(
        np.array([9.0, 4.0, 5.0]), np.array([0, 0, 0, 1, 1]), np.array([0.0, 0.0, 0.0, 1.0, 3.0])
    )
    np.testing.assert_allclose(out, [3.0, 3.0, 3.0, 1.0, 3.0], rtol=1e-15)
    assert out.sum() == pytest.approx(13.0, rel=1e-15)


def test_split_by_share_with_weights_below_one():
    """Weights that are shares (summing to less than 1 per sector) split the amount the same way."""
    out = production.split_by_share(np.array([12.0, 5.0]), np.array([0, 0, 1]), np.array([0.1, 0.3, 0.2]))
    np.testing.assert_allclose(out, [3.0, 9.0, 5.0], rtol=1e-15)


def test_split_by_share_accepts_integer_weights():
    """Head counts as weights: the shares are fractions, not integer division."""
    out = production.split_by_share(np.array([10.0]), np.array([0, 0, 0]), np.array([1, 1, 2]))
    np.testing.assert_allclose(out, [2.5, 2.5, 5.0], rtol=1e-15)


@pytest.mark.parametrize(
    ("weights", "total", "expected"),
    [
        ([1.0, 1.0, 1.0], 5, [2, 2, 1]),  # equal remainders: the first in order
        ([3.0, 1.0], 2, [2, 0]),
        ([0.2, 0.0, 0.0], 3, [3, 0, 0]),
        ([1.0, 2.0, 7.0], 10, [1, 2, 7]),
        ([1.0, 1.0], 0, [0, 0]),
        ([0.0, 0.0], 4, [0, 0]),  # nothing to share by
    ],
)
def test_largest_remainder_hand_worked(weights, total, expected):
    out = production.largest_remainder(weights, total)
    np.testing.assert_array_equal(out, expected)
    assert out.dtype.kind == "i"


@settings(max_examples=60, deadline=None)
@given(
    arrays(float, st.integers(1, 12), elements=st.floats(0.0, 100.0)).filter(lambda w: w.sum() > 1e-6),
    st.integers(0, 500),
)
def test_largest_remainder_adds_up_and_stays_within_one_of_the_exact_share(weights, total):
    out = production.largest_remainder(weights, total)
    exact = weights / weights.sum() * total
    assert out.sum() == total
    assert np.all(out >= 0) and np.all(np.abs(out - exact) < 1 + 1e-9)


def test_largest_remainder_gives_equal_claims_in_order():
    """Among equal remainders the first in order gets the unit (a stable sort, whatever the length)."""
    w = np.array(
        [2, 2, 1, 1, 1, 1, 1, 1, 3, 2, 3, 2, 2, 3, 3, 2, 2, 2, 3, 1, 3, 3, 1, 2, 3, 2, 1, 3, 3, 3, 1, 1, 3, 1, 2, 1]
    )
    exact = w / w.sum() * 33
    expected = np.floor(exact).astype(int)
    order = sorted(range(w.size), key=lambda i: (expected[i] - exact[i], i))
    expected[order[: 33 - expected.sum()]] += 1
    np.testing.assert_array_equal(production.largest_remainder(w.astype(float), 33), expected)


def test_staffing_gives_the_floor_to_small_needs_and_shares_the_rest_by_need():
    # by need 10, 1, 1, 88 of 100: two fall below the floor of 5 and get it; 90 are shared by 10 : 88
    out = production.staffing([10.0, 1.0, 1.0, 88.0], 100, 5)
    np.testing.assert_array_equal(out, [9, 5, 5, 81])
    assert out.dtype.kind == "i"
    # a second round: once the smallest is at the floor, the next one's share of what is left falls below it too
    np.testing.assert_array_equal(production.staffing([0.01, 9.1, *[10.1125] * 8], 100, 10), [10] * 10)
    np.testing.assert_array_equal(production.staffing([0.0, 0.0, 0.0, 0.0], 100, 5), [25, 25, 25, 25])
    np.testing.assert_array_equal(production.staffing([1.0, 3.0], 40, 5), [10, 30])
    # Needs of a fraction of an hour are shared as any others (only their proportions count).
    np.testing.assert_array_equal(production.staffing([0.05, 0.005, 0.005, 0.44], 100, 5), out)


@settings(max_examples=60, deadline=None)
@given(arrays(float, st.integers(1, 10), elements=st.floats(0.0, 50.0)), st.integers(0, 200), st.integers(1, 10))
def test_staffing_adds_up_and_never_gives_less_than_the_floor(need, extra, floor):
    total = floor * need.size + extra
    out = production.staffing(need, total, floor)
    assert out.sum() == total and np.all(out >= floor)
    free = out > floor  # above the floor, workers follow need: more need never gets fewer workers
    for a in np.flatnonzero(free):
        assert np.all(out[need > need[a] + 1e-9] >= out[a] - 1)


@pytest.mark.parametrize(
    ("headroom", "reserve", "expected"),
    [(0.28, 0.05, 1.28 / 1.05), (0.0, 0.05, 1.05), (0.1, 0.1, 1.1), (0.5, 0.0, 1.5)],
)
def test_commune_staffing_is_spare_land_or_the_labour_reserve_whichever_is_more(headroom, reserve, expected):
    assert production.commune_staffing(headroom, reserve) == pytest.approx(expected, rel=1e-12)


def test_a_planning_error_staffs_its_good_for_what_the_plan_asks_within_capacity():
    """Seed §7c: above value, at least the plan's output (capped by capacity); below, at most the plan's."""
    target = np.array([10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0])
    plan = np.array([14.0, 30.0, 6.0, 4.0, 16.0, 12.0, 6.0])
    capacity = np.array([20.0, 18.0, 20.0, 20.0, 20.0, 20.0, 20.0])
    errors = np.array([1, 1, 1, -1, -1, 0, 0])
    out = production.staffed_for(target, plan, capacity, errors)
    # above value: the plan's 14; the plan's 30 only as far as capacity 18 goes; a plan below target changes nothing
    # below value: the plan's 4; a plan above target changes nothing; no error: the target, whether the plan asks
    # more or less
    np.testing.assert_array_equal(out, [14.0, 18.0, 10.0, 4.0, 10.0, 10.0, 10.0])
    np.testing.assert_array_equal(target, 10.0)  # the targets themselves are left alone
