"""``tests/mutants/report.py``: survivors run again by name replace their record, and nothing else does."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("report", Path(__file__).with_name("mutants") / "report.py")
report = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(report)

FIRST, SECOND = "sim.a.x_f__mutmut_1", "sim.a.x_f__mutmut_2"


def recorded() -> dict:
    """A part's record: module ``sim.a`` with 5 mutants killed and two survivors of ``f``."""
    return {
        "modules": {"sim.a": {"killed": 5, "survived": 2}, "sim.b": {"killed": 3}},
        "not_killed": {
            FIRST: {"status": "survived", "change": "x > 0 → x >= 0"},
            SECOND: {"status": "survived", "change": "y = 1 → y = 2"},
        },
    }


def test_a_survivor_killed_when_run_again_moves_to_the_killed():
    part = recorded()
    caught = report.rerun_into(part, {FIRST: {"status": "killed", "change": "x > 0 → x >= 0"}})
    assert caught == 1
    assert part["modules"] == {"sim.a": {"killed": 6, "survived": 1}, "sim.b": {"killed": 3}}
    assert list(part["not_killed"]) == [SECOND]


def test_survivors_that_survive_again_or_time_out_keep_their_count():
    part = recorded()
    caught = report.rerun_into(
        part,
        {
            FIRST: {"status": "survived", "change": "x > 0 → x >= 0"},
            SECOND: {"status": "timeout", "change": "y = 1 → y = 2"},
        },
    )
    assert caught == 1  # a test that never ends fails the suite
    assert part["modules"]["sim.a"] == {"killed": 5, "survived": 1, "timeout": 1}
    assert part["not_killed"][SECOND]["status"] == "timeout"


@pytest.mark.parametrize(
    "rerun",
    [
        {"sim.a.x_f__mutmut_3": {"status": "killed", "change": "z → w"}},  # killed before: not a survivor
        {FIRST: {"status": "killed", "change": "x > 1 → x >= 1"}},  # the code moved: another mutant by that name
    ],
)
def test_a_mutant_that_is_not_a_recorded_survivor_of_the_same_code_is_refused(rerun):
    part = recorded()
    with pytest.raises(SystemExit, match="not a survivor of the part's last run on this code"):
        report.rerun_into(part, rerun)


def test_the_table_counts_the_rerun_and_its_wall_time():
    part = {
        **recorded(),
        "date": "2026-12-01",
        "command": "make mutants MUTANT_PARTS=a",
        "mutmut": "3.8.1",
        "children": 1,
        "seconds": 600.0,
        "reruns": [{"date": "2026-12-05", "command": "mutmut run", "seconds": 60.0, "mutants": 2, "caught": 1}],
    }
    lines, unexplained, low = report.section({"a": part}, {})
    row = next(line for line in lines if line.startswith("| `a` |"))
    assert "2 of its survivors run again by name on 2026-12-05 after tests were added (1 caught)" in row
    assert "| 11.0 min | 10 | 8 | 80.0 % |" in row
    assert unexplained == 2 and low == ["a", "all parts"]
