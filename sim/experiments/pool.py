"""A local pool of worker processes that die with the sweep that started them.

A sweep's workers used to outlive a ``kill -9`` of its main process, sleeping forever
(re-parented to PID 1, some 260 MB each). Each worker now asks the kernel to kill it when
its parent dies (``prctl(PR_SET_PDEATHSIG)``, Linux), checks at start that its parent is
still the one that started it, and watches its parent's PID once a second (the check that
also works where there is no ``prctl``). :meth:`LocalPool.stop` kills the pool's workers at
once, for an interrupted sweep that must not wait for runs in progress.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor

_PR_SET_PDEATHSIG = 1
#: Seconds between a worker's checks that its parent is alive.
WATCH_SECONDS = 1.0


class LocalPool(ProcessPoolExecutor):
    """A process pool of ``workers`` processes that die with this process.

    Parameters
    ----------
    workers : int
        Worker processes, at most.
    """

    def __init__(self, workers: int):
        # Spawned, not forked: the parent may hold threads (numba's, BLAS's), and a child forked
        # from a threaded process can deadlock on a lock one of them held (Python 3.12 warns so).
        super().__init__(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_die_with_parent,
            initargs=(os.getpid(),),
        )

    def stop(self) -> None:
        """Kill the workers at once and cancel what is queued: for an interrupted sweep (finished runs are on disk)."""
        processes = list((self._processes or {}).values())
        for process in processes:
            process.kill()
        self.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.join(timeout=5)


def _die_with_parent(parent: int) -> None:
    """Worker initializer: be killed with the parent, and exit if it is already gone."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
    threading.Thread(target=_watch, args=(parent,), name="watch-parent", daemon=True).start()


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(WATCH_SECONDS)
    os._exit(1)
