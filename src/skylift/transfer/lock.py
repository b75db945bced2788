"""One transfer at a time per destination: an advisory lock next to the journals.

Two runs writing the same destination would race on the same multipart
uploads and temp names. Each run takes ``<journal dir>/locks/<hash of the
destination URL>.lock`` with ``flock`` (released by the kernel when the process
dies, even by SIGKILL, so a crash never leaves a stale lock) and writes its
pid, host and start time into it, so the second run can say who holds it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import time
from pathlib import Path

from skylift.errors import TransferError
from skylift.storage.registry import scheme_of
from skylift.storage.urls import redact_url, shown_url, url_identity
from skylift.transfer.journal import private_file


class DestinationBusyError(TransferError):
    """Another skylift transfer is writing the same destination."""


class DestinationLock:
    """``with DestinationLock(folder, destination):`` — held for the whole run."""

    def __init__(self, folder: Path, destination: str, source: str = "") -> None:
        shown = redact_url(destination).rstrip("/")
        ident = url_identity(destination).rstrip("/")  # what the connection parses (#12)
        if scheme_of(destination) == "file":  # ./dst, dst/ and /abs/dst are one folder
            from skylift.storage.local import local_root

            ident = "file://" + os.path.realpath(local_root(destination))
        name = hashlib.sha256(ident.encode()).hexdigest()[:20]
        self.path = folder / "locks" / f"{name}.lock"
        self.destination = shown
        self.source = redact_url(source)
        self._fd: int | None = None

    def __enter__(self) -> DestinationLock:
        self.path.parent.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # the journals'
        private_file(self.path)
        fd = os.open(self.path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            holder = _holder(fd)
            os.close(fd)
            raise DestinationBusyError(
                f"{shown_url(self.destination)} is being written by another skylift transfer "
                f"({holder})",
                "wait for it to finish (or stop it), then run again; "
                "the lock is released when that process exits",
            ) from exc
        info = {
            "pid": os.getpid(),
            "host": os.uname().nodename,  # gethostname(); no socket import (#12)
            "started": time.strftime("%Y-%m-%d %H:%M:%S %z"),
            "source": self.source,
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        self._fd = fd
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing releases the flock
            self._fd = None


def _holder(fd: int) -> str:
    """Who holds the lock, from what it wrote (``pid 123 on host h since …``)."""
    try:
        info = json.loads(os.pread(fd, 4096, 0).decode() or "{}")
    except (OSError, ValueError):
        info = {}
    if not isinstance(info, dict) or "pid" not in info:
        return "process unknown"
    text = f"pid {info['pid']} on host {info.get('host', '?')} since {info.get('started', '?')}"
    if info.get("source"):
        text += f", from {shown_url(str(info['source']))}"
    return text
