"""Fixtures shared by the abuse tests (``test_abuse_*.py``), and the order of tests under ``make mutants``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from cli_forkserver import ForkServer


@pytest.fixture(scope="session")
def forkserver(tmp_path_factory):
    """A process that runs ``councils`` commands in forked children (see ``cli_forkserver``)."""
    server = ForkServer(tmp_path_factory.mktemp("forkserver"))
    yield server
    server.close()


def pytest_collection_modifyitems(config, items):
    """Under ``make mutants``, run a mutant's tests fastest first: mutmut stops at the first that fails.

    mutmut names the mutant under test in ``MUTANT_UNDER_TEST`` and keeps every test's duration
    (from its clean run) in ``mutmut-stats.json`` where the tests run. Outside a mutant's run
    nothing changes.
    """
    stats = Path("mutmut-stats.json")
    if "__mutmut_" not in os.environ.get("MUTANT_UNDER_TEST", "") or not stats.is_file():
        return
    duration = json.loads(stats.read_text("utf-8"))["duration_by_test"]
    items.sort(key=lambda item: duration.get(item.nodeid, 0.0))
