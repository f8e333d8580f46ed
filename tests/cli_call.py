"""The ``councils`` command called in the test process, with what it printed."""

from __future__ import annotations

import contextlib
import io

from sim.views.cli import main


def call(argv: list[str]) -> tuple[int, str, str]:
    """Run ``councils ARGV`` in-process: its exit status, standard output and standard error."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(argv)
    return rc, out.getvalue(), err.getvalue()
