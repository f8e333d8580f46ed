"""The economy's data: a technology and the initial conditions it starts from.

Seed §7b ("The Plan Factory"): the plan starts from "initial conditions" (equipment,
stocks, labour force) and the "current technical coefficients". This module holds
them as arrays and checks them; it computes nothing about the plan itself (that is
:mod:`sim.economics.plan_factory`).

Conventions, used throughout the project:

- ``A[i, j]``: units of good *i* used up per unit of output of sector *j*.
- ``labour[j]``: hours of work per unit of output of *j*.
- ``capital[i, j]``: stock of good *i* per unit of yearly capacity of *j*.
- ``depreciation``: rate at which capital wears out, per the same period as the flows
  (a scalar, a vector over capital goods *i*, or a matrix like ``capital``).

A unit of a good in the default economy is "one million 2014 US dollars' worth";
see ``sim/data/us2014/README.md``. The same table in all its 55 sectors ships beside it
(``sim/data/us2014_55/``, ``economy = "us2014-55"``).
"""

from __future__ import annotations

import difflib
import io
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from sim.economics.units import WEEKS_PER_YEAR
from sim.storage.files import FileRefused, read_bytes, read_toml, show

#: Above this size a dense eigenvalue computation is too slow; use a Perron bound instead.
_DENSE_SPECTRUM_LIMIT = 2_000

DEFAULT_ECONOMY_DIR = Path(__file__).parent.parent / "data" / "us2014"
#: The economies that ship with the project, by the name a scenario's ``economy`` gives them
#: (each directory's README gives its source, licence and derivation).
SHIPPED_ECONOMIES = {
    "default": DEFAULT_ECONOMY_DIR,  # United States 2014, 20 sectors
    "us2014": DEFAULT_ECONOMY_DIR,
    "us2014-55": DEFAULT_ECONOMY_DIR.parent / "us2014_55",  # United States 2014, all 55 WIOD sectors
}


class EconomyDataError(ValueError):
    """Economy data that breaks a rule; the message names where, which entry and the rule."""


def _where(sources: Mapping[str, str], key: str) -> str:
    return sources.get(key, key)


def _as_matrix(name, value, n, sources):
    """Return a float CSR matrix or a float ndarray of shape (n, n), checked."""
    where = _where(sources, name)
    if sp.issparse(value):
        m = sp.csr_array(value, dtype=float)
        values = m.data
    else:
        m = np.asarray(value, dtype=float)
        values = m
    if m.ndim != 2 or m.shape != (n, n):
        raise EconomyDataError(f"{where}: shape {m.shape} disagrees with {n} sectors: must be ({n}, {n})")
    _check_entries(where, m, values)
    return m


def _check_entries(where, m, values):
    bad = ~np.isfinite(values)
    if bad.any():
        raise EconomyDataError(f"{where}: entry {_entry(m, bad)} = {float(values[bad][0])}: must be finite")
    bad = values < 0
    if bad.any():
        raise EconomyDataError(f"{where}: entry {_entry(m, bad)} = {float(values[bad][0])}: must be ≥ 0")


def _entry(m, mask):
    """Human index of the first flagged entry of a dense or CSR array."""
    if sp.issparse(m):
        k = int(np.flatnonzero(mask)[0])
        row = int(np.searchsorted(m.indptr, k, side="right") - 1)
        return f"[{row}, {int(m.indices[k])}]"
    idx = np.argwhere(mask)[0]
    return "[" + ", ".join(str(int(i)) for i in idx) + "]"


def spectral_radius(matrix) -> float:
    """Perron root of a non-negative square matrix (dense or sparse).

    For large sparse matrices the bound ``max column sum`` is returned when it is
    already below one (enough to prove the matrix productive); otherwise ARPACK
    finds the eigenvalue of largest magnitude.
    """
    n = matrix.shape[0]
    if n == 0:
        return 0.0
    if n <= _DENSE_SPECTRUM_LIMIT:
        dense = matrix.toarray() if sp.issparse(matrix) else np.asarray(matrix)
        return float(np.max(np.abs(np.linalg.eigvals(dense))))
    col_bound = float(np.max(np.asarray(matrix.sum(axis=0)).ravel()))
    if col_bound < 1.0:
        return col_bound
    import scipy.sparse.linalg as spla

    return float(np.abs(spla.eigs(sp.csr_array(matrix), k=1, which="LM", return_eigenvectors=False)[0]))


