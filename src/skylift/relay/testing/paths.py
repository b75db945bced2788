"""Network paths for relay tests, benchmarks and the demo, on loopback only.

* :func:`shape` gives destination ports their own rate with ``tc`` HTB on
  ``lo`` — only inside a private network namespace (``unshare -n``), never on
  the machine's real loopback: it refuses to run in the initial namespace.
* :class:`Proxy` is a userspace TCP relay in front of a port: one-way delay
  (the kernel here has no netem) and a kill switch (every connection reset,
  the listener closed) to take a path down mid-transfer and bring it back.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sqlite3
import subprocess
import threading
import time
from collections.abc import Sequence
from pathlib import Path

_PARENT = "SKYLIFT_PARENT_NETNS"


def _netns() -> str:
    return os.readlink("/proc/self/ns/net")


def in_private_netns() -> bool:
    """True inside a namespace :func:`netns_command` made: loopback is the only interface
    and the namespace is not the one the command was launched from."""
    try:
        with open("/proc/net/dev", encoding="ascii") as fh:
            names = {line.split(":")[0].strip() for line in fh.readlines()[2:]}
        return names == {"lo"} and os.environ.get(_PARENT, _netns()) != _netns()
    except OSError:
        return False


def netns_command(argv: Sequence[str]) -> list[str]:
    """``argv`` run in a fresh network namespace whose loopback is up."""
    script = 'ip link set lo up && exec "$@"'
    return ["env", f"{_PARENT}={_netns()}", "unshare", "-n", "sh", "-c", script, "netns", *argv]


def shape(rates_mbit: dict[int, float], burst: str = "256k") -> None:
    """HTB class per destination port (``{port: Mbit/s}``) on ``lo`` of this namespace."""
    if not in_private_netns():
        raise RuntimeError("refusing to shape lo outside a private network namespace")
    lo = ["dev", "lo", "parent", "1:"]
    run = [
        ["qdisc", "replace", "dev", "lo", "root", "handle", "1:", "htb", "default", "99"],
        ["class", "add", *lo, "classid", "1:99", "htb", "rate", "40gbit"],
    ]
    for i, (port, rate) in enumerate(sorted(rates_mbit.items()), start=10):
        rule = ["htb", "rate", f"{rate}mbit", "burst", burst]
        run.append(["class", "add", *lo, "classid", f"1:{i}", *rule])
        match = ["match", "ip", "dport", str(port), "0xffff", "flowid", f"1:{i}"]
        run.append(["filter", "add", *lo, "protocol", "ip", "u32", *match])
    for cmd in run:
        subprocess.run(["tc", *cmd], check=True, capture_output=True)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_port(port: int, timeout: float = 20.0) -> None:
    """Wait until 127.0.0.1:``port`` accepts connections."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


def stored_chunks(store: Path) -> int:
    """How many chunks a receiver's chunk store indexes (read-only; 0 before the first)."""
    try:
        db = sqlite3.connect(f"file:{store / 'index.sqlite'}?mode=ro", uri=True)
        try:
            return int(db.execute("SELECT count(*) FROM chunks").fetchone()[0])
        finally:
            db.close()
    except sqlite3.Error:
        return 0


def wait_chunks(store: Path, count: int, timeout: float = 30.0) -> int:
    """Wait until a receiver's chunk store holds at least ``count`` chunks (mid-transfer)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = stored_chunks(store)
        if found >= count:
            return found
        time.sleep(0.02)
    raise TimeoutError(f"{store} did not reach {count} chunks")


class Proxy:
    """127.0.0.1:``port`` → 127.0.0.1:``target``, with ``delay`` seconds each way."""

    def __init__(self, port: int, target: int, delay: float = 0.0, corrupt_puts: int = 0) -> None:
        self.port, self.target, self.delay = port, target, delay
        #: flip one byte inside the body of this many ``PUT /v1/chunks`` requests (bit rot in
        #: transit that TCP's checksum missed, a bad middlebox): the receiver must notice
        self.corrupt_puts = corrupt_puts
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.AbstractServer | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self.start()

    def _call(self, coro: object) -> None:
        asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)  # type: ignore[arg-type]

    def _corrupt(self, data: bytes, seen: bytearray) -> bytes:
        """Flip one byte in the middle of the first chunk request body found in the stream."""
        seen += data
        at = seen.find(b"PUT /v1/chunks")
        end = seen.find(b"\r\n\r\n", at) if at >= 0 else -1
        if end < 0:
            if len(seen) > 1 << 20 and at < 0:
                del seen[: len(seen) - 64]
            return data
        head = bytes(seen[at:end]).lower()
        length = (
            int(head.split(b"content-length:")[1].split(b"\r\n")[0])
            if b"content-length:" in head
            else 0
        )
        offset = end + 4 + length // 2
        if len(seen) <= offset:
            return data
        self.corrupt_puts -= 1
        target = offset - (len(seen) - len(data))  # position in this block
        seen.clear()
        if not 0 <= target < len(data):
            return data
        return data[:target] + bytes([data[target] ^ 0xFF]) + data[target + 1 :]

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, upstream: bool = False
    ) -> None:
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        seen = bytearray()

        async def pump() -> None:
            while True:
                due, data = await queue.get()
                if not data:
                    break
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(data)
                await writer.drain()
            writer.close()

        task = asyncio.create_task(pump())
        try:
            while data := await reader.read(1 << 16):
                if upstream and self.corrupt_puts > 0:
                    data = self._corrupt(data, seen)
                await queue.put((time.monotonic() + self.delay, data))
        except (ConnectionError, OSError):
            pass
        await queue.put((0.0, b""))
        with contextlib.suppress(ConnectionError, OSError):
            await task

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, up_writer}
        await asyncio.gather(
            self._pipe(reader, up_writer, upstream=True), self._pipe(up_reader, writer)
        )
        self._writers -= {writer, up_writer}

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def _kill(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for w in list(self._writers):
            transport = w.transport
            sock = transport.get_extra_info("socket")
            if sock is not None:  # RST, as a dropped link or a dead middlebox would look
                sock.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                )
            transport.abort()
        self._writers.clear()

    def start(self) -> None:
        """Listen (again)."""
        self._call(self._start())

    def kill(self) -> None:
        """Reset every connection and stop listening: the path is down."""
        self._call(self._kill())

    def close(self) -> None:
        """Kill and stop the proxy's thread."""
        self.kill()

        async def drain() -> None:  # let aborted connections finish closing
            await asyncio.sleep(0.05)
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        self._call(drain())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()
