"""Koopmans' activity analysis in the plan factory: choosing among processes with least labour."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import sim.economics.plan_factory
from sim.economics.economy import Technology, default_economy
from sim.economics.plan_factory import ActivityPlan, PlanFactory, Processes

METHODS = ("highs-ipm", "highs-ds")
FINITE = {"allow_nan": False, "allow_infinity": False, "allow_subnormal": False}
FEW = settings(max_examples=40, deadline=None)

# --- a hand-worked economy of two goods, corn (0) and iron (1) --------------------------------
#
# Processes (columns): inputs per unit level, good made, hours per unit level.
#
#   p0  corn, traditional:   0.1 iron,            1.0 h
#   p1  corn, mechanised:    0.5 iron,            0.2 h
#   p2  iron:                0.2 corn + 0.1 iron, 2.0 h
#
# Labour values with p0 for corn:  v_c = 1 + 0.1 v_i,  v_i = 2 + 0.2 v_c + 0.1 v_i
#   ⇒ 0.9 v_i = 2 + 0.2 (1 + 0.1 v_i) ⇒ 0.88 v_i = 2.2 ⇒ v_i = 2.5, v_c = 1.25.
# With p1 for corn:                v_c = 0.2 + 0.5 v_i, 0.9 v_i = 2 + 0.2 v_c
#   ⇒ 0.8 v_i = 2.04 ⇒ v_i = 2.55, v_c = 1.475 > 1.25, so p1 is never chosen (non-substitution).
#
# Targets y = (10, 5) with p0 and p2:  z0 − 0.2 z2 = 10,  −0.1 z0 + 0.9 z2 = 5
#   ⇒ z0 = 10 + 0.2 z2 ⇒ −1 + 0.88 z2 = 5 ⇒ z2 = 75/11, z0 = 125/11;
#   labour = 125/11 + 2 · 75/11 = 275/11 = 25 = v·y = 1.25 · 10 + 2.5 · 5.
#
# Capacity z0 ≤ 8: the rest of the corn comes from p1.
#   z1 = 10 − 8 + 0.2 z2,  0.9 z2 = 5 + 0.1 · 8 + 0.5 z1 = 6.8 + 0.1 z2
#   ⇒ z2 = 8.5, z1 = 3.7; labour = 8 + 0.2 · 3.7 + 2 · 8.5 = 25.74.
#
# Capacity z2 ≤ 5 (iron): even with no corn made, iron nets at most 0.9 · 5 = 4.5 < 5:
# infeasible. The closest plan (least total shortfall) makes all the corn with p0
# (each unit costs 0.1 iron but saves one unit of corn shortfall): z = (11, 0, 5),
# corn 11 − 0.2 · 5 = 10 (met), iron 4.5 − 1.1 = 3.4, short by 1.6.

TARGETS = np.array([10.0, 5.0])
INPUTS = np.array([[0.0, 0.0, 0.2], [0.1, 0.5, 0.1]])
PRODUCES = np.array([0, 0, 1])
LABOUR = np.array([1.0, 0.2, 2.0])


@pytest.fixture
def corn_iron():
    # the technology of the default processes p0 and p2
    return PlanFactory(Technology(np.array([[0.0, 0.2], [0.1, 0.1]]), [1.0, 2.0], names=["corn", "iron"]))


def _processes(capacity=None, labour=LABOUR, inputs=INPUTS):
    return Processes(inputs, PRODUCES, labour, capacity)


@pytest.mark.parametrize("method", METHODS)
def test_least_labour_process_chosen_in_hand_worked_case(corn_iron, method):
    plan = corn_iron.activity_analysis(TARGETS, _processes(), method=method)
    assert isinstance(plan, ActivityPlan)
    assert plan.feasible
    np.testing.assert_allclose(plan.levels, [125 / 11, 0.0, 75 / 11], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(plan.labour, 25.0, rtol=1e-9)
    np.testing.assert_array_equal(plan.shortfall, [0.0, 0.0])
    assert plan.binding_goods == ()
    assert plan.binding_processes == ()
    assert plan.message == "targets met"


@pytest.mark.parametrize("method", METHODS)
def test_labour_saving_process_chosen_when_it_saves_labour(corn_iron, method):
    # p1 now takes 0.4 iron and no labour: v_c = 0.4 v_i, 0.9 v_i = 2 + 0.08 v_i ⇒ v_i = 2/0.82,
    # v_c = 0.8/0.82 < 1.25, so p1 replaces p0.  z1 − 0.2 z2 = 10, −0.4 z1 + 0.9 z2 = 5
    # ⇒ 0.82 z2 = 9 ⇒ z2 = 450/41, z1 = 500/41; labour = 2 · 450/41 = 900/41.
    inputs = INPUTS.copy()
    inputs[1, 1] = 0.4
    plan = corn_iron.activity_analysis(TARGETS, _processes(labour=[1.0, 0.0, 2.0], inputs=inputs), method=method)
    assert plan.feasible
    np.testing.assert_allclose(plan.levels, [0.0, 500 / 41, 450 / 41], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(plan.labour, 900 / 41, rtol=1e-9)


@pytest.mark.parametrize("method", METHODS)
def test_capacity_of_cheapest_process_binds_and_alternative_fills_the_gap(corn_iron, method):
    plan = corn_iron.activity_analysis(TARGETS, _processes(capacity=[8.0, np.inf, np.inf]), method=method)
    assert plan.feasible
    np.testing.assert_allclose(plan.levels, [8.0, 3.7, 8.5], rtol=1e-9)
    np.testing.assert_allclose(plan.labour, 25.74, rtol=1e-9)
    assert plan.binding_processes == (0,)
    assert plan.binding_goods == ()


@pytest.mark.parametrize("method", METHODS)
def test_infeasible_hand_worked_case_names_short_good_and_saturated_process(corn_iron, method):
    plan = corn_iron.activity_analysis(TARGETS, _processes(capacity=[np.inf, np.inf, 5.0]), method=method)
    assert not plan.feasible
    assert np.isnan(plan.labour)
    assert plan.binding_goods == (1,)
    assert plan.binding_processes == (2,)
    np.testing.assert_allclose(plan.shortfall, [0.0, 1.6], atol=1e-9)
    np.testing.assert_allclose(plan.levels, [11.0, 0.0, 5.0], atol=1e-9)
    assert "iron" in plan.message and "corn" not in plan.message


@pytest.mark.parametrize("method", METHODS)
def test_capacity_that_does_not_bind_is_not_reported_as_binding(corn_iron, method):
    """A finite capacity above the chosen level leaves the plan as it was and is not named."""
    plan = corn_iron.activity_analysis(TARGETS, _processes(capacity=[100.0, 5.0, 100.0]), method=method)
    assert plan.feasible
    np.testing.assert_allclose(plan.levels, [125 / 11, 0.0, 75 / 11], rtol=1e-9, atol=1e-9)
    assert plan.binding_processes == ()


def test_a_process_with_no_capacity_is_at_its_capacity(corn_iron):
    """An alternative with capacity 0 (say, a plant not yet built) is named among the processes at capacity."""
    plan = corn_iron.activity_analysis(TARGETS, _processes(capacity=[np.inf, 0.0, np.inf]))
    assert plan.feasible
    np.testing.assert_allclose(plan.labour, 25.0, rtol=1e-9)
    assert plan.binding_processes == (1,)


def test_a_good_no_process_makes_is_allowed_when_nobody_needs_it(corn_iron):
    """Three goods, processes for the first two only: fine as long as the third has no target."""
    inputs = np.array([[0.0, 0.2], [0.1, 0.1], [0.0, 0.0]])
    plan = corn_iron.activity_analysis([10.0, 5.0, 0.0], Processes(inputs, [0, 1], [1.0, 2.0]))
    assert plan.feasible
    np.testing.assert_allclose(plan.labour, 25.0, rtol=1e-9)


def test_shortfalls_of_goods_that_are_not_the_technologys_sectors_are_named_by_number(corn_iron):
    """Processes over other goods than the technology's sectors: the message names goods by index."""
    processes = Processes(np.zeros((3, 3)), [0, 1, 2], [1.0, 1.0, 1.0], [0.0, np.inf, 0.0])
    plan = corn_iron.activity_analysis([1.0, 1.0, 1.0], processes)
    assert plan.binding_goods == (0, 2)
    assert plan.message == "targets cannot be met: short of 0, 2; 2 process(es) at capacity"


