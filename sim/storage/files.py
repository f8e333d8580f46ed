"""Reading a user's file with a size limit, so that ``/dev/zero``, a pipe or a stray huge file is refused, not read.

Every reader of user input (scenario and sweep files, economy tables, saved results)
goes through :func:`read_bytes` or :func:`read_text`; the caller turns
:class:`FileRefused` into its own error type, keeping the one-line message.
"""

from __future__ import annotations

import stat
from pathlib import Path


class FileRefused(ValueError):
    """A file that cannot be read as asked; the message names the file and why."""


def read_bytes(path: str | Path, max_bytes: int, what: str) -> bytes:
    """The bytes of a regular file of at most ``max_bytes`` bytes.

    Parameters
    ----------
    path : path
        The file.
    max_bytes : int
        Largest size accepted, bytes; a larger file is refused before it is read.
    what : str
        What the file should be, for the message (``"a TOML file"``).

    Raises
    ------
    FileRefused
        Missing, a directory, not a regular file (a device, a pipe), too large, or unreadable.
    """
    path = Path(path)
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise FileRefused(f"{path}: is a directory, not {what}")
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused(f"{path}: not a regular file: must be {what}")
        if info.st_size > max_bytes:
            raise FileRefused(f"{path}: {_size(info.st_size)}, larger than {_size(max_bytes)}: not {what}")
        with path.open("rb") as file:
            data = file.read(info.st_size + 1)  # not max_bytes + 1: read(n) allocates n bytes first
    except FileNotFoundError:
        raise FileRefused(f"{path}: no such file") from None
    except (OSError, ValueError) as err:
        if isinstance(err, FileRefused):
            raise
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        raise FileRefused(f"{path}: cannot read: {reason}") from None
    if len(data) > max_bytes:  # it grew since stat
        raise FileRefused(f"{path}: larger than {_size(max_bytes)}: not {what}")
    if len(data) > info.st_size:  # it grew since stat: not a file to trust either
        raise FileRefused(f"{path}: changed while it was read: must be {what} that stays as it is")
    return data


def read_text(path: str | Path, max_bytes: int, what: str) -> str:
    """The UTF-8 text of a regular file of at most ``max_bytes`` bytes (see :func:`read_bytes`)."""
    data = read_bytes(path, max_bytes, what)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise FileRefused(f"{path}: not UTF-8 text: {err}") from None


def _size(n: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n} bytes"
