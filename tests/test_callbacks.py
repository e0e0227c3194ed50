"""The callback client against raw HTTP peers: framings, keep-alive, closed and silent peers;
and where the hub may post at all (CallbackPolicy)."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest

from tmf_api.callbacks import (
    RESPONSE_LIMIT,
    CallbackClient,
    CallbackError,
    CallbackPolicy,
    CallbackRefused,
    parse_callback,
)

# The tests' peers listen on loopback, which the hub refuses unless told otherwise.
LOCAL = CallbackPolicy(allow_private=True)

ANSWERS = {
    "/length": b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
    "/chunked": b"HTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nbad\r\n4\r\n day\r\n0\r\n\r\n",
    "/continue": b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
    "/http10": b"HTTP/1.0 200 OK\r\n\r\nuntil close",
    "/close": b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    "/redirect": b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/elsewhere\r\nContent-Length: 0\r\n\r\n",
    "/huge": b"HTTP/1.1 500 Oops\r\nContent-Length: 1048576\r\n\r\n" + b"x" * 1048576,
    "/huge-chunked": b"HTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\n\r\n"
    + b"100000\r\n" + b"y" * 0x100000 + b"\r\n0\r\n\r\n",
}


class Peer:
    def __init__(self) -> None:
        self.connections = 0
        self.requests: list[tuple[str, bytes]] = []
        self.targets: list[str] = []  # request targets as they came on the wire
        self.hosts: list[str] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                self.targets.append(line.split()[1].decode("ascii"))
                path = line.split()[1].decode().split("?")[0]
                length = 0
                while (header := await reader.readline()) not in (b"\r\n", b""):
                    if header.lower().startswith(b"content-length:"):
                        length = int(header.split(b":")[1])
                    if header.lower().startswith(b"host:"):
                        self.hosts.append(header.split(b":", 1)[1].strip().decode("ascii"))
                self.requests.append((path, await reader.readexactly(length)))
                if path == "/silent":
                    await asyncio.sleep(5)
                writer.write(ANSWERS.get(path, b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"))
                await writer.drain()
                if path in ("/http10", "/close"):
                    return
        finally:
            writer.close()


async def _serve(peer: Peer) -> tuple[asyncio.Server, str]:
    server = await asyncio.start_server(peer.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}"


def test_framings_and_keep_alive() -> None:
    async def scenario() -> None:
        peer = Peer()
        server, base = await _serve(peer)
        client = CallbackClient(timeout=2, policy=LOCAL)
        try:
            assert await client.post(f"{base}/length", b'{"a":1}') == (201, b"ok")
            assert await client.post(f"{base}/chunked", b"{}") == (500, b"bad day")
            assert await client.post(f"{base}/continue", b"{}") == (204, b"")
            assert peer.connections == 1  # one persistent connection so far
            assert await client.post(f"{base}/close", b"{}") == (202, b"")
            assert await client.post(f"{base}/http10", b"{}") == (200, b"until close")
            assert await client.post(f"{base}/length?x=1", b"{}") == (201, b"ok")
            assert peer.connections == 3  # reconnected after each peer-side close
            assert peer.requests[0] == ("/length", b'{"a":1}') and peer.requests[-1][0] == "/length"
        finally:
            await client.aclose()
            server.close()

    asyncio.run(scenario())


def test_unreachable_silent_and_bad_urls_are_callback_errors() -> None:
    async def scenario() -> None:
        peer = Peer()
        server, base = await _serve(peer)
        client = CallbackClient(timeout=0.3, policy=LOCAL)
        try:
            with pytest.raises(CallbackError, match="no answer"):
                await client.post(f"{base}/silent", b"{}")
            with pytest.raises(CallbackError):
                await client.post("http://127.0.0.1:1/nobody-listens", b"{}")
            with pytest.raises(CallbackError, match="http"):
                await client.post("ftp://example.invalid/x", b"{}")
        finally:
            await client.aclose()
            server.close()

    asyncio.run(scenario())


# -- where the hub may post ----------------------------------------------------------------------

REFUSED = [
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://127.0.0.1:22/",
    "http://[::1]:8080/cb",
    "http://localhost:8080/cb",
    "http://10.1.2.3/cb",
    "http://192.168.0.1/cb",
    "http://172.16.0.1/cb",
    "http://[fd00::1]/cb",  # unique local
    "http://[fe80::1]/cb",  # link-local
    "http://224.0.0.1/cb",  # multicast
    "http://0.0.0.0:8080/cb",
    "http://[::ffff:127.0.0.1]/cb",  # loopback behind an IPv4-mapped address
    "http://100.64.0.1/cb",  # shared address space (carrier NAT)
]


@pytest.mark.parametrize("url", REFUSED)
def test_private_addresses_are_refused_unless_allowed(url: str) -> None:
    with pytest.raises(CallbackRefused):
        CallbackPolicy().check(url)
    assert CallbackPolicy(allow_private=True).check(url)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://8.8.8.8/cb",
        "file:///etc/passwd",
        "/relative",
        "http://user:secret@8.8.8.8/cb",
        "http://token@8.8.8.8/cb",
        "http://8.8.8.8:99999/cb",
        "http://[::1/cb",
        "http://exa mple.com/cb",
        "http://a..b/cb",
        f"http://{'x' * 64}.example/cb",  # a label longer than DNS allows
    ],
)
def test_urls_the_hub_cannot_post_to_are_refused_even_when_private_is_allowed(url: str) -> None:
    with pytest.raises(CallbackRefused):
        CallbackPolicy(allow_private=True).check(url)


def test_public_addresses_are_accepted() -> None:
    target = CallbackPolicy().check("https://8.8.8.8/hooks/tmf?x=1")
    assert (target.host, target.port, target.request_target) == ("8.8.8.8", 443, "/hooks/tmf?x=1")


def test_the_database_endpoint_is_refused_even_when_private_is_allowed() -> None:
    policy = CallbackPolicy.from_settings(True, "postgresql+psycopg://tmf@127.0.0.1:5433/tmf")
    with pytest.raises(CallbackRefused, match="database"):
        policy.check("http://127.0.0.1:5433/")
    assert policy.check("http://127.0.0.1:5434/")
    default_port = CallbackPolicy.from_settings(True, "postgresql+psycopg://tmf@127.0.0.1/tmf")
    with pytest.raises(CallbackRefused, match="database"):
        default_port.check("http://127.0.0.1:5432/x")
    assert CallbackPolicy.from_settings(True, "sqlite:///var/tmf.db").check("http://127.0.0.1:5432/x")


def test_urls_are_encoded_for_the_wire() -> None:
    target = parse_callback("http://127.0.0.1:28999/订单?名=值 x")
    assert target.request_target == "/%E8%AE%A2%E5%8D%95?%E5%90%8D=%E5%80%BC%20x"
    assert target.host_header == "127.0.0.1:28999"
    assert parse_callback("http://例え.jp/x").host == "xn--r8jz45g.jp"
    assert parse_callback("http://[::1]/a%20b").host_header == "[::1]"
    # CR and LF cannot split the request line (urlsplit drops them, anything else is encoded).
    assert parse_callback("http://h.example/a\r\nX: y").request_target == "/aX:%20y"


def _resolving(monkeypatch: pytest.MonkeyPatch, answers: list[str]) -> list[str]:
    """Make the resolver answer `answers` in turn for any name; the names asked are returned."""
    asked: list[str] = []

    def getaddrinfo(host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        asked.append(host)
        address = answers[min(len(asked), len(answers)) - 1]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, int(port)))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def test_a_name_rebound_to_a_private_address_after_the_check_is_not_posted_to(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def scenario() -> None:
        peer = Peer()
        server, base = await _serve(peer)
        port = base.rsplit(":", 1)[1]
        asked = _resolving(monkeypatch, ["8.8.8.8", "127.0.0.1"])
        policy = CallbackPolicy()
        url = f"http://rebind.example:{port}/length"
        policy.check(url)  # at subscription: a public address
        client = CallbackClient(timeout=2, policy=policy)
        try:
            with pytest.raises(CallbackRefused, match="loopback"):
                await client.post(url, b"{}")  # at delivery: the name now says loopback
            assert asked == ["rebind.example", "rebind.example"] and peer.connections == 0
        finally:
            await client.aclose()
            server.close()

    asyncio.run(scenario())


def test_the_connection_goes_to_the_address_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    async def scenario() -> None:
        peer = Peer()
        server, base = await _serve(peer)
        port = base.rsplit(":", 1)[1]
        asked = _resolving(monkeypatch, ["127.0.0.1"])
        client = CallbackClient(timeout=2, policy=LOCAL)
        try:
            assert await client.post(f"http://pinned.example:{port}/length", b"{}") == (201, b"ok")
            # Resolved once, by the policy; the name itself never reached a second resolver.
            assert asked == ["pinned.example"] and peer.hosts == [f"pinned.example:{port}"]
        finally:
            await client.aclose()
            server.close()

    asyncio.run(scenario())


def test_redirects_are_not_followed_and_bodies_are_read_up_to_a_limit() -> None:
    async def scenario() -> None:
        peer = Peer()
        server, base = await _serve(peer)
        client = CallbackClient(timeout=5, policy=LOCAL)
        try:
            assert await client.post(f"{base}/redirect", b"{}") == (302, b"")
            assert [path for path, _ in peer.requests] == ["/redirect"]
            status, content = await client.post(f"{base}/huge", b"{}")
            assert status == 500 and len(content) == RESPONSE_LIMIT
            status, content = await client.post(f"{base}/huge-chunked", b"{}")
            assert status == 500 and content == b"y" * RESPONSE_LIMIT
            # The rest of a body cut short is never read: its connection is not used again.
            assert await client.post(f"{base}/length", b"{}") == (201, b"ok")
            assert peer.connections == 3
        finally:
            await client.aclose()
            server.close()

    asyncio.run(scenario())


def test_a_non_ascii_path_is_posted_percent_encoded() -> None:
    async def scenario() -> None:
        peer = Peer()
        server, base = await _serve(peer)
        client = CallbackClient(timeout=2, policy=LOCAL)
        try:
            assert (await client.post(f"{base}/订单", b"{}"))[0] == 404
            assert peer.targets == ["/%E8%AE%A2%E5%8D%95"]
        finally:
            await client.aclose()
            server.close()

    asyncio.run(scenario())
