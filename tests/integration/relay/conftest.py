"""A real relay receiver on 127.0.0.1, in a thread of the test process (its own event loop)."""

from __future__ import annotations

import asyncio
import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from skylift.relay.receiver import ReceiverSettings, serve
from skylift.relay.testing.paths import free_port
from tests.integration.servers import s3_server  # noqa: F401 - fixture used by name


class ThreadedReceiver:
    """``serve(settings)`` running until :meth:`stop`."""

    def __init__(self, settings: ReceiverSettings) -> None:
        self.settings = settings
        self.port = settings.listen[0][1]
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        ready = threading.Event()

        async def main() -> None:
            self._stop = asyncio.Event()
            await serve(settings, lambda _urls: ready.set(), self._stop)

        # a daemon: a receiver that failed to start (or to stop) is reported by the
        # assertions here, and must not then keep the test process from ending
        self._thread = threading.Thread(
            target=self._loop.run_until_complete, args=(main(),), daemon=True
        )
        self._thread.start()
        assert ready.wait(20), "receiver did not start"

    def stop(self) -> None:
        """Stop serving and join the thread."""
        assert self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)
        assert not self._thread.is_alive(), "receiver did not stop within 10 s"
        self._loop.close()


@pytest.fixture
def start_receiver(tmp_path: Path) -> Iterator[Callable[..., ThreadedReceiver]]:
    """Start receivers writing into ``tmp_path/dst`` (options override the settings)."""
    started: list[ThreadedReceiver] = []

    def start(**changes: object) -> ThreadedReceiver:
        settings = ReceiverSettings(
            listen=(("127.0.0.1", free_port()),),
            destination=str(tmp_path / "dst"),
            chunk_store=tmp_path / "dst" / ".skylift-relay-chunks",
            token=TOKEN,
        )
        receiver = ThreadedReceiver(replace(settings, **changes))  # type: ignore[arg-type]
        started.append(receiver)
        return receiver

    (tmp_path / "dst").mkdir()
    yield start
    for receiver in started:
        receiver.stop()


TOKEN = secrets.token_urlsafe(32)
