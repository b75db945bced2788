"""SSH connection for the SFTP backend: authentication, host keys, per-thread channels, errors.

One SSH transport per :class:`~skylift.storage.sftp.backend.SftpStorage`; each thread
gets its own SFTP channel on it (paramiko's SFTPClient is not meant to be
shared between threads). A dead transport (server restarted) is replaced on
the next call; the failed call raises :class:`TransientError` so the
transfer engine's retry repeats it.

Credentials, in order: ``SKYLIFT_SFTP_PASSWORD``; a private key file from
the ``key_file`` option or ``SKYLIFT_SFTP_KEY_FILE`` (passphrase in
``SKYLIFT_SFTP_KEY_PASSPHRASE``); ssh-agent; ``~/.ssh/id_*``. A password in
the URL works but is discouraged; it is never shown in URLs or messages.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from skylift.errors import InputError, MissingDependencyError, ProviderError
from skylift.storage.base import PermissionDeniedError, TransientError
from skylift.storage.objstore import first_line
from skylift.storage.oserrors import translate_os_error
from skylift.storage.urls import redact_url, shown_url

if TYPE_CHECKING:
    import paramiko


@dataclass(frozen=True)
class SftpTarget:
    """Where to connect; ``password`` stays out of ``repr`` and of :attr:`safe_url`."""

    host: str
    port: int
    user: str
    root: str
    password: str | None
    #: what messages show when the URL was elided (a password typed with an unescaped
    #: "#", "?" or "/" reads as port and path: ``sftp://u:…``), else ""
    shown: str = field(default="", compare=False)

    @property
    def safe_url(self) -> str:
        """The URL without any password (the store's URL)."""
        return f"sftp://{self.user}@{self.host}:{self.port}{self.root}"

    @property
    def where(self) -> str:
        """The URL for messages: :attr:`safe_url`, or the elided form (#12, review)."""
        return self.shown or self.safe_url

    def __repr__(self) -> str:
        return f"SftpTarget({self.where!r})"


def parse_sftp_url(url: str) -> SftpTarget:
    """``sftp://user[:password]@host[:port]/absolute/root`` → :class:`SftpTarget`."""
    parts = urlsplit(url)
    if parts.scheme != "sftp" or not parts.hostname:
        raise InputError("SFTP URL without a host", "use sftp://USER@HOST[:PORT]/absolute/path")
    _refuse_cut_path(url)
    user = unquote(parts.username or "") or os.environ.get("USER", "root")
    root = unquote(parts.path).rstrip("/") or ""
    if "\x00" in root or "/../" in f"{root}/":
        raise InputError(f"unsafe SFTP root {root!r}", "use an absolute path without '..'")
    try:
        port = parts.port or 22
    except ValueError as exc:
        raise InputError("SFTP URL with a bad port", "use sftp://USER@HOST:PORT/path") from exc
    password = unquote(parts.password) if parts.password else None
    shown = redact_url(url)
    elided = shown if "…" in shown and "…" not in url else ""
    return SftpTarget(parts.hostname, port, user, root, password, elided)


def _refuse_cut_path(url: str) -> None:
    """Refuse a ``?`` or ``#`` after the path began: urlsplit would cut it off, and
    ``sftp://me@host/data#old`` would be the folder ``/data`` (#12). One before any
    ``/`` (a password typed unescaped) is left to the elided parse above."""
    rest = url.partition("://")[2]
    path_at = rest.find("/")
    cut = min((i for i in (rest.find("?"), rest.find("#")) if i >= 0), default=-1)
    if path_at >= 0 and cut > path_at:
        raise InputError(
            f"SFTP URL {shown_url(url)!r} goes on with {rest[cut]!r}…, which would be cut "
            "off (not shown: it may hold a password)",
            "percent-encode '?' as %3F and '#' as %23 in paths and passwords",
        )


def translate_sftp_error(where: str, path: str, exc: BaseException) -> ProviderError:
    """Map paramiko / socket failures to the storage error family."""
    import paramiko

    if isinstance(exc, paramiko.AuthenticationException):
        return PermissionDeniedError(
            f"{where}: SSH authentication failed ({first_line(exc)})",
            "set SKYLIFT_SFTP_PASSWORD or SKYLIFT_SFTP_KEY_FILE, or load a key into ssh-agent",
        )
    if isinstance(exc, paramiko.BadHostKeyException):
        return PermissionDeniedError(
            f"{where}: the server's host key does not match known_hosts",
            "verify the server's identity; fix ~/.ssh/known_hosts or the 'known_hosts' option",
        )
    if isinstance(exc, paramiko.SSHException) and "not found in known_hosts" in str(exc):
        return PermissionDeniedError(
            f"{where}: unknown host key ({first_line(exc)})",
            "add the host to ~/.ssh/known_hosts (ssh-keyscan), or set the 'known_hosts' option",
        )
    if isinstance(exc, EOFError | socket.error | paramiko.SSHException) and not isinstance(
        exc, FileNotFoundError | PermissionError
    ):
        if (
            isinstance(exc, OSError)
            and exc.errno is not None
            and not isinstance(exc, ConnectionError | TimeoutError)
        ):
            return translate_os_error(where, path, exc)
        return TransientError(
            f"{where}: connection lost ({first_line(exc)})", "retrying reconnects"
        )
    if isinstance(exc, OSError):
        return translate_os_error(where, path, exc)
    return ProviderError(f"{where}: {first_line(exc)} ({path!r})", "see --debug for details")


def _quiet_paramiko() -> None:
    """paramiko logs what it meets on its own threads ("Socket exception: Connection
    reset by peer" when a server dies); without a handler Python printed that raw on
    stderr, amid the progress output (#12). A null handler stops that; records still
    reach handlers set up for ``--debug``."""
    logger = logging.getLogger("paramiko")
    if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
        logger.addHandler(logging.NullHandler())


class SftpConnection:
    """A reconnecting SSH transport with one SFTP channel per thread."""

    def __init__(self, target: SftpTarget, options: dict[str, str]) -> None:
        try:
            import paramiko  # noqa: F401
        except ModuleNotFoundError as exc:
            raise MissingDependencyError("paramiko", "sftp") from exc
        _quiet_paramiko()
        self.target = target
        self.options = options
        self._lock = threading.Lock()
        self._transport: paramiko.Transport | None = None
        self._local = threading.local()
        self._generation = 0

    def _connect(self) -> paramiko.Transport:
        import paramiko

        client = paramiko.SSHClient()
        known = self.options.get("known_hosts", "")
        if known == "ignore":  # test servers with throw-away host keys only
            client.set_missing_host_key_policy(paramiko.AutoAddPolicy())  # noqa: S507 - opt-in
        else:
            client.load_system_host_keys(known or None)
            client.set_missing_host_key_policy(paramiko.RejectPolicy())
        password = os.environ.get("SKYLIFT_SFTP_PASSWORD") or self.target.password
        key_file = self.options.get("key_file") or os.environ.get("SKYLIFT_SFTP_KEY_FILE")
        client.connect(
            self.target.host,
            port=self.target.port,
            username=self.target.user,
            password=password,
            key_filename=os.path.expanduser(key_file) if key_file else None,
            passphrase=os.environ.get("SKYLIFT_SFTP_KEY_PASSPHRASE"),
            allow_agent=True,
            look_for_keys=password is None,
            timeout=float(self.options.get("timeout", "15")),
            banner_timeout=float(self.options.get("timeout", "15")),
            auth_timeout=float(self.options.get("timeout", "15")),
        )
        transport = client.get_transport()
        assert transport is not None
        transport.set_keepalive(30)
        return transport

    def sftp(self) -> paramiko.SFTPClient:
        """This thread's SFTP channel, reconnecting the transport if it died."""
        import paramiko

        with self._lock:
            if self._transport is None or not self._transport.is_active():
                self._transport = None
                try:
                    self._transport = self._connect()
                except Exception as exc:
                    raise translate_sftp_error(self.target.where, "", exc) from exc
                self._generation += 1
            transport, generation = self._transport, self._generation
        client: Any = getattr(self._local, "client", None)
        if client is None or getattr(self._local, "generation", -1) != generation:
            try:
                client = paramiko.SFTPClient.from_transport(
                    transport, window_size=64 << 20, max_packet_size=32 << 10
                )
            except Exception as exc:
                raise translate_sftp_error(self.target.where, "", exc) from exc
            self._local.client = client
            self._local.generation = generation
        sftp: paramiko.SFTPClient = client
        return sftp

    def extra_channel(self) -> paramiko.SFTPClient:
        """A second SFTP channel for this thread (caller closes it).

        paramiko loses acknowledgements when a file with pipelined writes is open
        while other requests run on the same channel; copy loops write on their own.
        """
        import paramiko

        self.sftp()  # (re)connect if needed
        with self._lock:
            transport = self._transport
        assert transport is not None
        try:
            client = paramiko.SFTPClient.from_transport(
                transport, window_size=64 << 20, max_packet_size=32 << 10
            )
        except Exception as exc:
            raise translate_sftp_error(self.target.where, "", exc) from exc
        if client is None:
            raise TransientError(f"{self.target.where}: could not open an SFTP channel")
        return client

    def drop_channel(self) -> None:
        """Forget this thread's SFTP channel (after it failed)."""
        client = getattr(self._local, "client", None)
        self._local.client = None
        if client is not None:
            with contextlib.suppress(Exception):
                client.close()

    def close(self) -> None:
        """Close the transport (all channels with it)."""
        with self._lock:
            if self._transport is not None:
                self._transport.close()
                self._transport = None
