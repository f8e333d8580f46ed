"""The plan factory: a service that computes the plan's implications, never decides (seed §7b, §7f).

Seed §7b: from the "initial conditions" and the "ultimate targets" the plan factory
derives the "intermediate targets" — the output every sector must reach — and the
"amount of work to be provided". Seed §7f: it sets out plan variants with their
implications (a–e) for the General Assemblies to vote on. Seed §7d note 6: labour
value "includes the actual cost of the equipment utilized in the period".

Dense technologies are factorised once (LU) and the factors reused for every
right-hand side; large sparse technologies are solved by BiCGSTAB, which does not
fill in as a sparse LU does on unstructured sparsity.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy.optimize import linprog

from sim.economics.economy import Technology
from sim.economics.units import WEEKS_PER_YEAR

#: Sparse technologies above this size are solved iteratively; smaller ones densely.
SPARSE_THRESHOLD = 2_000


class PlanFactoryError(RuntimeError):
    """A computation the plan factory could not complete (e.g. an iterative solve failed)."""


@dataclass(frozen=True)
class Bottlenecks:
    """Sectors whose required output exceeds capacity, and what removing the gap takes.

    Attributes
    ----------
    sectors : tuple of str
        Names of the bottleneck sectors.
    required, capacity, shortfall : numpy.ndarray
        Per sector (all sectors), units per period; ``shortfall = max(required − capacity, 0)``.
    investment : numpy.ndarray
        Goods needed to build the missing capacity, units (``B @ shortfall``).
    investment_hours : float
        Labour value of that investment, hours.
    """

    sectors: tuple[str, ...]
    required: np.ndarray
    capacity: np.ndarray
    shortfall: np.ndarray
    investment: np.ndarray
    investment_hours: float


@dataclass(frozen=True)
class PlanVariant:
    """One plan variant and its implications (seed §7f, a–e).

    Attributes
    ----------
    hours_per_week : float
        (b) Work asked of every worker, hours per week.
    private_share, public_share, investment_share : float
        Shares of the net product (fractions summing to 1).
    gross_output : numpy.ndarray
        (a) Output by sector, units per year.
    consumption_per_person : float
        (c) Private consumption per person, hours of labour value per year.
    public_consumption, investment : float
        (d) Amounts per year, hours of labour value.
    consumption_growth : float
        (e) Yearly growth rate of consumption that the investment buys (0.02 = 2 %).
    bottlenecks : tuple of str
        Sectors whose output would exceed current capacity (empty if none or unknown).
    """

    hours_per_week: float
    private_share: float
    public_share: float
    investment_share: float
    gross_output: np.ndarray
    consumption_per_person: float
    public_consumption: float
    investment: float
    consumption_growth: float
    bottlenecks: tuple[str, ...] = ()


@dataclass(frozen=True)
class Processes:
    """Alternative processes for Koopmans' activity analysis.

    Attributes
    ----------
    inputs : array_like or sparse, shape (n_goods, n_processes)
        Units of good i used per unit level of process p.
    produces : array_like of int, shape (n_processes,)
        The good each process makes, one unit per unit level.
    labour : array_like, shape (n_processes,)
        Hours per unit level.
    capacity : array_like, shape (n_processes,), optional
        Highest level of each process (``inf`` if unbounded).
    """

    inputs: object
    produces: np.ndarray
    labour: np.ndarray
    capacity: np.ndarray | None = None


@dataclass(frozen=True)
class ActivityPlan:
    """Result of :meth:`PlanFactory.activity_analysis`.

    Attributes
    ----------
    feasible : bool
        Whether every target can be met within the process capacities.
    levels : numpy.ndarray
        Level of each process; when infeasible, the levels of the plan closest to the targets.
    labour : float
        Total hours of the chosen plan (``nan`` if infeasible).
    shortfall : numpy.ndarray
        Per good, the part of the target that cannot be met even at full capacity.
    binding_goods : tuple of int
        Goods whose target cannot be met.
    binding_processes : tuple of int
        Processes at their capacity in the closest plan.
    message : str
        One line saying what happened.
    """

    feasible: bool
    levels: np.ndarray
    labour: float
    shortfall: np.ndarray
    binding_goods: tuple[int, ...] = field(default=())
    binding_processes: tuple[int, ...] = field(default=())
    message: str = ""


class PlanFactory:
    """Computes intermediate targets, labour values and plan variants for a technology.

    Parameters
    ----------
    technology : Technology
        The coefficients the plan factory knows (its estimates, which may differ from
        the true ones the economy runs on).
    rtol : float
        Relative residual tolerance of the iterative (sparse) path.
    """

    def __init__(self, technology: Technology, *, rtol: float = 1e-10):
        self.technology = technology
        self.rtol = rtol
        n = technology.n
        self.sparse = technology.is_sparse and n > SPARSE_THRESHOLD
        A = technology.A
        if self.sparse:
            self._leontief = (sp.identity(n, format="csr") - sp.csr_array(A)).tocsr()
        else:
            dense = A.toarray() if sp.issparse(A) else A
            self._leontief_lu = la.lu_factor(np.eye(n) - dense, check_finite=False)
        self._values = {}

    # --- the Leontief system -------------------------------------------------------------

    def intermediate_targets(self, final_demand) -> np.ndarray:
        """Gross outputs ``x`` with ``x = A x + y`` (seed §7b: the "intermediate targets").

        Parameters
        ----------
        final_demand : array_like, shape (n,) or (n, k)
            Ultimate targets ``y``, units per period; ``k`` columns solved at once.

        Returns
        -------
        numpy.ndarray
            Gross outputs, units per period, same shape as ``final_demand``.
        """
        y = np.asarray(final_demand)
        if self.sparse:
            return self._iterative(self._leontief, y)
        return la.lu_solve(self._leontief_lu, y, check_finite=False)

    def leontief_inverse(self) -> np.ndarray:
        """``(I − A)⁻¹``, dense (for small technologies and cross-checks)."""
        return self.intermediate_targets(np.eye(self.technology.n))

    def labour_values(self, include_depreciation: bool = True) -> np.ndarray:
        """Labour values ``v = v A + v D + l`` (seed §7d and its note 6), hours per unit.

        With ``include_depreciation=False``, ``v = l (I − A)⁻¹``: the direct and
        indirect labour of current inputs only.
        """
        D = self.technology.capital_consumption if include_depreciation else None
        key = D is not None
        if key not in self._values:
            self._values[key] = self._solve_values(D)
        return self._values[key].copy()

    def _solve_values(self, D) -> np.ndarray:
        labour = self.technology.labour
        if D is None and not self.sparse:
            return la.lu_solve(self._leontief_lu, labour, trans=1, check_finite=False)
        if self.sparse:
            M = self._leontief if D is None else (self._leontief - sp.csr_array(D)).tocsr()
            return self._iterative(M.T.tocsr(), labour)
        A = self.technology.A
        dense = A.toarray() if sp.issparse(A) else A
        D = D.toarray() if sp.issparse(D) else D
        return la.solve((np.eye(self.technology.n) - dense - D).T, labour, check_finite=False)

    def _iterative(self, M, y):
        if y.ndim == 1:
            x, info = spla.bicgstab(M, y, rtol=self.rtol, atol=0.0)
            if info != 0:
                raise PlanFactoryError(f"BiCGSTAB did not reach rtol={self.rtol} (info={info})")
            return x
        return np.column_stack([self._iterative(M, y[:, k]) for k in range(y.shape[1])])

    def labour_requirements(self, final_demand) -> np.ndarray:
        """Hours of work by sector to deliver ``final_demand`` (seed §7b: the man-power sector).

        Returns
        -------
        numpy.ndarray
            ``l ∘ x``, hours per period, shape of ``final_demand``.
        """
        x = self.intermediate_targets(final_demand)
        labour = self.technology.labour
        return labour * x if x.ndim == 1 else labour[:, None] * x

    # --- capacity and investment ------------------------------------------------------------

    def bottlenecks(self, final_demand, capacity) -> Bottlenecks:
        """Sectors whose required output exceeds ``capacity`` and the investment to remove the gap.

        Parameters
        ----------
        final_demand : array_like, shape (n,)
            Ultimate targets, units per year.
        capacity : array_like, shape (n,)
            Yearly capacity per sector, units.
        """
        required = self.intermediate_targets(final_demand)
        capacity = np.asarray(capacity)
        shortfall = np.maximum(required - capacity, 0.0)
        B = self.technology.capital
        investment = np.zeros_like(shortfall) if B is None else np.asarray(B @ shortfall)
        names = self.technology.names
        return Bottlenecks(
            sectors=tuple(names[j] for j in np.flatnonzero(shortfall > 0)),
            required=required,
            capacity=capacity,
            shortfall=shortfall,
            investment=investment,
            investment_hours=float(self.labour_values() @ investment),
        )

    def consumption_growth(self, investment, gross_output) -> float:
        """Yearly growth rate of capacity (hence of consumption) that net ``investment`` buys.

        Dynamic Leontief, balanced growth: capacity grows by ``g x`` when ``B (g x)`` is
        invested, so ``g = min_i investment_i / (B x)_i`` over the capital goods the
        growth needs — the scarcest capital good limits it.
        """
        B = self.technology.capital
        if B is None:
            return float("nan")
        needed = np.asarray(B @ gross_output)
        used = needed > 1e-12 * needed.max(initial=0.0)
        if not used.any():
            return float("nan")  # no capital needed (B x = 0): growth is not limited by capital
        return float(np.min(np.asarray(investment)[used] / needed[used]))

    # --- the fundamental decision (seed §7f) -----------------------------------------------

    def variants(
        self,
        workers: float,
        population: float,
        private,
        public,
        investment,
        hours_per_week=(30.0, 35.0, 40.0),
        shares=((0.75, 0.15, 0.10), (0.70, 0.15, 0.15), (0.65, 0.15, 0.20)),
        weeks_per_year: float = WEEKS_PER_YEAR,
        capacity=None,
        trade=None,
    ) -> list[PlanVariant]:
        """Plan variants over a grid of weekly hours and shares of the net product (seed §7f).

        Every hour worked adds one hour to the net product (``v·y = l·x``), so a variant
        with ``H`` hours splits ``H`` between private consumption, public consumption
        and net investment by its shares; each is a bundle of goods with the given
        composition, scaled to its labour value.

        Parameters
        ----------
        workers, population : float
            Persons who work; persons who consume.
        private, public, investment : array_like, shape (n,)
            Composition of each part of the final product (any scale).
        hours_per_week : sequence of float
            Weekly hours to offer, hours.
        shares : sequence of (float, float, float)
            Private, public and investment shares of the net product, each summing to 1.
        weeks_per_year : float
            Working weeks per year.
        capacity : array_like, shape (n,), optional
            Yearly capacity; variants that exceed it name their bottlenecks.
        trade : array_like, shape (n,), optional
            Exports less imports per year, units: final demand beside the three parts.
        """
        v = self.labour_values()
        bundles = [np.asarray(b) for b in (private, public, investment)]
        unit = [b / (v @ b) if v @ b > 0 else b * 0.0 for b in bundles]
        empty = [not v @ b > 0 for b in bundles]
        out = []
        for hours in hours_per_week:
            net_product = workers * hours * weeks_per_year
            for share in shares:
                if abs(sum(share) - 1.0) > 1e-9 or min(share) < 0:
                    raise ValueError(f"shares {share}: must be ≥ 0 and sum to 1")
                if any(s > 0 and e for s, e in zip(share, empty, strict=True)):
                    raise ValueError(f"shares {share}: a bundle with no labour value (no goods) must have share 0")
                y = [s * net_product * u for s, u in zip(share, unit, strict=True)]
                x = self._net_output(sum(y) + (0.0 if trade is None else np.asarray(trade)))
                names = self.technology.names
                over = () if capacity is None else tuple(names[j] for j in np.flatnonzero(x > capacity))
                out.append(
                    PlanVariant(
                        hours_per_week=float(hours),
                        private_share=share[0],
                        public_share=share[1],
                        investment_share=share[2],
                        gross_output=x,
                        consumption_per_person=share[0] * net_product / population,
                        public_consumption=share[1] * net_product,
                        investment=share[2] * net_product,
                        consumption_growth=self.consumption_growth(y[2], x),
                        bottlenecks=over,
                    )
                )
        return out

    def most_hours(
        self, workers: float, private, public, investment, share, capacity, trade=None, weeks_per_year=WEEKS_PER_YEAR
    ) -> float:
        """The most weekly hours a variant with these shares can ask within capacity: the frontier (seed §7f).

        A variant's gross output is affine in its hours, ``x(H) = H a + b``, with ``b`` what
        trade alone needs: the frontier is ``min_j (capacity_j − b_j) / a_j`` over the goods
        ``a_j > 0``, never below 0.

        Parameters
        ----------
        workers : float
            Hours of value an hour of the working week yields (persons who work, in effect).
        private, public, investment : array_like, shape (n,)
            Composition of each part of the final product (any scale).
        share : (float, float, float)
            Private, public and investment shares of the net product.
        capacity : array_like, shape (n,)
            Yearly capacity, units.
        trade : array_like, shape (n,), optional
            Exports less imports per year, units.
        weeks_per_year : float

        Returns
        -------
        float
            Hours per week (``inf`` if no good's output grows with the hours).
        """
        v = self.labour_values()
        bundles = [np.asarray(b, dtype=float) for b in (private, public, investment)]
        per_hour = sum(s * b / (v @ b) for s, b in zip(share, bundles, strict=True) if s > 0 and v @ b > 0)
        a = self._net_output(workers * weeks_per_year * np.asarray(per_hour + np.zeros(self.technology.n)))
        b = np.zeros(self.technology.n) if trade is None else self._net_output(np.asarray(trade, dtype=float))
        grows = a > 1e-12 * np.abs(a).max(initial=0.0)
        if not grows.any():
            return float("inf")
        return max(float(np.min((np.asarray(capacity)[grows] - b[grows]) / a[grows])), 0.0)

    def _net_output(self, net_final_demand):
        """Gross output when capital used up is also replaced: ``x = A x + D x + y``."""
        D = self.technology.capital_consumption
        if D is None:
            return self.intermediate_targets(net_final_demand)
        A = self.technology.A
        if self.sparse:
            return self._iterative((self._leontief - sp.csr_array(D)).tocsr(), net_final_demand)
        dense = A.toarray() if sp.issparse(A) else A
        return la.solve(np.eye(self.technology.n) - dense - D, net_final_demand, check_finite=False)

    # --- Koopmans' activity analysis --------------------------------------------------------

    def activity_analysis(self, targets, processes: Processes | None = None, method: str = "highs-ipm"):
        """Choose process levels that meet the targets with the least labour (Koopmans).

        Solves ``min l·z`` subject to ``(O − A_p) z ≥ y`` and ``0 ≤ z ≤ capacity`` with
        HiGHS. When the targets cannot be met, a second LP finds the smallest total
        shortfall and the result names the goods left short and the processes at
        capacity, rather than raising.

        Parameters
        ----------
        targets : array_like, shape (n_goods,)
            Net final output required, units per period.
        processes : Processes, optional
            Alternatives; default one process per sector, from the technology.
        method : str
            ``linprog`` method: ``"highs-ipm"`` (interior point), ``"highs-ds"`` or ``"highs"``.

        Returns
        -------
        ActivityPlan
        """
        if processes is None:
            t = self.technology
            processes = Processes(t.A, np.arange(t.n), t.labour)
        y = np.asarray(targets)
        n_goods = y.shape[0]
        inputs = sp.csr_array(processes.inputs, dtype=float)
        produces = np.asarray(processes.produces, dtype=int)
        n_proc = produces.shape[0]
        if inputs.shape != (n_goods, n_proc):
            raise ValueError(f"processes.inputs has shape {inputs.shape}: must be ({n_goods}, {n_proc})")
        outputs = sp.csr_array((np.ones(n_proc), (produces, np.arange(n_proc))), shape=(n_goods, n_proc))
        net = (outputs - inputs).tocsr()
        cap = np.full(n_proc, np.inf) if processes.capacity is None else np.asarray(processes.capacity, float)
        bounds = np.column_stack([np.zeros(n_proc), cap])
        labour = np.asarray(processes.labour)
        res = linprog(labour, A_ub=-net, b_ub=-y, bounds=bounds, method=method)
        if res.status == 0:
            z = res.x
            at_cap = np.flatnonzero(np.isfinite(cap) & (z >= cap * (1 - 1e-7)))
            return ActivityPlan(
                True, z, float(labour @ z), np.zeros(n_goods), (), tuple(int(p) for p in at_cap), "targets met"
            )
        if res.status != 2:
            return ActivityPlan(False, np.zeros(n_proc), float("nan"), np.zeros(n_goods), message=res.message)
        # Infeasible: the plan closest to the targets, min Σ shortfall, names what binds.
        slack = sp.identity(n_goods, format="csr")
        cost = np.concatenate([np.zeros(n_proc), np.ones(n_goods)])
        closest = linprog(
            cost,
            A_ub=-sp.hstack([net, slack]).tocsr(),
            b_ub=-y,
            bounds=np.vstack([bounds, np.column_stack([np.zeros(n_goods), np.full(n_goods, np.inf)])]),
            method=method,
        )
        z, short = closest.x[:n_proc], closest.x[n_proc:]
        tol = 1e-7 * max(1.0, float(np.abs(y).max()))
        # HiGHS found the targets infeasible: a shortfall below the round-off tolerance of the
        # targets is still the one that makes them so, and is named.
        short_of = short > tol if np.any(short > tol) else short > 0
        goods = tuple(int(g) for g in np.flatnonzero(short_of))
        at_cap = tuple(int(p) for p in np.flatnonzero(np.isfinite(cap) & (z >= cap * (1 - 1e-7))))
        names = self.technology.names
        label = [names[g] if g < len(names) and n_goods == self.technology.n else str(g) for g in goods]
        message = (
            f"targets cannot be met: short of {', '.join(label[:10])}{' …' if len(label) > 10 else ''}; "
            f"{len(at_cap)} process(es) at capacity"
        )
        return ActivityPlan(False, z, float("nan"), np.where(short_of, short, 0.0), goods, at_cap, message)


#: The widest line of :func:`variants_table`, in characters (a terminal's, and a page's).
TABLE_WIDTH = 100
#: The table's numeric columns: two heading lines (name, unit) and how a variant's value is written.
_VARIANT_COLUMNS = (
    ("hours", "/week", lambda v: f"{v.hours_per_week:.0f}"),
    ("private", "%", lambda v: f"{100 * v.private_share:.0f}"),
    ("public", "%", lambda v: f"{100 * v.public_share:.0f}"),
    ("invest", "%", lambda v: f"{100 * v.investment_share:.0f}"),
    ("consumption", "h/person/yr", lambda v: f"{v.consumption_per_person:,.0f}"),
    ("public", "bn h/yr", lambda v: f"{v.public_consumption / 1e9:,.1f}"),
    ("investment", "bn h/yr", lambda v: f"{v.investment / 1e9:,.1f}"),
    ("growth", "%/yr", lambda v: f"{100 * v.consumption_growth:.1f}"),
)


def variants_table(variants: list[PlanVariant]) -> str:
    """A compact text table of plan variants ("compact, significant, sufficient and truthful", seed §7f).

    One row per variant, each column headed by its name and, below it, its unit; no line
    is wider than :data:`TABLE_WIDTH` characters: a long list of bottlenecks continues on
    the next lines, under its column.
    """
    cells = [[write(v) for *_, write in _VARIANT_COLUMNS] for v in variants]
    widths = [
        max(len(name), len(unit), *(len(row[k]) for row in cells)) for k, (name, unit, _) in enumerate(_VARIANT_COLUMNS)
    ]
    indent = sum(widths) + len(widths)
    room = max(TABLE_WIDTH - indent, len("bottlenecks"))
    names = " ".join(f"{name:>{w}}" for (name, _, _), w in zip(_VARIANT_COLUMNS, widths, strict=True))
    units = " ".join(f"{unit:>{w}}" for (_, unit, _), w in zip(_VARIANT_COLUMNS, widths, strict=True))
    lines = [f"{names} bottlenecks", f"{units} (above capacity)"]
    for v, row in zip(variants, cells, strict=True):
        left = " ".join(f"{cell:>{w}}" for cell, w in zip(row, widths, strict=True))
        wrapped = textwrap.wrap(", ".join(v.bottlenecks) or "none", room, break_on_hyphens=False)
        lines.append(f"{left} {wrapped[0]}")
        lines += [" " * indent + more for more in wrapped[1:]]
    return "\n".join(lines)
