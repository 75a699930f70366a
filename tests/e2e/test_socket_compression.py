"""Websockets open without per-message compression: each compressed socket kept two zlib streams,
most of what 2,000 open sockets cost the server (README: Serving model and figures)."""

from __future__ import annotations

import socket

from tests.conftest import LiveServer

HANDSHAKE = (
    "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
    "Host: {host}\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
    "\r\n"
)


def handshake(srv: LiveServer) -> tuple[str, bytes]:
    """The server's answer to a browser-like websocket handshake that offers compression, and the
    first frame after it."""
    with socket.create_connection(("127.0.0.1", srv.port), timeout=30) as conn:
        conn.sendall(HANDSHAKE.format(host=f"127.0.0.1:{srv.port}").encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(4096)
            assert chunk, data
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        while len(rest) < 2:
            rest += conn.recv(4096)
        return head.decode("latin-1"), rest


def test_the_server_declines_per_message_deflate_and_the_socket_still_opens(
    live_server: LiveServer,
) -> None:
    head, frame = handshake(live_server)
    lines = head.split("\r\n")
    assert lines[0].startswith("HTTP/1.1 101"), head
    headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    assert headers.get("upgrade", "").lower() == "websocket"
    assert "sec-websocket-extensions" not in headers, head
    # Engine.IO's open packet follows as a plain text frame: FIN + text opcode, RSV1 (compressed) off
    assert frame[0] == 0x81, frame[:2]
    assert frame[2:3] == b"0" or frame[4:5] == b"0", frame[:8]  # "0{...}": the open packet
