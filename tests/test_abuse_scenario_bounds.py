"""Scenario bounds under abuse (issue 15, cases 2, 11 and the scenario points of 12).

Every numeric key has a lower and an upper bound, stated in the schema and in the error; huge,
tiny, infinite and not-a-number values are refused before anything is allocated, with exit
status 2, one line, no traceback, nothing written and no memory growth (checked in a forked
``councils`` under an address-space limit); the bounds themselves are values the model runs.
Names are checked as names; an empty file is refused.
"""

from __future__ import annotations

import dataclasses
import math
import typing
import warnings
from pathlib import Path

import pytest
from cli_forkserver import one_line
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.economics.economy import DEFAULT_ECONOMY_DIR, default_economy
from sim.experiments.budget import run_need
from sim.model import CouncilsModel
from sim.regimes import REGIMES
from sim.run.scenario import Scenario, ScenarioError, from_dict, load_scenario
from sim.views.cli import load_with_overrides, main

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.toml"
LIMIT = 1 << 30  # address space a refused command may take above the fork server's, bytes
GROWTH = 64 << 20  # peak memory a refused command may add, bytes


def numeric_rules(cls=Scenario, prefix: str = "") -> dict[str, tuple[type, float, str, str, float]]:
    """Every numeric key: path → (type, low, low operator, high operator, high), read from the schema.

    A key that takes a word beside its number (``population.councils``: ``"auto"``) is its number type.
    """
    rules = {}
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        kind = hints[f.name]
        if f.metadata.get("words"):
            kind = next(k for k in typing.get_args(kind) if k in (int, float))
        if dataclasses.is_dataclass(kind):
            rules |= numeric_rules(kind, f"{prefix}{f.name}.")
        elif kind in (int, float):
            tokens = f.metadata.get("check", "").split()
            assert len(tokens) == 5 and tokens[2] == "x", f"{prefix}{f.name}: rule {f.metadata.get('check')!r}"
            rules[prefix + f.name] = (kind, float(tokens[0]), tokens[1], tokens[3], float(tokens[4]))
    return rules


RULES = numeric_rules()
#: The words a numeric key also takes, as its error says them first (``"auto" or 1 <= councils <= …``).
WORDS = {"population.councils": ('"auto"',)}


def inside(key: str, value) -> bool:
    """Whether ``value`` obeys ``key``'s own rule (type and range)."""
    kind, low, op_low, op_high, high = RULES[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or (kind is int and isinstance(value, float)):
        return False
    value = kind(value)  # an integer for a float key is read as a float, as the loader does
    above = low < value if op_low == "<" else low <= value
    below = value < high if op_high == "<" else value <= high
    return above and below and not (isinstance(value, float) and math.isinf(value))


def table_with(key: str, value) -> dict:
    """A scenario table that sets ``key`` (and a name)."""
    table: dict = {"name": "abuse"}
    node = table
    *head, last = key.split(".")
    for part in head:
        node = node.setdefault(part, {})
    node[last] = value
    return table


def extremes(key: str) -> list:
    """The key's two bounds, as the nearest values inside its range."""
    kind, low, op_low, op_high, high = RULES[key]
    if kind is int:
        return [int(low) + (op_low == "<"), int(high) - (op_high == "<")]
    return [
        math.nextafter(low, math.inf) if op_low == "<" else low,
        math.nextafter(high, -math.inf) if op_high == "<" else high,
    ]


# --- the schema ---------------------------------------------------------------------------------------


def test_every_numeric_key_has_a_lower_and_an_upper_bound():
    assert len(RULES) >= 40
    for key, (_, low, _, _, high) in RULES.items():
        assert math.isfinite(low) and math.isfinite(high) and low < high, key


@pytest.mark.parametrize("key", sorted(RULES))
def test_a_value_above_the_upper_bound_names_key_value_and_range(key):
    kind, low, op_low, op_high, high = RULES[key]
    value = kind(high * 10 + 10)
    with pytest.raises(ScenarioError) as info:
        from_dict(table_with(key, value), "x.toml")
    name = key.rsplit(".", 1)[-1]
    message = str(info.value)
    words = "".join(f"{word} or " for word in WORDS.get(key, ()))
    assert message.startswith(f"x.toml: {key} = {value!r}: must be {words}{_g(low)} {op_low} {name} {op_high} "), (
        message
    )
    assert float(message.rsplit(" ", 1)[-1]) == high  # the stated upper bound is the schema's


def _g(x: float) -> str:
    return f"{x:g}"


FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 5e-324, -5e-324, 1e-300, 1e9, 1e18, 1e300, -1e300, math.inf, -math.inf, math.nan]),
)
INTS = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.sampled_from([0, -1, 1, 10**9, 10**18, 2**63 - 1, -(2**63)]),
)


