"""A TCP proxy on 127.0.0.1 that adds a fixed delay each way: a link with real latency.

Run: python benchmarks/transfer/delay_proxy.py LISTEN_PORT TARGET_PORT ONE_WAY_MS [WINDOW_KIB]

Every chunk read from one side is written to the other ``ONE_WAY_MS`` later
(order kept), so a request/response round trip costs ``2 × ONE_WAY_MS`` more
than on loopback. Like TCP on a long link, each connection has at most a
window of bytes in flight per direction (``WINDOW_KIB``, default 2048: the
proxy stops reading while that much is still on its way), so one connection
carries at most ``window / one-way delay`` — 100 MiB/s at 20 ms each way,
what a Linux TCP connection with its default 4 MiB buffer limit gets at 40 ms
RTT — and parallel connections add up. Used by ``pinned_defaults.py`` to
compare single PUT and multipart uploads, and the tools' defaults, on such a
link.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys


async def _pipe(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float, window: int
) -> None:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
    in_flight = 0
    room = asyncio.Event()
    room.set()

    async def send() -> None:
        nonlocal in_flight
        while True:
            due, chunk = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if not chunk:
                break
            writer.write(chunk)
            await writer.drain()
            in_flight -= len(chunk)
            if in_flight < window:
                room.set()
        with contextlib.suppress(OSError):
            writer.close()

    sender = asyncio.create_task(send())
    try:
        while True:
            await room.wait()
            chunk = await reader.read(min(1 << 18, window))
            if not chunk:
                break
            in_flight += len(chunk)
            if in_flight >= window:
                room.clear()
            queue.put_nowait((loop.time() + delay, chunk))
    except OSError:
        pass
    queue.put_nowait((loop.time() + delay, b""))
    with contextlib.suppress(OSError):
        await sender


async def _serve(listen: int, target: int, delay: float, window: int) -> None:
    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            server_r, server_w = await asyncio.open_connection("127.0.0.1", target)
        except OSError:
            client_w.close()
            return
        await asyncio.gather(
            _pipe(client_r, server_w, delay, window), _pipe(server_r, client_w, delay, window)
        )

    server = await asyncio.start_server(handle, "127.0.0.1", listen, backlog=512)
    async with server:
        await server.serve_forever()


def main() -> None:
    """Proxy LISTEN_PORT → TARGET_PORT with ONE_WAY_MS each way until killed."""
    listen, target, one_way_ms = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    window = int(sys.argv[4]) * 1024 if len(sys.argv) > 4 else 2048 * 1024
    asyncio.run(_serve(listen, target, one_way_ms / 1000, window))


if __name__ == "__main__":
    main()
