"""Bring your own country: an economy directory built from a pymrio ``IOSystem``.

pymrio (https://github.com/IndEcol/pymrio) parses the multi-regional input–output tables —
WIOD, OECD ICIO, EXIOBASE, Eora, GLORIA — into one ``IOSystem``: the flows ``Z`` and the
final demand ``Y``, indexed by (region, sector), and the gross output ``x``.
:func:`from_pymrio` takes one region of such a system, with its employment (hours and
persons) and capital stocks, and writes the economy directory that
:func:`sim.economics.economy.load_economy` reads — the format of ``sim/data/us2014`` — as a
closed economy: the region's own flows, what it imports from every other region as
imported flows and imported final demand, and what every other region buys from it as
its exports. The derivation rules (``[derivation]`` of ``economy.toml``: population,
depreciation, capacity utilisation, …) are the caller's; ``sim/data/us2014_55/economy.toml``
has those of the US 2014 table, which the test rebuilds from pymrio to 1e-9.

:func:`from_pymrio` does not import pymrio (it reads the system's data frames);
:func:`from_pymrio_files`, which ``councils economy build`` calls, imports it to load a saved
table. ``docs/economy.md`` says how to build an economy from a table pymrio parses.
"""

from __future__ import annotations

import contextlib
import io
import math
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.economics.economy import MAX_SPEC_BYTES, MAX_TABLE_BYTES, EconomyDataError, load_economy
from sim.storage.atomic import temporary_name
from sim.storage.files import FileRefused, read_bytes, read_toml, show
from sim.storage.writes import WriteRefused, refuse_link, write_text

#: WIOD's final-demand categories (pymrio's WIOD parser keeps them): which are private, public, investment.
WIOD_CATEGORIES = {"private": ("CONS_h", "CONS_np"), "public": ("CONS_g",), "investment": ("GFCF", "INVEN")}
#: The ``[derivation]`` keys the caller may give (``economy.toml``; ``sim/data/us2014/README.md``).
RULE_KEYS = (
    "population",
    "steady_growth",
    "depreciation",
    "hours_unit",
    "persons_unit",
    "capacity_utilisation",
    "stock_weeks",
    "consumer_share_threshold",
)
_EXPORTS = "EXP"


