"""The scan's socket calls on the loop (``sslpoke.net.aio``) against loopback peers.

What is asserted is what the kernel saw: how many segments reached the peer
(``TCP_INFO``'s ``tcpi_segs_in``) and whether the loop was asked to wait at all.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import threading

import pytest

from sslpoke.net import aio

# struct tcp_info (linux/tcp.h): tcpi_segs_in follows 8 one-byte fields, 24 u32, 4 u64
# and tcpi_segs_out (Linux >= 4.2)
_SEGS_IN = 8 + 24 * 4 + 4 * 8 + 4


def _segments_in(conn: socket.socket) -> int:
    info = conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 256)
    if len(info) < _SEGS_IN + 4:
        pytest.skip("this kernel's TCP_INFO has no segment counts (Linux < 4.2)")
    return int(struct.unpack_from("I", info, _SEGS_IN)[0])


def _segments_a_client_sends(last: bool) -> tuple[int, bytes]:
    """A client sends a hello, then a last message with ``last`` and closes; the peer's
    count of segments received when it reads the end, and what it read."""
    got: list[object] = []
    with socket.create_server(("127.0.0.1", 0)) as server:

        def peer() -> None:
            conn, _ = server.accept()
            with conn:
                data = b""
                while chunk := conn.recv(4096):
                    data += chunk
                got.extend((_segments_in(conn), data))

        thread = threading.Thread(target=peer, daemon=True)
        thread.start()

        async def client() -> None:
            loop = asyncio.get_running_loop()
            sock = socket.socket()
            sock.setblocking(False)
            with sock:
                await aio.connect(loop, sock, server.getsockname())
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                await aio.sendall(loop, sock, b"hello" * 40)
                await aio.sendall(loop, sock, b"finished" * 10, last=last)

        asyncio.run(client())
        thread.join(10)
    assert len(got) == 2, "the peer did not read to the end"
    count, data = got
    assert isinstance(count, int) and isinstance(data, bytes)
    return count, data


@pytest.mark.skipif(not hasattr(socket, "MSG_MORE"), reason="MSG_MORE is Linux's")
def test_the_last_message_leaves_with_the_close_in_one_segment() -> None:
    """The client's Finished and its FIN reach the server in one segment (one wake-up
    of the server, one segment less per endpoint) and nothing is lost."""
    apart, data_apart = _segments_a_client_sends(last=False)
    together, data_together = _segments_a_client_sends(last=True)
    assert data_apart == data_together == b"hello" * 40 + b"finished" * 10
    assert together == apart - 1


def test_a_connection_settled_at_once_is_not_waited_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On loopback the kernel has settled the connection before ``connect`` returns:
    no wait on the loop; a refused one still waits and says so in the system's words."""
    waits: list[socket.socket] = []
    real = aio.writable

    async def counted(loop: asyncio.AbstractEventLoop, sock: socket.socket) -> None:
        waits.append(sock)
        await real(loop, sock)

    monkeypatch.setattr(aio, "writable", counted)

    async def connect(address: tuple[str, int]) -> None:
        with socket.socket() as sock:
            sock.setblocking(False)
            await aio.connect(asyncio.get_running_loop(), sock, address)
            assert sock.getpeername() == address

    with socket.create_server(("127.0.0.1", 0)) as server:
        asyncio.run(connect(server.getsockname()))
        assert waits == []
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))  # bound, not listening: refused
        with pytest.raises(ConnectionRefusedError, match="Connection refused"):
            asyncio.run(connect(bound.getsockname()))
