"""The notebooks in ``notebooks/`` run from the first cell to the last without an error (nbclient).

They run with a short horizon (``COUNCILS_NOTEBOOK_WEEKS``) and write under ``tmp_path``
(``COUNCILS_NOTEBOOK_OUT``); they are committed without outputs.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
#: Weeks each run of a notebook lasts in the test: enough for every cell to draw something.
WEEKS = 8

pytestmark = pytest.mark.skipif(
    any(importlib.util.find_spec(m) is None for m in ("nbclient", "nbformat", "ipykernel")),
    reason="the notebooks extra is not installed: pip install -e '.[notebooks]'",
)


def test_both_notebooks_are_there():
    assert [p.name for p in NOTEBOOKS] == ["tour.ipynb", "your_own_economy.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_without_outputs(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    assert code and all(not c["outputs"] and c["execution_count"] is None for c in code)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_every_cell_without_error(path, tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("COUNCILS_NOTEBOOK_WEEKS", str(WEEKS))
    monkeypatch.setenv("COUNCILS_NOTEBOOK_OUT", str(tmp_path))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors  # execute() raises on the first error; this says so if it did not
    assert os.listdir(tmp_path)  # it wrote where it was told