class Technology:
    """The current technical coefficients of an economy (seed §7b).

    Parameters
    ----------
    A : array_like or sparse, shape (n, n)
        Input coefficients: units of good i per unit of output of sector j.
    labour : array_like, shape (n,)
        Hours of work per unit of output of each sector.
    capital : array_like or sparse, shape (n, n), optional
        Stock of good i per unit of yearly capacity of sector j. Zero if omitted.
    depreciation : float or array_like, optional
        Share of the capital stock used up per period of the flows: a scalar, a vector
        over capital goods (rows of ``capital``), or a matrix like ``capital``.
    names : sequence of str, optional
        Short sector codes, unique (``"FOOD"``). Default ``"s0"``, ``"s1"``, …
    consumer_goods : sequence of int or str, optional
        Sectors whose output households buy. Default: all sectors.
    descriptions : sequence of str, optional
        Long sector names, for reports.
    sources : mapping, optional
        Where each argument came from (``{"A": "flows.csv"}``), used in error messages.

    Raises
    ------
    EconomyDataError
        Shapes that disagree, negative or non-finite entries, duplicate names, unknown
        consumer goods, or coefficients that cannot sustain themselves (spectral radius
        of ``A`` or of ``A + D`` at least one: Hawkins–Simon fails).
    """

    def __init__(
        self,
        A,
        labour,
        capital=None,
        depreciation=None,
        names: Sequence[str] | None = None,
        consumer_goods: Sequence[int | str] | None = None,
        *,
        descriptions: Sequence[str] | None = None,
        sources: Mapping[str, str] | None = None,
    ):
        sources = dict(sources or {})
        try:
            shape = A.shape if hasattr(A, "shape") else np.shape(A)
        except ValueError:
            raise EconomyDataError(
                f"{_where(sources, 'A')}: rows of different lengths: must be square (n, n)"
            ) from None
        if len(shape) != 2 or shape[0] != shape[1]:
            raise EconomyDataError(f"{_where(sources, 'A')}: shape {shape}: must be square (n, n)")
        n = shape[0]
        self.A = _as_matrix("A", A, n, sources)
        self.labour = np.asarray(labour, dtype=float).reshape(-1) if np.ndim(labour) else np.asarray(labour, float)
        if self.labour.shape != (n,):
            raise EconomyDataError(
                f"{_where(sources, 'labour')}: shape {np.shape(labour)} disagrees with {n} sectors: must be ({n},)"
            )
        _check_entries(_where(sources, "labour"), self.labour, self.labour)
        self.capital = None if capital is None else _as_matrix("capital", capital, n, sources)
        self.depreciation = self._check_depreciation(depreciation, n, sources)
        self.names = self._check_names(names, n, sources)
        self.descriptions = tuple(descriptions) if descriptions is not None else self.names
        if len(self.descriptions) != n:
            raise EconomyDataError(
                f"{_where(sources, 'descriptions')}: {len(self.descriptions)} entries for {n} sectors"
            )
        self.consumer_goods = self._check_consumer_goods(consumer_goods, n, sources)
        self.sources = sources
        self._check_productive("A", self.A)
        if self.capital is not None and self.depreciation is not None:
            self._check_productive(
                "A + D (inputs plus capital used up)", self.A + self.capital_consumption, source="capital"
            )

    @property
    def n(self) -> int:
        """Number of sectors (= goods)."""
        return self.A.shape[0]

    @property
    def is_sparse(self) -> bool:
        return sp.issparse(self.A)

    @property
    def capital_consumption(self):
        """``D = δ ∘ B``: capital used up per unit of output (seed §7d note 6), or ``None``."""
        if self.capital is None or self.depreciation is None:
            return None
        delta = self.depreciation
        if np.ndim(delta) == 1:
            delta = delta[:, None]
        if sp.issparse(self.capital):
            return sp.csr_array(self.capital.multiply(delta))
        return self.capital * delta

    def index(self, name: str) -> int:
        """Position of the sector called ``name``."""
        try:
            return self.names.index(name)
        except ValueError:
            raise KeyError(f"unknown sector {show(name)}; known: {', '.join(self.names)}") from None

    def _check_depreciation(self, depreciation, n, sources):
        if depreciation is None:
            return None
        where = _where(sources, "depreciation")
        if sp.issparse(depreciation):
            depreciation = depreciation.toarray()
        d = np.asarray(depreciation, dtype=float)
        if d.shape not in {(), (n,), (n, n)}:
            raise EconomyDataError(f"{where}: shape {d.shape}: must be a scalar, ({n},) or ({n}, {n})")
        _check_entries(where, d, d)
        if (d > 1).any():
            bad = d > 1
            raise EconomyDataError(f"{where}: entry {_entry(d, bad) if d.ndim else ''} = {d[bad][0]}: must be ≤ 1")
        return d

    @staticmethod
    def _check_names(names, n, sources):
        where = _where(sources, "names")
        if names is None:
            return tuple(f"s{j}" for j in range(n))
        names = tuple(str(x) for x in names)
        if len(names) != n:
            raise EconomyDataError(f"{where}: {len(names)} names for {n} sectors: must be one per sector")
        seen = set()
        for j, name in enumerate(names):
            if name in seen:
                raise EconomyDataError(f"{where}: entry [{j}] = {show(name)}: duplicate name; names must be unique")
            seen.add(name)
        return names

    def _check_consumer_goods(self, goods, n, sources):
        where = _where(sources, "consumer_goods")
        if goods is None:
            return np.arange(n)
        out = []
        for g in goods:
            if isinstance(g, str):
                if g not in self.names:
                    raise EconomyDataError(f"{where}: entry {show(g)}: not a sector; known: {', '.join(self.names)}")
                out.append(self.names.index(g))
            elif 0 <= int(g) < n:
                out.append(int(g))
            else:
                raise EconomyDataError(f"{where}: entry {show(g)}: must be a sector index in [0, {n})")
        return np.unique(np.asarray(out, dtype=int))

    def _check_productive(self, what, matrix, source="A"):
        col = np.asarray(matrix.sum(axis=0)).ravel()
        if col.size and col.max() < 1.0:
            return  # a non-negative matrix's spectral radius is at most its largest column sum
        rho = spectral_radius(matrix)
        if rho >= 1.0:
            j = int(np.argmax(col))
            raise EconomyDataError(
                f"{_where(self.sources, source)}: spectral radius of {what} is {rho:.4g} ≥ 1: the economy cannot "
                f"sustain itself (Hawkins–Simon fails); largest column is sector {show(self.names[j])}, "
                f"using {col[j]:.4g} units of goods per unit of output"
            )


