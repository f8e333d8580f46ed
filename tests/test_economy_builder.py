"""An economy directory from a pymrio ``IOSystem``: the shipped 55-sector US table, rebuilt.

The US 2014 national table of the WIOD (``sim/data/us2014_55``) is put into a pymrio
``IOSystem`` of two regions, the United States and the rest of the world (which supplies the
imports and buys the exports), with the hours and persons as its extension ``employment``.
:func:`sim.run.economy_builder.from_pymrio` must write back, to 1e-9, every number the
shipped ``economy.toml`` reads, and the economy loaded from it must be the shipped one.
Bad input is refused in one message, with nothing written.
"""

from __future__ import annotations

import tomllib

import numpy as np
import pandas as pd
import pymrio  # a hard test dependency (the `dev` extra)
import pytest
from cli_call import call

from sim.economics.economy import SHIPPED_ECONOMIES, EconomyDataError, load_economy
from sim.run.economy_builder import WIOD_CATEGORIES, from_pymrio
from sim.storage.writes import WriteRefused

SHIPPED = SHIPPED_ECONOMIES["us2014-55"]
SPEC = tomllib.loads((SHIPPED / "economy.toml").read_text(encoding="utf-8"))
CATEGORIES = [c for k in ("private", "public", "investment") for c in WIOD_CATEGORIES[k]]
RTOL = 1e-9


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(SHIPPED / name, index_col=0)


@pytest.fixture(scope="module")
def us():
    """The shipped table as a two-region pymrio system: USA and the rest of the world (ROW)."""
    flows = _csv("flows.csv")
    codes = list(flows.index)
    index = pd.MultiIndex.from_product([["USA", "ROW"], codes], names=["region", "sector"])
    columns = pd.MultiIndex.from_product([["USA", "ROW"], CATEGORIES], names=["region", "category"])
    Z = pd.DataFrame(0.0, index=index, columns=index)
    Z.loc["USA", "USA"] = flows[codes].to_numpy()
    Z.loc["ROW", "USA"] = _csv("imports_intermediate.csv")[codes].to_numpy()
    Y = pd.DataFrame(0.0, index=index, columns=columns)
    Y.loc["USA", "USA"] = _csv("final_demand.csv")[CATEGORIES].to_numpy()
    Y.loc["ROW", "USA"] = _csv("imports_final_demand.csv")[CATEGORIES].to_numpy()
    # The national table books exports in one column: here the rest of the world's households buy them.
    Y.loc["USA", ("ROW", "CONS_h")] = _csv("final_demand.csv")["EXP"].to_numpy()
    x = pd.DataFrame({"indout": Z.sum(axis=1) + Y.sum(axis=1)})
    x.loc["USA", "indout"] = _csv("output.csv")["gross_output"].to_numpy()
    jobs = _csv("employment.csv")
    F = pd.DataFrame(0.0, index=["hours", "persons"], columns=index)
    F.loc["hours", "USA"] = jobs[SPEC["columns"]["hours"]].to_numpy()
    F.loc["persons", "USA"] = jobs[SPEC["columns"]["persons"]].to_numpy()
    employment = {"name": "employment", "F": F, "unit": pd.DataFrame({"unit": ["M hours", "k persons"]}, index=F.index)}
    return pymrio.IOSystem(Z=Z, Y=Y, x=x, employment=employment, name="WIOD 2016 NIOT", year=2014)


@pytest.fixture(scope="module")
def inputs():
    return {
        "capital": _csv("capital.csv")[SPEC["columns"]["capital_stock"]],
        "rules": SPEC["derivation"],
        "income_elasticities": SPEC["income_elasticities"],
        "descriptions": _csv("flows.csv")["name"].to_dict(),
        "name": SPEC["name"],
        "year": SPEC["year"],
        "unit": SPEC["unit"],
    }


@pytest.fixture(scope="module")
def built(us, inputs, tmp_path_factory):
    return from_pymrio(us, "USA", tmp_path_factory.mktemp("built") / "us2014_55", **inputs)


def _numbers(directory, spec, key, columns) -> np.ndarray:
    table = pd.read_csv(directory / spec["files"][key], index_col=0)
    return table[columns].to_numpy(dtype=float)


@pytest.mark.parametrize(
    ("key", "columns"),
    [
        ("flows", None),
        ("imported_flows", None),
        ("final_demand", ["private", "public", "investment", "exports"]),
        ("imported_final_demand", ["private", "public", "investment"]),
        ("output", ["output"]),
        ("employment", ["hours", "persons"]),
        ("capital", ["capital_stock"]),
    ],
)
def test_every_number_the_shipped_economy_reads_comes_back_to_1e_9(built, key, columns):
    mine = tomllib.loads((built / "economy.toml").read_text(encoding="utf-8"))
    codes = list(_csv("flows.csv").index)

    def named(spec):
        if columns is None:
            return codes
        return [
            c
            for k in columns
            for c in ([spec["columns"][k]] if isinstance(spec["columns"][k], str) else spec["columns"][k])
        ]

    shipped = _numbers(SHIPPED, SPEC, key, named(SPEC))
    rebuilt = _numbers(built, mine, key, named(mine))
    assert rebuilt.shape == shipped.shape and shipped.size > 0
    np.testing.assert_allclose(rebuilt, shipped, rtol=RTOL, atol=0)