@pytest.mark.parametrize(
    ("n_short", "listed"), [(10, "s0, s1, s2, s3, s4, s5, s6, s7, s8, s9"), (11, None), (12, None)]
)
def test_a_long_list_of_short_goods_is_cut_at_ten(n_short, listed):
    """The message lists at most ten short goods, then '…'."""
    n = 12
    t = Technology(np.zeros((n, n)), np.ones(n))
    capacity = np.where(np.arange(n) < n_short, 0.0, np.inf)
    plan = PlanFactory(t).activity_analysis(np.ones(n), Processes(np.zeros((n, n)), np.arange(n), np.ones(n), capacity))
    ten = "s0, s1, s2, s3, s4, s5, s6, s7, s8, s9"
    if listed is not None:
        assert plan.message == f"targets cannot be met: short of {listed}; {n_short} process(es) at capacity"
    else:
        assert plan.message == f"targets cannot be met: short of {ten} …; {n_short} process(es) at capacity"


def test_a_solver_failure_other_than_infeasibility_is_reported_not_raised(corn_iron, monkeypatch):
    """If HiGHS stops for another reason (iteration limit, numerical trouble), the plan says so."""
    monkeypatch.setattr(
        sim.economics.plan_factory,
        "linprog",
        lambda *a, **k: SimpleNamespace(status=1, message="Iteration limit reached."),
    )
    plan = corn_iron.activity_analysis(TARGETS, _processes())
    assert plan.feasible is False
    np.testing.assert_array_equal(plan.levels, np.zeros(3))
    assert np.isnan(plan.labour)
    np.testing.assert_array_equal(plan.shortfall, np.zeros(2))
    assert plan.binding_goods == () and plan.binding_processes == ()
    assert plan.message == "Iteration limit reached."


