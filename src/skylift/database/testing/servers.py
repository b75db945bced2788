"""Start and stop throw-away PostgreSQL 15 and MariaDB servers on 127.0.0.1.

Each server lives in a fresh temporary data directory owned by the server's
own system user (``initdb`` and ``mariadbd`` refuse root), listens on
127.0.0.1 only and requires a password for the ``postgres``/``root``
superuser. Used by tests/integration/database, benchmarks/db and
samples/demo.py; the engine itself never imports this module.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _as_user(user: str, argv: list[str]) -> list[str]:
    """Run ``argv`` as ``user`` when we are root, else as ourselves."""
    return ["runuser", "-u", user, "--", *argv] if os.geteuid() == 0 else argv


def _own(path: Path, user: str) -> None:
    if os.geteuid() == 0:
        pw = pwd.getpwnam(user)
        os.chown(path, pw.pw_uid, pw.pw_gid)


def _wait_port(port: int, proc: subprocess.Popen[bytes] | None, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited early: {log.read_text(errors='replace')[-2000:]}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"server on port {port} did not answer in {timeout} s")


@dataclass
class PostgresServer:
    """A PostgreSQL 15 cluster; ``url(db)`` carries no password (use :attr:`env`)."""

    password: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    settings: Mapping[str, str] = field(default_factory=dict)
    port: int = 0
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="skylift-pg-")))
    #: extensions this server must not offer (a private installation tree without them)
    without_extensions: tuple[str, ...] = ()

    @property
    def bin(self) -> Path:
        """The binaries this server runs (Debian's, or the private tree's)."""
        return self.root / "install" / "bin" if self.without_extensions else PG_BIN

    def _private_install(self) -> None:
        """A tree the server resolves its share folder from, minus some extensions.

        PostgreSQL finds its share and lib folders relative to its own binary;
        copying three binaries next to a share folder of symbolic links leaves
        the system installation untouched.
        """
        share = Path("/usr/share/postgresql/15")
        top = self.root / "install"
        # Debian: bin = /usr/lib/postgresql/15/bin, share = /usr/share/postgresql/15
        bin_dir = top / "usr" / "lib" / "postgresql" / "15" / "bin"
        bin_dir.mkdir(parents=True)
        for name in ("postgres", "initdb", "pg_ctl"):
            shutil.copy2(PG_BIN / name, bin_dir / name)
        (bin_dir.parent / "lib").symlink_to(PG_BIN.parent / "lib")
        my_share = top / "usr" / "share" / "postgresql" / "15"
        my_share.mkdir(parents=True)
        for entry in share.iterdir():
            if entry.name != "extension":
                (my_share / entry.name).symlink_to(entry)
        (my_share / "extension").mkdir()
        for entry in (share / "extension").iterdir():
            if not entry.name.startswith(
                tuple(f"{x}." for x in self.without_extensions)
            ) and not entry.name.startswith(tuple(f"{x}--" for x in self.without_extensions)):
                (my_share / "extension" / entry.name).symlink_to(entry)
        (top / "bin").symlink_to(bin_dir)
        for p in [top, *top.rglob("*")]:
            if not p.is_symlink():
                _own(p, "postgres")

    @property
    def data(self) -> Path:
        """The cluster's data directory."""
        return self.root / "data"

    @property
    def env(self) -> dict[str, str]:
        """Environment holding the superuser's password, as a user would set it."""
        return {"PGPASSWORD": self.password}

    def url(self, database: str = "postgres", user: str = "postgres") -> str:
        """The server's URL for ``database`` (no password in it)."""
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def start(self) -> PostgresServer:
        """initdb (first time) and start; waits until it accepts connections."""
        _own(self.root, "postgres")
        if self.without_extensions and not (self.root / "install").exists():
            self._private_install()
        if not self.data.exists():
            pwfile = self.root / "pw"
            pwfile.write_text(self.password + "\n")
            _own(pwfile, "postgres")
            subprocess.run(
                _as_user(
                    "postgres",
                    [
                        str(self.bin / "initdb"),
                        "-D",
                        str(self.data),
                        "-A",
                        "scram-sha-256",
                        "-U",
                        "postgres",
                        f"--pwfile={pwfile}",
                        "--no-sync",
                        "-E",
                        "UTF8",
                    ],
                ),
                check=True,
                capture_output=True,
            )
            pwfile.unlink()
        self.port = self.port or free_port()
        opts = {
            "listen_addresses": "127.0.0.1",
            "unix_socket_directories": str(self.root),
            "wal_level": "logical",
            "max_wal_senders": "20",
            "max_replication_slots": "20",
            "max_logical_replication_workers": "8",
            "max_connections": "100",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "shared_buffers": "128MB",
            "max_wal_size": "4GB",
            **self.settings,
        }
        o = " ".join(f"-c {k}={v}" for k, v in opts.items())
        log = self.root / "server.log"
        subprocess.run(
            _as_user(
                "postgres",
                [
                    str(self.bin / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-o",
                    f"-p {self.port} {o}",
                    "-l",
                    str(log),
                    "-w",
                    "-t",
                    "60",
                    "start",
                ],
            ),
            check=True,
            capture_output=True,
        )
        _wait_port(self.port, None, 30, log)
        return self

    def stop(self, mode: str = "fast") -> None:
        """Stop the cluster (``fast``, or ``immediate`` when the data is thrown away)."""
        subprocess.run(
            _as_user(
                "postgres", [str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "stop"]
            ),
            check=False,
            capture_output=True,
        )

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run SQL with psql (``ON_ERROR_STOP``) and return its unaligned output."""
        env = {**os.environ, **self.env}
        res = subprocess.run(
            [
                str(PG_BIN / "psql"),
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                database,
                "-c",
                sql,
            ],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        )
        return res.stdout.strip()

    def psql_file(self, script: Path, database: str = "postgres") -> None:
        """Run an SQL script with psql (``ON_ERROR_STOP``; ``\\c`` works)."""
        subprocess.run(
            [
                str(PG_BIN / "psql"),
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                database,
                "-f",
                str(script),
            ],
            check=True,
            capture_output=True,
            env={**os.environ, **self.env},
        )

    def remove(self) -> None:
        """Stop (immediately: the data goes) and delete the data directory."""
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class MariaDBServer:
    """A MariaDB server; root authenticates with :attr:`password` over TCP."""

    password: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    port: int = 0
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="skylift-my-")))
    #: a replication pair needs two different ids
    server_id: int = 1
    #: extra ``mariadbd`` options; ``binlog=False`` starts without a binary log
    options: tuple[str, ...] = ()
    binlog: bool = True
    _proc: subprocess.Popen[bytes] | None = None

    @property
    def env(self) -> dict[str, str]:
        """Environment holding root's password, as a user would set it."""
        return {"MYSQL_PWD": self.password}

    def url(self, database: str = "", user: str = "root") -> str:
        """The server's URL for ``database`` (no password in it)."""
        return f"mysql://{user}@127.0.0.1:{self.port}/{database}"

    def start(self) -> MariaDBServer:
        """Install the system tables (first time), start, set root's password."""
        data = self.root / "data"
        # its own tmpdir: a starting server deletes every '#sql*' file of its tmpdir,
        # which breaks another server's bootstrap or temporary tables in a shared /tmp
        tmp = self.root / "tmp"
        _own(self.root, "mysql")
        first = not data.exists()
        if first:
            data.mkdir()
            tmp.mkdir()
            _own(data, "mysql")
            _own(tmp, "mysql")
            subprocess.run(
                [
                    "mariadb-install-db",
                    "--user=mysql",
                    f"--datadir={data}",
                    f"--tmpdir={tmp}",
                    "--auth-root-authentication-method=normal",
                    "--skip-test-db",
                ],
                check=True,
                capture_output=True,
            )
        self.port = self.port or free_port()
        log = self.root / "server.log"
        with log.open("ab") as fh:
            self._proc = subprocess.Popen(
                _as_user(
                    "mysql",
                    [
                        "mariadbd",
                        "--no-defaults",
                        f"--datadir={data}",
                        f"--tmpdir={tmp}",
                        f"--socket={self.root / 'sock'}",
                        f"--port={self.port}",
                        "--bind-address=127.0.0.1",
                        f"--pid-file={self.root / 'pid'}",
                        *(["--log-bin=binlog", "--binlog-format=ROW"] if self.binlog else []),
                        f"--server-id={self.server_id}",
                        "--innodb-flush-log-at-trx-commit=0",
                        "--skip-name-resolve",
                        "--innodb-buffer-pool-size=128M",
                        *self.options,
                    ],
                ),
                stdout=fh,
                stderr=subprocess.STDOUT,
            )
        _wait_port(self.port, self._proc, 60, log)
        if first:
            sql = (
                f"ALTER USER 'root'@'localhost' IDENTIFIED BY '{self.password}';"
                f"CREATE OR REPLACE USER 'root'@'127.0.0.1' IDENTIFIED BY '{self.password}';"
                "GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;"
            )
            subprocess.run(
                ["mariadb", f"--socket={self.root / 'sock'}", "-u", "root", "-e", sql],
                check=True,
                capture_output=True,
            )
        return self

    def sql(self, sql: str, database: str = "") -> str:
        """Run SQL with the mariadb client and return its tab-separated output."""
        res = subprocess.run(
            [
                "mariadb",
                "-h",
                "127.0.0.1",
                "-P",
                str(self.port),
                "-u",
                "root",
                "-N",
                "-B",
                *([database] if database else []),
                "-e",
                sql,
            ],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, **self.env},
        )
        return res.stdout.strip()

    def sql_file(self, script: Path) -> None:
        """Run an SQL script with the mariadb client."""
        with script.open("rb") as fh:
            subprocess.run(
                ["mariadb", "-h", "127.0.0.1", "-P", str(self.port), "-u", "root"],
                stdin=fh,
                check=True,
                capture_output=True,
                env={**os.environ, **self.env},
            )

    def stop(self) -> None:
        """Stop the server."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(30)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None

    def remove(self) -> None:
        """Kill the server (its data is thrown away) and delete the data directory."""
        pid_file = self.root / "pid"
        if self._proc is not None and self._proc.poll() is None and pid_file.exists():
            with contextlib.suppress(OSError, ValueError):
                os.kill(int(pid_file.read_text().strip()), signal.SIGKILL)
            # runuser exits with its child; a SIGTERM to runuser would cost it 2 s of grace
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(5)
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
