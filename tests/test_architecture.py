"""The packages of docs/architecture.md hold: each imports only those below it, the seed's
economics imports neither Mesa nor the run, no cycles; and the layers name every package there is.

The contracts are import-linter's, in ``pyproject.toml``.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent


def contracts() -> list[dict]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["importlinter"]["contracts"]


def packages_of_sim() -> set[str]:
    return {f"sim.{p.name}" for p in (ROOT / "sim").iterdir() if (p / "__init__.py").exists()}


def test_import_contracts_of_the_layers_are_kept():
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0


def test_the_layers_name_every_package_and_module_of_sim_and_nothing_else():
    (layers,) = [c["layers"] for c in contracts() if c["type"] == "layers" and "containers" not in c]
    modules = {f"sim.{p.stem}" for p in (ROOT / "sim").glob("*.py") if not p.name.startswith("__")}
    assert set(layers) == packages_of_sim() | modules | {"agents"}


def test_every_package_says_what_it_holds_and_what_it_may_import():
    for package in [*sorted(packages_of_sim()), "agents"]:
        init = ROOT / package.replace(".", "/") / "__init__.py"
        doc = ast.get_docstring(ast.parse(init.read_text("utf-8")))
        assert doc, f"{init}: no docstring"
        modules = {p.stem for p in init.parent.glob("*.py") if p.name != "__init__.py"}
        named = {m for m in modules if f"``{m}``" in doc}
        assert named == modules, f"{init}: its docstring does not name {sorted(modules - named)}"
        assert "import" in doc.lower(), f"{init}: its docstring does not say what the package may import"
