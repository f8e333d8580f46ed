"""Sweeps under abuse (issue 15, cases 1, 2, 5, 6, 10 and the sweep points of 12).

Workers are capped at the cores, the runs and the memory; a sweep too large to expand is
refused before it is expanded; ``--scheduler`` is probed within a stated timeout; seeds cannot
be swept; ``--resume`` of a changed sweep is refused saying what changed; a corrupt part is set
aside and its runs rerun. Sweeps run in threads here unless the test is about processes.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import socket
import socketserver
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
from cli_call import call
from cli_forkserver import one_line

import sim.experiments.budget
import sim.experiments.pool
import sim.model
from sim.experiments.budget import BudgetError, plan_workers
from sim.experiments.scheduler import SchedulerError, check_scheduler
from sim.experiments.sweep import MAX_RUNS, PARTS_DIR, RUNS_FILE, load_sweep, run_sweep
from sim.run.scenario import ScenarioError
from sim.views.cli import sweep_line

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.toml"
SMALL = '"population.consumers" = 300\n"population.councils" = 20\n"population.communes" = 0\nyears = 0.04\n'
LIMIT = 1 << 30
GROWTH = 64 << 20


def sweep_file(path: Path, body: str, small: bool = True) -> Path:
    text = f'name = "{path.stem}"\nbase = "{BASELINE}"\nseed = 5\n{body}\n'
    if small:
        text += ("" if "[set]" in body else "[set]\n") + SMALL
    path.write_text(text, encoding="utf-8")
    return path


def in_threads(sweep, out: Path, **kw) -> pd.DataFrame:
    with ThreadPoolExecutor(max_workers=2) as executor:
        return run_sweep(sweep, out, executor, **kw)


# --- workers (case 1) ---------------------------------------------------------------------------------


@pytest.fixture
def machine(monkeypatch):
    """A pretend machine: 2 cores and the given free memory."""

    def set_free(free: int):
        monkeypatch.setattr(sim.experiments.budget, "available_memory", lambda: free)
        monkeypatch.setattr(sim.experiments.budget, "cores", lambda: 2)

    return set_free


GB = 10**9


def test_default_workers_are_the_cores_at_most_one_per_run(machine):
    machine(64 * GB)
    assert plan_workers(None, runs=48, per_worker=GB // 2, parent=GB // 4) == 2
    assert plan_workers(None, runs=1, per_worker=GB // 2, parent=GB // 4) == 1


def test_default_workers_shrink_to_what_memory_holds(machine):
    machine(2 * GB)
    assert plan_workers(None, runs=48, per_worker=GB, parent=GB // 2) == 1


def test_explicit_workers_above_the_cores_only_if_memory_allows_and_never_above_the_runs(machine):
    machine(64 * GB)
    assert plan_workers(1000, runs=48, per_worker=GB // 2, parent=GB // 4) == 48
    assert plan_workers(8, runs=48, per_worker=GB // 2, parent=GB // 4) == 8
    machine(4 * GB)
    with pytest.raises(BudgetError, match=r"--workers 1000: 48 workers need about 24.2 GB .* use --workers 7 or fewer"):
        plan_workers(1000, runs=48, per_worker=GB // 2, parent=GB // 4)


def test_not_even_one_worker_fits(machine):
    machine(GB)
    with pytest.raises(BudgetError, match=re.escape("one worker needs about 2.25 GB")):
        plan_workers(None, runs=4, per_worker=2 * GB, parent=GB // 4)


def test_workers_1000_for_48_runs_is_refused_under_a_memory_limit(forkserver, tmp_path):
    file = sweep_file(tmp_path / "w.toml", '[grid]\n"prices.response" = [0.5, 1.0, 2.0, 4.0]\n', small=True)
    file.write_text(file.read_text(encoding="utf-8").replace("seed = 5", "seed = 5\nreplicates = 12"))
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    result = forkserver.run(["sweep", str(file), "--workers", "1000", "--out", "out"], cwd, limit=LIMIT, timeout=60)
    assert result.status == 2, result.stderr
    assert "--workers 1000: 48 workers need about" in one_line(result.stderr)
    assert "use --workers" in result.stderr
    assert list(cwd.iterdir()) == [] and result.growth < GROWTH


# --- sizes checked before expansion (case 2) ----------------------------------------------------------


GRID_KEYS = ["labour_reserve", "capacity_headroom", "investment_margin", "max_capacity_growth"]
GRID_KEYS += ["information_error", "inventory_error", "revision_rate", "public_share"]
GRID_1E8 = "[grid]\n" + "".join(f'"plan.{k}" = [{", ".join(str(v / 100) for v in range(10))}]\n' for k in GRID_KEYS)
RUNS_1E8 = "100,000,000 runs (1 scenario file(s) × 100,000,000 grid points × 1 sampled points × 1 replicates)"
SAMPLE_1E8 = '[sample]\nmethod = "lhs"\nn = 100000000\n[sample.ranges]\n"prices.response" = [0.5, 2.0]\n'


@pytest.mark.parametrize(
    ("body", "extra", "phrase"),
    [
        ("", ["--replicates", "1000000000"], "replicates = 1000000000: must be an integer, 1 <= replicates <= 10_000"),
        (GRID_1E8, [], f"{RUNS_1E8}: at most {MAX_RUNS:,}"),
        (SAMPLE_1E8, [], "sample.n = 100000000: must be an integer, 1 <= n <= 100_000"),
    ],
    ids=["replicates-1e9", "grid-1e8", "sample-n-1e8"],
)
def test_huge_sweeps_are_refused_before_expansion_under_a_memory_limit(forkserver, tmp_path, body, extra, phrase):
    file = sweep_file(tmp_path / "huge.toml", body)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    result = forkserver.run(["sweep", str(file), *extra, "--out", "out"], cwd, limit=LIMIT, timeout=60)
    assert result.status == 2, result.stderr
    assert phrase in one_line(result.stderr)
    assert list(cwd.iterdir()) == [] and result.growth < GROWTH


# --- what a sweep means (case 6) --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "[grid]\nseed = [1, 2, 3]\n",
        "[sample]\nn = 4\n[sample.ranges]\nseed = [1, 100]\n",
        "[set]\nseed = 7\n",
    ],
    ids=["grid", "sample", "set"],
)
def test_seed_cannot_be_swept_or_set_and_the_reason_is_given(tmp_path, body):
    with pytest.raises(ScenarioError) as info:
        load_sweep(sweep_file(tmp_path / "s.toml", body))
    message = str(info.value)
    assert ".seed: a sweep's runs take their seeds from the sweep's 'seed' and their replicate" in message
    assert "replicates = N" in message


def test_an_empty_grid_is_refused(tmp_path):
    with pytest.raises(ScenarioError, match=r"\[grid\] is empty"):
        load_sweep(sweep_file(tmp_path / "s.toml", "[grid]\n"))


@pytest.mark.parametrize(("method", "n"), [("lhs", 6), ("sobol", 8), ("saltelli", 2)])
def test_integer_keys_can_be_sampled(tmp_path, method, n):
    body = f'[sample]\nmethod = "{method}"\nn = {n}\n[sample.ranges]\n'
    body += '"population.councils" = [20, 30]\n"prices.response" = [0.5, 2.0]\n'
    sweep = load_sweep(sweep_file(tmp_path / "s.toml", body))
    councils = [r.params["population.councils"] for r in sweep.runs]
    assert all(type(c) is int and 20 <= c <= 30 for c in councils), councils
    assert len(set(councils)) > 1


def test_a_sampled_text_key_is_refused(tmp_path):
    body = '[sample]\nn = 4\n[sample.ranges]\n"consumption.rationing" = [0, 1]\n'
    with pytest.raises(ScenarioError, match="not a numeric key, so it cannot be sampled"):
        load_sweep(sweep_file(tmp_path / "s.toml", body))


def test_a_sweep_name_is_checked_as_a_name(tmp_path):
    file = sweep_file(tmp_path / "s.toml", "")
    file.write_text(file.read_text(encoding="utf-8").replace('name = "s"', 'name = "../../escaped"'))
    with pytest.raises(ScenarioError, match=re.escape("name = '../../escaped': must be")):
        load_sweep(file)


@pytest.fixture(scope="module")
def finished_once(tmp_path_factory):
    """A sweep of 4 runs, finished in threads in parts of one run each."""
    tmp = tmp_path_factory.mktemp("finished")
    file = sweep_file(tmp / "s.toml", '[grid]\n"prices.response" = [0.5, 1.0]\n')
    _with(file, "seed = 5", "seed = 5\nreplicates = 2")
    in_threads(load_sweep(file), tmp / "out", batch_size=1)
    return tmp


@pytest.fixture
def finished(finished_once, tmp_path):
    """A copy of the finished sweep (its file and its directory) to change."""
    shutil.copytree(finished_once, tmp_path, dirs_exist_ok=True)
    return tmp_path / "s.toml", tmp_path / "out"


def _with(file: Path, old: str, new: str):
    text = file.read_text(encoding="utf-8")
    assert old in text
    file.write_text(text.replace(old, new), encoding="utf-8")


CONSUMERS = ('"population.consumers" = 300', '"population.consumers" = 400')


@pytest.mark.parametrize(
    ("change", "kw", "phrase"),
    [
        (CONSUMERS, {}, "sweep file set.population.consumers: 300 → 400"),
        (("[0.5, 1.0]", "[0.5, 1.5]"), {}, "sweep file grid.prices.response: [0.5, 1.0] → [0.5, 1.5]"),
        (None, {"years": 0.06}, "--years: not set → 0.06"),
        (None, {"replicates": 1}, "replicates: 2 → 1 (fewer would leave finished runs out)"),
    ],
    ids=["set", "grid", "years", "fewer-replicates"],
)
def test_resume_of_a_changed_sweep_is_refused_saying_what_changed(finished, change, kw, phrase):
    file, out = finished
    before = pd.read_parquet(out / RUNS_FILE)
    if change:
        _with(file, *change)
    with pytest.raises(ScenarioError) as info:
        in_threads(load_sweep(file, **kw), out, resume=True)
    assert "--resume of a different sweep: " in str(info.value) and phrase in str(info.value)
    pd.testing.assert_frame_equal(pd.read_parquet(out / RUNS_FILE), before)  # 4 rows, not fewer


def test_resume_of_the_same_sweep_from_the_command_names_the_change_in_one_line(finished):
    file, out = finished
    _with(file, '"population.consumers" = 300', '"population.consumers" = 400')
    rc, stdout, err = call(["sweep", str(file), "--resume", "--workers", "1", "--out", str(out)])
    assert rc == 2 and stdout == ""
    assert "sweep file set.population.consumers: 300 → 400" in one_line(err)


def test_sweep_json_records_the_definition_and_its_hash(finished):
    _, out = finished
    meta = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    assert len(meta["definition_hash"]) == 64
    assert meta["definition"]["replicates"] == 2 and meta["definition"]["years"] is None
    assert meta["definition"]["sweep"]["grid"] == {"prices.response": [0.5, 1.0]}
    assert "baseline" in meta["definition"]["scenarios"]


# --- a corrupt part (case 10) ----------------------------------------------------------------------------


@pytest.mark.parametrize("damage", [b"PAR1 garbage", b""], ids=["garbage", "empty"])
def test_a_corrupt_part_is_named_set_aside_and_its_runs_rerun(finished, damage):
    file, out = finished
    parts = sorted((out / PARTS_DIR).glob("*.parquet"))
    victim = parts[1]
    lost = set(pd.read_parquet(victim)["run_id"])
    victim.write_bytes(damage)
    notes = []
    runs = in_threads(load_sweep(file), out, resume=True, notice=notes.append)
    assert len(notes) == 1
    assert notes[0].startswith(f"{victim}: unreadable (")
    assert f"set aside as {victim.stem}.corrupt, its runs will run again" in notes[0]
    assert victim.with_suffix(".corrupt").read_bytes() == damage
    assert len(runs) == 4 and runs["error"].isna().all()
    assert lost <= set(runs["run_id"])


# --- every run failed (case 12) ----------------------------------------------------------------------------


def test_a_sweep_where_every_run_fails_says_so_not_nan(tmp_path, monkeypatch):
    monkeypatch.setattr(
        sim.experiments.pool, "LocalPool", ThreadPoolExecutor
    )  # no process to start: the count is the point

    def boom(self, *args, **kwargs):  # a failure only a run finds (what a scenario can be refused for, it is: issue 25)
        raise RuntimeError("boom in every run")

    monkeypatch.setattr(sim.model.CouncilsModel, "run", boom)
    body = '[grid]\n"prices.response" = [0.5, 1.0]\n[set]\n' + SMALL
    file = sweep_file(tmp_path / "fail.toml", body, small=False)
    rc, stdout, err = call(["sweep", str(file), "--workers", "1000", "--out", str(tmp_path / "out")])
    assert rc == 1, err  # the runs were refused one by one: nothing finished, and a script must see it
    assert "note: 2 runs on 2 local worker(s)" in err  # 1000 asked, capped at the runs
    assert "fail: 2 runs, 2 failed: no run finished (see the error column of runs.parquet)" in stdout
    assert "nan" not in stdout
    last = err.strip().splitlines()[-1]
    assert last.startswith("councils: fail: no run finished; the first error: ")
    assert "RuntimeError: boom in every run" in last


def test_sweep_line_of_a_mixed_sweep():
    runs = pd.DataFrame({"error": [None, "boom", None], "converged": [True, None, False]})
    assert sweep_line("x", runs) == "x: 3 runs, 1 failed, 50 % converged"


# --- --scheduler (case 5) ------------------------------------------------------------------------------------


class _Silent(socketserver.BaseRequestHandler):
    """Accepts and says nothing, like an HTTP server waiting for a request."""

    def handle(self):
        self.request.recv(1)


class _BadRequest(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")


class _Garbage(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.sendall(b"\x10\x00\x00\x00\x00\x00\x00\x00" + b"\xff" * 16)


@contextlib.contextmanager
def server(handler):
    """A TCP server on a free port of 127.0.0.1."""
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler) as srv:
        srv.daemon_threads = True
        thread = threading.Thread(target=srv.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"tcp://127.0.0.1:{srv.server_address[1]}"
        finally:
            srv.shutdown()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def tiny_sweep(tmp_path_factory) -> Path:
    return sweep_file(tmp_path_factory.mktemp("sched") / "t.toml", '[grid]\n"prices.response" = [1.0]\n')


@pytest.mark.parametrize(
    ("handler", "phrase"),
    [
        (_Silent, "connected, but no Dask scheduler's greeting within 1 s (--scheduler-timeout)"),
        (_BadRequest, "an HTTP server answered, not a Dask scheduler"),
        (_Garbage, "something answered that is not a Dask scheduler"),
        (None, "connection refused: no scheduler listens there"),
    ],
    ids=["http-silent", "http-400", "garbage", "refused"],
)
def test_scheduler_that_is_not_dask_is_refused_within_the_timeout(tmp_path, tiny_sweep, handler, phrase):
    out = tmp_path / "out"
    context = server(handler) if handler else contextlib.nullcontext(f"tcp://127.0.0.1:{_free_port()}")
    with context as address:
        start = time.monotonic()
        rc, stdout, err = call(
            ["sweep", str(tiny_sweep), "--scheduler", address, "--scheduler-timeout", "1", "--out", str(out)]
        )
        elapsed = time.monotonic() - start
    assert rc == 2 and stdout == ""
    line = one_line(err)
    assert f"--scheduler {address}: {phrase}" in line
    # the stated 1 s timeout and the sweep's own start (seconds on a loaded CI machine), not Dask's 30 s or forever
    assert elapsed < 10.0
    assert not out.exists()


@pytest.mark.parametrize(
    ("address", "phrase"),
    [("tls://host:8786", "only tcp:// schedulers"), ("nonsense", "must be tcp://host:port"), ("tcp://h:x", "port")],
)
def test_scheduler_addresses_that_cannot_be_dask(tmp_path, tiny_sweep, address, phrase):
    rc, _, err = call(["sweep", str(tiny_sweep), "--scheduler", address, "--out", str(tmp_path / "out")])
    assert rc == 2 and phrase in one_line(err)


@pytest.mark.parametrize("timeout", ["0", "-1", "601", "nan"])
def test_scheduler_timeout_is_bounded(tmp_path, tiny_sweep, timeout):
    rc, _, err = call(["sweep", str(tiny_sweep), "--scheduler-timeout", timeout, "--out", str(tmp_path / "out")])
    assert rc == 2 and "--scheduler-timeout" in one_line(err) and "0 < seconds <= 600" in err


def test_a_real_dask_scheduler_passes_the_check():
    """Last in the file: Dask's event-loop thread outlives the test."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=0, processes=False, protocol="tcp", host="127.0.0.1", dashboard_address=None
    ) as cluster:
        check_scheduler(cluster.scheduler_address, timeout=5)
    with pytest.raises(SchedulerError, match="connection refused"):
        check_scheduler(cluster.scheduler_address, timeout=1)


def test_a_sweeps_workers_are_spawned_not_forked_from_a_process_that_may_hold_threads():
    pool = sim.experiments.pool.LocalPool(1)
    try:
        assert pool._mp_context.get_start_method() == "spawn"
    finally:
        pool.shutdown()
