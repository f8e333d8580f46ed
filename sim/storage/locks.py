"""One writer at a time: a lock on an output directory while a run, a redraw or a sweep writes it.

The lock is a file beside the directory, ``.<name>.lock``, holding the writer's PID, host and
start time, and locked with ``flock``: the kernel releases it when the writer exits, however
it exits (kill -9 included), so a lock left by a dead writer is recognised as stale and taken
over. A second writer is refused at once, naming the first.

The lock file is created exclusively or opened without following a link
(:func:`sim.storage.writes.open_lock_file`), and the directory locked may not itself be a
link: the lock's stamp is never written into another file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sim.storage.files import shorten
from sim.storage.writes import WriteRefused, open_lock_file, refuse_link


class LockError(ValueError):
    """The directory is being written by another process, or its lock cannot be made; one line.

    Attributes
    ----------
    holder : str or None
        What the lock file says of the process holding it ("pid 123 on host, since …"), when
        another process holds it.
    """

    def __init__(self, message: str, holder: str | None = None):
        super().__init__(message)
        self.holder = holder


@dataclass(frozen=True)
class Lock:
    """A held lock.

    Attributes
    ----------
    target : Path
        The directory written under the lock.
    path : Path
        The lock file.
    stale : str or None
        What the lock file said when it was taken over from a writer that died ("pid 123 on
        host, since …"), or ``None`` if there was no lock file.
    """

    target: Path
    path: Path
    stale: str | None


def lock_path(target: Path) -> Path:
    """The lock file of ``target``: ``.<name>.lock`` beside it."""
    target = Path(os.path.abspath(target))
    return target.parent / f".{target.name}.lock"


@contextlib.contextmanager
def locked(target: str | Path, flag: str = "--out") -> Iterator[Lock]:
    """Hold the lock of ``target`` (creating its parent directories) for the ``with`` block.

    Parameters
    ----------
    target : path
        The directory to be written (it need not exist yet).
    flag : str
        How the user named it, for messages.

    Raises
    ------
    LockError
        Another live process holds the lock, the parent directory cannot be written, or
        ``target`` or its lock file is a symbolic link (or the lock file is not a file of its own).
    """
    target = Path(os.path.abspath(target))
    path = lock_path(target)
    try:
        refuse_link(target, flag)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, stale = _acquire(path, target, flag)
    except WriteRefused as err:
        raise LockError(str(err)) from None
    except OSError as err:
        raise LockError(f"{flag} {target}: cannot write there: {err.strerror or err}") from None
    try:
        stamp = f"pid {os.getpid()} on {socket.gethostname()}, since {dt.datetime.now().isoformat(timespec='seconds')}"
        os.ftruncate(fd, 0)
        os.pwrite(fd, (stamp + "\n").encode(), 0)
        yield Lock(target, path, stale)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
        os.close(fd)


def _acquire(path: Path, target: Path, flag: str) -> tuple[int, str | None]:
    """Open and ``flock`` the lock file; return its descriptor and what a dead writer left in it."""
    while True:
        fd = open_lock_file(path)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read(fd) or "another process"
            os.close(fd)
            raise LockError(
                f"{flag} {target}: being written by another councils process ({holder}); "
                "wait for it to finish, or choose another directory",
                holder,
            ) from None
        try:
            same = os.fstat(fd).st_ino == os.lstat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd, _read(fd) or None
        os.close(fd)  # the holder released and removed this file between our open and flock: try again


def _read(fd: int) -> str:
    """The first line of the lock file, shortened: what it says of its holder."""
    text = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip()
    return shorten(text.splitlines()[0], 100) if text else ""