@dataclass(frozen=True)
class Economy:
    """A technology with the initial conditions the plan starts from (seed §7b).

    Attributes
    ----------
    technology : Technology
        Coefficients per unit of yearly output.
    final_demand : pandas.DataFrame
        Pre-revolution final demand per year, units, indexed by sector, columns
        ``private``, ``public``, ``investment`` (and ``exports`` if the table has them).
    gross_output : numpy.ndarray
        Gross output per year that delivers ``final_demand`` at home (closed economy), units.
    capacity : numpy.ndarray
        Yearly production capacity per sector, units.
    stocks : numpy.ndarray
        Initial stocks per good, units.
    workers : float
        Labour force, persons.
    hours_per_worker : float
        Hours worked per person and year in the observed economy.
    population : float
        Persons, consumers.
    income_elasticities : numpy.ndarray
        Households' expenditure elasticity per good (1 where unknown).
    name : str
        What the economy is, for reports.
    """

    technology: Technology
    final_demand: pd.DataFrame
    gross_output: np.ndarray
    capacity: np.ndarray
    stocks: np.ndarray
    workers: float
    hours_per_worker: float
    population: float
    income_elasticities: np.ndarray
    name: str = "economy"


# --- loading an input-output table from disk ------------------------------------------------

_REQUIRED_FILES = ("flows", "final_demand", "output", "employment", "capital")
_OPTIONAL_FILES = ("imported_flows", "imported_final_demand", "mapping")
_SPEC_KEYS = ("name", "year", "unit", "files", "columns", "derivation", "income_elasticities")
_COLUMN_KEYS = ("output", "hours", "persons", "capital_stock")
_DEMAND_KEYS = ("private", "public", "investment", "exports")
#: Rules of the ``[derivation]`` numbers: (lowest, highest, lowest excluded, default; ``None``: required).
_DERIVATION = {
    "population": (1.0, 2e10, False, None),
    "steady_growth": (0.0, 0.5, False, None),
    "hours_unit": (0.0, 1e12, True, 1.0),
    "persons_unit": (0.0, 1e12, True, 1.0),
    "capacity_utilisation": (0.0, 1.0, True, 1.0),
    "stock_weeks": (0.0, 520.0, False, 0.0),
    "consumer_share_threshold": (0.0, 1.0, False, 0.0),
}
#: The most sectors an economy may have: the model's matrices are dense.
MAX_SECTORS = 2_000
#: The largest ``economy.toml`` and the largest CSV table read, bytes.
MAX_SPEC_BYTES = 1 << 20
MAX_TABLE_BYTES = 64 << 20


