"""A national run keeps the memory it frees for its next week (sim.experiments.budget.keep_freed_memory)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

ASK = """
import ctypes, json, sys
from sim.experiments.budget import keep_freed_memory
print(json.dumps([keep_freed_memory(int(n)) for n in sys.argv[1:]]))
"""


def _asked(*persons) -> list[bool]:
    """In a process of its own: the setting stays with the process's allocator."""
    done = subprocess.run([sys.executable, "-c", ASK, *map(str, persons)], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_only_a_run_whose_person_arrays_glibc_would_map_afresh_changes_the_allocator():
    assert _asked(1_000, 4_000_000) == [False, False]  # 32 MB a number a person at most: glibc keeps them
    assert _asked(10_000_000) == [True]
