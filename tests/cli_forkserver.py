"""A process that imports councils once and forks one child per ``councils`` command.

The abuse tests need the CLI in a process of its own (under an address-space limit, to be
killed at a random moment, to have its peak memory measured) many times; starting Python
and importing NumPy, pandas, Mesa and Matplotlib each time would cost about two seconds a
command. The server imports them once; each child runs ``sim.views.cli.main(argv)`` exactly as
``councils`` does, in its own working directory, with stdout and stderr in files.

Protocol (JSON lines): the test writes ``{"argv", "cwd", "stdout", "stderr", "limit"}``; the
server answers ``{"pid"}`` when the child has started, then ``{"status", "maxrss"}`` when it
has ended (``status`` as :func:`os.waitstatus_to_exitcode`: negative for a signal).
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import select
import signal
import subprocess
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent


@dataclass
class Result:
    """How a command ended."""

    status: int  # exit status, or -signal
    stdout: str
    stderr: str
    growth: int  # peak resident memory above the server's, bytes


class ForkServer:
    """The test side: start commands in forked children, wait for them, kill them."""

    def __init__(self, scratch: Path):
        self.scratch = scratch
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(TESTS), str(REPO)]),
            "OPENBLAS_NUM_THREADS": "1",
            "MPLBACKEND": "Agg",
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "import cli_forkserver; cli_forkserver.serve()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=(scratch / "server-stderr.txt").open("wb"),
            env=env,
            cwd=scratch,
        )
        self._buffer = b""
        ready = self._read(timeout=120)
        self.rss = ready["rss"]
        self.vmsize = ready["vmsize"]
        self._count = 0
        self.pid = None
        self._running = False

    def start(self, argv: list[str], cwd: Path, limit: int | None = None) -> int:
        """Start ``councils argv`` in ``cwd`` (``limit``: address space above the server's, bytes); return its PID.

        A command a failed test left running is killed first: the answers stay in step, and one
        failure does not become the failure of every later test.
        """
        if self._running:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self._read(timeout=30)
            self._running = False
        self._count += 1
        self._files = (self.scratch / f"out-{self._count}.txt", self.scratch / f"err-{self._count}.txt")
        job = {
            "argv": [str(a) for a in argv],
            "cwd": str(cwd),
            "stdout": str(self._files[0]),
            "stderr": str(self._files[1]),
            "limit": None if limit is None else self.vmsize + limit,
        }
        self.proc.stdin.write((json.dumps(job) + "\n").encode())
        self.proc.stdin.flush()
        self.pid = self._read(timeout=30)["pid"]
        self._running = True
        return self.pid

    def finish(self, timeout: float = 120) -> Result:
        """Wait for the command started last (killing it after ``timeout`` s); return how it ended."""
        try:
            end = self._read(timeout=timeout)
        except TimeoutError:
            os.kill(self.pid, signal.SIGKILL)
            end = self._read(timeout=30)
        self._running = False
        # a child killed as soon as it was forked never opened its files: it printed nothing
        out, err = (f.read_text(encoding="utf-8", errors="replace") if f.exists() else "" for f in self._files)
        return Result(end["status"], out, err, max(0, end["maxrss"] - self.rss))

    def run(self, argv: list[str], cwd: Path, limit: int | None = None, timeout: float = 120) -> Result:
        """Run a command to its end."""
        self.start(argv, cwd, limit)
        return self.finish(timeout)

    def close(self):
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def _read(self, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.proc.stdout], [], [], left)[0]:
                raise TimeoutError(f"fork server: no answer within {timeout} s")
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            if not chunk:
                raise RuntimeError(f"fork server ended (status {self.proc.poll()})")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)


# --- the server side ---------------------------------------------------------------------------------


def serve():
    """Import what every command needs, then fork a child per request read from stdin."""
    import matplotlib.pyplot  # noqa: F401
    import pandas
    import pyarrow.parquet  # noqa: F401
    from tqdm import tqdm

    import sim.experiments.sweep
    import sim.model
    import sim.views.cli
    import sim.views.plots
    import sim.views.sweep_plots

    tqdm.get_lock()  # its semaphore made here, not in each child (which ends with os._exit)
    pandas.Index(["warm"])  # pandas' text is Arrow's: its allocator maps its arenas here, inside the server's size
    _answer({"rss": _status("VmRSS"), "vmsize": _status("VmSize")})
    for line in sys.stdin.buffer:
        job = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(job, sim.views.cli.main)
        _answer({"pid": pid})
        _, status, usage = os.wait4(pid, 0)
        _answer({"status": os.waitstatus_to_exitcode(status), "maxrss": usage.ru_maxrss * 1024})


def _child(job: dict, main):
    from tqdm import tqdm

    code = 1
    try:
        os.chdir(job["cwd"])
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        for fd, path in ((1, job["stdout"]), (2, job["stderr"])):
            os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), fd)
        # A lock of its own: the server's is shared by every child it forks, and a sibling killed
        # while it held it (drawing its progress bar) would leave every later child waiting forever.
        tqdm.set_lock(threading.RLock())
        if job["limit"] is not None:
            resource.setrlimit(resource.RLIMIT_AS, (job["limit"], job["limit"]))
        code = main(job["argv"])
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _answer(message: dict):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def _status(key: str) -> int:
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1]) * 1024
    return 0


def one_line(err: str) -> str:
    """The one line a refused command printed on stderr (and that it is one, with no traceback)."""
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("councils: ")
    return lines[0]
