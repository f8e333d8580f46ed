"""Property tests of the plan factory on random productive technologies (hypothesis).

Every technology drawn here is productive by construction: ``A`` is scaled so that its
largest column sum, or its spectral radius, is below 0.95, and when capital is drawn
``A`` and ``B`` are scaled together until ``A + D`` (``D = δ ∘ B``) is productive too.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import sim.economics.plan_factory
from sim.economics.economy import Technology
from sim.economics.plan_factory import (
    SPARSE_THRESHOLD,
    TABLE_WIDTH,
    PlanFactory,
    PlanFactoryError,
    PlanVariant,
    variants_table,
)
from sim.economics.units import WEEKS_PER_YEAR

FAST = settings(max_examples=60, deadline=None)
QUICK = settings(max_examples=30, deadline=None)
LIMIT = 0.95
FINITE = {"allow_nan": False, "allow_infinity": False, "allow_subnormal": False}


# --- strategies ------------------------------------------------------------------------


def _rho(matrix) -> float:
    return float(np.max(np.abs(np.linalg.eigvals(matrix))))


def _floats(lo, hi):
    return st.floats(lo, hi, **FINITE)


@st.composite
def productive_matrices(draw, n):
    """Non-negative ``A`` with max column sum < 0.95, or spectral radius < 0.95 (column sums may exceed 1)."""
    raw = draw(arrays(np.float64, (n, n), elements=_floats(0.0, 1.0)))
    target = draw(st.floats(0.0, LIMIT, exclude_max=True, **FINITE))
    top = float(raw.sum(axis=0).max())
    if top == 0.0:
        return raw
    unit = raw / top  # largest column sum 1, before any scale: 5 / top overflows when top is subnormal
    if draw(st.sampled_from(["column sums", "spectral radius"])) == "column sums":
        return unit * target
    rho = _rho(unit)
    # ρ = 0 (nilpotent) is already productive; cap column sums at 5 to keep (I − A) well conditioned.
    scale = 5.0 if rho == 0.0 else min(target / rho, 5.0)
    return unit * scale


def _depreciation_strategy(n):
    rate = _floats(0.0, 0.3)
    return st.one_of(
        rate,
        arrays(np.float64, (n,), elements=rate),
        arrays(np.float64, (n, n), elements=rate),
    )


def _used_up(capital, depreciation):
    """``D = δ ∘ B`` computed here, independently of ``Technology.capital_consumption``."""
    capital = capital.toarray() if sp.issparse(capital) else np.asarray(capital)
    d = np.asarray(depreciation, dtype=float)
    return capital * (d[:, None] if d.ndim == 1 else d)


@st.composite
def technologies(draw, capital="maybe", min_n=2, max_n=12):
    """A productive :class:`Technology`; ``capital`` is ``"maybe"``, ``"none"`` or ``"yes"``.

    With ``"yes"`` the capital matrix has a positive diagonal (every sector needs some
    equipment), so the dynamic growth rate is defined; ``"maybe"`` may draw ``B = 0``.
    """
    n = draw(st.integers(min_n, max_n))
    A = draw(productive_matrices(n))
    labour = draw(arrays(np.float64, (n,), elements=_floats(0.01, 100.0)))
    with_capital = draw(st.booleans()) if capital == "maybe" else capital == "yes"
    B = depreciation = None
    if with_capital:
        B = draw(arrays(np.float64, (n, n), elements=_floats(0.0, 5.0)))
        if capital == "yes":
            B = B + np.diag(draw(arrays(np.float64, (n,), elements=_floats(0.1, 5.0))))
        depreciation = draw(_depreciation_strategy(n))
        rho = _rho(A + _used_up(B, depreciation))
        if rho >= LIMIT:
            A, B = A * (0.9 / rho), B * (0.9 / rho)
    return Technology(A, labour, B, depreciation)


def _demands(n, k=None, lo=0.0):
    """Final demand, ``(n,)`` or ``(n, k)``: zeros and values in [1e-3, 1e3] (or all ≥ ``lo`` > 0)."""
    element = _floats(max(lo, 1e-3), 1e3) if lo > 0 else st.one_of(st.just(0.0), _floats(1e-3, 1e3))
    return arrays(np.float64, (n,) if k is None else (n, k), elements=element)


@st.composite
def technology_and_demand(draw, capital="maybe", k=None, lo=0.0):
    t = draw(technologies(capital=capital))
    y = draw(_demands(t.n, k if k is None else draw(st.integers(1, k)), lo))
    return t, y


def _dense(m):
    return m.toarray() if sp.issparse(m) else np.asarray(m)


def _tol(*arrays_):
    return 1e-9 * max(1.0, *(float(np.abs(a).max(initial=0.0)) for a in arrays_))


# --- the Leontief system ----------------------------------------------------------------


@FAST
@given(technology_and_demand())
def test_intermediate_targets_satisfy_leontief_balance(case):
    t, y = case
    x = PlanFactory(t).intermediate_targets(y)
    assert x.shape == y.shape
    np.testing.assert_allclose(x - t.A @ x, y, rtol=0, atol=_tol(x, y))


@FAST
@given(technology_and_demand())
def test_gross_output_is_non_negative_and_covers_final_demand(case):
    t, y = case
    x = PlanFactory(t).intermediate_targets(y)
    tol = _tol(x)
    assert (x >= -tol).all()
    assert (x >= y - tol).all()  # x = A x + y with A x ≥ 0


@FAST
@given(technologies(), st.data())
def test_gross_output_is_monotone_in_final_demand(t, data):
    y1 = data.draw(_demands(t.n))
    extra = data.draw(_demands(t.n))
    factory = PlanFactory(t)
    x1, x2 = factory.intermediate_targets(y1), factory.intermediate_targets(y1 + extra)
    assert (x2 >= x1 - _tol(x2)).all()


@FAST
@given(technology_and_demand(k=4))
def test_several_final_demand_columns_at_once_equal_column_by_column(case):
    t, Y = case
    factory = PlanFactory(t)
    X = factory.intermediate_targets(Y)
    assert X.shape == Y.shape
    for k in range(Y.shape[1]):
        np.testing.assert_allclose(X[:, k], factory.intermediate_targets(Y[:, k]), rtol=1e-12, atol=_tol(X) * 1e-3)


@FAST
@given(technologies())
def test_leontief_inverse_inverts_i_minus_a_and_is_at_least_identity(t):
    L = PlanFactory(t).leontief_inverse()
    n = t.n
    np.testing.assert_allclose(L @ (np.eye(n) - _dense(t.A)), np.eye(n), atol=_tol(L))
    assert (L - np.eye(n) >= -_tol(L)).all()  # L = I + A + A² + … ≥ I


# --- labour values ----------------------------------------------------------------------


@FAST
@given(technology_and_demand())
def test_value_of_final_demand_equals_labour_of_gross_output_without_depreciation(case):
    t, y = case
    factory = PlanFactory(t)
    v = factory.labour_values(include_depreciation=False)
    x = factory.intermediate_targets(y)
    np.testing.assert_allclose(v @ y, t.labour @ x, rtol=1e-9, atol=1e-12)


@FAST
@given(technologies())
def test_labour_values_without_depreciation_solve_v_times_i_minus_a_equals_l(t):
    v = PlanFactory(t).labour_values(include_depreciation=False)
    np.testing.assert_allclose(v @ (np.eye(t.n) - _dense(t.A)), t.labour, rtol=0, atol=_tol(v))


@FAST
@given(technologies(capital="yes"))
def test_labour_values_with_depreciation_solve_v_times_i_minus_a_minus_d_equals_l(t):
    v = PlanFactory(t).labour_values(include_depreciation=True)
    D = _used_up(t.capital, t.depreciation)
    np.testing.assert_allclose(_dense(t.capital_consumption), D, rtol=1e-15, atol=0)
    np.testing.assert_allclose(v @ (np.eye(t.n) - _dense(t.A) - D), t.labour, rtol=0, atol=_tol(v))


@FAST
@given(technologies())
def test_labour_values_are_at_least_direct_labour_and_grow_with_depreciation(t):
    factory = PlanFactory(t)
    direct = factory.labour_values(include_depreciation=False)
    full = factory.labour_values(include_depreciation=True)
    assert (direct >= t.labour * (1 - 1e-12)).all()  # v = l + v A ≥ l > 0
    assert (full >= direct - _tol(full)).all()  # capital used up only adds labour


@QUICK
@given(technologies())
def test_labour_values_returned_are_copies_not_the_cache(t):
    factory = PlanFactory(t)
    first = factory.labour_values()
    expected = first.copy()
    first[:] = -1.0
    np.testing.assert_array_equal(factory.labour_values(), expected)


# --- labour requirements ----------------------------------------------------------------


@FAST
@given(technology_and_demand())
def test_labour_requirements_are_labour_times_output_and_sum_to_l_dot_x(case):
    t, y = case
    factory = PlanFactory(t)
    x = factory.intermediate_targets(y)
    hours = factory.labour_requirements(y)
    np.testing.assert_allclose(hours, t.labour * x, rtol=1e-12, atol=0)
    np.testing.assert_allclose(hours.sum(), t.labour @ x, rtol=1e-12, atol=1e-12)


@QUICK
@given(technology_and_demand(k=3))
def test_labour_requirements_for_several_columns_scale_each_row_by_its_labour(case):
    t, Y = case
    factory = PlanFactory(t)
    hours = factory.labour_requirements(Y)
    assert hours.shape == Y.shape
    for k in range(Y.shape[1]):
        # two solves (of a matrix, of one column) round apart by about 1e-16 of the column's largest hours, so a
        # good with no demand may get 1e-12 hours beside 48,576; an absolute 1e-12 is below what doubles resolve there
        scale = np.abs(hours[:, k]).max()
        np.testing.assert_allclose(hours[:, k], factory.labour_requirements(Y[:, k]), rtol=1e-12, atol=1e-12 * scale)


# --- bottlenecks ------------------------------------------------------------------------


@st.composite
def bottleneck_cases(draw):
    t, y = draw(technology_and_demand(lo=1e-3))  # y > 0, so every sector's output x > 0
    x = np.linalg.solve(np.eye(t.n) - _dense(t.A), y)
    factor = draw(arrays(np.float64, (t.n,), elements=st.one_of(_floats(0.5, 0.9), _floats(1.1, 1.5))))
    return t, y, x * factor, factor < 1


@FAST
@given(bottleneck_cases())
def test_bottlenecks_shortfall_investment_and_names(case):
    t, y, capacity, short = case
    factory = PlanFactory(t)
    result = factory.bottlenecks(y, capacity)
    x = factory.intermediate_targets(y)
    np.testing.assert_allclose(result.required, x, rtol=1e-12)
    np.testing.assert_array_equal(result.capacity, capacity)
    np.testing.assert_allclose(result.shortfall, np.maximum(x - capacity, 0.0), rtol=1e-9, atol=_tol(x))
    assert result.sectors == tuple(name for name, s in zip(t.names, result.shortfall > 0, strict=True) if s)
    assert result.sectors == tuple(name for name, s in zip(t.names, short, strict=True) if s)
    if t.capital is None:
        np.testing.assert_array_equal(result.investment, np.zeros(t.n))
        assert result.investment_hours == 0.0
    else:
        expected = _dense(t.capital) @ result.shortfall
        np.testing.assert_allclose(result.investment, expected, rtol=1e-12, atol=1e-12 * max(1.0, expected.max()))
        hours = factory.labour_values() @ expected
        np.testing.assert_allclose(result.investment_hours, hours, rtol=1e-9, atol=1e-12)


@QUICK
@given(technology_and_demand())
def test_no_bottlenecks_when_capacity_covers_the_required_output(case):
    t, y = case
    factory = PlanFactory(t)
    result = factory.bottlenecks(y, factory.intermediate_targets(y) * 1.01 + 1e-6)
    assert result.sectors == ()
    np.testing.assert_array_equal(result.shortfall, np.zeros(t.n))
    np.testing.assert_array_equal(result.investment, np.zeros(t.n))


def test_bottlenecks_hand_worked_corn_and_iron():
    """Corn and iron (A from test_activity_analysis): y = (10, 5) needs x = (125/11, 75/11); iron capacity 5.

    Shortfall (0, 20/11); iron capital 2 per unit of capacity → invest 40/11 iron, worth 2.5 h each
    (no depreciation, so v = (1.25, 2.5)): 100/11 hours.
    """
    t = Technology(np.array([[0.0, 0.2], [0.1, 0.1]]), [1.0, 2.0], np.diag([1.0, 2.0]), 0.0, names=["corn", "iron"])
    result = PlanFactory(t).bottlenecks([10.0, 5.0], [12.0, 5.0])
    assert result.sectors == ("iron",)
    np.testing.assert_allclose(result.required, [125 / 11, 75 / 11], rtol=1e-12)
    np.testing.assert_array_equal(result.capacity, [12.0, 5.0])
    np.testing.assert_allclose(result.shortfall, [0.0, 20 / 11], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(result.investment, [0.0, 40 / 11], rtol=1e-12, atol=1e-15)
    assert result.investment_hours == pytest.approx(100 / 11, rel=1e-12)


def test_failed_iterative_solve_raises_plan_factory_error_naming_the_tolerance(monkeypatch):
    """A sparse solve that does not converge is an error the user can act on, not a silently wrong plan."""
    monkeypatch.setattr(sim.economics.plan_factory, "SPARSE_THRESHOLD", 1)
    monkeypatch.setattr(sim.economics.plan_factory.spla, "bicgstab", lambda *args, **kwargs: (np.zeros(2), 7))
    t = Technology(sp.csr_array(np.array([[0.1, 0.2], [0.3, 0.1]])), [1.0, 2.0])
    factory = PlanFactory(t, rtol=1e-9)
    assert factory.sparse
    with pytest.raises(PlanFactoryError, match=r"BiCGSTAB did not reach rtol=1e-09 \(info=7\)"):
        factory.intermediate_targets(np.ones(2))


# --- plan variants (seed §7f) -----------------------------------------------------------


@st.composite
def variant_cases(draw, capital="yes"):
    t = draw(technologies(capital=capital))
    n = t.n
    bundles = []
    for _ in range(3):
        b = draw(arrays(np.float64, (n,), elements=st.one_of(st.just(0.0), _floats(1e-2, 10.0))))
        b[draw(st.integers(0, n - 1))] += 1.0  # every bundle has a positive labour value
        bundles.append(b)
    raw_shares = draw(
        st.lists(st.tuples(_floats(0.0, 1.0), _floats(0.0, 1.0), _floats(0.0, 1.0)), min_size=1, max_size=3)
    )
    shares = [tuple(s / sum(r) for s in r) if sum(r) > 0 else (1.0, 0.0, 0.0) for r in raw_shares]
    hours = draw(st.lists(_floats(1.0, 80.0), min_size=1, max_size=3))
    workers = draw(_floats(1.0, 1e6))
    population = workers * draw(_floats(1.0, 3.0))
    weeks = draw(_floats(20.0, 52.0))
    return t, bundles, shares, hours, workers, population, weeks


def _run_variants(case, capacity=None):
    t, bundles, shares, hours, workers, population, weeks = case
    factory = PlanFactory(t)
    variants = factory.variants(
        workers,
        population,
        *bundles,
        hours_per_week=hours,
        shares=shares,
        weeks_per_year=weeks,
        capacity=capacity,
    )
    return factory, variants


@FAST
@given(st.one_of(variant_cases(capital="yes"), variant_cases(capital="none")))
def test_every_hour_worked_in_a_variant_is_net_product(case):
    t, _, shares, hours, workers, _, weeks = case
    _, variants = _run_variants(case)
    assert len(variants) == len(hours) * len(shares)
    for variant in variants:
        net_product = workers * variant.hours_per_week * weeks
        # gross output replaces A x and the capital used up D x, and delivers the net product
        np.testing.assert_allclose(t.labour @ variant.gross_output, net_product, rtol=1e-8)
        assert (variant.gross_output >= -1e-9 * variant.gross_output.max()).all()


@FAST
@given(variant_cases(capital="yes"))
def test_variant_gross_output_replaces_inputs_and_capital_used_up(case):
    t, *_ = case
    factory, variants = _run_variants(case)
    D = _used_up(t.capital, t.depreciation)
    v = factory.labour_values()
    for variant in variants:
        x = variant.gross_output
        net = x - _dense(t.A) @ x - D @ x  # what is left for consumption and net investment
        assert (net >= -_tol(x)).all()
        total = variant.consumption_per_person * case[5] + variant.public_consumption + variant.investment
        np.testing.assert_allclose(v @ net, total, rtol=1e-8)


@FAST
@given(st.one_of(variant_cases(capital="yes"), variant_cases(capital="none")))
def test_variants_respect_shares_and_grid(case):
    _, _, shares, hours, workers, population, weeks = case
    _, variants = _run_variants(case)
    grid = [(h, s) for h in hours for s in shares]
    assert [(v.hours_per_week, (v.private_share, v.public_share, v.investment_share)) for v in variants] == grid
    for variant in variants:
        net_product = workers * variant.hours_per_week * weeks
        np.testing.assert_allclose(
            variant.consumption_per_person * population, variant.private_share * net_product, rtol=1e-12
        )
        np.testing.assert_allclose(variant.public_consumption, variant.public_share * net_product, rtol=1e-12)
        np.testing.assert_allclose(variant.investment, variant.investment_share * net_product, rtol=1e-12)


@FAST
@given(variant_cases(capital="yes"))
def test_variant_consumption_growth_is_non_negative_and_set_by_scarcest_capital_good(case):
    t, bundles, *_ = case
    workers, weeks = case[4], case[6]
    factory, variants = _run_variants(case)
    v = factory.labour_values()
    B = _dense(t.capital)
    for variant in variants:
        assert variant.consumption_growth >= 0.0
        invested = variant.investment_share * workers * variant.hours_per_week * weeks * bundles[2] / (v @ bundles[2])
        needed = B @ variant.gross_output
        used = needed > 1e-12 * needed.max()
        expected = np.min(invested[used] / needed[used])
        np.testing.assert_allclose(variant.consumption_growth, expected, rtol=1e-8, atol=1e-15)


@QUICK
@given(variant_cases(capital="none"))
def test_variant_consumption_growth_is_unknown_without_capital(case):
    _, variants = _run_variants(case)
    assert all(np.isnan(v.consumption_growth) for v in variants)


@FAST
@given(st.one_of(variant_cases(capital="yes"), variant_cases(capital="none")), st.data())
def test_variants_name_their_bottlenecks_where_output_exceeds_capacity(case, data):
    t = case[0]
    capacity = data.draw(arrays(np.float64, (t.n,), elements=_floats(0.0, 1e7)))
    _, variants = _run_variants(case, capacity=capacity)
    for variant in variants:
        expected = tuple(name for name, x, c in zip(t.names, variant.gross_output, capacity, strict=True) if x > c)
        assert variant.bottlenecks == expected
    _, unbounded = _run_variants(case)
    assert all(v.bottlenecks == () for v in unbounded)


@pytest.mark.parametrize("shares", [((0.5, 0.3, 0.3),), ((0.6, 0.6, -0.2),), ((0.5, 0.2, 0.2),)])
def test_variants_reject_shares_that_are_negative_or_do_not_sum_to_one(shares):
    t = Technology(np.array([[0.1, 0.2], [0.3, 0.1]]), [1.0, 2.0])
    with pytest.raises(ValueError, match="sum to 1"):
        PlanFactory(t).variants(10.0, 20.0, [1, 1], [1, 1], [1, 1], shares=shares)


def test_variants_refuse_shares_that_are_not_three():
    """Each share is (private, public, investment): a pair that sums to 1 is still refused."""
    t = Technology(np.array([[0.1, 0.2], [0.3, 0.1]]), [1.0, 2.0])
    with pytest.raises(ValueError):
        PlanFactory(t).variants(10.0, 20.0, [1, 1], [1, 1], [1, 1], shares=((0.5, 0.5),))


def test_variants_name_bottlenecks_hand_worked():
    """Seed §7f (a): a variant whose gross output exceeds a sector's capacity names that sector."""
    t = Technology(np.array([[0.1, 0.2], [0.3, 0.1]]), [1.0, 2.0], names=["corn", "iron"])
    factory = PlanFactory(t)
    (v,) = factory.variants(10.0, 20.0, [1, 0], [1, 0], [0, 1], hours_per_week=(30.0,), shares=((0.7, 0.1, 0.2),))
    x = v.gross_output
    (tight,) = factory.variants(
        10.0,
        20.0,
        [1, 0],
        [1, 0],
        [0, 1],
        hours_per_week=(30.0,),
        shares=((0.7, 0.1, 0.2),),
        capacity=[x[0] * 2, x[1] / 2],
    )
    assert tight.bottlenecks == ("iron",)
    assert v.bottlenecks == ()