def load_economy(directory: str | Path = DEFAULT_ECONOMY_DIR) -> Economy:
    """Build an :class:`Economy` from a national input–output table on disk.

    The directory holds ``economy.toml`` (which files, which columns, the stated
    derivation rules) and CSV tables indexed by sector code. The derivation is
    documented, for the default economy, in ``sim/data/us2014/README.md``.

    Every file, key, cell and size is checked before it is used: a file is read only if it
    is a regular file of at most :data:`MAX_TABLE_BYTES`; every cell the economy uses must
    be a finite number; every rule of ``[derivation]`` has a range.

    Raises
    ------
    EconomyDataError
        A missing, oversized or unreadable file; a missing, unknown or out-of-range key; a
        cell that is not a finite number; a table whose sectors disagree with the flows;
        no consumer good; or coefficients that break a rule of :class:`Technology`. The
        message names the file and the key or cell.
    """
    directory = Path(directory)
    spec_path = directory / "economy.toml"
    if not directory.is_dir():
        raise EconomyDataError(f"{directory}: no such directory: an economy is a directory with economy.toml")
    try:
        spec = read_toml(spec_path, MAX_SPEC_BYTES, "an economy.toml")
    except FileRefused as err:
        needs = ": an economy directory needs economy.toml" if not spec_path.exists() else ""
        raise EconomyDataError(f"{err}{needs}") from None
    _known_keys(spec, _SPEC_KEYS, "", spec_path)
    files = _require(spec, "files", spec_path, dict)
    for key in _REQUIRED_FILES:
        _require(files, key, spec_path, str, prefix="files.")
    _known_keys(files, _REQUIRED_FILES + _OPTIONAL_FILES, "files.", spec_path)
    for key in files:
        _require(files, key, spec_path, str, prefix="files.")
    rules = _require(spec, "derivation", spec_path, dict)
    _known_keys(rules, (*_DERIVATION, "depreciation"), "derivation.", spec_path)
    number = {key: _number(rules, key, spec_path, "derivation.", *rule) for key, rule in _DERIVATION.items()}
    cols = _require(spec, "columns", spec_path, dict)
    _known_keys(cols, _COLUMN_KEYS + _DEMAND_KEYS, "columns.", spec_path)
    for key in _COLUMN_KEYS:
        _require(cols, key, spec_path, str, "columns.")
    for key in _DEMAND_KEYS:
        if key != "exports" or key in cols:
            _column_list(cols, key, spec_path)
    name = spec.get("name", directory.name)
    if not isinstance(name, str):
        raise EconomyDataError(f"{spec_path}: name = {show(name)}: must be a string")

    tables = {key: _read_table(_inside(directory, file, f"files.{key}", spec_path)) for key, file in files.items()}
    where = {key: str(directory / files[key]) for key in files}
    flows = tables["flows"]
    codes = list(flows.index)
    if len(codes) > MAX_SECTORS:
        raise EconomyDataError(f"{where['flows']}: {len(codes)} sectors: at most {MAX_SECTORS} (the model is dense)")
    names = flows["name"].fillna("").tolist() if "name" in flows.columns else codes
    names = [text or code for text, code in zip(names, codes, strict=True)]
    mapping = _mapping(tables, where, codes)

    def block(key, columns):
        """The table ``key``'s ``columns`` as finite numbers, one row per sector of the flows, in their order."""
        t, path = tables[key], where[key]
        absent = [c for c in columns if c not in t.columns]
        if absent:
            raise EconomyDataError(
                f"{path}: column {show(absent[0])} missing (economy.toml names it); the table has {len(t.columns)} "
                "other columns"
            )
        values = _numbers(t, columns, path)
        if mapping is not None and not set(values.index) <= set(codes):
            unmapped = [c for c in values.index if c not in mapping.index]
            if unmapped:
                raise EconomyDataError(
                    f"{path}: sector {show(unmapped[0])} is neither a sector of the flows table "
                    f"nor in {where['mapping']}"
                )
            values = values.groupby(mapping.reindex(values.index)).sum()
        missing = [c for c in codes if c not in values.index]
        if missing:
            raise EconomyDataError(f"{path}: sector {show(missing[0])} of the flows table is missing")
        return values.loc[codes]

    Z = block("flows", codes).to_numpy()
    if "imported_flows" in tables:
        # Closed economy: imported inputs are treated as made at home with the home technology.
        Z = Z + block("imported_flows", codes).to_numpy()
    x = block("output", [cols["output"]]).to_numpy().ravel()
    _positive(x, codes, where["output"], "output", strict=True)
    A = Z / x[None, :]
    hours = block("employment", [cols["hours"]]).to_numpy().ravel() * number["hours_unit"]
    _positive(hours, codes, where["employment"], "hours")
    persons = block("employment", [cols["persons"]]).to_numpy().ravel() * number["persons_unit"]
    _positive(persons, codes, where["employment"], "persons")
    for what, values, column in (("hours", hours, cols["hours"]), ("persons", persons, cols["persons"])):
        if values.sum() <= 0:
            raise EconomyDataError(
                f"{where['employment']}: column {show(column)}: {what} sum to 0: must be > 0 (somebody has to work)"
            )
    labour = hours / x

    fd = _final_demand(block, cols, imported="imported_final_demand" in tables)
    if fd["investment"].sum() <= 0:
        raise EconomyDataError(
            f"{where['final_demand']}: columns.investment = {cols['investment']}: sum to 0 or less: the capital "
            "stock's composition needs some investment"
        )
    stock = block("capital", [cols["capital_stock"]]).to_numpy().ravel()
    _positive(stock, codes, where["capital"], "capital stock")
    capital, depreciation = _capital(stock, rules, spec_path, codes, fd, x, number["steady_growth"])
    share = number["consumer_share_threshold"]
    households = block("final_demand", [cols["private"][0]]).to_numpy().ravel()
    consumer_goods = [j for j in range(len(codes)) if households[j] >= share * x[j] and households[j] > 0]
    if not consumer_goods:
        raise EconomyDataError(
            f"{where['final_demand']}: no consumer good: households (column {show(cols['private'][0])}) buy at least "
            f"derivation.consumer_share_threshold = {share} of no sector's output"
        )
    technology = Technology(
        A,
        labour,
        capital,
        depreciation,
        names=codes,
        consumer_goods=consumer_goods,
        descriptions=names,
        sources={
            "A": where["flows"],
            "labour": where["employment"],
            "capital": where["capital"],
            "depreciation": f"{spec_path} [derivation.depreciation]",
            "names": where["flows"],
        },
    )
    # The closed economy makes at home what it imported: its gross output is the one
    # that delivers the whole final demand with the total (domestic + imported) inputs.
    home = fd.drop(columns="exports", errors="ignore").sum(axis=1).to_numpy()
    closed_output = np.linalg.solve(np.eye(len(codes)) - A, home)
    return Economy(
        technology=technology,
        final_demand=fd,
        gross_output=closed_output,
        capacity=closed_output / number["capacity_utilisation"],
        stocks=closed_output * number["stock_weeks"] / WEEKS_PER_YEAR,
        workers=float(persons.sum()),
        hours_per_worker=float(hours.sum() / persons.sum()),
        population=number["population"],
        income_elasticities=_elasticities(spec.get("income_elasticities", {}), codes, spec_path),
        name=name,
    )