def from_pymrio(
    io_system,
    region: str,
    out_dir: str | Path,
    *,
    capital: pd.Series,
    rules: Mapping,
    employment: pd.DataFrame | None = None,
    income_elasticities: Mapping[str, float] | None = None,
    categories: Mapping[str, Sequence[str]] = WIOD_CATEGORIES,
    descriptions: Mapping[str, str] | None = None,
    name: str | None = None,
    year: int | None = None,
    unit: str = "one unit of the table's currency",
) -> Path:
    """Write the economy of ``region`` of a pymrio ``IOSystem`` as an economy directory.

    Parameters
    ----------
    io_system : pymrio.IOSystem
        Its ``Z`` and ``Y`` (and ``x`` if computed; otherwise ``x = Z 1 + Y 1``), indexed by
        (region, sector), money per year. A system of one region has no imports or exports.
    region : str
        The region whose economy is written.
    out_dir : path
        A new directory (refused if it exists); written completely or not at all.
    capital : pandas.Series
        Capital stock per sector of ``region``, in the money unit of ``Z``.
    rules : mapping
        The derivation rules, the keys of ``economy.toml``'s ``[derivation]`` (:data:`RULE_KEYS`):
        at least ``population`` (persons), ``steady_growth`` (per year) and ``depreciation``
        (``{"default": rate, sector: rate, …}``, per year).
    employment : pandas.DataFrame, optional
        Per sector of ``region``, columns ``hours`` (hours worked per year, in
        ``rules["hours_unit"]``) and ``persons`` (persons engaged, in ``rules["persons_unit"]``).
        Default: the system's extension ``employment``, whose ``F`` has the rows ``hours`` and
        ``persons``.
    income_elasticities : mapping, optional
        Households' expenditure elasticity by sector (1 where not given).
    categories : mapping
        Which columns of ``Y`` are ``private``, ``public`` and ``investment`` final demand
        (default: WIOD's; for EXIOBASE or OECD ICIO, their names, ``docs/economy.md``).
    descriptions : mapping, optional
        A long name per sector, for reports.
    name, year, unit : optional
        What the economy is, for ``economy.toml``.

    Returns
    -------
    pathlib.Path
        ``out_dir``.

    Raises
    ------
    EconomyDataError
        A system without ``Z`` or ``Y`` indexed by (region, sector); an unknown region; no
        employment; employment, capital, elasticities or descriptions whose sectors are not
        the region's; an unknown final-demand category or derivation rule; or an economy
        that :func:`~sim.economics.economy.load_economy` refuses. Nothing is written.
    WriteRefused
        ``out_dir`` exists or is a link.
    """
    out_dir = Path(out_dir)
    Z, Y = _frame(io_system, "Z"), _frame(io_system, "Y")
    regions = list(dict.fromkeys(Z.index.get_level_values(0)))
    if region not in regions:
        raise EconomyDataError(f"pymrio system: region {show(region)} is not in it; its regions: {', '.join(regions)}")
    labels = list(Z.loc[region].index)
    codes = [str(c) for c in labels]
    others = [r for r in regions if r != region]
    x = _output(io_system, Z, Y).loc[region]
    # Slices of the region's columns and rows only: a world table's Z is not copied whole.
    into, final_into = Z.xs(region, axis=1, level=0), Y.xs(region, axis=1, level=0)
    home = into.loc[region]
    imported = into.drop(index=region, level=0).groupby(level=1, sort=False).sum().reindex(labels)
    final = _categories(Y, region, categories)
    imported_final = final_into.drop(index=region, level=0).groupby(level=1, sort=False).sum().reindex(labels)[final]
    exports = None
    if others:
        bought = Z.loc[region].drop(columns=region, level=0).sum(axis=1)
        exports = bought + Y.loc[region].drop(columns=region, level=0).sum(axis=1)
    jobs = _employment(io_system, employment, region, codes)
    stock = _per_sector(capital, codes, "capital")
    spec = _spec(rules, income_elasticities, codes, name or f"{region} ({_describe(io_system)})", year, unit)
    names = _per_sector(pd.Series(descriptions or {}, dtype=object), codes, "descriptions", required=False)
    tables = {
        "flows.csv": _table(home, codes, names),
        "final_demand.csv": _table(
            final_into.loc[region][final].assign(**({_EXPORTS: exports} if _has(exports) else {})), codes, names
        ),
        "output.csv": _table(pd.DataFrame({"gross_output": x.to_numpy().ravel()}, index=codes), codes, names),
        "employment.csv": _table(jobs, codes, names),
        "capital.csv": _table(pd.DataFrame({"capital_stock": stock}, index=codes), codes, names),
    }
    files = {
        "flows": "flows.csv",
        "final_demand": "final_demand.csv",
        "output": "output.csv",
        "employment": "employment.csv",
        "capital": "capital.csv",
    }
    if others:
        tables["imports_intermediate.csv"] = _table(imported, codes, names)
        # A region's imports are not re-exported (the loader reads the exports column of both tables).
        no_exports = {_EXPORTS: 0.0} if _has(exports) else {}
        tables["imports_final_demand.csv"] = _table(imported_final.assign(**no_exports), codes, names)
        files |= {"imported_flows": "imports_intermediate.csv", "imported_final_demand": "imports_final_demand.csv"}
    columns = {
        "output": "gross_output",
        "hours": "hours",
        "persons": "persons",
        "capital_stock": "capital_stock",
        **{k: list(categories[k]) for k in ("private", "public", "investment")},
        **({"exports": [_EXPORTS]} if _has(exports) else {}),
    }
    text = _toml({**spec, "files": files, "columns": columns})
    readme = _readme(io_system, region, spec["name"])
    return _install(out_dir, {**tables, "economy.toml": text, "README.md": readme})


