"""Lay out one part of ``make mutants`` in a directory of its own, ready for ``mutmut run``.

mutmut reads its configuration from the ``[tool.mutmut]`` table of the ``pyproject.toml`` in
the directory it runs in, and it maps every mutated function to the tests that call it. Run
over the pure rules and the model at once, every rule would be tested against every model
test as well, and most of the time would go to tests that were not written for it. So
``make mutants`` runs one part at a time: each is a copy of the project's sources and tests
whose ``[tool.mutmut]`` is the shared keys of the project's table plus the keys of one
``[tool.mutmut.parts.<name>]`` table.

Usage: ``python tests/mutants/part.py NAME DIRECTORY`` (the directory is replaced).
"""

from __future__ import annotations

import json
import shutil
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEADER = "[tool.mutmut]"


def parts(pyproject: dict) -> dict[str, dict]:
    """The parts of the project's ``[tool.mutmut]`` table, by name."""
    return pyproject["tool"]["mutmut"]["parts"]


def config_of(pyproject: dict, name: str) -> dict:
    """The shared keys of ``[tool.mutmut]`` with those of part ``name`` over them."""
    table = pyproject["tool"]["mutmut"]
    known = parts(pyproject)
    if name not in known:
        raise SystemExit(f"part.py: no part {name!r} in [tool.mutmut.parts]; known: {', '.join(known)}")
    shared = {key: value for key, value in table.items() if key != "parts"}
    return {**shared, **known[name]}


def toml_value(value) -> str:
    """A TOML literal for the values mutmut's keys take: strings, numbers, booleans and lists of them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    raise TypeError(f"part.py: cannot write {value!r} as a mutmut setting")


def with_table(text: str, config: dict) -> str:
    """``pyproject.toml``'s text with its ``[tool.mutmut]`` tables replaced by ``config``.

    The mutmut tables are the last of the file (everything from ``[tool.mutmut]`` on).
    """
    head = text[: text.index(HEADER)]
    rest = text[text.index(HEADER) :].splitlines()
    foreign = [i for i, line in enumerate(rest) if line.startswith("[") and not line.startswith("[tool.mutmut")]
    if foreign:
        raise SystemExit(f"part.py: pyproject.toml has {rest[foreign[0]]} after {HEADER}; keep mutmut's tables last")
    lines = [HEADER] + [f"{key} = {toml_value(value)}" for key, value in config.items()]
    return head + "\n".join(lines) + "\n"


def lay_out(name: str, directory: Path):
    text = (ROOT / "pyproject.toml").read_text("utf-8")
    config = config_of(tomllib.loads(text), name)
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for path in {*config["source_paths"], *config.get("also_copy", []), "tests"}:
        shutil.copytree(ROOT / path, directory / path, ignore=ignore)
    (directory / "pyproject.toml").write_text(with_table(text, config), "utf-8")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__.strip().splitlines()[-1])
    lay_out(sys.argv[1], Path(sys.argv[2]))
