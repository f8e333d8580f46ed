"""Reading a user's file with a size limit, so that ``/dev/zero``, a pipe or a stray huge file is refused, not read.

Every reader of user input (scenario and sweep files, economy tables, saved results)
goes through :func:`read_bytes`, :func:`read_text` or :func:`read_toml`; the caller turns
:class:`FileRefused` into its own error type, keeping the one-line message. A text file may
begin with a UTF-8 byte-order mark (it is dropped). Before a JSON or TOML text is parsed,
:func:`check_nesting` refuses one nested deeper than :data:`MAX_DEPTH` (a parser would
recurse once per level); after parsing, :func:`check_depth` refuses a structure that
dotted keys made as deep. Values quoted in a message go through :func:`show`, so a message
stays one short line whatever the file holds.
"""

from __future__ import annotations

import re
import stat
import tomllib
from pathlib import Path

#: The deepest nesting of arrays and tables read from a JSON or TOML file (real files nest at most 6 deep).
MAX_DEPTH = 64
#: The longest quoted value in a message, characters.
MAX_SHOWN = 60
_BOM = "\ufeff"
#: What can hold a bracket that does not nest: strings (and, in TOML, comments); and the brackets.
_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
_TOML_TOKENS = re.compile(
    r'"""(?:[^\\]|\\.)*?"""|\'\'\'.*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*|[\[\]{}]', re.DOTALL
)


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
            raise FileRefused(f"{path}: not a regular file ({kind(info.st_mode)}): must be {what}")
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
    """The UTF-8 text of a regular file of at most ``max_bytes`` bytes (see :func:`read_bytes`), without a BOM."""
    data = read_bytes(path, max_bytes, what)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise FileRefused(f"{path}: not UTF-8 text: {err}") from None
    return text.removeprefix(_BOM)


def read_toml(path: str | Path, max_bytes: int, what: str) -> dict:
    """A TOML file read with :func:`read_text`'s limits, its nesting checked before and after parsing.

    Raises
    ------
    FileRefused
        The file is missing, not a regular file, too large, nested too deep, or not valid
        TOML ("PATH: not valid TOML: …").
    """
    text = read_text(path, max_bytes, what)
    check_nesting(text, path, what, "toml")
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise FileRefused(f"{path}: not valid TOML: {err}") from None
    check_depth(table, path, what)
    return table


def check_nesting(text: str, path: str | Path, what: str, syntax: str = "json", max_depth: int = MAX_DEPTH):
    """Refuse a JSON or TOML text whose arrays and tables nest deeper than ``max_depth``, before it is parsed.

    Brackets inside strings (and TOML comments) do not count.

    Parameters
    ----------
    text : str
        The file's text.
    path : path
        The file, for the message.
    what : str
        What the file should be (``"a run's summary"``).
    syntax : {"json", "toml"}
        The file's syntax.
    max_depth : int
        The deepest nesting accepted.

    Raises
    ------
    FileRefused
        Nested deeper than ``max_depth``.
    """
    tokens = _TOML_TOKENS if syntax == "toml" else _JSON_TOKENS
    depth = 0
    for match in tokens.finditer(text):
        bracket = match.group()
        if bracket in "[{":
            depth += 1
            if depth > max_depth:
                raise FileRefused(f"{path}: nested more than {max_depth} deep: not {what}")
        elif bracket in "]}":
            depth -= 1


def check_depth(value, path: str | Path, what: str, max_depth: int = MAX_DEPTH):
    """Refuse a parsed structure (dicts and lists) deeper than ``max_depth`` (TOML's dotted keys nest unparsed)."""
    stack = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            raise FileRefused(f"{path}: nested more than {max_depth} deep: not {what}")
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)


def shorten(text: str, limit: int = MAX_SHOWN) -> str:
    """``text`` cut to at most ``limit`` characters, an ellipsis marking the cut; one line."""
    text = " ".join(str(text).split()) if "\n" in str(text) or "\r" in str(text) else str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def show(value, limit: int = MAX_SHOWN) -> str:
    """A value as a message quotes it (its ``repr``), shortened to ``limit`` characters with an ellipsis."""
    try:
        text = repr(value)
    except (RecursionError, ValueError):
        text = f"<{type(value).__name__}>"
    return shorten(text, limit)


def kind(mode: int) -> str:
    """What a file's ``st_mode`` says it is, in words: ``"a character device"``, ``"a directory"``, …"""
    for test, name in (
        (stat.S_ISREG, "a regular file"),
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "a special file"


def _size(n: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n} bytes"