@FEW
@given(arrays(np.float64, (2,), elements=st.one_of(st.just(0.0), st.floats(1e-2, 1e4, **FINITE))))
def test_choice_does_not_depend_on_targets_non_substitution(targets):
    factory = PlanFactory(Technology(np.array([[0.0, 0.2], [0.1, 0.1]]), [1.0, 2.0]))
    plan = factory.activity_analysis(targets, _processes())
    assert plan.feasible
    assert plan.levels[1] <= 1e-9 * max(1.0, targets.max())
    np.testing.assert_allclose(plan.labour, np.array([1.25, 2.5]) @ targets, rtol=1e-8, atol=1e-6)


def test_mismatched_process_inputs_raise_value_error(corn_iron):
    with pytest.raises(ValueError, match=r"must be \(2, 2\)"):
        corn_iron.activity_analysis(TARGETS, Processes(INPUTS, [0, 1], [1.0, 2.0]))


# --- default processes: one per sector, from the technology -----------------------------------


@st.composite
def technologies(draw, min_n=2, max_n=8):
    n = draw(st.integers(min_n, max_n))
    raw = draw(arrays(np.float64, (n, n), elements=st.floats(0.0, 1.0, **FINITE)))
    top = raw.sum(axis=0).max()
    A = raw * (draw(st.floats(0.0, 0.9, **FINITE)) / top) if top > 0 else raw
    labour = draw(arrays(np.float64, (n,), elements=st.floats(0.01, 100.0, **FINITE)))
    return Technology(A, labour)


def _targets(n, lo=0.0):
    """Targets of 0 or in [lo or 0.01, 1000]: HiGHS meets constraints to 1e-7 absolute, so smaller
    targets would count as met by doing nothing."""
    element = st.floats(max(lo, 1e-2), 1e3, **FINITE)
    return arrays(np.float64, (n,), elements=element if lo > 0 else st.one_of(st.just(0.0), element))


@FEW
@given(technologies(), st.data())
def test_default_processes_reproduce_intermediate_targets_and_labour(t, data):
    y = data.draw(_targets(t.n))
    factory = PlanFactory(t)
    x = factory.intermediate_targets(y)
    plan = factory.activity_analysis(y)
    assert plan.feasible
    np.testing.assert_allclose(plan.levels, x, rtol=1e-6, atol=1e-7 * max(1.0, x.max()))
    np.testing.assert_allclose(plan.labour, t.labour @ x, rtol=1e-7, atol=1e-6 * t.labour.sum())


