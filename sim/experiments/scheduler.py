"""Is a Dask scheduler there? A check of ``--scheduler`` within a short, stated timeout, before a sweep is sent.

Dask's own client waits 30 s for a refused port, and it trusts whatever answers: an HTTP
server keeps it waiting forever, and an "HTTP/1.1 400" reply is read as a message length of
exabytes. A Dask scheduler greets every connection first, with a small handshake message
(a little-endian 8-byte length, then msgpack frames). :func:`check_scheduler` connects,
reads that greeting within the timeout and decodes it; anything else is refused with one
line saying what answered.
"""

from __future__ import annotations

import socket
import struct
import time
from urllib.parse import urlsplit

#: Seconds to connect and be greeted, unless ``--scheduler-timeout`` says otherwise.
DEFAULT_TIMEOUT = 5.0
#: A Dask handshake is a few hundred bytes; anything announcing more is not one.
MAX_GREETING_BYTES = 1 << 16
_LENGTH = struct.Struct("<Q")


class SchedulerError(ValueError):
    """``--scheduler`` names something that is not a reachable Dask scheduler; one line."""


def parse_address(address: str) -> tuple[str, int]:
    """``"tcp://host:8786"`` or ``"host:8786"`` → ``("host", 8786)``.

    Raises
    ------
    SchedulerError
        Another protocol, no host or no port.
    """
    text = address if "://" in address else f"tcp://{address}"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as err:
        raise SchedulerError(f"--scheduler {address}: not an address ({err}): must be tcp://host:port") from None
    if parts.scheme != "tcp":
        raise SchedulerError(f"--scheduler {address}: only tcp:// schedulers are supported, e.g. tcp://host:8786")
    if not parts.hostname or port is None or parts.path not in ("", "/"):
        raise SchedulerError(f"--scheduler {address}: must be tcp://host:port, e.g. tcp://127.0.0.1:8786")
    return parts.hostname, port


def check_scheduler(address: str, timeout: float = DEFAULT_TIMEOUT) -> None:
    """Refuse ``address`` unless a Dask scheduler greets a connection to it within ``timeout`` seconds.

    Parameters
    ----------
    address : str
        ``tcp://host:port`` (or ``host:port``).
    timeout : float
        Seconds for the whole check (connecting and being greeted).

    Raises
    ------
    SchedulerError
        Naming the address and what happened: refused, unknown host, no answer within the
        timeout, an HTTP server, or some other reply.
    """
    host, port = parse_address(address)
    where = f"--scheduler {address}"
    deadline = time.monotonic() + timeout
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except ConnectionRefusedError:
        raise SchedulerError(f"{where}: connection refused: no scheduler listens there") from None
    except TimeoutError:
        raise SchedulerError(f"{where}: no connection within {timeout:g} s (--scheduler-timeout)") from None
    except socket.gaierror as err:
        raise SchedulerError(f"{where}: unknown host {host!r} ({err.strerror})") from None
    except OSError as err:
        raise SchedulerError(f"{where}: cannot connect: {err.strerror or err}") from None
    with sock:
        head = _receive(sock, _LENGTH.size, deadline, where, timeout)
        if head.startswith(b"HTTP") or head[:1] == b"<":
            raise SchedulerError(
                f"{where}: an HTTP server answered, not a Dask scheduler "
                "(the scheduler listens on port 8786 by default, its dashboard on 8787)"
            )
        (length,) = _LENGTH.unpack(head)
        if not 0 < length <= MAX_GREETING_BYTES:
            raise SchedulerError(f"{where}: something answered that is not a Dask scheduler (reply {head!r}…)")
        _check_greeting(_receive(sock, length, deadline, where, timeout), where)


def _receive(sock: socket.socket, size: int, deadline: float, where: str, timeout: float) -> bytes:
    """Exactly ``size`` bytes before ``deadline``."""
    data = bytearray()
    while len(data) < size:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        sock.settimeout(left)
        try:
            chunk = sock.recv(size - len(data))
        except TimeoutError:
            break
        except OSError as err:
            raise SchedulerError(f"{where}: connection failed: {err.strerror or err}") from None
        if not chunk:
            raise SchedulerError(f"{where}: closed the connection without the greeting a Dask scheduler sends")
        data += chunk
    if len(data) < size:
        raise SchedulerError(
            f"{where}: connected, but no Dask scheduler's greeting within {timeout:g} s (--scheduler-timeout); "
            "is it an HTTP server or some other service?"
        )
    return bytes(data)


def _check_greeting(payload: bytes, where: str) -> None:
    """Decode a Dask handshake (frames, then msgpack); refuse anything else."""
    from distributed.protocol import loads
    from distributed.protocol.utils import unpack_frames

    try:
        message = loads(unpack_frames(payload), deserialize=False)
    except Exception:  # any decoding failure means the same: not Dask's protocol
        message = None
    if not isinstance(message, dict) or "pickle-protocol" not in message:
        raise SchedulerError(f"{where}: something answered that is not a Dask scheduler")
