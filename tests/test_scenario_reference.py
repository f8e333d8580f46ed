"""``docs/scenario.md`` is the typed scenario written out, and stays so.

The reference is generated from :mod:`sim.run.scenario` (``sim.run.scenario_reference``):
the test regenerates it and fails when the document and the code disagree, and a key
whose definition says nothing of what it means cannot be written out at all.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cli_call import call

from sim.run.scenario import Scenario, _rule
from sim.run.scenario_reference import UndocumentedKey, reference_markdown

DOC = Path(__file__).resolve().parents[1] / "docs" / "scenario.md"


def _rows(text: str) -> dict[str, dict[str, list[str]]]:
    """The document's tables: section (``""`` for the top level) → key → its cells."""
    out, section = {}, None
    for line in text.splitlines():
        if line.startswith("## "):
            heading = line[3:].strip()
            section = "" if heading == "Top level" else heading.strip("[]")
            out[section] = {}
        elif line.startswith("| `") and section is not None:
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            out[section][cells[0].strip("`")] = cells[1:]
    return out


def test_the_document_is_the_generated_reference():
    assert DOC.read_text(encoding="utf-8") == reference_markdown(), (
        "docs/scenario.md disagrees with sim/run/scenario.py: regenerate it with `councils keys > docs/scenario.md`"
    )


def test_every_key_of_every_section_has_a_row_with_its_default():
    rows = _rows(DOC.read_text(encoding="utf-8"))
    hints = typing.get_type_hints(Scenario)
    expected = {"": {}}
    for f in dataclasses.fields(Scenario):
        if dataclasses.is_dataclass(hints[f.name]):
            expected[f.name] = {k.name: k for k in dataclasses.fields(hints[f.name])}
        else:
            expected[""][f.name] = f
    assert {s: set(keys) for s, keys in rows.items()} == {s: set(keys) for s, keys in expected.items()}
    for section, keys in expected.items():
        for name, f in keys.items():
            meaning, unit, default, allowed, _ = rows[section][name]
            assert meaning and unit and allowed, (section, name)
            if isinstance(f.default, float):
                assert float(default.strip("`")) == f.default, (section, name)


@pytest.mark.parametrize(
    ("section", "key", "unit", "allowed", "seed"),
    [
        ("readjustment", "rebuild_weeks", "weeks", "`1 <= rebuild_weeks <= 520`", "§7c"),
        ("plan", "hours_per_week", "hours per week", "`1 <= hours_per_week <= 80`", "§7b, §7f"),
        ("consumption", "rationing", "—", "`proportional` or `queue`", "§7c"),
        ("work_groups", "exclusion", "probability per year", "`0 <= exclusion <= 1`", "§5"),
        ("fixed_plan", "wage_gini", "Gini coefficient", "`0 <= wage_gini <= 0.9`", "§1, §7b note 2"),
        ("verdict", "stock_tolerance", "relative gap", "`0 < stock_tolerance <= 1`", "—"),
        ("", "years", "years", "`0 < years <= 200`", "—"),
    ],
)
def test_a_row_gives_the_unit_the_range_and_the_seeds_passage(section, key, unit, allowed, seed):
    _, got_unit, _, got_allowed, got_seed = _rows(reference_markdown())[section][key]
    assert (got_unit, got_allowed, got_seed) == (unit, allowed, seed)


@dataclass(frozen=True)
class Welfare:
    """A section added later (seed §7d)."""

    floor: float = _rule("0 <= x <= 1", default=0.5)  # lowest consumption, share of the average
    weeks: int = _rule("1 <= x <= 52", default=4)


@dataclass(frozen=True)
class Grown:
    """A scenario with a new section."""

    name: str = "x"  # the run's name
    welfare: Welfare = field(default_factory=Welfare)


def test_a_key_added_without_saying_what_it_means_is_refused():
    with pytest.raises(UndocumentedKey) as err:
        reference_markdown(Grown)
    assert str(err.value).endswith(
        "Welfare.weeks: no comment says what it means: write one on its line (`  # meaning, unit`)"
    )


@dataclass(frozen=True)
class Documented:
    """A section added later, every key with its comment (seed §7d)."""

    floor: float = _rule("0 <= x <= 1", default=0.5)  # lowest consumption, share of the average
    # weeks of income a household may borrow
    credit_weeks: int = _rule("0 <= x <= 52", default=4)


@dataclass(frozen=True)
class GrownDocumented:
    """A scenario with a new, documented section."""

    name: str = "x"  # the run's name
    welfare: Documented = field(default_factory=Documented)


def test_a_key_added_with_its_comment_appears_on_its_own():
    rows = _rows(reference_markdown(GrownDocumented))
    assert rows["welfare"] == {
        "floor": ["lowest consumption, share of the average", "share", "`0.5`", "`0 <= floor <= 1`", "§7d"],
        "credit_weeks": ["weeks of income a household may borrow", "weeks", "`4`", "`0 <= credit_weeks <= 52`", "§7d"],
    }


def test_councils_keys_prints_the_reference():
    rc, printed, err = call(["keys"])
    assert (rc, err) == (0, "")
    assert printed == reference_markdown()