def from_pymrio_files(
    table: str | Path,
    region: str,
    out_dir: str | Path,
    *,
    capital: str | Path,
    rules: str | Path,
    employment: str | Path | None = None,
) -> Path:
    """:func:`from_pymrio` from files, as ``councils economy build`` gives them.

    Parameters
    ----------
    table : path
        A pymrio ``IOSystem`` saved by its ``save_all`` (read with ``pymrio.load_all``).
    region, out_dir
        As for :func:`from_pymrio`.
    capital : path
        A CSV table ``code,capital_stock``: capital stock per sector, the table's money unit.
    rules : path
        A TOML file with the ``[derivation]`` and ``[income_elasticities]`` of ``economy.toml``
        and, optionally, ``name``, ``year``, ``unit`` and ``[columns]`` ``private``, ``public`` and
        ``investment`` (final-demand categories); any ``economy.toml`` is one (its other keys
        are not read).
    employment : path, optional
        A CSV table ``code,hours,persons``; default: the table's extension ``employment``.

    Raises
    ------
    EconomyDataError
        Everything :func:`from_pymrio` refuses; a missing or unreadable file; pymrio missing;
        a directory pymrio cannot load. Nothing is written.
    """
    spec = _read_rules(Path(rules))
    capital_table = _read_sector_csv(Path(capital), ("capital_stock",))
    jobs = None if employment is None else _read_sector_csv(Path(employment), ("hours", "persons"))
    columns = spec.get("columns", {})
    categories = {k: columns.get(k, WIOD_CATEGORIES[k]) for k in ("private", "public", "investment")}
    return from_pymrio(
        _load_pymrio(Path(table)),
        region,
        out_dir,
        capital=capital_table["capital_stock"],
        rules=spec["derivation"],
        employment=jobs,
        income_elasticities=spec.get("income_elasticities"),
        categories=categories,
        name=spec.get("name"),
        year=spec.get("year"),
        unit=spec.get("unit", "one unit of the table's currency"),
    )


def _load_pymrio(table: Path):
    try:
        import pymrio
    except ImportError:
        raise EconomyDataError("building an economy from a pymrio table needs pymrio: pip install pymrio") from None
    if not table.is_dir():
        raise EconomyDataError(f"{table}: no such directory: a pymrio table saved by IOSystem.save_all")
    try:
        return pymrio.load_all(table)
    except Exception as err:  # pymrio's own errors on a directory it cannot read: one line
        first = (str(err).strip().splitlines() or [type(err).__name__])[0]
        raise EconomyDataError(f"{table}: pymrio cannot load it ({type(err).__name__}: {first})") from None


def _read_rules(path: Path) -> dict:
    try:
        spec = read_toml(path, MAX_SPEC_BYTES, "a TOML file of derivation rules")
    except FileRefused as err:
        raise EconomyDataError(str(err)) from None
    if not isinstance(spec.get("derivation"), dict):
        raise EconomyDataError(
            f"{path}: no [derivation] table: the rules of economy.toml (population, depreciation, …)"
        )
    return spec


def _read_sector_csv(path: Path, columns: Sequence[str]) -> pd.DataFrame:
    """A CSV table indexed by sector code, with ``columns`` as finite numbers."""
    try:
        table = pd.read_csv(io.BytesIO(read_bytes(path, MAX_TABLE_BYTES, "a CSV table")), index_col=0)
    except FileRefused as err:
        raise EconomyDataError(str(err)) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as err:
        raise EconomyDataError(
            f"{path}: not a readable CSV table: {(str(err).strip().splitlines() or [''])[0]}"
        ) from None
    absent = [c for c in columns if c not in table.columns]
    if absent:
        raise EconomyDataError(f"{path}: no column {show(absent[0])}: needs code,{','.join(columns)}")
    values = table[list(columns)].apply(pd.to_numeric, errors="coerce")
    if not np.isfinite(values.to_numpy(dtype=float)).all():
        raise EconomyDataError(f"{path}: a cell of {', '.join(columns)} is not a finite number")
    values.index = values.index.astype(str)
    return values


