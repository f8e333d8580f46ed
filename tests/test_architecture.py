"""The layers of docs/architecture.md hold: pure economics knows nothing of Mesa, the agents or the
model; agents never import the model, CLI, sweeps or plots; nothing imports upward; no cycles.

The contracts are import-linter's, in ``pyproject.toml``.
"""

from __future__ import annotations

from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_of_the_layers_are_kept():
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0
