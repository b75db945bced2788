"""A minimal asyncio HTTP/1.1 keep-alive server for the load benchmark (no
``def main``: run_all does not run it on its own).

``/`` answers ``ok`` at once (the trivial endpoint); ``/delay`` answers after a
fixed service time (``--delay-ms``), so latency is the server's, not the
clients' own per-request cost.

    taskset -c 0 python benchmarks/verify/endpoint_server.py PORT [DELAY_MS]
"""

from __future__ import annotations

import asyncio
import sys

OK = (
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n"
    b"Connection: keep-alive\r\n\r\nok"
)


class Http(asyncio.Protocol):
    """Answers every request on the connection, in order."""

    def __init__(self, delay_s: float) -> None:
        self.delay_s = delay_s
        self.buf = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while b"\r\n\r\n" in self.buf:
            head, self.buf = self.buf.split(b"\r\n\r\n", 1)
            assert self.transport is not None
            if head.split(b" ", 2)[1:2] == [b"/delay"]:
                asyncio.get_running_loop().call_later(self.delay_s, self._reply)
            else:
                self._reply()

    def _reply(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(OK)


async def serve(port: int, delay_ms: float) -> None:
    """Serve until killed."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Http(delay_ms / 1000), "127.0.0.1", port)
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1]), float(sys.argv[2]) if len(sys.argv) > 2 else 5.0))