def values_near(key: str):
    """Random values, extremes, and values a hair inside and outside each bound of ``key``."""
    kind, low, _, _, high = RULES[key]
    edges = [low, high]
    near = [v for e in edges for v in (math.nextafter(e, -math.inf), e, math.nextafter(e, math.inf))]
    if kind is int:
        near = [int(e) + d for e in edges for d in (-1, 0, 1)]
    return st.one_of(FLOATS, INTS, st.sampled_from(near), st.sampled_from(["1", True, None, [1]]))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_property_every_numeric_key_refuses_what_its_rule_refuses_with_one_line(data):
    key = data.draw(st.sampled_from(sorted(RULES)), label="key")
    value = data.draw(values_near(key), label="value")
    table = table_with(key, value)
    if value is None:  # TOML has no null: a missing key takes its default
        return
    try:
        scenario = from_dict(table, "x.toml")
    except ScenarioError as err:
        message = str(err)
        assert message.startswith("x.toml: ") and "\n" not in message
        if not inside(key, value):
            as_float = RULES[key][0] is float and isinstance(value, int) and not isinstance(value, bool)
            assert f"{key} = {float(value) if as_float else value!r}" in message, message
        else:  # a rule joining two keys refused it (shares, group sizes, headcount, a week, owners' saving)
            joint = ("population.", "plan.private_share", "years", "market.owners_buffer_weeks", "decision.hours_")
            assert any(k in message for k in joint), message
        return
    assert inside(key, value), f"{key} = {value!r} accepted"
    assert run_need(scenario, 20).memory < 64 << 30  # whatever a valid value asks, the budget can size it


@pytest.fixture(scope="module")
def economy():
    return default_economy()


@pytest.mark.parametrize("key", sorted(k for k in RULES if k not in ("years",) and not k.startswith("population.")))
def test_the_model_runs_at_both_bounds_of_every_key(key, economy):
    """A bound is a value a user could mean: the model runs there without error, warning or overflow."""
    for value in extremes(key):
        table = table_with(key, value)
        farmed = key.startswith("communes.")  # 90 % of persons in communes leaves enough to staff 20 councils
        table["population"] = {"consumers": 3000 if farmed else 300, "councils": 20, "communes": 5 if farmed else 0}
        table["years"] = 0.08  # 4 weeks: a plan solve included
        section = key.split(".")[0]
        if section in REGIMES:  # a regime's own keys, run under that regime
            table["regime"] = section
        if key.startswith("taste_shift."):
            table["taste_shift"] = {"after_years": 0.02, "budget_share": 0.01, **table["taste_shift"]}
        if key.startswith("imports."):
            table["imports"] = {"share": 0.5, **table["imports"]}
        try:
            scenario = from_dict(table, "x")
        except ScenarioError as err:  # two keys' joint rule (shares < 1; owners' buffer ≤ smoothing; hours min ≤ max)
            joint = (
                "plan.private_share",
                "plan.public_share",
                "market.owners_buffer_weeks",
                "market.owners_smoothing_weeks",
                "decision.hours_min",
                "decision.hours_max",
            )
            assert key in joint, err
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            try:
                model = CouncilsModel(scenario, economy)
            except ScenarioError as err:  # what only the model can judge, said in one line
                assert key in ("plan.information_error", "taste_shift.budget_share"), err
                continue
            summary = model.run()
        assert summary["weeks"] == 4, key
        assert all(math.isfinite(summary[k]) for k in ("final_price_value_gap", "final_stock_gap")), (key, value)


def test_the_population_and_horizon_bounds_are_sized_by_the_budget():
    biggest = from_dict({"name": "big", "population": {"consumers": 10_000_000}, "years": 200}, "x")
    need = run_need(biggest, 20)
    assert 6e9 < need.memory < 40e9  # about 9 GB: refused on a small machine, run on a big one
    assert need.seconds > 3600


# --- through the command, in a process of its own ------------------------------------------------------


ISSUE_CASES = {
    "consumers-1e9": (["--set", "population.consumers=1000000000"], "population.consumers = 1000000000"),
    "years-flag-1e9": (["--years", "1e9"], "years = 1000000000.0"),
    "lag-1e18": (["--set", "plan.investment_lag_weeks=1000000000000000000"], "plan.investment_lag_weeks = 10"),
    "response-1e300": (["--set", "prices.response=1e300"], "prices.response = 1e+300"),
    "fertility-1e9": (["--set", "communes.fertility_spread=1e9"], "communes.fertility_spread = 1000000000.0"),
    "productivity-1e300": (["--set", "work_groups.productivity_spread=1e300"], "productivity_spread = 1e+300"),
    "taste-noise-1e300": (["--set", "consumption.taste_noise=1e300"], "consumption.taste_noise = 1e+300"),
    "information-1e9": (["--set", "plan.information_error=1e9"], "plan.information_error = 1000000000.0"),
    "inventory-1e300": (["--set", "plan.inventory_error=1e300"], "plan.inventory_error = 1e+300"),
    "nan": (["--set", "readjustment.rebuild_weeks=nan"], "readjustment.rebuild_weeks = nan"),
    "inf": (["--set", "prices.ceiling=inf"], "prices.ceiling = inf"),
    "communes-100000": (["--set", "population.communes=100000"], "population.communes = 100000: must be ≤"),
    "double-dot": (["--set", "population..consumers=5000"], "empty part in the key path"),
}


