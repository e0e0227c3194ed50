"""A small HTTP/1.1 client for posting events to subscribers' callbacks.

Event fan-out is hundreds of small POSTs per change; a general-purpose client spends most of the
dispatcher's CPU on per-request bookkeeping (measured with py-spy: over half of it in
httpx.AsyncClient.post). This one keeps persistent connections per origin and does only what a
callback POST needs: one request, a status line, headers, a body read by length or chunks.

Callbacks are URLs given by anyone who can subscribe, so the hub posts only where it is meant to
(CallbackPolicy): http(s), no credentials, and no loopback, private, link-local (cloud metadata),
multicast or unspecified address unless the server allows them (local demos, tests); never the
database's own endpoint. Names are resolved when a connection is opened, and the connection goes
to the address that was checked, so a name re-pointed after the subscription (DNS rebinding)
gains nothing. Redirects are not followed (a 3xx is a failed attempt) and response bodies are
read up to RESPONSE_LIMIT.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

Origin = tuple[str, str, int]
Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# What is kept of a response body (for the delivery's last_error); the rest is not read.
RESPONSE_LIMIT = 4096
# Characters left as they are in a request target; everything else is percent-encoded
# (non-ASCII paths, spaces, CR/LF that would otherwise split the request line).
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"
# A host name once IDNA-encoded: letters, digits, hyphens and underscores in dot-separated labels.
_HOST_NAME = re.compile(r"^[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?$", re.IGNORECASE)


class CallbackError(Exception):
    """The callback could not be reached or did not answer HTTP."""


class CallbackRefused(CallbackError):
    """The callback URL is not one the hub posts to (the message says why, for the subscriber)."""


@dataclass(frozen=True)
class Target:
    """A callback URL taken apart and encoded as it goes on the wire."""

    scheme: str
    host: str  # an IP address, or the IDNA (ASCII) form of the name
    port: int
    request_target: str
    host_header: str

    @property
    def origin(self) -> Origin:
        return (self.scheme, self.host, self.port)

    def address(self) -> IPAddress | None:
        try:
            return ipaddress.ip_address(self.host)
        except ValueError:
            return None


def parse_callback(url: str) -> Target:
    """The wire form of `url`; CallbackRefused when it is not an http(s) URL the hub can post to."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise CallbackRefused(f"not a valid URL: {error}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CallbackRefused("not an absolute http(s) URL")
    if parts.username is not None or parts.password is not None:
        raise CallbackRefused("credentials in the URL are not accepted")
    host = parts.hostname
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is None:
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            host = ""
        if not _HOST_NAME.match(host):
            raise CallbackRefused(f"the host {parts.hostname!r} is not a valid domain name")
    shown = f"[{host}]" if literal is not None and literal.version == 6 else host
    target = quote(parts.path or "/", safe=_PATH_SAFE)
    if parts.query:
        target += "?" + quote(parts.query, safe=_QUERY_SAFE)
    return Target(
        scheme=parts.scheme,
        host=host,
        port=port or (443 if parts.scheme == "https" else 80),
        request_target=target,
        host_header=shown if port is None else f"{shown}:{port}",
    )


def not_public(address: IPAddress) -> str | None:
    """Why the hub must not post to `address` by default; None for a public address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address (cloud metadata lives there)"
    if address.is_multicast:
        return "a multicast address"
    if address.is_unspecified:
        return "the unspecified address"
    if address.is_private or not address.is_global:
        return "a private or reserved address"
    return None


class CallbackPolicy:
    """Where the hub may post: public addresses, or any address with `allow_private`; never
    the endpoints in `reserved` (the database's host and port)."""

    def __init__(self, allow_private: bool = False, reserved: Iterable[tuple[str, int]] = ()) -> None:
        self.allow_private = allow_private
        self._reserved_names = tuple(reserved)
        self._reserved: set[tuple[IPAddress, int]] | None = None

    @classmethod
    def from_settings(cls, allow_private: bool, database_url: str) -> CallbackPolicy:
        from sqlalchemy.engine import make_url

        url = make_url(database_url)
        reserved = []
        if url.host and not url.get_backend_name().startswith("sqlite"):
            default = {"postgresql": 5432, "mysql": 3306}.get(url.get_backend_name(), 0)
            reserved.append((url.host, url.port or default))
        return cls(allow_private, reserved)

    def reserved(self) -> set[tuple[IPAddress, int]]:
        if self._reserved is None:
            found: set[tuple[IPAddress, int]] = set()
            for host, port in self._reserved_names:
                found |= {(address, port) for address in _resolve_sync(host, port)}
            self._reserved = found
        return self._reserved

    def refusal(self, address: IPAddress, port: int) -> str | None:
        """Why the hub must not post to address:port; None when it may."""
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if (address, port) in self.reserved():
            return "the server's own database"
        if self.allow_private:
            return None
        return not_public(address)

    def check(self, url: str, *, resolve: bool = True) -> Target:
        """`url` parsed, if the hub may post to it (at subscription time); CallbackRefused if not.

        A name is resolved now when `resolve` (one that does not resolve yet is accepted: it is
        checked again, with what it then resolves to, whenever an event is delivered).
        """
        target = parse_callback(url)
        literal = target.address()
        if literal is not None:
            addresses: Iterable[IPAddress] = [literal]
        elif target.host == "localhost" or target.host.endswith(".localhost"):
            addresses = [ipaddress.ip_address("127.0.0.1")]
        else:
            addresses = _resolve_sync(target.host, target.port) if resolve else []
        for address in addresses:
            why = self.refusal(address, target.port)
            if why is not None:
                raise CallbackRefused(f"{target.host}:{target.port} is {why}")
        return target

    async def addresses(self, target: Target) -> list[IPAddress]:
        """The addresses of `target` the hub may connect to now, in resolver order."""
        literal = target.address()
        if literal is not None:
            found = [literal]
        else:
            loop = asyncio.get_running_loop()
            try:
                infos = await loop.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
            except (OSError, UnicodeError) as error:
                raise CallbackError(f"cannot resolve {target.host}: {error}") from None
            found = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
        allowed = [a for a in found if self.refusal(a, target.port) is None]
        if not allowed:
            why = self.refusal(found[0], target.port) if found else "no address"
            raise CallbackRefused(f"{target.host}:{target.port} is {why}")
        return allowed


def _resolve_sync(host: str, port: int) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos))


