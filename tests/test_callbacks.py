"""The callback client against raw HTTP peers: framings, keep-alive, closed and silent peers."""

from __future__ import annotations

import asyncio

import pytest

from tmf_api.callbacks import CallbackClient, CallbackError

ANSWERS = {
    "/length": b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
    "/chunked": b"HTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nbad\r\n4\r\n day\r\n0\r\n\r\n",
    "/continue": b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
    "/http10": b"HTTP/1.0 200 OK\r\n\r\nuntil close",
    "/close": b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
}


class Peer:
    def __init__(self) -> None:
        self.connections = 0
        self.requests: list[tuple[str, bytes]] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                path = line.split()[1].decode().split("?")[0]
                length = 0
                while (header := await reader.readline()) not in (b"\r\n", b""):
                    if header.lower().startswith(b"content-length:"):
                        length = int(header.split(b":")[1])
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
        client = CallbackClient(timeout=2)
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
        client = CallbackClient(timeout=0.3)
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