def test_the_rebuilt_economy_is_the_shipped_one(built):
    a, b = load_economy(built), load_economy(SHIPPED)
    ta, tb = a.technology, b.technology
    assert ta.names == tb.names and ta.descriptions == tb.descriptions
    np.testing.assert_array_equal(ta.consumer_goods, tb.consumer_goods)
    for left, right in [
        (ta.A, tb.A),
        (ta.labour, tb.labour),
        (ta.capital, tb.capital),
        (ta.depreciation, tb.depreciation),
        (a.final_demand.to_numpy(), b.final_demand.to_numpy()),
        (a.gross_output, b.gross_output),
        (a.capacity, b.capacity),
        (a.stocks, b.stocks),
        (a.income_elasticities, b.income_elasticities),
    ]:
        np.testing.assert_allclose(left, right, rtol=RTOL, atol=0)
    assert list(a.final_demand.columns) == list(b.final_demand.columns)
    assert (a.workers, a.population, a.name) == (b.workers, b.population, b.name)
    assert a.hours_per_worker == pytest.approx(b.hours_per_worker, rel=RTOL)


def test_employment_given_as_a_table_builds_the_same_economy(us, inputs, built, tmp_path):
    jobs = _csv("employment.csv")
    table = pd.DataFrame({"hours": jobs[SPEC["columns"]["hours"]], "persons": jobs[SPEC["columns"]["persons"]]})
    bare = pymrio.IOSystem(Z=us.Z, Y=us.Y, x=us.x)
    out = from_pymrio(bare, "USA", tmp_path / "e", employment=table, **inputs)
    np.testing.assert_array_equal(load_economy(out).technology.labour, load_economy(built).technology.labour)


def test_a_region_of_a_multi_regional_table_is_built_from_pymrios_test_system(tmp_path):
    """pymrio's own test MRIO (six regions): a region's imports and exports come from the other five."""
    io = pymrio.load_test().calc_all()
    region, codes = "reg2", list(io.Z.loc["reg2"].index)
    n = len(codes)
    out = from_pymrio(
        io,
        region,
        tmp_path / "reg2",
        employment=pd.DataFrame({"hours": np.full(n, 1e6), "persons": np.full(n, 500.0)}, index=codes),
        capital=pd.Series(2.0 * io.x.loc[region, "indout"].to_numpy(), index=codes),
        rules={"population": 1e4, "steady_growth": 0.03, "depreciation": {"default": 0.1}},
        categories={
            "private": ["Final consumption expenditure by households"],
            "public": ["Final consumption expenditure by government"],
            "investment": ["Gross fixed capital formation"],
        },
    )
    economy = load_economy(out)
    Z = io.Z
    imported = Z.drop(index=region, level=0).groupby(level=1, sort=False).sum().loc[codes, region]
    A_expected = (Z.loc[region, region].to_numpy() + imported.to_numpy()) / io.x.loc[region, "indout"].to_numpy()
    np.testing.assert_allclose(economy.technology.A, A_expected, rtol=RTOL)
    exports = Z.loc[region].drop(columns=region, level=0).sum(axis=1) + io.Y.loc[region].drop(
        columns=region, level=0
    ).sum(axis=1)
    np.testing.assert_allclose(economy.final_demand["exports"].to_numpy(), exports.loc[codes].to_numpy(), rtol=RTOL)


def _refused(tmp_path, **changes):
    out = tmp_path / "out"
    with pytest.raises((EconomyDataError, WriteRefused)) as err:
        from_pymrio(**changes, out_dir=out)
    assert not out.exists() and not any(tmp_path.iterdir())
    assert "\n" not in str(err.value)
    return str(err.value)


def test_a_system_without_employment_is_refused(us, inputs, tmp_path):
    bare = pymrio.IOSystem(Z=us.Z, Y=us.Y, x=us.x)
    assert _refused(tmp_path, io_system=bare, region="USA", **inputs).startswith("pymrio system: no employment:")


def test_an_unknown_region_is_refused(us, inputs, tmp_path):
    assert _refused(tmp_path, io_system=us, region="FRA", **inputs) == (
        "pymrio system: region 'FRA' is not in it; its regions: USA, ROW"
    )


