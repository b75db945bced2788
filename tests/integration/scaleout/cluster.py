"""A real local Ray cluster and two S3 servers inside a private network namespace.

Outside a namespace Ray binds every interface and advertises the machine's
address (test-servers.md, "Ray"); inside ``unshare -n`` with only ``lo`` up it
uses 127.0.0.1 and nothing leaves the machine. :class:`Netns` holds the
namespace (a ``sleep`` process) and runs commands in it with ``nsenter``; the
Ray daemons (``ray start`` daemonises them) and the servers are the only
processes in it, so :meth:`Netns.close` ends exactly those, by pid.
Used by the tests here and by ``benchmarks/transfer/scaleout_*.py``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent
S3_KEY, S3_SECRET = "AKSCALEOUT", "scaleout-secret-4f9c2e7a"
RAY_PORT = 6390
SRC_PORT, DST_PORT = 9101, 9102
CREDENTIALS = {"AWS_ACCESS_KEY_ID": S3_KEY, "AWS_SECRET_ACCESS_KEY": S3_SECRET}


class Netns:
    """A private network namespace with loopback up; commands run in it via nsenter."""

    def __init__(self) -> None:
        self.holder = subprocess.Popen(
            ["unshare", "-n", "bash", "-c", "ip link set lo up && echo up && exec sleep infinity"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.holder.stdout is not None
        # "up" once lo is up inside the namespace (a 0.1 s sleep guessed it; on a loaded
        # machine connections to 127.0.0.1 failed "Network is unreachable" until then)
        if self.holder.stdout.readline().strip() != "up":
            self.holder.wait()
            raise RuntimeError("unshare -n did not start (needs root)")
        self.holder.stdout.close()
        self.inode = os.readlink(f"/proc/{self.holder.pid}/ns/net")
        assert self.inode != os.readlink("/proc/self/ns/net")
        self.children: list[subprocess.Popen[str]] = []

    def argv(self, argv: list[str]) -> list[str]:
        """``argv`` run inside the namespace."""
        return ["nsenter", "-t", str(self.holder.pid), "-n", *argv]

    def run(
        self,
        argv: list[str],
        env: Mapping[str, str] | None = None,
        timeout: float = 300,
        **kw: object,
    ) -> subprocess.CompletedProcess[str]:
        """Run to completion inside the namespace, capturing text output."""
        return subprocess.run(  # type: ignore[call-overload, no-any-return]
            self.argv(argv),
            env={**os.environ, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            **kw,
        )

    def popen(
        self, argv: list[str], env: Mapping[str, str] | None = None, **kw: object
    ) -> subprocess.Popen[str]:
        """Start inside the namespace (reaped by :meth:`close`)."""
        proc: subprocess.Popen[str] = subprocess.Popen(  # type: ignore[call-overload]
            self.argv(argv), env={**os.environ, **(env or {})}, text=True, **kw
        )
        self.children.append(proc)
        return proc

    def pids(self) -> list[int]:
        """Every process in the namespace except its holder."""
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == self.holder.pid:
                continue
            with contextlib.suppress(OSError):
                if os.readlink(f"/proc/{entry}/ns/net") == self.inode:
                    found.append(int(entry))
        return found

    def cmdline(self, pid: int) -> str:
        """A process's command line (its title for Ray workers: ``ray::run_shard``)."""
        try:
            return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            return ""

    def close(self) -> None:
        """Kill every process in the namespace (ours only), then the holder."""
        for pid in self.pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for child in self.children:
            with contextlib.suppress(ProcessLookupError):
                child.kill()
            child.wait()
        self.holder.kill()
        self.holder.wait()


class CpuGroups:
    """cgroup v1 groups (``cpu`` for a quota, ``cpuacct`` for CPU used) of one estate.

    :meth:`wrap` makes a command enter group ``name`` before it execs, so every process
    it starts (``ray start`` daemonises its raylet and workers) stays in it. A quota of
    0.5 CPU is ``cfs_quota_us = 50000`` over the 100 ms period. Needs root and cgroup v1
    (the benchmark's machine); :meth:`available` says whether it is there.
    """

    ROOTS = (Path("/sys/fs/cgroup/cpu"), Path("/sys/fs/cgroup/cpuacct"))

    def __init__(self) -> None:
        self.base = f"skylift-scaleout-{os.getpid()}-{time.monotonic_ns() % 10**6}"
        self.names: list[str] = []

    @classmethod
    def available(cls) -> bool:
        """Both hierarchies mounted and writable."""
        return all((r / "cgroup.procs").exists() and os.access(r, os.W_OK) for r in cls.ROOTS)

    def _dirs(self, name: str) -> tuple[Path, Path]:
        cpu, acct = (r / self.base / name for r in self.ROOTS)
        if name not in self.names:
            cpu.mkdir(parents=True, exist_ok=True)
            acct.mkdir(parents=True, exist_ok=True)
            self.names.append(name)
        return cpu, acct

    def wrap(self, name: str, argv: list[str]) -> list[str]:
        """``argv`` run inside group ``name`` (created on first use)."""
        cpu, acct = self._dirs(name)
        enter = f'echo $$ > {cpu}/cgroup.procs && echo $$ > {acct}/cgroup.procs && exec "$@"'
        return ["sh", "-c", enter, "sh", *argv]

    def quota(self, name: str, cpus: float | None) -> None:
        """Limit group ``name`` to ``cpus`` CPUs (None: no limit)."""
        cpu, _ = self._dirs(name)
        value = -1 if cpus is None else round(cpus * 100_000)
        (cpu / "cpu.cfs_quota_us").write_text(str(value))

    def pids(self, name: str) -> list[int]:
        """The processes now in group ``name``."""
        _, acct = self._dirs(name)
        return [int(p) for p in (acct / "cgroup.procs").read_text().split()]

    def used(self, name: str) -> float:
        """CPU seconds the processes of group ``name`` have used so far."""
        _, acct = self._dirs(name)
        return int((acct / "cpuacct.usage").read_text()) / 1e9

    def close(self) -> None:
        """Remove the groups (their processes must have ended)."""
        for root in self.ROOTS:
            for name in self.names:
                for _ in range(50):
                    try:
                        (root / self.base / name).rmdir()
                        break
                    except FileNotFoundError:
                        break
                    except OSError:
                        time.sleep(0.1)
            with contextlib.suppress(OSError):
                (root / self.base).rmdir()


