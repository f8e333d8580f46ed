"""Putting a finished directory in place so that, at every instant, the old complete one or the new one is there.

A result is built under a hidden temporary name beside its target, then swapped in. On
Linux the swap is one ``renameat2(RENAME_EXCHANGE)`` call: the target names the old
directory, then the new one, never nothing. Elsewhere (or on a file system without it)
the old directory is first renamed aside, and :func:`clean_leftovers` puts it back if the
writer was killed between the two renames. Run these only while holding the target's lock
(:mod:`sim.storage.locks`): the temporaries of the target then belong to dead writers.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import re
import secrets
import shutil
from pathlib import Path

from sim.storage.writes import refuse_link

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def temporary_name(target: Path, kind: str = "new") -> Path:
    """A hidden sibling of ``target`` for a directory being built (``kind="new"``) or moved aside (``"old"``)."""
    return target.parent / f".{target.name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}"


def install_dir(new: Path, target: Path):
    """Put the complete directory ``new`` at ``target``, replacing (and then removing) what was there.

    Raises
    ------
    WriteRefused
        ``target`` is a symbolic link: it is never swapped for, nor written through.
    """
    refuse_link(target, "output")
    if not target.exists():
        new.rename(target)
        return
    if _exchange(new, target):
        shutil.rmtree(new, ignore_errors=True)  # ``new`` now names the old result
        return
    old = temporary_name(target, "old")
    target.rename(old)
    try:
        new.rename(target)
    except BaseException:
        old.rename(target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def clean_leftovers(target: Path, complete) -> list[str]:
    """Remove the temporaries killed writers left beside ``target``; restore a result moved aside.

    Parameters
    ----------
    target : Path
        The directory being written.
    complete : callable
        ``complete(path) -> bool``: whether a directory is a complete result (one moved
        aside, when ``target`` is missing, is put back).

    Returns
    -------
    list of str
        What was done, one sentence each (empty if nothing). A leftover that is a link is
        unlinked, never followed; one that could not be removed is named as such.
    """
    if not target.parent.is_dir():
        return []
    ours = re.compile(rf"\.{re.escape(target.name)}\.(?:(?:new|old)-\d+-[0-9a-f]{{8}}|\d+\.[0-9a-f]{{8}}|old-\d+)")
    leftovers = [p for p in target.parent.iterdir() if ours.fullmatch(p.name)]
    notes = []
    if not os.path.lexists(target):
        aside = [p for p in leftovers if ".old-" in p.name and _real_dir(p) and complete(p)]
        if aside:
            latest = max(aside, key=lambda p: p.stat().st_mtime)
            latest.rename(target)
            leftovers.remove(latest)
            notes.append(f"{target}: restored the complete result a killed writer had moved aside")
    removed = [path for path in leftovers if _remove(path)]
    if removed:
        notes.append(f"{target}: removed {len(removed)} partial result(s) left by killed writers")
    if len(removed) < len(leftovers):
        kept = next(p for p in leftovers if p not in removed)
        notes.append(f"{kept}: a partial result that could not be removed; remove it by hand")
    return notes


def _real_dir(path: Path) -> bool:
    """Whether ``path`` is a directory itself, not a link to one."""
    return path.is_dir() and not path.is_symlink()


def _remove(path: Path) -> bool:
    """Remove a leftover (a link is unlinked, not followed); whether it is gone."""
    if _real_dir(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError, IsADirectoryError, PermissionError):
            path.unlink()
    return not os.path.lexists(path)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2``); ``False`` where that is not supported."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))