def test_capital_of_other_sectors_is_refused(us, inputs, tmp_path):
    wrong = inputs["capital"].rename({"A01": "AGR"})
    message = _refused(tmp_path, io_system=us, region="USA", **{**inputs, "capital": wrong})
    assert message == "capital: sector 'AGR' is not a sector of the region (first: A01)"
    short = inputs["capital"].drop("T")
    message = _refused(tmp_path, io_system=us, region="USA", **{**inputs, "capital": short})
    assert message == "capital: sector 'T' of the region is missing"


def test_employment_of_other_sectors_is_refused(us, inputs, tmp_path):
    jobs = _csv("employment.csv").iloc[:20]
    table = pd.DataFrame({"hours": jobs[SPEC["columns"]["hours"]], "persons": jobs[SPEC["columns"]["persons"]]})
    message = _refused(tmp_path, io_system=us, region="USA", employment=table, **inputs)
    assert message == f"employment hours: sector {_csv('flows.csv').index[20]!r} of the region is missing"


def test_an_unknown_category_or_rule_is_refused(us, inputs, tmp_path):
    categories = {**WIOD_CATEGORIES, "private": ["HFCE"]}
    message = _refused(tmp_path, io_system=us, region="USA", categories=categories, **inputs)
    assert message == "categories: 'HFCE' is not a final-demand category of Y; its categories: " + ", ".join(CATEGORIES)
    rules = {k: v for k, v in inputs["rules"].items() if k != "population"}
    message = _refused(tmp_path, io_system=us, region="USA", **{**inputs, "rules": rules})
    assert message == "rules: 'population' missing: the derivation needs it (economy.toml [derivation])"


def test_an_economy_the_loader_refuses_is_not_written(us, inputs, tmp_path):
    rules = {**inputs["rules"], "capacity_utilisation": 1.5}
    message = _refused(tmp_path, io_system=us, region="USA", **{**inputs, "rules": rules})
    assert message.startswith(f"{tmp_path / 'out'}/economy.toml: derivation.capacity_utilisation = 1.5: must be")


def test_an_existing_directory_is_not_overwritten(us, inputs, built):
    before = sorted(p.name for p in built.iterdir())
    with pytest.raises(WriteRefused, match="exists; councils does not overwrite it"):
        from_pymrio(us, "USA", built, **inputs)
    assert sorted(p.name for p in built.iterdir()) == before


# --- councils economy build ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def saved(us, tmp_path_factory):
    """The two-region system saved as pymrio saves it, with the capital stocks as a CSV table."""
    where = tmp_path_factory.mktemp("saved")
    us.save_all(where / "table")
    pymrio.IOSystem(Z=us.Z, Y=us.Y, x=us.x).save_all(where / "no_employment")
    capital = _csv("capital.csv")[SPEC["columns"]["capital_stock"]].rename("capital_stock")
    capital.rename_axis("code").to_csv(where / "capital.csv")
    return where


def _build(saved, table, out, *extra):
    return call(
        [
            "economy",
            "build",
            str(saved / table),
            "--region",
            "USA",
            "--capital",
            str(saved / "capital.csv"),
            "--rules",
            str(SHIPPED / "economy.toml"),
            "--out",
            str(out),
            *extra,
        ]
    )


def test_councils_economy_build_writes_the_shipped_economy(saved, tmp_path):
    out = tmp_path / "us"
    rc, printed, err = _build(saved, "table", out)
    assert (rc, err) == (0, "")
    assert printed.splitlines()[0] == f"{out}/: 55 sectors, 34 of them consumer goods (economy.toml, README.md)"
    a, b = load_economy(out), load_economy(SHIPPED)
    assert a.technology.names == b.technology.names and a.name == b.name
    np.testing.assert_allclose(a.technology.A, b.technology.A, rtol=RTOL, atol=0)
    np.testing.assert_allclose(a.technology.labour, b.technology.labour, rtol=RTOL, atol=0)
    np.testing.assert_allclose(a.technology.capital, b.technology.capital, rtol=RTOL, atol=0)
    np.testing.assert_allclose(a.gross_output, b.gross_output, rtol=RTOL, atol=0)


@pytest.mark.parametrize(
    ("table", "extra", "message"),
    [
        ("no_employment", (), "councils: pymrio system: no employment: give employment="),
        ("missing", (), "councils: {saved}/missing: no such directory: a pymrio table saved by IOSystem.save_all"),
        ("table", ("--region", "FRA"), "councils: pymrio system: region 'FRA' is not in it; its regions: USA, ROW"),
        ("table", ("--employment", "{saved}/capital.csv"), "councils: {saved}/capital.csv: no column 'hours'"),
    ],
)
def test_councils_economy_build_refuses_bad_input_in_one_line_and_writes_nothing(
    saved, tmp_path, table, extra, message
):
    out = tmp_path / "new" / "us"
    rc, printed, err = _build(saved, table, out, *[e.format(saved=saved) for e in extra])
    assert rc == 2 and printed == ""
    assert len(err.splitlines()) == 1 and err.startswith(message.format(saved=saved))
    assert not (tmp_path / "new").exists()