@dataclass
class Estate:
    """The namespace, the Ray head's address, the two S3 servers and a workspace."""

    ns: Netns
    root: Path
    workspace: Path
    src_data: Path  # rclone's folder behind s3://src
    dst_data: Path
    ray_dir: Path  # Ray's --temp-dir (sessions, logs)
    address: str = f"127.0.0.1:{RAY_PORT}"
    groups: CpuGroups | None = None  # servers, head, w0, w1 … when started with groups

    def skylift(
        self, *args: str, env: Mapping[str, str] | None = None, timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        """``skylift ARGS`` inside the namespace, in the workspace, with the S3 credentials."""
        return self.ns.run(
            [str(BIN / "skylift"), *args],
            env={**CREDENTIALS, **(env or {})},
            timeout=timeout,
            cwd=self.workspace,
        )

    def skylift_popen(self, *args: str) -> subprocess.Popen[str]:
        """``skylift ARGS`` started in the background (stdout/stderr piped)."""
        return self.ns.popen(
            [str(BIN / "skylift"), *args],
            env=CREDENTIALS,
            cwd=self.workspace,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    def ray_logs(self) -> Iterator[Path]:
        """Every file Ray wrote (logs, session files)."""
        yield from (p for p in self.ray_dir.rglob("*") if p.is_file() and not p.is_socket())

    def close(self) -> None:
        """End every process of the estate; remove Ray's folder."""
        self.ns.close()
        if self.groups is not None:
            self.groups.close()
        shutil.rmtree(self.ray_dir, ignore_errors=True)


def _wait_port(ns: Netns, port: int, timeout: float = 30) -> None:
    probe = f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=1).close()"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ns.run([sys.executable, "-c", probe], timeout=10).returncode == 0:
            return
        time.sleep(0.2)
    raise RuntimeError(f"nothing answers on 127.0.0.1:{port} in the namespace")


def start_estate(
    root: Path,
    workers: int = 2,
    worker_env: Mapping[str, str] | None = None,
    taskset: list[str] | None = None,
    groups: CpuGroups | None = None,
    head_cpus: int = 0,
    node_options: tuple[str, ...] = (),
    node_env: Mapping[str, str] | None = None,
    servers: Servers | None = None,
) -> Estate:
    """Start S3 servers (s3://src, s3://dst), a Ray head with ``head_cpus`` CPUs and
    ``workers`` one-CPU worker nodes; the nodes that run shards have the environment
    ``worker_env`` (default: the S3 credentials). ``taskset[i]`` pins worker ``i`` to
    those cores; with ``groups`` the servers, the head and worker ``i`` run in cgroups
    ``servers``, ``head`` and ``w<i>``; ``servers`` says where the servers keep their
    data and their environment. (Each ``ray start`` takes 5-10 s here: the tests make
    the head one of their two workers.)"""
    ns = Netns()
    env = CREDENTIALS if worker_env is None else worker_env
    try:
        node = _Node(tuple(node_options), dict(node_env or {}), servers or Servers())
        estate = _start(ns, root, workers, env, taskset, groups or _NoGroups(), head_cpus, node)
    except BaseException:
        ns.close()
        if groups is not None:
            groups.close()
        raise
    estate.groups = groups
    return estate


@dataclass(frozen=True)
class Servers:
    """Where the two S3 servers keep their data (None: under the estate's root) and
    extra environment for them (e.g. ``GOMAXPROCS``)."""

    data: Path | None = None
    env: dict[str, str] | None = None


@dataclass(frozen=True)
class _Node:
    """Extra ``ray start`` options and environment of the worker nodes; the servers."""

    options: tuple[str, ...] = ()
    env: dict[str, str] | None = None
    servers: Servers = Servers()


class _NoGroups(CpuGroups):
    def wrap(self, name: str, argv: list[str]) -> list[str]:
        return argv


def _start(
    ns: Netns,
    root: Path,
    workers: int,
    worker_env: Mapping[str, str],
    taskset: list[str] | None,
    groups: CpuGroups,
    head_cpus: int,
    node: _Node,
) -> Estate:
    data = node.servers.data or root
    src_data, dst_data = data / "s3a", data / "s3b"
    (src_data / "src").mkdir(parents=True)
    (dst_data / "dst").mkdir(parents=True)
    rclone = str(BIN / "rclone")
    for port, data in ((SRC_PORT, src_data), (DST_PORT, dst_data)):
        with (root / f"rclone-{port}.log").open("ab") as log:
            ns.popen(
                groups.wrap(
                    "servers",
                    [
                        rclone,
                        "serve",
                        "s3",
                        "--addr",
                        f"127.0.0.1:{port}",
                        "--auth-key",
                        f"{S3_KEY},{S3_SECRET}",
                        str(data),
                    ],
                ),
                env=node.servers.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    # Ray Client's proxy waits 30 s for the per-client server it starts: too short on
    # two loaded cores (the full suite's load of 5 failed test_ray_client_address once)
    base = {
        **clean,
        "RAY_USAGE_STATS_ENABLED": "0",
        "RAY_CLIENT_SERVER_CHECK_CHANNEL_TIMEOUT_S": "120",
    }
    ray = str(BIN / "ray")
    ray_dir = Path(tempfile.mkdtemp(prefix="ray", dir="/tmp"))  # AF_UNIX paths: < 108 bytes
    env = {**base, **worker_env}
    head = ns.run(
        groups.wrap(
            "head",
            [
                ray,
                "start",
                "--head",
                f"--port={RAY_PORT}",
                f"--num-cpus={head_cpus}",
                "--include-dashboard=false",
                "--disable-usage-stats",
                f"--temp-dir={ray_dir}",
            ],
        ),
        env=env if head_cpus else base,  # a head that runs shards is a worker too
        timeout=180,
    )
    if head.returncode != 0:
        raise RuntimeError(f"ray start --head failed: {head.stderr[-2000:]}")
    for i in range(workers):  # one after the other: two joining at once time out when busy
        pin = ["taskset", "-c", taskset[i]] if taskset else []
        argv = groups.wrap(
            f"w{i}",
            [*pin, ray, "start", f"--address=127.0.0.1:{RAY_PORT}", "--num-cpus=1", *node.options],
        )
        node_env = {**env, **(node.env or {})}
        started = ns.run(argv, env=node_env, timeout=180)
        if started.returncode != 0:
            again = ns.run(argv, env=node_env, timeout=180)
            if again.returncode != 0:
                raise RuntimeError(
                    f"ray start (worker) failed: {started.stderr[-1000:]} {again.stderr[-1000:]}"
                )
    _wait_port(ns, SRC_PORT)
    _wait_port(ns, DST_PORT)
    workspace = root / "ws"
    workspace.mkdir()
    remotes = {
        "s3://src": {
            "endpoint": f"http://127.0.0.1:{SRC_PORT}",
            "region": "us-east-1",
            "allow_http": "true",
        },
        "s3://dst": {
            "endpoint": f"http://127.0.0.1:{DST_PORT}",
            "region": "us-east-1",
            "allow_http": "true",
        },
    }
    init = subprocess.run(
        [str(BIN / "skylift"), "init", "--project", "scaleout"],
        cwd=workspace,
        capture_output=True,
        text=True,
        check=False,
    )
    if init.returncode != 0:
        raise RuntimeError(f"skylift init failed: {init.stderr}")
    with (workspace / "skylift.yaml").open("a") as fh:
        fh.write("\nremotes: " + json.dumps(remotes) + "\n")
    return Estate(ns, root, workspace, src_data, dst_data, ray_dir)


def make_tree(folder: Path, small: int, large: int, large_mib: int = 12, seed: int = 7) -> int:
    """``small`` objects of 0.5–4 KiB over 16 top-level prefixes and ``large`` big ones;
    returns the bytes written."""
    import random

    rng = random.Random(seed)
    total = 0
    for i in range(small):
        path = folder / f"p{i % 16:02d}" / f"d{i // 1000:03d}" / f"obj{i:06d}.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        data = rng.randbytes(rng.randint(512, 4096))
        path.write_bytes(data)
        total += len(data)
    for i in range(large):
        path = folder / "large" / f"big{i}.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(large_mib << 20))
        total += large_mib << 20
    return total


def shard_journals(e: Estate) -> list[Path]:
    """The shard journals of the scale-out runs in ``e``'s workspace."""
    return list((e.workspace / ".skylift" / "transfers" / "scaleout").glob("*/shard-*/*.sqlite"))


def journal_rows(path: Path, table: str) -> int:
    """Rows of ``table`` in a journal another process writes (0 while it cannot be read)."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
        try:
            return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        finally:
            db.close()
    except sqlite3.Error:
        return 0
