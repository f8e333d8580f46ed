"""Bad economy data: every rule broken gives one EconomyDataError naming where, which entry and the rule."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from sim.economics.economy import DEFAULT_ECONOMY_DIR, EconomyDataError, Technology, default_economy, load_economy

GOOD_A = np.array([[0.1, 0.2, 0.0], [0.3, 0.1, 0.2], [0.0, 0.1, 0.1]])
LABOUR = np.array([1.0, 2.0, 3.0])
NAMES = ["FOOD", "MIN", "CONS"]
SOURCES = {
    "A": "flows.csv",
    "labour": "employment.csv",
    "capital": "capital.csv",
    "depreciation": "economy.toml:depreciation",
    "names": "flows.csv:code",
    "consumer_goods": "economy.toml:consumer_goods",
}


def _raises(*args, **kwargs) -> str:
    """Build a Technology that must fail; return the message."""
    with pytest.raises(EconomyDataError) as info:
        Technology(*args, **kwargs)
    return str(info.value)


def test_economy_data_error_is_a_value_error():
    assert issubclass(EconomyDataError, ValueError)


def test_valid_technology_is_accepted():
    # the baseline the cases below break one rule of
    t = Technology(GOOD_A, LABOUR, np.eye(3), 0.1, names=NAMES, consumer_goods=["FOOD"], sources=SOURCES)
    assert t.n == 3 and t.names == tuple(NAMES)
    np.testing.assert_array_equal(t.consumer_goods, [0])


# --- Technology ------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(2, 3), (3,), (2, 2, 2)])
def test_a_not_square_names_flows_file_and_shape(shape):
    message = _raises(np.zeros(shape), LABOUR, sources=SOURCES)
    assert message.startswith("flows.csv:")
    assert str(shape) in message
    assert "must be square" in message


def test_a_not_square_without_sources_names_argument_a():
    message = _raises(np.zeros((2, 3)), LABOUR)
    assert message.startswith("A:") and "(2, 3)" in message and "square" in message


def test_labour_of_wrong_length_names_employment_file():
    message = _raises(GOOD_A, [1.0, 2.0], sources=SOURCES)
    assert message.startswith("employment.csv:")
    assert "(2,)" in message and "3 sectors" in message and "must be (3,)" in message


def test_capital_shape_disagreeing_names_capital_file():
    message = _raises(GOOD_A, LABOUR, np.zeros((3, 2)), 0.1, sources=SOURCES)
    assert message.startswith("capital.csv:")
    assert "(3, 2)" in message and "must be (3, 3)" in message


def test_negative_entry_in_a_names_index_and_rule():
    A = GOOD_A.copy()
    A[1, 0] = -0.3
    message = _raises(A, LABOUR, sources=SOURCES)
    assert message.startswith("flows.csv:")
    assert "[1, 0]" in message
    assert "-0.3" in message
    assert "≥ 0" in message


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_entry_in_a_names_index_and_rule(bad):
    A = GOOD_A.copy()
    A[2, 1] = bad
    message = _raises(A, LABOUR, sources=SOURCES)
    assert message.startswith("flows.csv:")
    assert "[2, 1]" in message
    assert "must be finite" in message


def test_non_finite_labour_names_sector_index():
    message = _raises(GOOD_A, [1.0, np.nan, 1.0], sources=SOURCES)
    assert message.startswith("employment.csv:") and "[1]" in message and "finite" in message


def test_negative_labour_names_sector_index():
    message = _raises(GOOD_A, [1.0, 1.0, -2.0], sources=SOURCES)
    assert message.startswith("employment.csv:") and "[2]" in message and "≥ 0" in message


def test_negative_capital_names_capital_file_and_index():
    B = np.eye(3)
    B[0, 2] = -1.0
    message = _raises(GOOD_A, LABOUR, B, 0.1, sources=SOURCES)
    assert message.startswith("capital.csv:") and "[0, 2]" in message and "≥ 0" in message


def test_duplicate_names_name_the_entry_and_rule():
    message = _raises(GOOD_A, LABOUR, names=["FOOD", "MIN", "FOOD"], sources=SOURCES)
    assert message.startswith("flows.csv:code:")
    assert "[2]" in message and "'FOOD'" in message
    assert "unique" in message


def test_wrong_number_of_names_is_refused():
    message = _raises(GOOD_A, LABOUR, names=["FOOD", "MIN"], sources=SOURCES)
    assert message.startswith("flows.csv:code:") and "2 names for 3 sectors" in message


def test_unknown_consumer_good_names_it_and_the_known_sectors():
    message = _raises(GOOD_A, LABOUR, names=NAMES, consumer_goods=["FOOD", "TOYS"], sources=SOURCES)
    assert message.startswith("economy.toml:consumer_goods:")
    assert "'TOYS'" in message
    assert "not a sector" in message and "FOOD, MIN, CONS" in message


def test_consumer_good_index_out_of_range_is_refused():
    message = _raises(GOOD_A, LABOUR, consumer_goods=[0, 3])
    assert message.startswith("consumer_goods:") and "3" in message and "[0, 3)" in message


def test_depreciation_above_one_names_the_capital_good():
    message = _raises(GOOD_A, LABOUR, np.eye(3), [0.1, 1.5, 0.1], sources=SOURCES)
    assert message.startswith("economy.toml:depreciation:")
    assert "[1]" in message and "1.5" in message
    assert "≤ 1" in message


def test_scalar_depreciation_above_one_is_refused():
    message = _raises(GOOD_A, LABOUR, np.eye(3), 1.2)
    assert message.startswith("depreciation:") and "1.2" in message and "≤ 1" in message


def test_negative_depreciation_is_refused():
    message = _raises(GOOD_A, LABOUR, np.eye(3), [0.1, 0.1, -0.1])
    assert message.startswith("depreciation:") and "[2]" in message and "≥ 0" in message


def test_depreciation_of_wrong_shape_is_refused():
    message = _raises(GOOD_A, LABOUR, np.eye(3), [0.1, 0.1])
    assert message.startswith("depreciation:") and "(2,)" in message and "(3,)" in message


def test_spectral_radius_at_least_one_fails_hawkins_simon_and_names_sector():
    # eigenvalues of [[0.7, 0.3], [0.6, 0.5]]: (1.2 ± √0.76)/2, the larger 1.036 ≥ 1;
    # column sums 1.3 and 0.8, so the first sector is the one using most goods.
    message = _raises(np.array([[0.7, 0.3], [0.6, 0.5]]), [1.0, 1.0], names=["FOOD", "MIN"], sources=SOURCES)
    assert message.startswith("flows.csv:")
    assert "spectral radius of A is 1.036" in message
    assert "Hawkins–Simon" in message
    assert "'FOOD'" in message


def test_spectral_radius_exactly_one_is_refused():
    # a closed economy that only reproduces itself: ρ = 1 exactly, no surplus at all
    message = _raises(np.array([[0.5, 0.5], [0.5, 0.5]]), [1.0, 1.0], names=["FOOD", "MIN"])
    assert "Hawkins–Simon" in message and "≥ 1" in message


def test_productive_a_with_unproductive_a_plus_d_is_refused():
    # ρ(A) = 0.3, D = 0.1 · 8 I = 0.8 I, so ρ(A + D) = 1.1
    message = _raises(np.diag([0.3, 0.3]), [1.0, 1.0], 8 * np.eye(2), 0.1, names=["FOOD", "MIN"], sources=SOURCES)
    assert "A + D" in message
    assert "Hawkins–Simon" in message
    assert "1.1" in message
    assert "'FOOD'" in message


def test_capital_with_zero_depreciation_is_never_unproductive():
    t = Technology(np.diag([0.3, 0.3]), [1.0, 1.0], 1e6 * np.eye(2), 0.0)
    np.testing.assert_array_equal(t.capital_consumption, np.zeros((2, 2)))


@pytest.mark.parametrize("fmt", [sp.csr_array, sp.csc_array, sp.coo_array, sp.csr_matrix])
@pytest.mark.parametrize(("row", "col"), [(0, 0), (0, 4), (2, 1), (4, 0), (4, 4), (3, 2)])
def test_sparse_a_negative_entry_reports_its_row_and_column(fmt, row, col):
    dense = np.zeros((5, 5))
    # entries before and after the bad one, and an empty row (1), so CSR offsets matter
    dense[0, [1, 3]] = 0.1
    dense[2, [0, 2, 4]] = 0.05
    dense[3, [1, 4]] = 0.2
    dense[4, 3] = 0.1
    dense[row, col] = -0.25
    message = _raises(fmt(dense), np.ones(5), sources=SOURCES)
    assert message.startswith("flows.csv:")
    assert f"entry [{row}, {col}]" in message
    assert "-0.25" in message and "≥ 0" in message


def test_sparse_a_non_finite_entry_reports_its_row_and_column():
    dense = np.zeros((4, 4))
    dense[0, 1] = 0.1
    dense[3, 2] = np.nan
    message = _raises(sp.csr_array(dense), np.ones(4))
    assert "[3, 2]" in message and "finite" in message


def test_small_sparse_productive_a_with_a_column_sum_above_one_is_accepted():
    A = np.array([[0.0, 0.5], [1.2, 0.0]])  # ρ = √0.6 ≈ 0.775 < 1, first column sums to 1.2
    t = Technology(sp.csr_array(A), [1.0, 1.0])
    assert t.n == 2


def test_small_sparse_unproductive_a_fails_hawkins_simon():
    message = _raises(sp.csr_array(np.array([[0.0, 2.0], [0.6, 0.0]])), [1.0, 1.0])
    assert "Hawkins–Simon" in message


# --- load_economy on a damaged copy of the default economy ------------------------------------


@pytest.fixture
def economy_dir(tmp_path) -> Path:
    target = tmp_path / "us2014"
    shutil.copytree(DEFAULT_ECONOMY_DIR, target)
    return target


def _load_error(directory: Path) -> str:
    with pytest.raises(EconomyDataError) as info:
        load_economy(directory)
    return str(info.value)


def _edit_toml(directory: Path, old: str, new: str) -> None:
    path = directory / "economy.toml"
    text = path.read_text(encoding="utf-8")
    assert re.search(old, text, flags=re.MULTILINE), f"{old!r} not in economy.toml"
    path.write_text(re.sub(old, new, text, count=1, flags=re.MULTILINE), encoding="utf-8")


def test_undamaged_copy_loads_like_the_default_economy(economy_dir):
    copy, default = load_economy(economy_dir), default_economy()
    assert copy.technology.names == default.technology.names
    np.testing.assert_array_equal(copy.technology.A, default.technology.A)
    np.testing.assert_array_equal(copy.gross_output, default.gross_output)


def test_negative_flow_names_the_flows_file_and_entry(economy_dir):
    path = economy_dir / "agg_flows.csv"
    flows = pd.read_csv(path, index_col=0)
    flows.loc["MIN", "AGR"] = -1e9  # far larger than the imported MIN → AGR flow, so Z stays negative
    flows.to_csv(path)
    message = _load_error(economy_dir)
    assert message.startswith(str(path) + ":")
    assert "[1, 0]" in message
    assert "≥ 0" in message


def test_missing_table_names_the_file(economy_dir):
    path = economy_dir / "agg_output.csv"
    path.unlink()
    message = _load_error(economy_dir)
    assert message.startswith(str(path) + ":")
    assert "no such file" in message


def test_missing_economy_toml_names_it(economy_dir):
    path = economy_dir / "economy.toml"
    path.unlink()
    message = _load_error(economy_dir)
    assert message.startswith(str(path) + ":") and "no such file" in message


@pytest.mark.parametrize(
    ("line", "key"),
    [
        (r"^population\s*=.*$", "derivation.population"),
        (r"^output\s*=\s*\"gross_output\".*$", "columns.output"),
        (r"^employment\s*=.*$", "files.employment"),
        (r"^steady_growth\s*=.*$", "derivation.steady_growth"),
    ],
)
def test_missing_toml_key_names_the_file_and_key(economy_dir, line, key):
    _edit_toml(economy_dir, line, "")
    message = _load_error(economy_dir)
    assert message.startswith(str(economy_dir / "economy.toml") + ":")
    assert f"missing key '{key}'" in message


def test_unknown_key_under_files_names_it(economy_dir):
    _edit_toml(economy_dir, r"^\[files\]$", '[files]\nprices = "prices.csv"')
    message = _load_error(economy_dir)
    assert message.startswith(str(economy_dir / "economy.toml") + ":")
    assert "unknown key 'files.prices'" in message
    assert "allowed" in message and "flows" in message


def test_duplicated_sector_row_names_the_file_and_code(economy_dir):
    path = economy_dir / "agg_output.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[1].startswith("AGR,")
    path.write_text("".join([*lines, lines[1]]), encoding="utf-8")
    message = _load_error(economy_dir)
    assert message.startswith(str(path) + ":")
    assert "'AGR'" in message and "appears twice" in message


def test_malformed_toml_names_the_file(economy_dir):
    path = economy_dir / "economy.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\n[derivation\nbroken = \n", encoding="utf-8")
    message = _load_error(economy_dir)
    assert message.startswith(str(path) + ":")
    assert "not valid TOML" in message


def test_wrong_type_of_toml_key_names_it(economy_dir):
    _edit_toml(economy_dir, r"^population\s*=.*$", 'population = "many"')
    message = _load_error(economy_dir)
    assert message.startswith(str(economy_dir / "economy.toml") + ":")
    assert "'derivation.population'" in message and "wrong type" in message


def test_sector_missing_from_a_table_names_the_table_and_sector(economy_dir):
    path = economy_dir / "agg_output.csv"
    table = pd.read_csv(path, index_col=0)
    table.drop(index="ACCOM").to_csv(path)
    message = _load_error(economy_dir)
    assert message.startswith(str(path) + ":")
    assert "'ACCOM'" in message and "missing" in message


def test_non_positive_output_names_the_output_file_and_sector(economy_dir):
    path = economy_dir / "agg_output.csv"
    table = pd.read_csv(path, index_col=0)
    table.loc["UTIL", "gross_output"] = 0.0
    table.to_csv(path)
    message = _load_error(economy_dir)
    assert message.startswith(str(path) + ":")
    assert "'UTIL'" in message and "> 0" in message


def test_unknown_sector_in_depreciation_rates_is_refused(economy_dir):
    _edit_toml(economy_dir, r"^\[derivation\.depreciation\]$", "[derivation.depreciation]\nTOYS = 0.2")
    message = _load_error(economy_dir)
    assert message.startswith(str(economy_dir / "economy.toml") + ":")
    assert "derivation.depreciation.TOYS" in message and "not a sector code" in message


def test_depreciation_rate_above_one_in_toml_names_the_file(economy_dir):
    _edit_toml(economy_dir, r"^CONS\s*=.*$", "CONS = 1.5")
    message = _load_error(economy_dir)
    assert str(economy_dir / "economy.toml") in message
    assert "derivation.depreciation.CONS = 1.5: must be 0 <= CONS <= 1" in message


def test_missing_gross_output_value_names_the_output_file(economy_dir):
    path = economy_dir / "agg_output.csv"
    table = pd.read_csv(path, index_col=0)
    table.loc["UTIL", "gross_output"] = np.nan
    table.to_csv(path)
    message = _load_error(economy_dir)
    assert message.startswith(str(path) + ":")
    assert "'UTIL'" in message


def test_missing_persons_value_names_the_employment_file(economy_dir):
    path = economy_dir / "agg_employment.csv"
    table = pd.read_csv(path, index_col=0)
    table.loc["FOOD", "EMP_thousand_persons_engaged"] = np.nan
    table.to_csv(path)
    message = _load_error(economy_dir)
    assert message.startswith(str(path) + ":")
    assert "'FOOD'" in message