def test_variants_table_is_compact_and_truthful():
    """Seed §7f: "compact, significant, sufficient and truthful" — one row per variant, in the units named."""
    variants = [
        PlanVariant(
            35.0, 0.7, 0.15, 0.15, np.zeros(2), 1234.4, 1_250_000_000.5, 3_250_000_000.5, 0.0234, ("MACH", "VEH")
        ),
        PlanVariant(40.0, 0.2, 0.6, 0.2, np.zeros(2), 12.0, 1.04e8, 4.0e10, float("nan")),
        PlanVariant(30.0, 0.2, 0.2, 0.6, np.zeros(2), 12.0, 1.04e8, 4.0e10, 0.0, tuple(f"S{i:02d}" for i in range(20))),
    ]
    expected = [
        "hours private public invest consumption  public investment growth bottlenecks",
        "/week       %      %      % h/person/yr bn h/yr    bn h/yr   %/yr (above capacity)",
        "   35      70     15     15       1,234     1.3        3.3    2.3 MACH, VEH",
        "   40      20     60     20          12     0.1       40.0    nan none",
        "   30      20     20     60          12     0.1       40.0    0.0 S00, S01, S02, S03, S04, S05, S06,",
        " " * 66 + "S07, S08, S09, S10, S11, S12, S13,",
        " " * 66 + "S14, S15, S16, S17, S18, S19",
    ]
    table = variants_table(variants)
    assert table.splitlines() == expected
    assert max(len(line) for line in table.splitlines()) == TABLE_WIDTH  # twenty bottlenecks wrap within it