def check_refused(result, cwd: Path, phrase: str):
    assert result.status == 2, result.stderr
    assert phrase in one_line(result.stderr)
    assert result.stdout == ""
    assert list(cwd.iterdir()) == []  # nothing written: no results/, no lock
    assert result.growth < GROWTH, result.growth


@pytest.mark.parametrize("case", sorted(ISSUE_CASES))
def test_huge_values_are_refused_up_front_under_a_memory_limit(forkserver, tmp_path, case):
    extra, phrase = ISSUE_CASES[case]
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    result = forkserver.run(["run", str(BASELINE), *extra], cwd, limit=LIMIT, timeout=60)
    check_refused(result, cwd, phrase)


def test_years_1e300_in_the_file(forkserver, tmp_path):
    file = tmp_path / "long.toml"
    file.write_text('name = "long"\nyears = 1e300\n', encoding="utf-8")
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    result = forkserver.run(["run", str(file)], cwd, limit=LIMIT, timeout=60)
    check_refused(result, cwd, "years = 1e+300: must be 0 < years <= 200")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_as_scenario_is_refused_unread(forkserver, tmp_path, device):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    result = forkserver.run(["run", device], cwd, limit=LIMIT, timeout=60)
    check_refused(result, cwd, f"{device}: not a regular file")


def test_an_oversized_scenario_file_is_refused_unread(forkserver, tmp_path):
    big = tmp_path / "big.toml"
    with big.open("wb") as file:
        file.truncate(3 << 30)  # sparse: no disk used
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    check_refused(forkserver.run(["run", str(big)], cwd, limit=LIMIT, timeout=60), cwd, "larger than 1 MiB")


def test_a_valid_run_too_big_for_the_memory_is_refused_by_the_budget(forkserver, tmp_path):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    result = forkserver.run(
        ["run", str(BASELINE), "--set", "population.consumers=2000000"], cwd, limit=500 << 20, timeout=60
    )
    check_refused(result, cwd, "population.consumers = 2000000 for 156 weeks needs about")
    assert "is available: lower population.consumers (about" in result.stderr


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_property_random_extremes_through_the_command(forkserver, tmp_path_factory, data):
    key = data.draw(st.sampled_from(sorted(RULES)), label="key")
    value = data.draw(
        st.one_of(st.sampled_from(["1e300", "-1e300", "nan", "inf", "-inf", "1e18", "-1"]), st.floats(1e6, 1e300)),
        label="value",
    )
    cwd = tmp_path_factory.mktemp("cwd")
    result = forkserver.run(["run", str(BASELINE), "--set", f"{key}={value}"], cwd, limit=LIMIT, timeout=60)
    check_refused(result, cwd, key)


# --- names ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["../../escaped", "/tmp/anywhere", "", "a\x00b", ".hidden", "a/b", "a\\b", "x" * 101, "two words", "-dash", ".."],
    ids=["dotdot", "absolute", "empty", "nul", "hidden", "slash", "backslash", "long", "space", "dash", "parent"],
)
def test_a_name_that_is_not_a_plain_file_name_is_refused_before_anything_runs(tmp_path, capsys, name):
    file = tmp_path / "s.toml"
    file.write_text(f"name = {_toml_string(name)}\n", encoding="utf-8")
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    assert main(["run", str(file), "--out", str(cwd / "out")]) == 2
    err = capsys.readouterr().err
    line = one_line(err)
    assert f"name = {name!r}" in line and "letters, digits" in line
    assert "week/s" not in err  # refused before the simulation
    assert list(cwd.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["cwd", "s.toml"]


def _toml_string(text: str) -> str:
    return '"' + "".join(f"\\u{ord(c):04x}" if ord(c) < 32 or c in '"\\' else c for c in text) + '"'


@pytest.mark.parametrize("name", ["baseline", "café", "run-2.v1", "a_b", "X9"])
def test_plain_names_are_accepted(name):
    assert from_dict({"name": name}, "x").name == name


@pytest.mark.parametrize("text", ["", "# only a comment\n", "\n\n"], ids=["empty", "comment", "blank"])
def test_an_empty_scenario_file_is_refused(tmp_path, capsys, text):
    file = tmp_path / "empty.toml"
    file.write_text(text, encoding="utf-8")
    assert main(["run", str(file), "--out", str(tmp_path / "out")]) == 2
    assert "empty: a scenario file must set at least its name" in one_line(capsys.readouterr().err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.toml"]


def test_the_economy_of_a_scenario_file_is_found_beside_the_file(tmp_path, monkeypatch, capsys):
    import shutil

    (tmp_path / "mine").mkdir()
    shutil.copytree(DEFAULT_ECONOMY_DIR, tmp_path / "mine" / "eco")
    file = tmp_path / "mine" / "s.toml"
    file.write_text('name = "s"\neconomy = "eco"\n', encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert load_scenario(file).economy == str(tmp_path / "mine" / "eco")
    assert load_with_overrides(file).economy == str(tmp_path / "mine" / "eco")
    assert main(["plan", str(file)]) == 0
    assert "Labour values" in capsys.readouterr().out