def test_default_processes_reproduce_the_default_economy():
    economy = default_economy()
    factory = PlanFactory(economy.technology)
    y = economy.final_demand[["private", "public", "investment"]].sum(axis=1).to_numpy()
    x = factory.intermediate_targets(y)
    for method in METHODS:
        plan = factory.activity_analysis(y, method=method)
        assert plan.feasible
        np.testing.assert_allclose(plan.levels, x, rtol=1e-6)
        np.testing.assert_allclose(plan.labour, economy.technology.labour @ x, rtol=1e-8)


@st.composite
def capacity_cases(draw):
    t = draw(technologies())
    y = draw(_targets(t.n, lo=1.0))  # y > 0 ⇒ x > 0
    x = np.linalg.solve(np.eye(t.n) - t.A, y)
    factor = draw(
        arrays(np.float64, (t.n,), elements=st.one_of(st.floats(0.0, 0.9, **FINITE), st.floats(1.1, 3.0, **FINITE)))
    )
    return t, y, x * factor, factor < 1


@FEW
@given(capacity_cases())
def test_targets_feasible_exactly_when_required_output_fits_capacity(case):
    t, y, capacity, short = case
    processes = Processes(t.A, np.arange(t.n), t.labour, capacity)
    plan = PlanFactory(t).activity_analysis(y, processes)
    # any z with (I − A) z ≥ y has z ≥ (I − A)⁻¹ y = x, so the plan fits iff x ≤ capacity
    assert plan.feasible == (not short.any())


@FEW
@given(capacity_cases())
def test_infeasible_targets_name_short_goods_and_saturated_processes_without_raising(case):
    t, y, capacity, short = case
    processes = Processes(t.A, np.arange(t.n), t.labour, capacity)
    plan = PlanFactory(t).activity_analysis(y, processes)
    if plan.feasible:
        assert not short.any()
        return
    tol = 1e-7 * max(1.0, y.max())
    assert np.isnan(plan.labour)
    assert plan.binding_goods, "an infeasible plan must name the goods left short"
    assert plan.binding_goods == tuple(int(g) for g in np.flatnonzero(plan.shortfall > 0))
    # the closest plan stays within capacity and, with the shortfall, covers the targets
    z = plan.levels
    assert (z >= -tol).all() and (z <= capacity + tol).all()
    np.testing.assert_array_less(y - tol, z - t.A @ z + plan.shortfall)
    # the shortfall reported is what the closest plan leaves short, no more: max(y − (I − A) z, 0)
    np.testing.assert_allclose(plan.shortfall, np.maximum(y - (z - t.A @ z), 0.0), rtol=1e-6, atol=10 * tol)
    # some process must be saturated, else more output would reduce the shortfall
    assert plan.binding_processes
    at_capacity = np.flatnonzero(z >= capacity * (1 - 1e-7))
    assert plan.binding_processes == tuple(int(p) for p in at_capacity)
    for g in plan.binding_goods:
        assert t.names[g] in plan.message


def test_default_economy_at_half_capacity_is_infeasible_and_names_what_binds():
    economy = default_economy()
    t = economy.technology
    y = economy.final_demand[["private", "public", "investment"]].sum(axis=1).to_numpy()
    capacity = 0.5 * economy.gross_output
    plan = PlanFactory(t).activity_analysis(y, Processes(t.A, np.arange(t.n), t.labour, capacity))
    assert not plan.feasible
    assert plan.binding_goods and plan.binding_processes
    assert set(plan.binding_goods) <= set(range(t.n))
    assert "cannot be met" in plan.message


@pytest.mark.parametrize("method", METHODS)
def test_an_infeasible_plan_names_a_good_even_when_its_shortfall_is_small_against_the_targets(method):
    """Target 10,000, capacity 10,000 − 10⁻⁵: HiGHS says infeasible; the plan must then say which good is short."""
    t = Technology(np.zeros((1, 1)), [1.0], names=["bread"])
    plan = PlanFactory(t).activity_analysis([1e4], Processes(np.zeros((1, 1)), [0], [1.0], [1e4 - 1e-5]), method=method)
    assert not plan.feasible  # 10⁻⁵ short is above HiGHS's feasibility tolerance (10⁻⁷)
    assert plan.binding_goods == (0,)
    assert "short of bread;" in plan.message
    assert plan.shortfall[0] == pytest.approx(1e-5, rel=1e-3)


