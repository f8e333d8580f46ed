"""An address-space limit for a call made inside the test process.

The abuse tests that hand the CLI or a reader a huge file or a device call it in the test
process. If a regression read such a file whole, it would eat the machine's memory; under
this limit it fails the test with a ``MemoryError`` instead.
"""

from __future__ import annotations

import contextlib
import resource

EXTRA = 1 << 30  # address space the call may take above what the process has mapped, bytes


def mapped() -> int:
    """The process's virtual memory size now (``VmSize``), bytes."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmSize in /proc/self/status")


@contextlib.contextmanager
def address_space(extra: int = EXTRA):
    """Lower the soft ``RLIMIT_AS`` to what is mapped + ``extra`` for the block, then restore it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = mapped() + extra
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
