"""Fetch an image from an ``http://`` or ``https://`` address, within a time limit and a size limit.

The whole download must finish within ``timeout`` seconds (a server that sends a byte now and then cannot stretch
it) and hold at most ``max_bytes`` bytes (refused from the ``Content-Length`` header when the server gives one,
otherwise as soon as more arrives). Redirects are followed between ``http`` and ``https`` addresses only.
"""

from __future__ import annotations

import time

from .errors import KPaletteError

__all__ = ["is_url", "fetch", "TIMEOUT", "MAX_BYTES"]

#: Seconds a whole download may take.
TIMEOUT = 30.0
#: The largest download, in bytes (100 MiB: far more than any film frame or photo needs).
MAX_BYTES = 100 * 2**20
_CHUNK = 1 << 16


def is_url(text: object) -> bool:
    """Whether ``text`` is a string starting with ``http://`` or ``https://`` (any case)."""
    return isinstance(text, str) and text[:8].lower().startswith(("http://", "https://"))


def _mib(n: int) -> str:
    return f"{n / 2**20:.0f} MiB" if n >= 2**20 else f"{n:,} bytes"


def fetch(url: str, *, timeout: float = TIMEOUT, max_bytes: int = MAX_BYTES) -> bytes:
    """Download ``url`` whole, or raise :class:`KPaletteError` with one plain sentence.

    Parameters
    ----------
    url : str
        An ``http://`` or ``https://`` address.
    timeout : float
        Seconds the whole download may take.
    max_bytes : int
        The most bytes accepted.

    Returns
    -------
    bytes
    """
    import socket
    import urllib.error
    import urllib.request
    from http.client import HTTPException

    if not is_url(url):
        raise KPaletteError(f"{url}: not an http:// or https:// address")
    handlers = [urllib.request.ProxyHandler(), urllib.request.HTTPHandler(), urllib.request.HTTPSHandler(),
                urllib.request.HTTPRedirectHandler(), urllib.request.HTTPDefaultErrorHandler(),
                urllib.request.HTTPErrorProcessor()]
    opener = urllib.request.OpenerDirector()
    for handler in handlers:
        opener.add_handler(handler)
    request = urllib.request.Request(url, headers={"User-Agent": "kpalette", "Accept": "image/*"})
    deadline = time.monotonic() + timeout
    too_slow = f"{url}: no complete answer within {timeout:g} s"
    try:
        with opener.open(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length is not None and length.isdigit() and int(length) > max_bytes:
                raise KPaletteError(f"{url}: the file is {_mib(int(length))}, more than the {_mib(max_bytes)} "
                                    "kpalette downloads")
            chunks, size = [], 0
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise KPaletteError(too_slow)
                sock = getattr(getattr(getattr(response, "fp", None), "raw", None), "_sock", None)
                if sock is not None:
                    sock.settimeout(left)
                chunk = response.read1(_CHUNK) if hasattr(response, "read1") else response.read(_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise KPaletteError(f"{url}: the download is larger than the {_mib(max_bytes)} kpalette accepts")
                chunks.append(chunk)
    except KPaletteError:
        raise
    except urllib.error.HTTPError as exc:
        raise KPaletteError(f"{url}: the server answered {exc.code} {exc.reason}") from None
    except (socket.timeout, TimeoutError):
        raise KPaletteError(too_slow) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (socket.timeout, TimeoutError)):
            raise KPaletteError(too_slow) from None
        raise KPaletteError(f"{url}: cannot download ({getattr(reason, 'strerror', None) or reason})") from None
    except (OSError, HTTPException, ValueError) as exc:
        raise KPaletteError(f"{url}: cannot download ({getattr(exc, 'strerror', None) or exc or type(exc).__name__})"
                            ) from None
    data = b"".join(chunks)
    if not data:
        raise KPaletteError(f"{url}: the server sent no data")
    return data