def test_variants_table_widens_a_column_to_its_widest_cell_and_never_splits_a_sectors_name():
    """Consumption of 12.3 billion hours a person: its column is 14 wide, not its heading's 11. The bottlenecks get
    100 − 69 = 31 characters: a name with hyphens goes whole to the next line, not cut at a hyphen."""
    bottlenecks = ("S00", "S01", "S02", "GAS-AND-WATER-SUPPLY")
    v = PlanVariant(35.0, 0.7, 0.15, 0.15, np.zeros(2), 1.23e10, 1.04e8, 4.0e10, 0.0, bottlenecks)
    lines = variants_table([v]).splitlines()
    assert lines[2].index("12,300,000,000") + 14 == lines[0].index("consumption") + len("consumption")
    assert lines[2].endswith(" S00, S01, S02,")
    assert lines[3] == " " * 69 + "GAS-AND-WATER-SUPPLY"


def test_variants_accept_a_technology_whose_capital_is_all_zero():
    """With ``B = 0`` no capital limits growth: the growth rate is unknown (NaN), not a number ≥ 0."""
    t = Technology(np.array([[0.1, 0.2], [0.3, 0.1]]), [1.0, 2.0], capital=np.zeros((2, 2)), depreciation=0.1)
    variants = PlanFactory(t).variants(10.0, 20.0, [1, 1], [1, 1], [1, 1])
    assert len(variants) == 9
    assert all(np.isnan(v.consumption_growth) for v in variants)
    for v in variants:
        np.testing.assert_allclose(t.labour @ v.gross_output, 10.0 * v.hours_per_week * WEEKS_PER_YEAR, rtol=1e-9)