def _final_demand(block, cols, imported):
    """Private, public and investment final demand (domestic + imported), negatives clipped to 0."""
    out = {}
    for category in _DEMAND_KEYS:
        if category not in cols:
            continue
        total = block("final_demand", cols[category]).sum(axis=1)
        if imported:
            total = total + block("imported_final_demand", cols[category]).sum(axis=1)
        out[category] = total.clip(lower=0.0)
    return pd.DataFrame(out)


def _capital(stock, rules, spec_path, codes, fd, x, growth):
    """``B[i, j] = (K_j / x_j) · s_i``: stock size per unit of output times the stock's composition.

    The composition ``s`` is that of a stock built by perpetual inventory at steady
    growth ``g`` from the observed investment flows: ``s_i ∝ GFCF_i / (δ_i + g)``, so
    short-lived goods (software) weigh less in the stock than in the flow.
    """
    rates = _require(rules, "depreciation", spec_path, dict, "derivation.")
    _require(rates, "default", spec_path, (int, float), "derivation.depreciation.")
    unknown = set(rates) - set(codes) - {"default"}
    if unknown:
        raise EconomyDataError(f"{spec_path}: derivation.depreciation.{sorted(unknown)[0]}: not a sector code")
    checked = {key: _number(rates, key, spec_path, "derivation.depreciation.", 0.0, 1.0, False, None) for key in rates}
    depreciation = np.array([checked.get(c, checked["default"]) for c in codes])
    composition = fd["investment"].to_numpy() / np.maximum(depreciation + growth, 1e-12)
    composition = composition / composition.sum()
    return np.outer(composition, stock / x), depreciation


