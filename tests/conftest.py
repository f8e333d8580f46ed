"""Fixtures shared by the abuse tests (``test_abuse_*.py``)."""

from __future__ import annotations

import pytest
from cli_forkserver import ForkServer


@pytest.fixture(scope="session")
def forkserver(tmp_path_factory):
    """A process that runs ``councils`` commands in forked children (see ``cli_forkserver``)."""
    server = ForkServer(tmp_path_factory.mktemp("forkserver"))
    yield server
    server.close()