def test_variants_refuse_a_share_for_a_bundle_that_has_no_goods():
    """A share of the net product for a bundle of no goods (no labour value) is refused, naming why."""
    t = Technology(np.array([[0.1, 0.2], [0.3, 0.1]]), [1.0, 2.0])
    factory = PlanFactory(t)
    with pytest.raises(ValueError, match="no labour value"):
        factory.variants(10.0, 20.0, [1, 1], [0, 0], [1, 1], hours_per_week=(30.0,))
    # the same empty bundle with share 0 is fine, and every hour worked is still net product
    (v,) = factory.variants(10.0, 20.0, [1, 1], [0, 0], [1, 1], hours_per_week=(30.0,), shares=((0.8, 0.0, 0.2),))
    np.testing.assert_allclose(t.labour @ v.gross_output, 10.0 * 30.0 * WEEKS_PER_YEAR, rtol=1e-9)
    assert v.public_consumption == 0.0


# --- sparse technologies ----------------------------------------------------------------


def _random_sparse(n, per_column, column_sum, seed):
    """Sparse non-negative matrix, ``per_column`` entries a column, every column summing to ``column_sum``.

    Equal column sums make ``column_sum`` the spectral radius exactly (``1ᵀA = ρ 1ᵀ``).
    """
    rng = np.random.default_rng(seed)
    rows = np.concatenate([rng.choice(n, size=per_column, replace=False) for _ in range(n)])
    cols = np.repeat(np.arange(n), per_column)
    vals = rng.uniform(0.1, 1.0, size=n * per_column)
    m = sp.csr_array((vals, (rows, cols)), shape=(n, n))
    return sp.csr_array(m @ sp.diags_array(column_sum / np.asarray(m.sum(axis=0)).ravel()))


