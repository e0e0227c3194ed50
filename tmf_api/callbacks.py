"""A small HTTP/1.1 client for posting events to subscribers' callbacks.

Event fan-out is hundreds of small POSTs per change; a general-purpose client spends most of the
dispatcher's CPU on per-request bookkeeping (measured with py-spy: over half of it in
httpx.AsyncClient.post). This one keeps persistent connections per origin and does only what a
callback POST needs: one request, a status line, headers, a body read by length or chunks.
"""

from __future__ import annotations

import asyncio
import ssl
from urllib.parse import urlsplit

Origin = tuple[str, str, int]
Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class CallbackError(Exception):
    """The callback could not be reached or did not answer HTTP."""


class CallbackClient:
    def __init__(self, timeout: float, keep_per_origin: int = 16) -> None:
        self.timeout = timeout
        self.keep_per_origin = keep_per_origin
        self._idle: dict[Origin, list[Connection]] = {}
        self._tls = ssl.create_default_context()

    async def post(self, url: str, body: bytes) -> tuple[int, bytes]:
        """POST `body` as JSON to `url`; the status and (the start of) the response body."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CallbackError(f"not an http(s) URL: {url!r}")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        origin = (parts.scheme, parts.hostname, port)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        host = parts.netloc.rsplit("@", 1)[-1]
        head = (
            f"POST {target} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nAccept: */*\r\nUser-Agent: tmf-api-hub\r\n\r\n"
        ).encode("latin-1")
        # A pooled connection the peer has closed meanwhile fails at once: try a fresh one then.
        for reused in (True, False):
            connection = self._take(origin) if reused else None
            if reused and connection is None:
                continue
            try:
                if connection is None:
                    connection = await asyncio.wait_for(self._open(origin), self.timeout)
                return await asyncio.wait_for(self._exchange(origin, connection, head + body), self.timeout)
            except TimeoutError:  # before OSError, of which it is a subclass
                _close(connection)
                raise CallbackError(f"no answer within {self.timeout:g} s") from None
            except (OSError, asyncio.IncompleteReadError, ValueError) as error:
                _close(connection)
                if not reused:
                    raise CallbackError(f"{type(error).__name__}: {error}") from None
        raise AssertionError("unreachable")

    async def _open(self, origin: Origin) -> Connection:
        scheme, hostname, port = origin
        return await asyncio.open_connection(hostname, port, ssl=self._tls if scheme == "https" else None)

    def _take(self, origin: Origin) -> Connection | None:
        idle = self._idle.get(origin)
        while idle:
            connection = idle.pop()
            if not connection[1].is_closing():
                return connection
        return None

    async def _exchange(self, origin: Origin, connection: Connection, request: bytes) -> tuple[int, bytes]:
        reader, writer = connection
        writer.write(request)
        await writer.drain()
        while True:
            status_line = await reader.readline()
            if not status_line:
                raise asyncio.IncompleteReadError(b"", None)
            version, _, rest = status_line.decode("latin-1").partition(" ")
            status = int(rest[:3])
            headers: dict[str, str] = {}
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b"\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            if status >= 200 or status == 101:
                break  # 1xx (100 Continue …) precede the real answer
        keep = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
        if status in (204, 304):
            content = b""
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            content = await _read_chunked(reader)
        elif "content-length" in headers:
            content = await reader.readexactly(int(headers["content-length"]))
        else:
            content, keep = await reader.read(), False  # the body ends with the connection
        if keep:
            idle = self._idle.setdefault(origin, [])
            if len(idle) < self.keep_per_origin:
                idle.append(connection)
                return status, content
        _close(connection)
        return status, content

    async def aclose(self) -> None:
        for idle in self._idle.values():
            for connection in idle:
                _close(connection)
        self._idle.clear()


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    chunks: list[bytes] = []
    while True:
        size = int((await reader.readline()).split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(chunks)
        chunks.append(await reader.readexactly(size))
        await reader.readexactly(2)


def _close(connection: Connection | None) -> None:
    if connection is not None:
        connection[1].close()
