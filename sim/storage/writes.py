"""Writing only where the user asked: no write follows a symbolic link the user did not name.

Every writer of the project goes through these few functions:

- :func:`refuse_link`: a path the user named as an output (``--out``, a sweep's directory, a
  results directory to redraw) whose last component is a symbolic link is refused, in one
  line; its ancestors may be links (``/tmp`` often is): the user named them.
- :func:`real_directory`: a directory to write into is made if missing, and refused if it is
  a link or not a directory (a sweep's ``parts/`` and ``timeseries/``).
- :func:`replacing`: a file is written under a unique temporary name beside it, created
  exclusively (``O_CREAT | O_EXCL | O_NOFOLLOW``: never an existing file, never through a
  link), then renamed over the target, which the rename replaces without following it.
- :func:`open_lock_file`: a lock file is created exclusively, or opened without following a
  link, and must be a regular file with one name (a hard link to another file is refused).
- :func:`clear_temporaries`: what a killed writer left under those temporary names is
  removed (links unlinked, never followed); call it only while holding the target's lock.

``docs/safety.md`` lists what each writer of the project adds to these. Imports the
standard library and :mod:`sim.storage.files` only.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from sim.storage.files import kind

#: The flags of a file created by a writer: exclusively, never through a link, closed in children.
CREATE_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
#: A temporary file of this module: ``.<target name>.<pid>-<8 hex digits>.tmp``.
_TEMPORARY = re.compile(r"\.(?P<name>.+)\.\d+-[0-9a-f]{8}\.tmp")


class WriteRefused(ValueError):
    """A path councils will not write to (a link, a device, a directory where a file goes); one line."""


def refuse_link(path: str | Path, flag: str) -> None:
    """Refuse ``path`` if its last component is a symbolic link (dangling or not).

    Parameters
    ----------
    path : path
        An output the user named.
    flag : str
        How the user named it, for the message (``"--out"``).

    Raises
    ------
    WriteRefused
        ``path`` is a symbolic link.
    """
    if os.path.islink(path):
        raise WriteRefused(
            f"{flag} {path}: is a symbolic link; councils does not write through links: name the real path"
        )


def real_directory(path: str | Path, flag: str) -> Path:
    """The directory ``path``, made (with its parents) if missing; refused if it is a link or not a directory.

    Raises
    ------
    WriteRefused
        ``path`` is a symbolic link, or exists and is not a directory.
    """
    path = Path(path)
    refuse_link(path, flag)
    with contextlib.suppress(FileExistsError):  # a file there: named below
        path.mkdir(parents=True, exist_ok=True)
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):  # planted between the check and the mkdir
        refuse_link(path, flag)
    if not stat.S_ISDIR(info.st_mode):
        raise WriteRefused(f"{flag} {path}: is {kind(info.st_mode)}, not a directory")
    return path


def temporary_file(target: str | Path) -> Path:
    """A new, unique hidden name beside ``target`` for the file being written: ``.<name>.<pid>-<hex>.tmp``."""
    target = Path(target)
    return target.parent / f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp"


def check_file_target(target: str | Path, flag: str) -> Path:
    """Refuse a file target that is a link, or exists and is not a regular file (a device, a directory)."""
    target = Path(target)
    refuse_link(target, flag)
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        return target
    if not stat.S_ISREG(info.st_mode):
        raise WriteRefused(f"{flag} {target}: is {kind(info.st_mode)}, not a file councils can write: name a file")
    return target


@contextlib.contextmanager
def replacing(target: str | Path, flag: str = "output") -> Iterator[BinaryIO]:
    """A binary file to write ``target``'s new content into; ``target`` is replaced only if the block ends well.

    The file is a unique temporary beside ``target`` created exclusively (never an existing
    file, never through a link); at the end of the block it is renamed over ``target``
    (a link at ``target`` is refused before anything is written). If the block raises, the
    temporary is removed and ``target`` is left as it was.

    Parameters
    ----------
    target : path
        The file to write.
    flag : str
        How the user named it, for messages.

    Raises
    ------
    WriteRefused
        ``target`` is a link, a directory or a device.
    """
    target = check_file_target(target, flag)
    tmp = temporary_file(target)
    fd = os.open(tmp, CREATE_NEW, 0o666)
    try:
        with os.fdopen(fd, "wb") as file:
            yield file
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_bytes(target: str | Path, data: bytes, flag: str = "output") -> Path:
    """Write ``data`` as the new content of ``target`` (see :func:`replacing`)."""
    with replacing(target, flag) as file:
        file.write(data)
    return Path(target)


def write_text(target: str | Path, text: str, flag: str = "output") -> Path:
    """Write ``text`` (UTF-8) as the new content of ``target`` (see :func:`replacing`)."""
    return write_bytes(target, text.encode("utf-8"), flag)


def clear_temporaries(directory: str | Path, name: str | None = None) -> int:
    """Remove the temporary files killed writers left in ``directory`` (of ``name`` only, if given); how many.

    Removes this module's temporaries and the fixed names earlier versions used
    (``.<name>.tmp``, ``<run_id>.tmp``); a link is unlinked, never followed; directories are
    left alone. Call it only while holding the lock of what is written there.
    """
    directory = Path(directory)
    try:
        entries = list(os.scandir(directory))
    except (FileNotFoundError, NotADirectoryError):
        return 0
    removed = 0
    for entry in entries:
        if not _ours(entry.name, name) or entry.is_dir(follow_symlinks=False):
            continue
        with contextlib.suppress(FileNotFoundError):
            os.unlink(entry.path)
            removed += 1
    return removed


def _ours(file: str, name: str | None) -> bool:
    """Whether ``file`` is a temporary this module (or an earlier version) would have made for ``name``."""
    if not file.endswith(".tmp"):
        return False
    match = _TEMPORARY.fullmatch(file)
    if name is None:
        return file.startswith(".") or re.fullmatch(r"[0-9a-f]{12}\.tmp", file) is not None
    if match is not None:
        return match.group("name") == name
    stem, _, ext = name.rpartition(".")
    return file in (f".{name}.tmp", f".{stem}.{ext}.tmp", f"{Path(name).stem}.tmp")


def open_lock_file(path: str | Path) -> int:
    """A descriptor of the lock file ``path``, read-write: created exclusively, or the existing one, never a link.

    Raises
    ------
    WriteRefused
        ``path`` is a symbolic link, not a regular file, or a regular file with another name
        too (a hard link): writing the lock's stamp there would change another file.
    OSError
        The directory cannot be written.
    """
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        except FileExistsError:
            try:
                fd = os.open(path, os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
            except FileNotFoundError:
                continue  # its holder removed it between our two opens: create it
            except OSError as err:
                if err.errno == errno.ELOOP:
                    raise WriteRefused(
                        f"{path}: the lock file is a symbolic link; councils does not write through links: remove it"
                    ) from None
                raise
        info = os.fstat(fd)
        if stat.S_ISREG(info.st_mode) and info.st_nlink == 1:
            return fd
        os.close(fd)
        what = kind(info.st_mode) if not stat.S_ISREG(info.st_mode) else "a file with another name too (a hard link)"
        raise WriteRefused(f"{path}: the lock file is {what}; councils writes its lock only in a file of its own")