def _elasticities(table, codes, spec_path):
    if not isinstance(table, dict):
        raise EconomyDataError(f"{spec_path}: income_elasticities = {show(table)}: must be a table of sector = number")
    unknown = set(table) - set(codes)
    if unknown:
        raise EconomyDataError(f"{spec_path}: income_elasticities.{sorted(unknown)[0]}: not a sector code")
    checked = {code: _number(table, code, spec_path, "income_elasticities.", 0.0, 10.0, False, None) for code in table}
    return np.array([checked.get(c, 1.0) for c in codes])


def _require(table, key, path, kind, prefix=""):
    if key not in table:
        raise EconomyDataError(f"{path}: missing key '{prefix}{key}'")
    value = table[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise EconomyDataError(f"{path}: key '{prefix}{key}' = {show(value)}: wrong type")
    return value


def _known_keys(table, allowed, prefix, path):
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        close = difflib.get_close_matches(unknown[0], allowed, n=1)
        hint = f" (did you mean '{prefix}{close[0]}'?)" if close else f"; allowed: {', '.join(allowed)}"
        raise EconomyDataError(f"{path}: unknown key '{prefix}{unknown[0]}'{hint}")


def _number(table, key, path, prefix, low, high, low_excluded, default) -> float:
    """A number of ``economy.toml`` within its range: ``low (<|<=) x <= high``."""
    if key not in table and default is not None:
        return default
    value = _require(table, key, path, (int, float), prefix)
    inside = (low < value if low_excluded else low <= value) and value <= high
    if not (math.isfinite(value) and inside):
        name = key.rsplit(".", 1)[-1]
        raise EconomyDataError(
            f"{path}: {prefix}{key} = {show(value)}: must be {low:g} {'<' if low_excluded else '<='} {name} <= {high:g}"
        )
    return float(value)


def _column_list(cols, key, path):
    value = _require(cols, key, path, list, "columns.")
    if not value or not all(isinstance(v, str) for v in value):
        raise EconomyDataError(f"{path}: columns.{key} = {show(value)}: must be a non-empty list of column names")
    return value


def _positive(values, codes, path, what, strict=False):
    """Refuse a negative (or, if ``strict``, zero) entry, naming its sector."""
    bad = values <= 0 if strict else values < 0
    if bad.any():
        j = int(np.argmax(bad))
        raise EconomyDataError(
            f"{path}: sector {show(codes[j])} {what} = {values[j]}: must be {'> 0' if strict else '≥ 0'}"
        )


def _numbers(table: pd.DataFrame, columns, path) -> pd.DataFrame:
    """``table[columns]`` as floats; the first cell that is not a finite number is named by its row and column.

    The message says what the cell is (empty, text, not finite) without quoting it: a message
    never prints a file's contents.
    """
    values = table[columns].apply(pd.to_numeric, errors="coerce").astype(float)
    bad = ~np.isfinite(values.to_numpy())
    if bad.any():
        i, k = (int(v) for v in np.argwhere(bad)[0])
        row, column = table.index[i], columns[k]
        raise EconomyDataError(
            f"{path}: row {show(row)}, column {show(column)}: {_not_a_number(table[column].iloc[i])}: "
            "must be a finite number"
        )
    return values


def _not_a_number(cell) -> str:
    """What a cell that is not a finite number holds, in words: empty, text, or a number that is not finite."""
    if not isinstance(cell, str) or not cell.strip():  # the CSV reader reads "", "NA" and "nan" as missing
        return "empty or NaN"
    number = pd.to_numeric(pd.Series([cell]), errors="coerce").iloc[0]
    return "text, not a number" if pd.isna(number) else "not finite"


def _inside(directory: Path, name: str, key: str, spec_path: Path) -> Path:
    """The file ``name`` of ``economy.toml`` as a path inside the economy's ``directory``, links resolved.

    Raises
    ------
    EconomyDataError
        An absolute path, a path out of the directory by ``..``, or a link whose target is
        outside it: an economy reads only its own files.
    """
    if not name or "\0" in name or Path(name).is_absolute():
        raise EconomyDataError(
            f"{spec_path}: {key} = {show(name)}: must be a file name relative to the economy's directory"
        )
    home = Path(os.path.realpath(directory))
    path = Path(os.path.realpath(home / name))
    if path != home and home not in path.parents:
        raise EconomyDataError(
            f"{spec_path}: {key} = {show(name)}: leads out of the economy's directory {directory} "
            "(by '..' or a link): an economy reads only files inside its own directory"
        )
    return directory / name


def _mapping(tables, where, codes):
    """The mapping from detailed sector codes to the flows' sectors, or ``None``."""
    if "mapping" not in tables:
        return None
    m = tables.pop("mapping")
    if m.shape[1] < 2 and "agg_code" not in m.columns:
        raise EconomyDataError(f"{where['mapping']}: needs a column 'agg_code' (or a second column) of sector codes")
    mapping = m["agg_code"] if "agg_code" in m.columns else m.iloc[:, 1]
    strange = [c for c in mapping.dropna() if c not in codes]
    if strange or mapping.isna().any():
        target = strange[0] if strange else ""
        raise EconomyDataError(f"{where['mapping']}: maps to {show(target)}, not a sector of {where['flows']}")
    return mapping


def _read_table(path: Path) -> pd.DataFrame:
    """A CSV table, every cell as text, indexed by its first column (sector codes)."""
    try:
        data = read_bytes(path, MAX_TABLE_BYTES, "a CSV table")
        table = pd.read_csv(io.BytesIO(data), index_col=0, dtype=str, encoding="utf-8-sig")
    except FileRefused as err:
        raise EconomyDataError(str(err)) from None
    except pd.errors.EmptyDataError:
        raise EconomyDataError(f"{path}: empty: must be a CSV table with a header row and one row per sector") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as err:
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise EconomyDataError(f"{path}: not a readable CSV table: {reason}") from None
    if table.empty:
        raise EconomyDataError(f"{path}: no rows: must have one row per sector")
    if table.index.isna().any():
        raise EconomyDataError(f"{path}: a row has no sector code in its first column")
    table.index = table.index.astype(str)
    dupes = table.index[table.index.duplicated()]
    if len(dupes):
        raise EconomyDataError(f"{path}: sector {show(dupes[0])} appears twice: sector codes must be unique")
    return table


def economy_directory(economy: str) -> Path:
    """The directory a scenario's ``economy`` names: a shipped economy's (:data:`SHIPPED_ECONOMIES`), or itself."""
    return SHIPPED_ECONOMIES.get(economy, Path(economy))


def default_economy() -> Economy:
    """The United States 2014 economy in 20 sectors that ships with the project."""
    return load_economy(DEFAULT_ECONOMY_DIR)