BIG = 3_000


@pytest.fixture(scope="module")
def big_sparse():
    assert BIG > SPARSE_THRESHOLD
    rng = np.random.default_rng(7)
    A = _random_sparse(BIG, 10, 0.6, seed=1)
    capital = _random_sparse(BIG, 3, 1.0, seed=2)  # column sums 1, so D's are ≤ 0.3 and ρ(A + D) ≤ 0.9
    depreciation = rng.uniform(0.0, 0.3, BIG)
    labour = rng.uniform(0.5, 2.0, BIG)
    return Technology(A, labour, capital, depreciation)


@pytest.fixture(scope="module")
def big_sparse_rho_09():
    rng = np.random.default_rng(11)
    return Technology(_random_sparse(BIG, 10, 0.9, seed=3), rng.uniform(0.5, 2.0, BIG))


def test_large_sparse_technology_is_solved_iteratively_to_small_residual(big_sparse_rho_09):
    t = big_sparse_rho_09
    factory = PlanFactory(t)
    assert factory.sparse
    y = np.random.default_rng(5).uniform(0.0, 10.0, BIG)
    x = factory.intermediate_targets(y)
    assert np.linalg.norm(x - t.A @ x - y) / np.linalg.norm(y) < 1e-8
    np.testing.assert_allclose(x, np.linalg.solve(np.eye(BIG) - t.A.toarray(), y), rtol=1e-7)