class CallbackClient:
    def __init__(
        self, timeout: float, keep_per_origin: int = 16, policy: CallbackPolicy | None = None
    ) -> None:
        self.timeout = timeout
        self.keep_per_origin = keep_per_origin
        self.policy = policy or CallbackPolicy()
        self._idle: dict[Origin, list[Connection]] = {}
        self._tls = ssl.create_default_context()

    async def post(self, url: str, body: bytes) -> tuple[int, bytes]:
        """POST `body` as JSON to `url`; the status and (the start of) the response body."""
        target = parse_callback(url)
        origin = target.origin
        head = (
            f"POST {target.request_target} HTTP/1.1\r\nHost: {target.host_header}\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nAccept: */*\r\nUser-Agent: tmf-api-hub\r\n\r\n"
        ).encode("ascii")
        # A pooled connection the peer has closed meanwhile fails at once: try a fresh one then.
        for reused in (True, False):
            connection = self._take(origin) if reused else None
            if reused and connection is None:
                continue
            try:
                if connection is None:
                    connection = await asyncio.wait_for(self._open(target), self.timeout)
                return await asyncio.wait_for(self._exchange(origin, connection, head + body), self.timeout)
            except TimeoutError:  # before OSError, of which it is a subclass
                _close(connection)
                raise CallbackError(f"no answer within {self.timeout:g} s") from None
            except (OSError, asyncio.IncompleteReadError, ValueError) as error:
                _close(connection)
                if not reused:
                    raise CallbackError(f"{type(error).__name__}: {error}") from None
        raise AssertionError("unreachable")

    async def _open(self, target: Target) -> Connection:
        # Connect to an address just checked, never to the name again: a resolver answering
        # differently the second time (DNS rebinding) cannot lead the post elsewhere.
        error: OSError | None = None
        for address in await self.policy.addresses(target):
            try:
                if target.scheme == "https":
                    return await asyncio.open_connection(
                        str(address), target.port, ssl=self._tls, server_hostname=target.host
                    )
                return await asyncio.open_connection(str(address), target.port)
            except OSError as failed:
                error = failed
        assert error is not None
        raise error

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
            content, complete = await _read_chunked(reader)
            keep = keep and complete
        elif "content-length" in headers:
            length = int(headers["content-length"])
            content = await reader.readexactly(min(length, RESPONSE_LIMIT))
            keep = keep and length <= RESPONSE_LIMIT  # the rest is left unread: drop the connection
        else:
            content, keep = await _read_until_close(reader), False  # the body ends with the connection
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


async def _read_chunked(reader: asyncio.StreamReader) -> tuple[bytes, bool]:
    """The body, up to RESPONSE_LIMIT, and whether it was read to its end."""
    chunks: list[bytes] = []
    kept = 0
    while True:
        size = int((await reader.readline()).split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(chunks), True
        if kept + size > RESPONSE_LIMIT:
            chunks.append(await reader.readexactly(RESPONSE_LIMIT - kept))
            return b"".join(chunks), False
        chunks.append(await reader.readexactly(size))
        kept += size
        await reader.readexactly(2)


async def _read_until_close(reader: asyncio.StreamReader) -> bytes:
    content = b""
    while len(content) < RESPONSE_LIMIT:
        more = await reader.read(RESPONSE_LIMIT - len(content))
        if not more:
            break
        content += more
    return content


def _close(connection: Connection | None) -> None:
    if connection is not None:
        connection[1].close()
