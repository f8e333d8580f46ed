"""The dashboard served: ``councils dashboard`` on localhost only, and driven in headless Chromium.

Debian's ``chromium`` is driven by Playwright for Python (``executable_path``, no browser
download). Without the browser or Playwright the browser test is skipped, and says which
is missing (``.ci/run`` installs the browser with apt-get where it can); without the
dashboard extra both tests are. The screenshot (after the steps) is left in the browser
test's temporary folder.
"""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
#: Chromium's flags for a closed machine, as root: no sandbox, no background connections.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Seconds the server may take to start and the page to appear, and a step to show (a loaded 2-core machine).
START_SECONDS = 120
STEP_MS = 60_000
STEPS = 3


def _missing_extra() -> str | None:
    for module in ("solara", "altair"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed: pip install -e '.[dashboard]'"
    return None


def _missing_browser() -> str | None:
    if not CHROMIUM.exists():
        return f"no browser: Debian's chromium is not installed ({CHROMIUM}); apt-get install chromium"
    if importlib.util.find_spec("playwright") is None:
        return "playwright is not installed: pip install -e '.[browser]'"
    return None


pytestmark = pytest.mark.skipif(_missing_extra() is not None, reason=str(_missing_extra()))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory):
    """``councils dashboard`` on a free localhost port: yields its URL and its log; stopped afterwards."""
    port = _free_port()
    log = tmp_path_factory.mktemp("dashboard") / "server.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "sim", "dashboard", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped whole below
        )
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            if server.poll() is not None:
                pytest.fail(f"the dashboard exited with status {server.returncode}:\n{log.read_text()}")
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if time.monotonic() > deadline:
                pytest.fail(f"the dashboard did not listen on port {port} within {START_SECONDS} s:\n{log.read_text()}")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}", log
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=3)  # uvicorn's graceful shutdown is not what is tested here
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _outward_address() -> str | None:
    """An address of this machine other than loopback, if it has one."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outward interface
            address = s.getsockname()[0]
    except OSError:
        return None
    return None if address.startswith("127.") else address


def test_dashboard_serves_its_page_on_localhost_only(dashboard):
    url, _ = dashboard
    with urllib.request.urlopen(url, timeout=60) as answer:
        assert answer.status == 200
        assert "solara" in answer.read().decode("utf-8", "replace").lower()
    address = _outward_address()
    if address is not None:
        with socket.socket() as probe:
            probe.settimeout(5)
            assert probe.connect_ex((address, int(url.rsplit(":", 1)[1]))) != 0, f"reachable on {address}"


@pytest.mark.skipif(_missing_browser() is not None, reason=str(_missing_browser()))
def test_dashboard_steps_resets_and_changes_scenario_in_a_browser_without_error(dashboard, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    url, log = dashboard
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1800})
            page.goto(url, timeout=START_SECONDS * 1000)
            status = page.locator(".councils-status")
            expect(status).to_contain_text("Week 0 of", timeout=START_SECONDS * 1000)
            gaps = page.locator(".councils-gaps img")
            expect(gaps).to_have_attribute("src", re.compile("."), timeout=STEP_MS)
            before = gaps.get_attribute("src")

            step = page.get_by_role("button", name="Step")
            for week in range(1, STEPS + 1):
                step.click()
                expect(status).to_contain_text(f"Week {week} of", timeout=STEP_MS)
            expect(gaps).not_to_have_attribute("src", before, timeout=STEP_MS)  # the figure was redrawn
            expect(page.locator(".councils-one-good")).to_contain_text("why")  # the price log's table

            page.screenshot(path=tmp_path / "dashboard.png", full_page=True)
            assert page.locator(".v-alert.error").count() == 0, page.locator(".v-alert.error").all_inner_texts()

            page.get_by_role("button", name="Reset").click()  # Mesa rebuilds the model from the controls
            expect(status).to_contain_text("Week 0 of", timeout=STEP_MS)
            page.locator(".v-select").filter(has_text="scenario").first.click()  # the page rebuilt around another file
            page.get_by_role("option", name="taste_shift").click()
            expect(status).to_contain_text("Running taste_shift", timeout=STEP_MS)
            expect(status).to_contain_text("Week 0 of 260", timeout=STEP_MS)  # its five years
            assert page.locator(".v-alert.error").count() == 0, page.locator(".v-alert.error").all_inner_texts()
            assert "Traceback" not in page.inner_text("body")
        finally:
            browser.close()
    assert (tmp_path / "dashboard.png").stat().st_size > 10_000
    assert "Traceback" not in log.read_text(), log.read_text()