def test_large_sparse_several_columns_equal_column_by_column(big_sparse_rho_09):
    factory = PlanFactory(big_sparse_rho_09)
    Y = np.random.default_rng(6).uniform(0.0, 10.0, (BIG, 2))
    X = factory.intermediate_targets(Y)
    assert X.shape == Y.shape
    for k in range(2):
        np.testing.assert_allclose(X[:, k], factory.intermediate_targets(Y[:, k]), rtol=1e-12)


def test_large_sparse_labour_values_solve_their_equations(big_sparse):
    t = big_sparse
    factory = PlanFactory(t)
    assert factory.sparse
    A = t.A
    D = sp.csr_array(_used_up(t.capital, t.depreciation))
    v = factory.labour_values(include_depreciation=False)
    assert np.linalg.norm(v - v @ A - t.labour) / np.linalg.norm(t.labour) < 1e-8
    w = factory.labour_values(include_depreciation=True)
    assert np.linalg.norm(w - w @ A - w @ D - t.labour) / np.linalg.norm(t.labour) < 1e-8
    y = np.random.default_rng(8).uniform(0.0, 10.0, BIG)
    np.testing.assert_allclose(v @ y, t.labour @ factory.intermediate_targets(y), rtol=1e-8)


def test_large_sparse_variants_turn_every_hour_into_net_product(big_sparse):
    t = big_sparse
    rng = np.random.default_rng(9)
    bundles = [rng.uniform(0.0, 1.0, BIG) for _ in range(3)]
    variants = PlanFactory(t).variants(1e5, 2e5, *bundles, hours_per_week=(35.0,), shares=((0.7, 0.15, 0.15),))
    (variant,) = variants
    x = variant.gross_output
    np.testing.assert_allclose(t.labour @ x, 1e5 * 35.0 * WEEKS_PER_YEAR, rtol=1e-8)
    assert variant.consumption_growth >= 0