@pytest.mark.parametrize("method", METHODS)
def test_a_shortfall_within_the_targets_round_off_is_named_only_when_no_other_good_is_short(method):
    """Targets 10,000 of bread and of water and 1 of salt; capacity 10,000 − 1, 10,000 − 10⁻⁵ and 10.

    The round-off tolerance of targets of 10,000 is 10⁻⁷ · 10,000 = 10⁻³: bread's shortfall of 1
    is named, water's 10⁻⁵ is not (salt is not short at all). Without bread short, water's
    shortfall is the only one, and named.
    """
    t = Technology(np.zeros((3, 3)), [1.0, 1.0, 1.0], names=["bread", "water", "salt"])
    factory = PlanFactory(t)
    both = factory.activity_analysis(
        [1e4, 1e4, 1.0], Processes(np.zeros((3, 3)), [0, 1, 2], [1.0] * 3, [1e4 - 1, 1e4 - 1e-5, 10.0]), method=method
    )
    assert both.binding_goods == (0,)
    assert "short of bread;" in both.message
    water = factory.activity_analysis(
        [1e4, 1e4, 1.0], Processes(np.zeros((3, 3)), [0, 1, 2], [1.0] * 3, [1e4, 1e4 - 1e-5, 10.0]), method=method
    )
    assert water.binding_goods == (1,)


def test_zero_capacity_leaves_every_good_with_a_target_short():
    t = Technology(np.array([[0.1, 0.2], [0.3, 0.1]]), [1.0, 2.0], names=["a", "b"])
    plan = PlanFactory(t).activity_analysis([1.0, 0.0], Processes(t.A, [0, 1], t.labour, [0.0, 0.0]))
    assert not plan.feasible
    assert plan.binding_goods == (0,)
    assert plan.binding_processes == (0, 1)
    np.testing.assert_allclose(plan.shortfall, [1.0, 0.0])


# --- interior point and dual simplex agree -----------------------------------------------------


@st.composite
def alternative_processes(draw):
    t = draw(technologies())
    n = t.n
    m = draw(st.integers(1, 6))
    produces = np.array(draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m)))
    raw = draw(arrays(np.float64, (n, m), elements=st.floats(0.0, 1.0, **FINITE)))
    sums = raw.sum(axis=0)
    scale = np.array(draw(st.lists(st.floats(0.0, 0.9, **FINITE), min_size=m, max_size=m)))
    extra = raw * np.divide(scale, sums, out=np.zeros(m), where=sums > 0)
    labour = np.array(draw(st.lists(st.floats(0.01, 100.0, **FINITE), min_size=m, max_size=m)))
    processes = Processes(
        np.hstack([t.A, extra]), np.concatenate([np.arange(n), produces]), np.concatenate([t.labour, labour])
    )
    y = draw(_targets(n))
    return t, processes, y


@FEW
@given(alternative_processes())
def test_interior_point_and_dual_simplex_agree_on_least_labour(case):
    t, processes, y = case
    factory = PlanFactory(t)
    plans = [factory.activity_analysis(y, processes, method=m) for m in METHODS]
    assert all(p.feasible for p in plans)
    np.testing.assert_allclose(plans[0].labour, plans[1].labour, rtol=1e-7, atol=1e-7)
    # alternatives can only save labour, never cost more than the default processes
    assert plans[0].labour <= t.labour @ factory.intermediate_targets(y) * (1 + 1e-7) + 1e-9
    for plan in plans:
        z = plan.levels
        net = -(np.asarray(processes.inputs) @ z)
        np.add.at(net, processes.produces, z)
        assert (net >= y - 1e-6 * max(1.0, y.max())).all()