def _frame(io_system, attribute: str) -> pd.DataFrame:
    frame = getattr(io_system, attribute, None)
    if not isinstance(frame, pd.DataFrame) or frame.index.nlevels != 2 or frame.columns.nlevels != 2:
        raise EconomyDataError(
            f"pymrio system: {attribute} = {show(type(frame).__name__)}: "
            "must be a data frame with rows (region, sector) and columns (region, sector or category)"
        )
    return frame


def _output(io_system, Z, Y) -> pd.Series:
    """``x``: the system's, or ``Z 1 + Y 1`` (as pymrio's ``calc_x``)."""
    x = getattr(io_system, "x", None)
    if x is None:
        return Z.sum(axis=1) + Y.sum(axis=1)
    x = x.iloc[:, 0] if isinstance(x, pd.DataFrame) else x
    return x.reindex(Z.index).astype(float)


def _categories(Y, region, categories) -> list[str]:
    known = list(Y[region].columns)
    unknown = [k for k in categories if k not in ("private", "public", "investment")]
    missing = [k for k in ("private", "public", "investment") if not categories.get(k)]
    if unknown or missing:
        raise EconomyDataError(
            f"categories: {show(unknown[0] if unknown else missing[0])}: must name private, public and investment "
            "final demand, each a list of columns of Y"
        )
    wanted = [c for k in ("private", "public", "investment") for c in categories[k]]
    absent = [c for c in wanted if c not in known]
    if absent:
        raise EconomyDataError(
            f"categories: {show(absent[0])} is not a final-demand category of Y; its categories: {', '.join(known)}"
        )
    return wanted


def _employment(io_system, employment, region, codes) -> pd.DataFrame:
    """Hours and persons per sector: the argument, or the region's columns of the system's extension ``employment``."""
    if employment is None:
        F = getattr(getattr(io_system, "employment", None), "F", None)
        if not isinstance(F, pd.DataFrame):
            raise EconomyDataError(
                "pymrio system: no employment: give employment= (hours and persons per sector) or an extension "
                "'employment' whose F has the rows 'hours' and 'persons'"
            )
        rows = [str(r[0] if isinstance(r, tuple) else r) for r in F.index]
        regions = F.columns.get_level_values(0) if F.columns.nlevels == 2 else []
        if not {"hours", "persons"} <= set(rows) or region not in regions:
            raise EconomyDataError(
                f"pymrio system: extension 'employment' must have the rows 'hours' and 'persons' and columns "
                f"(region, sector) for {show(region)}; it has the rows {', '.join(rows)}"
            )
        employment = F.set_axis(rows, axis=0)[region].loc[["hours", "persons"]].T
    if not isinstance(employment, pd.DataFrame) or not {"hours", "persons"} <= set(employment.columns):
        raise EconomyDataError("employment: must be a data frame with the columns 'hours' and 'persons'")
    return pd.DataFrame(
        {column: _per_sector(employment[column], codes, f"employment {column}") for column in ("hours", "persons")},
        index=codes,
    )


def _per_sector(values, codes, what, required=True) -> np.ndarray | list[str]:
    """``values`` in the order of ``codes``; a missing or extra sector is refused by name."""
    if not isinstance(values, pd.Series):
        raise EconomyDataError(f"{what}: must be a pandas Series indexed by sector")
    values = values.set_axis([str(i) for i in values.index])
    extra = [c for c in values.index if c not in codes]
    missing = [c for c in codes if c not in values.index]
    if extra:
        raise EconomyDataError(f"{what}: sector {show(extra[0])} is not a sector of the region (first: {codes[0]})")
    if not required:
        return [str(values.get(c, c)) for c in codes]
    if missing:
        raise EconomyDataError(f"{what}: sector {show(missing[0])} of the region is missing")
    return values.loc[codes].astype(float).to_numpy()


