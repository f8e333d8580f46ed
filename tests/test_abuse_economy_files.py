"""Economy directories under abuse (issue 15, case 7): every file, cell, size and range is checked.

Each case damages a copy of the shipped economy (``sim/data/us2014``) and runs a scenario on
it: ``councils run`` must exit with status 2 and one line naming the file and the key or cell,
with nothing written. What the model needs of the economy (a farming sector when there are
communes, one council per sector, a consumer good) is checked where scenario and economy meet.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from bounded import address_space
from cli_call import call

import sim.economics.economy
from sim.economics.economy import DEFAULT_ECONOMY_DIR, EconomyDataError, load_economy
from sim.model import CouncilsModel
from sim.run.scenario import ScenarioError, from_dict
from sim.run.scenario_economy import check_against_economy

SCENARIO = """name = "custom"
economy = "eco"
years = 0.05
[population]
consumers = 1000
councils = 40
communes = {communes}
"""


@pytest.fixture
def eco(tmp_path) -> Path:
    """A copy of the shipped economy beside a scenario file ``s.toml`` that runs on it."""
    target = tmp_path / "eco"
    shutil.copytree(DEFAULT_ECONOMY_DIR, target)
    (tmp_path / "s.toml").write_text(SCENARIO.format(communes=5), encoding="utf-8")
    return target


def refused_run(eco: Path, *phrases: str) -> str:
    """``councils run s.toml`` on the damaged economy: exit 2, one line with the phrases, nothing written."""
    before = sorted(p.name for p in eco.parent.iterdir())
    with address_space():  # a regression that read a huge table whole fails here, not the machine
        rc, out, err = call(["run", str(eco.parent / "s.toml"), "--no-plots", "--out", str(eco.parent / "out")])
    assert rc == 2, err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("councils: "), err
    for phrase in phrases:
        assert phrase in lines[0], lines[0]
    assert out == ""
    assert sorted(p.name for p in eco.parent.iterdir()) == before
    return lines[0]


def edit_toml(eco: Path, pattern: str, replacement: str):
    path = eco / "economy.toml"
    text = path.read_text(encoding="utf-8")
    assert re.search(pattern, text, flags=re.MULTILINE), pattern
    path.write_text(re.sub(pattern, replacement, text, count=1, flags=re.MULTILINE), encoding="utf-8")


def edit_table(eco: Path, name: str, edit):
    """Replace table ``name`` by ``edit(table)`` (cells as text)."""
    path = eco / name
    edit(pd.read_csv(path, index_col=0, dtype=str)).to_csv(path)


def set_cell(eco: Path, name: str, row: str, column: str, text: str):
    def edit(table):
        table.loc[row, column] = text
        return table

    edit_table(eco, name, edit)


def set_column(eco: Path, name: str, column: str, text: str):
    edit_table(eco, name, lambda table: table.assign(**{column: text}))


def rename_sector(eco: Path, old: str, new: str):
    """Rename a sector code in every file of the economy."""
    for path in eco.iterdir():
        if path.suffix in (".csv", ".toml"):
            text = path.read_text(encoding="utf-8")
            text = re.sub(rf"(?m)(^|,){old}(,|$)", rf"\g<1>{new}\g<2>", text)
            path.write_text(re.sub(rf"(?m)^{old} = ", f"{new} = ", text), encoding="utf-8")


# --- the cases of the issue ------------------------------------------------------------------------------


def test_no_farming_sector_with_communes_is_refused_naming_the_key(eco):
    rename_sector(eco, "AGR", "FARM")
    assert "FARM" in load_economy(eco).technology.names
    line = refused_run(eco, "communes.sector = 'AGR'", "not a sector", "population.communes = 5", "FARM")
    assert str(eco.parent / "s.toml") in line
    rc, out, err = call(["plan", str(eco.parent / "s.toml")])  # the plan factory's report refuses it alike
    assert (rc, out, err.strip()) == (2, "", line)


def test_the_farming_sector_can_be_named(eco):
    rename_sector(eco, "AGR", "FARM")
    population = {"consumers": 600, "councils": 22, "communes": 3}
    scenario = from_dict({"economy": str(eco), "communes": {"sector": "FARM"}, "population": population}, "x")
    check_against_economy(scenario, load_economy(eco), "x")  # no error
    model = CouncilsModel(scenario)
    farms = model.producers.sector[model.communes.rows]
    assert [model.technology.names[j] for j in farms] == ["FARM"] * 3  # the communes farm the sector named
    no_communes = from_dict({"economy": str(eco), "population": {"communes": 0}}, "x")
    check_against_economy(no_communes, load_economy(eco), "x")


def test_an_empty_csv(eco):
    (eco / "agg_output.csv").write_bytes(b"")
    refused_run(eco, str(eco / "agg_output.csv"), "empty")


def test_a_csv_with_a_header_only(eco):
    (eco / "agg_output.csv").write_text("code,name,gross_output\n", encoding="utf-8")
    refused_run(eco, str(eco / "agg_output.csv"), "no rows")


@pytest.mark.parametrize(
    ("cell", "what"),
    [
        ("abc", "text, not a number"),
        ("", "empty or NaN"),
        ("1e999", "not finite"),
        ("nan", "empty or NaN"),
        ("--3", "text"),
    ],
)
def test_a_cell_that_is_not_a_finite_number_names_row_and_column(eco, cell, what):
    set_cell(eco, "agg_flows.csv", "MIN", "FOOD", cell)
    line = refused_run(eco, str(eco / "agg_flows.csv"), "row 'MIN', column 'FOOD'", "must be a finite number")
    assert f"'FOOD': {what}" in line  # what the cell is, not what it says: a message never prints a file's contents
    assert repr(cell) not in line


def test_economy_toml_not_utf8(eco):
    path = eco / "economy.toml"
    path.write_bytes(path.read_bytes().replace(b"United States", b"\xe9tats-Unis"))
    refused_run(eco, str(path), "not UTF-8")


@pytest.mark.parametrize("value", ["[]", '"CONS_h"', "[1]"])
def test_private_columns_must_be_a_non_empty_list(eco, value):
    edit_toml(eco, r"^private = .*$", f"private = {value}")
    refused_run(eco, str(eco / "economy.toml"), "columns.private")


def test_all_hours_zero(eco):
    set_column(eco, "agg_employment.csv", "H_EMP_est_million_hours_all_persons_DERIVED", "0")
    refused_run(eco, str(eco / "agg_employment.csv"), "hours sum to 0", "must be > 0")


def test_negative_hours_name_the_sector(eco):
    set_cell(eco, "agg_employment.csv", "UTIL", "H_EMP_est_million_hours_all_persons_DERIVED", "-5")
    refused_run(eco, str(eco / "agg_employment.csv"), "sector 'UTIL' hours = -5000000.0", "≥ 0")


@pytest.mark.parametrize(
    ("key", "value", "rule"),
    [
        ("population", "0", "1 <= population <= 2e+10"),
        ("population", "-5", "1 <= population <= 2e+10"),
        ("population", "1e300", "1 <= population <= 2e+10"),
        ("capacity_utilisation", "0", "0 < capacity_utilisation <= 1"),
        ("capacity_utilisation", "-0.5", "0 < capacity_utilisation <= 1"),
        ("capacity_utilisation", "1.5", "0 < capacity_utilisation <= 1"),
        ("stock_weeks", "-1", "0 <= stock_weeks <= 520"),
        ("stock_weeks", "inf", "0 <= stock_weeks <= 520"),
        ("steady_growth", "-0.2", "0 <= steady_growth <= 0.5"),
        ("consumer_share_threshold", "2", "0 <= consumer_share_threshold <= 1"),
        ("hours_unit", "0", "0 < hours_unit <= 1e+12"),
    ],
)
def test_derivation_numbers_have_ranges(eco, key, value, rule):
    edit_toml(eco, rf"^{key}\s*=.*$", f"{key} = {value}")
    refused_run(eco, str(eco / "economy.toml"), f"derivation.{key} = ", f"must be {rule}")


def test_negative_depreciation_is_reported_in_economy_toml(eco):
    edit_toml(eco, r"^CONS\s*=.*$", "CONS = -0.1")
    line = refused_run(eco, "derivation.depreciation.CONS = -0.1: must be 0 <= CONS <= 1")
    assert str(eco / "economy.toml") in line and "capital.csv" not in line


def test_unknown_key_in_economy_toml_suggests(eco):
    edit_toml(eco, r"^stock_weeks", "stock_week")
    refused_run(eco, "unknown key 'derivation.stock_week'", "did you mean 'derivation.stock_weeks'")


def test_negative_capital_stock_names_the_sector(eco):
    set_cell(eco, "capital.csv", "A01", "K_musd", "-1e12")
    refused_run(eco, str(eco / "capital.csv"), "sector 'AGR' capital stock", "must be ≥ 0")


def test_no_investment_at_all(eco):
    for name in ("agg_final_demand.csv", "imports_final_demand.csv"):
        set_column(eco, name, "GFCF", "0")
        set_column(eco, name, "INVEN", "0")
    refused_run(eco, "columns.investment", "needs some investment")


def test_no_consumer_good(eco):
    edit_toml(eco, r"^consumer_share_threshold\s*=.*$", "consumer_share_threshold = 1")
    refused_run(eco, "no consumer good", "consumer_share_threshold = 1")


def test_a_sector_missing_from_the_mapping(eco):
    edit_table(eco, "agg_mapping.csv", lambda table: table.drop(index="A02"))
    refused_run(eco, "_final_demand.csv: sector 'A02' is neither a sector of the flows table nor in")


def test_a_mapping_to_an_unknown_sector(eco):
    set_cell(eco, "agg_mapping.csv", "A02", "agg_code", "ZZZ")
    refused_run(eco, str(eco / "agg_mapping.csv"), "maps to 'ZZZ'")


def test_a_table_that_is_a_device(eco):
    (eco / "agg_flows.csv").unlink()
    os.mkfifo(eco / "agg_flows.csv")  # a pipe inside the economy's directory: a link to /dev/zero leads out of it
    refused_run(eco, str(eco / "agg_flows.csv"), "not a regular file (a named pipe)")


def test_a_huge_table_is_refused_unread(eco):
    path = eco / "agg_flows.csv"
    path.unlink()
    with path.open("wb") as file:
        file.truncate(5 << 30)  # sparse
    refused_run(eco, str(path), "larger than 64 MiB")


def test_more_sectors_than_the_model_takes(eco, monkeypatch):
    monkeypatch.setattr(
        sim.economics.economy, "MAX_SECTORS", 10
    )  # the real limit is 2,000: a test file that big is slow
    refused_run(eco, str(eco / "agg_flows.csv"), "20 sectors: at most 10")


def test_a_missing_economy_directory(tmp_path):
    (tmp_path / "s.toml").write_text(SCENARIO.format(communes=0), encoding="utf-8")
    rc, _, err = call(["run", str(tmp_path / "s.toml"), "--out", str(tmp_path / "out")])
    assert rc == 2 and "no such directory" in err and str(tmp_path / "eco") in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.toml"]


def test_too_few_councils_for_the_sectors_is_refused_before_the_run(eco):
    (eco.parent / "s.toml").write_text(SCENARIO.format(communes=0).replace("councils = 40", "councils = 19"))
    refused_run(eco, "population.councils = 19: must be ≥ 20")


def test_imported_and_shifted_goods_must_exist(tmp_path):
    economy = load_economy(DEFAULT_ECONOMY_DIR)
    for table, phrase in [
        ({"imports": {"share": 0.5, "goods": ["NOPE"]}}, "imports.goods: 'NOPE' is not a sector"),
        ({"taste_shift": {"after_years": 1.0, "rises": "MIN"}}, "taste_shift.rises = 'MIN': not a consumer good"),
    ]:
        with pytest.raises(ScenarioError, match=re.escape(phrase)):
            check_against_economy(from_dict(table, "x"), economy, "x")
    check_against_economy(from_dict({"imports": {"goods": ["NOPE"]}}, "x"), economy, "x")  # share 0: unused


def test_load_economy_names_the_file_for_each_damage(eco):
    (eco / "agg_output.csv").write_bytes(b"")
    with pytest.raises(EconomyDataError, match=re.escape(str(eco / "agg_output.csv"))):
        load_economy(eco)


# --- economy files stay in their directory (issue 25) ------------------------------------------------------


@pytest.fixture
def foreign(tmp_path) -> Path:
    """A CSV file outside the economy's directory whose header and cells must never be printed."""
    path = tmp_path / "foreign" / "secret.csv"
    path.parent.mkdir()
    path.write_text("code,SECRET_HEADER,password\nAGR,hunter2,s3cr3t\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("how", ["absolute", "dotdot", "link"])
def test_a_file_of_economy_toml_outside_its_directory_is_refused_unread(eco, foreign, how):
    if how == "link":
        (eco / "agg_output.csv").unlink()
        (eco / "agg_output.csv").symlink_to(foreign)
        name = "agg_output.csv"
    else:
        name = str(foreign) if how == "absolute" else "../foreign/secret.csv"
        edit_toml(eco, r'^output = "agg_output.csv".*$', f'output = "{name}"')
    phrase = "must be a file name relative" if how == "absolute" else "leads out of the economy's directory"
    line = refused_run(eco, str(eco / "economy.toml"), f"files.output = {name!r}"[:40], phrase)
    assert "SECRET" not in line and "hunter2" not in line


def test_a_missing_column_never_prints_the_files_header(eco):
    edit_toml(eco, r'^output = "gross_output"$', 'output = "nope"')
    line = refused_run(eco, str(eco / "agg_output.csv"), "column 'nope' missing", "the table has 2 other columns")
    assert "gross_output" not in line and "name" not in line.split("missing")[1]


def test_economy_files_with_a_byte_order_mark_are_read(eco):
    for name in ("economy.toml", "agg_output.csv"):
        (eco / name).write_bytes(b"\xef\xbb\xbf" + (eco / name).read_bytes())
    assert load_economy(eco).technology.n == 20