def test_interior_point_and_dual_simplex_agree_on_the_default_economy_with_capacity():
    economy = default_economy()
    t = economy.technology
    y = economy.final_demand[["private", "public", "investment"]].sum(axis=1).to_numpy()
    # a second, cheaper process for every sector, limited to half of today's output
    processes = Processes(
        np.hstack([t.A, t.A * 1.05]),
        np.concatenate([np.arange(t.n), np.arange(t.n)]),
        np.concatenate([t.labour, t.labour * 0.8]),
        np.concatenate([np.full(t.n, np.inf), 0.5 * economy.gross_output]),
    )
    plans = [PlanFactory(t).activity_analysis(y, processes, method=m) for m in METHODS]
    assert all(p.feasible for p in plans)
    np.testing.assert_allclose(plans[0].labour, plans[1].labour, rtol=1e-8)
    assert plans[0].labour < t.labour @ economy.gross_output
    assert plans[0].binding_processes == plans[1].binding_processes


@pytest.mark.parametrize("method", METHODS)
def test_requested_method_is_passed_to_highs_for_both_linear_programs(corn_iron, method, monkeypatch):
    calls = []
    real = sim.economics.plan_factory.linprog

    def recording(*args, **kwargs):
        calls.append(kwargs.get("method"))
        return real(*args, **kwargs)

    monkeypatch.setattr(sim.economics.plan_factory, "linprog", recording)
    plan = corn_iron.activity_analysis(TARGETS, _processes(capacity=[np.inf, np.inf, 5.0]), method=method)
    assert not plan.feasible
    assert calls == [method, method]  # the least-labour LP, then the closest-plan LP


def test_the_most_hours_within_capacity_worked_by_hand():
    """IN and OUT, OUT using ½ unit of IN; labour 1 and 1.5 hours a unit: values 1 and 2, ``(I − A)⁻¹`` is
    ``[[1, ½], [0, 1]]``.

    Private bundle (1, 0), public (0, 1), investment (2, 1) at values 1, 2 and 4; shares ½, 0.3, 0.2: an
    hour of value buys (0.5 + 0.1, 0.15 + 0.05) = (0.6, 0.2) of final goods. 10 persons' hours over 50
    weeks an hour of the week: final (300, 100), gross (350, 100) a week-hour. Trade (10, 20) needs (20, 20)
    gross. Capacity (2,820, 1,220): (2,800 / 350, 1,200 / 100) = (8, 12): 8 hours, IN the bottleneck.
    """
    factory = PlanFactory(Technology(np.array([[0.0, 0.5], [0.0, 0.0]]), [1.0, 1.5]))
    np.testing.assert_allclose(factory.labour_values(), [1.0, 2.0], rtol=1e-12)
    bundles = ([1.0, 0.0], [0.0, 1.0], [2.0, 1.0])
    share, capacity, trade = (0.5, 0.3, 0.2), [2820.0, 1220.0], [10.0, 20.0]
    most = factory.most_hours(10.0, *bundles, share, capacity, trade, weeks_per_year=50)
    assert most == pytest.approx(8.0, rel=1e-12)
    # Without trade: 2,820 / 350. At 52 weeks a year: gross (364, 104.0) a week-hour.
    assert factory.most_hours(10.0, *bundles, share, capacity, weeks_per_year=50) == pytest.approx(2820 / 350)
    assert factory.most_hours(10.0, *bundles, share, capacity, trade) == pytest.approx(2800 / 364)
    # Everything private: OUT is not made (its gross output does not grow with the hours) and cannot bind.
    assert factory.most_hours(10.0, *bundles, (1.0, 0.0, 0.0), [2820.0, 0.0], weeks_per_year=50) == pytest.approx(
        2820 / 500
    )
    # A public bundle of nothing is skipped, not divided by: the rest, (0.6, 0.05), gross (312.5, 25).
    nothing = ([1.0, 0.0], [0.0, 0.0], [2.0, 1.0])
    assert factory.most_hours(10.0, *nothing, share, capacity, weeks_per_year=50) == pytest.approx(2820 / 312.5)
    # No share at all: no output grows with the hours; trade beyond capacity: not even one hour.
    assert factory.most_hours(10.0, *bundles, (0.0, 0.0, 0.0), capacity) == float("inf")
    assert factory.most_hours(10.0, *bundles, share, [10.0, 1220.0], trade, weeks_per_year=50) == 0.0