@QUICK
@given(st.integers(0, 2**32 - 1), st.sampled_from([0.3, 0.6, 0.9]), st.sampled_from([None, 0.1]))
def test_small_sparse_technology_is_solved_densely_and_equals_the_dense_one(seed, column_sum, depreciation):
    n = 50
    rng = np.random.default_rng(seed)
    A = _random_sparse(n, 5, column_sum, seed)
    labour = rng.uniform(0.5, 2.0, n)
    capital = None if depreciation is None else _random_sparse(n, 3, 0.5, seed + 1)
    sparse_tech = Technology(A, labour, capital, depreciation)
    dense_tech = Technology(A.toarray(), labour, None if capital is None else capital.toarray(), depreciation)
    sparse_factory, dense_factory = PlanFactory(sparse_tech), PlanFactory(dense_tech)
    assert sparse_tech.is_sparse and not sparse_factory.sparse
    y = rng.uniform(0.0, 10.0, (n, 3))
    np.testing.assert_allclose(
        sparse_factory.intermediate_targets(y), dense_factory.intermediate_targets(y), rtol=1e-12
    )
    for include in (False, True):
        np.testing.assert_allclose(
            sparse_factory.labour_values(include), dense_factory.labour_values(include), rtol=1e-12
        )
    capacity = dense_factory.intermediate_targets(y[:, 0]) * rng.uniform(0.5, 1.5, n)
    a, b = sparse_factory.bottlenecks(y[:, 0], capacity), dense_factory.bottlenecks(y[:, 0], capacity)
    assert a.sectors == b.sectors
    np.testing.assert_allclose(a.investment, b.investment, rtol=1e-12, atol=1e-12)


def test_variants_add_the_trade_balance_to_final_demand_hand_worked():
    """Exports less imports are final demand beside the three parts: gross output grows by ``(I − A)⁻¹ t``."""
    t = Technology(np.array([[0.1, 0.2], [0.3, 0.1]]), [1.0, 2.0], names=["corn", "iron"])
    factory = PlanFactory(t)
    grid = {"hours_per_week": (30.0,), "shares": ((0.7, 0.1, 0.2),)}
    (closed,) = factory.variants(10.0, 20.0, [1, 0], [1, 0], [0, 1], **grid)
    for trade in ([5, -2], np.array([0.5, 3.0])):
        (open_,) = factory.variants(10.0, 20.0, [1, 0], [1, 0], [0, 1], trade=trade, **grid)
        extra = np.linalg.solve(np.eye(2) - t.A, np.asarray(trade, dtype=float))
        np.testing.assert_allclose(open_.gross_output, closed.gross_output + extra, rtol=1e-12)
