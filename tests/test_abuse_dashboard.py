"""The dashboard under abuse (issue 25): it stops cleanly, and its scenario picker skips what it cannot offer.

``councils dashboard`` stopped with Ctrl-C or SIGTERM exits with status 0 (or 130), with no
traceback and no process left; a file beside the scenarios that cannot be read, is nested
thousands deep, or is a scenario its model would refuse, is left out of the picker with a
one-line note instead of breaking the page's first render.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.views.dashboard import Start

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.toml"
START_SECONDS = 120


@pytest.fixture
def scenarios(tmp_path) -> Path:
    """A copy of the baseline, beside files the picker cannot offer."""
    shutil.copy(BASELINE, tmp_path / "baseline.toml")
    (tmp_path / "deep.toml").write_text('name = "deep"\nx = ' + "[" * 3000 + "]" * 3000 + "\n", encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.toml")  # reading it would block the page
    (tmp_path / "late.toml").write_text(
        'name = "late"\n[plan]\ninformation_error = 1.0\n', encoding="utf-8"
    )  # valid, but its model is refused when built
    (tmp_path / "fine.toml").write_text('name = "fine"\nyears = 1\n', encoding="utf-8")
    return tmp_path


def test_the_picker_skips_what_it_cannot_offer_with_a_note_each(scenarios):
    found, notes = Start(scenarios / "baseline.toml", 2000).scan()
    assert found == {"baseline": scenarios / "baseline.toml", "fine": scenarios / "fine.toml"}
    assert len(notes) == 3
    by_file = {note.split(":", 1)[0]: note for note in notes}
    assert "nested more than 64 deep" in by_file["deep.toml"]
    assert "not a regular file (a named pipe)" in by_file["pipe.toml"]
    assert "plan.information_error = 1.0" in by_file["late.toml"]
    assert all("\n" not in note and len(note) <= 300 for note in notes)


def _missing_extra() -> str | None:
    for module in ("solara", "altair"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed: pip install -e '.[dashboard]'"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(_missing_extra() is not None, reason=str(_missing_extra()))
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_the_dashboard_stops_cleanly_on_a_signal(tmp_path, sig):
    port = _free_port()
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        server = subprocess.Popen(
            [sys.executable, "-m", "sim", "dashboard", "--port", str(port)],
            stdout=stdout,
            stderr=stderr,
            cwd=tmp_path,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + START_SECONDS
        while server.poll() is None and time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        assert server.poll() is None, err.read_text(encoding="utf-8", errors="replace")
        server.send_signal(sig)
        status = server.wait(timeout=60)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    text = err.read_text(encoding="utf-8", errors="replace")
    assert status in (0, 130), text
    assert "Traceback" not in text and "Abort" not in text
    assert out.read_text(encoding="utf-8").rstrip().endswith("dashboard stopped")
    with pytest.raises(ProcessLookupError):
        os.killpg(server.pid, 0)  # no process of its group is left
