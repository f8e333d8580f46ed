"""Scenario files: the shipped ones load and say what they stand for; bad ones are refused clearly.

A refused file's :class:`ScenarioError` names the file, the key path, the offending value
and what is allowed.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from sim.run.scenario import Scenario, ScenarioError, load_scenario

REPO = Path(__file__).resolve().parents[1]
SCENARIO_FILES = sorted((REPO / "scenarios").glob("*.toml"))


def refused(tmp_path: Path, text: str, name: str = "bad.toml") -> str:
    """Write ``text`` as a scenario file, load it, return the error message (which must name the file)."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    message = str(exc.value)
    assert str(path) in message
    assert "\n" not in message.strip() or "TOML" in message  # one line, except the parser's own
    return message


# --- shipped scenarios ------------------------------------------------------------------------------


def test_scenarios_are_shipped():
    assert len(SCENARIO_FILES) >= 2
    assert REPO / "scenarios" / "baseline.toml" in SCENARIO_FILES


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_shipped_scenario_loads(path):
    scenario = load_scenario(path)
    assert isinstance(scenario, Scenario)
    assert scenario.name == path.stem  # results/<name>-<seed>/ is named after the file
    assert scenario.weeks >= 52


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_shipped_scenario_cites_the_seed(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# ")
    head = []
    for line in lines:
        if not line.startswith("#"):
            break
        head.append(line)
    assert re.search(r"§\s*\d", "\n".join(head)), "the opening comment should cite a passage of the seed (§)"


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_shipped_scenario_states_the_required_keys(path):
    table = tomllib.loads(path.read_text(encoding="utf-8"))
    for key in ("name", "seed", "years", "regime"):
        assert key in table, key
    assert isinstance(table["population"], dict)
    for key in ("consumers", "councils", "communes"):
        assert key in table["population"], f"population.{key}"


def test_an_empty_file_is_refused_not_run_as_the_defaults(tmp_path):
    message = refused(tmp_path, "# nothing but defaults\n", name="empty.toml")
    assert "empty" in message and 'name = "empty"' in message


def test_a_file_with_only_a_name_is_the_default_scenario(tmp_path):
    path = tmp_path / "named.toml"
    path.write_text('name = "named"\n', encoding="utf-8")
    assert load_scenario(path) == Scenario(name="named")


# --- bad scenario files -----------------------------------------------------------------------------


def test_unknown_top_level_key_near_miss(tmp_path):
    message = refused(tmp_path, 'name = "x"\nyeers = 3\n')
    assert "'yeers'" in message
    assert "did you mean 'years'" in message


def test_unknown_top_level_key_lists_the_allowed(tmp_path):
    message = refused(tmp_path, "zzzzzz = 3\n")
    assert "'zzzzzz'" in message
    assert "allowed:" in message and "population" in message and "years" in message


def test_unknown_nested_key(tmp_path):
    message = refused(tmp_path, "[population]\nconsumer = 5\n")
    assert "'population.consumer'" in message
    assert "did you mean 'population.consumers'" in message


def test_unknown_nested_key_far_from_any(tmp_path):
    message = refused(tmp_path, "[plan]\nzzzzzz = 5\n")
    assert "'plan.zzzzzz'" in message
    assert "allowed:" in message and "period_weeks" in message


def test_wrong_type_string_for_float(tmp_path):
    message = refused(tmp_path, 'years = "three"\n')
    assert "years = 'three'" in message
    assert "float" in message


def test_wrong_type_float_for_int(tmp_path):
    message = refused(tmp_path, "[population]\nconsumers = 1.5\n")
    assert "population.consumers = 1.5" in message
    assert "int" in message


def test_wrong_type_bool_for_int(tmp_path):
    message = refused(tmp_path, "seed = true\n")
    assert "seed = True" in message
    assert "int" in message


def test_wrong_type_list_of_goods(tmp_path):
    message = refused(tmp_path, '[imports]\ngoods = "FOOD"\n')
    assert "imports.goods = 'FOOD'" in message
    assert "list of strings" in message


def test_out_of_range_negative_response(tmp_path):
    message = refused(tmp_path, "[prices]\nresponse = -3\n")
    assert "prices.response = -3" in message
    assert "must be 0 <= response <= 20" in message


def test_out_of_range_gini(tmp_path):
    message = refused(tmp_path, "[wages]\ninitial_gini = 1.2\n")
    assert "wages.initial_gini = 1.2" in message
    assert "0 <= initial_gini <= 0.9" in message


def test_out_of_range_demand_smoothing_zero(tmp_path):
    message = refused(tmp_path, "[readjustment]\ndemand_smoothing = 0\n")
    assert "readjustment.demand_smoothing = 0" in message
    assert "0.001 <= demand_smoothing <= 1" in message


def test_out_of_range_too_few_consumers(tmp_path):
    message = refused(tmp_path, "[population]\nconsumers = 10\n")
    assert "population.consumers = 10" in message
    assert "100 <= consumers <= 10_000_000" in message


def test_nan_is_refused(tmp_path):
    message = refused(tmp_path, "[prices]\nresponse = nan\n")
    assert "prices.response = nan" in message


def test_table_given_as_scalar(tmp_path):
    message = refused(tmp_path, "population = 5\n")
    assert "population = 5" in message
    assert "table" in message


def test_scalar_given_as_table(tmp_path):
    message = refused(tmp_path, "[population.consumers]\nx = 1\n")
    assert "population.consumers" in message
    assert "int" in message


def test_an_unknown_regime_is_refused_with_the_four_there_are(tmp_path):
    message = refused(tmp_path, 'regime = "capitalism"\n')
    assert "regime = 'capitalism'" in message
    assert "councils, fixed_plan, market, self_managed_market" in message


def test_rationing_must_be_known(tmp_path):
    message = refused(tmp_path, '[consumption]\nrationing = "lottery"\n')
    assert "consumption.rationing = 'lottery'" in message
    assert "proportional" in message and "queue" in message


@pytest.mark.parametrize(("private", "public"), [(0.8, 0.2), (0.9, 0.3)])
def test_shares_leave_room_for_investment(tmp_path, private, public):
    message = refused(tmp_path, f"[plan]\nprivate_share = {private}\npublic_share = {public}\n")
    assert "plan.private_share" in message and "plan.public_share" in message
    assert str(private + public) in message
    assert "must be < 1" in message


def test_shares_just_below_one_are_allowed(tmp_path):
    path = tmp_path / "ok.toml"
    path.write_text("[plan]\nprivate_share = 0.8\npublic_share = 0.19\n", encoding="utf-8")
    assert load_scenario(path).plan.public_share == 0.19


def test_group_size_min_above_max(tmp_path):
    message = refused(tmp_path, "[population]\ngroup_size_min = 40\ngroup_size_max = 20\n")
    assert "population.group_size_min" in message
    assert "group_size_max" in message


def test_group_size_message_names_the_values(tmp_path):
    message = refused(tmp_path, "[population]\ngroup_size_min = 40\ngroup_size_max = 20\n")
    assert "40" in message and "20" in message


def test_malformed_toml(tmp_path):
    message = refused(tmp_path, 'name = "unterminated\nyears = 3\n')
    assert "not valid TOML" in message
    assert "line 1" in message


def test_duplicate_key_is_malformed(tmp_path):
    message = refused(tmp_path, "years = 3\nyears = 4\n")
    assert "not valid TOML" in message


def test_missing_file(tmp_path):
    path = tmp_path / "nope.toml"
    with pytest.raises(ScenarioError, match=re.escape(str(path))):
        load_scenario(path)


def test_file_not_utf8(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes('name = "café"\n'.encode("latin-1"))
    with pytest.raises(ScenarioError, match=re.escape(str(path))):
        load_scenario(path)


def test_directory_instead_of_file(tmp_path):
    with pytest.raises(ScenarioError, match=re.escape(str(tmp_path))):
        load_scenario(tmp_path)


@pytest.mark.parametrize(
    "text",
    ["years = inf\n", "[readjustment]\nreserve_weeks = inf\n", "[taste_shift]\nafter_years = inf\n"],
    ids=["years", "reserve_weeks", "after_years"],
)
def test_infinity_is_refused(tmp_path, text):
    message = refused(tmp_path, text)
    assert "inf" in message


def test_horizon_of_less_than_a_week_is_refused(tmp_path):
    message = refused(tmp_path, "years = 0.005\n")
    assert "years = 0.005" in message