def _spec(rules, elasticities, codes, name, year, unit) -> dict:
    rules = dict(rules)
    unknown = [k for k in rules if k not in RULE_KEYS]
    if unknown:
        raise EconomyDataError(f"rules: {show(unknown[0])} is not a derivation rule; the rules: {', '.join(RULE_KEYS)}")
    for key in ("population", "steady_growth", "depreciation"):
        if key not in rules:
            raise EconomyDataError(f"rules: {key!r} missing: the derivation needs it (economy.toml [derivation])")
    strange = [c for c in (elasticities or {}) if c not in codes]
    if strange:
        raise EconomyDataError(f"income_elasticities: sector {show(strange[0])} is not a sector of the region")
    spec = {"name": name, "unit": unit, "derivation": rules, "income_elasticities": dict(elasticities or {})}
    return spec if year is None else {**spec, "year": year}


def _has(exports) -> bool:
    return exports is not None and float(np.abs(exports.to_numpy()).sum()) > 0


def _table(frame: pd.DataFrame, codes, names) -> str:
    """A table of the economy's format: ``code,name,…``, one row per sector, floats exactly (shortest repr)."""
    frame = pd.DataFrame(np.asarray(frame, dtype=float), index=codes, columns=[str(c) for c in frame.columns])
    frame.insert(0, "name", names)
    return frame.rename_axis("code").to_csv(float_format=None, lineterminator="\n")


def _describe(io_system) -> str:
    return " ".join(str(getattr(io_system, k, None) or "") for k in ("name", "year")).strip() or "pymrio"


def _readme(io_system, region, name) -> str:
    return (
        f"# {name}\n\n"
        f"Built by `sim.run.economy_builder.from_pymrio` from the pymrio system {_describe(io_system)!r}, "
        f"region {region!r}: its own flows, its imports from every other region and its exports to them "
        "(`docs/economy.md`). The numbers are the table's: its source, licence and citation are those of the "
        "table it was parsed from, and belong here beside this line. `economy.toml` gives the derivation rules.\n"
    )


def _toml(spec: Mapping) -> str:
    """``economy.toml`` from nested mappings of text, numbers and lists of text."""
    lines, tables = [], []
    for key, value in spec.items():
        if isinstance(value, Mapping):
            tables.append((key, value))
        else:
            lines.append(f"{_key(key)} = {_value(value)}")
    for key, table in tables:
        lines.append(f"\n[{key}]")
        nested = []
        for sub, value in table.items():
            if isinstance(value, Mapping):
                nested.append((f"{key}.{sub}", value))
            else:
                lines.append(f"{_key(sub)} = {_value(value)}")
        for path, inner in nested:
            lines.append(f"\n[{path}]")
            lines.extend(f"{_key(k)} = {_value(v)}" for k, v in inner.items())
    return "\n".join(lines) + "\n"


def _key(key) -> str:
    key = str(key)
    return key if key.replace("-", "").replace("_", "").isalnum() and key.isascii() else _value(key)


def _value(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float | np.integer | np.floating):
        if not math.isfinite(value):
            raise EconomyDataError(f"rules: {value!r}: must be a finite number")
        return repr(float(value)) if isinstance(value, float | np.floating) else str(int(value))
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{escaped}"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise EconomyDataError(f"rules: {show(value)}: must be a number, a text or a list")


def _install(out_dir: Path, files: Mapping[str, str]) -> Path:
    """Check that ``files`` make an economy, then write them into a new directory renamed into place at the end.

    The check runs on a copy in a temporary directory, so that nothing is written beside
    ``out_dir`` (not even its parents) for an economy that is refused.
    """
    refuse_link(out_dir, "economy directory")
    if out_dir.exists():
        raise WriteRefused(f"economy directory {out_dir}: exists; councils does not overwrite it: name a new one")
    with tempfile.TemporaryDirectory(prefix="councils-economy-") as scratch:
        for file, text in files.items():
            (Path(scratch) / file).write_text(text, encoding="utf-8")
        try:
            load_economy(scratch)
        except EconomyDataError as err:
            raise EconomyDataError(str(err).replace(scratch, str(out_dir))) from None
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    new = temporary_name(out_dir)
    new.mkdir()
    try:
        for file, text in files.items():
            write_text(new / file, text, "economy directory")
        new.rename(out_dir)
    except BaseException:
        with contextlib.suppress(OSError):
            shutil.rmtree(new)
        raise
    return out_dir
