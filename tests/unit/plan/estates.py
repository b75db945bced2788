"""Small synthetic estates for planner tests."""

from __future__ import annotations

from skylift.domain.inventory import Dependency, Disk, Environment, Server


def server(
    key: str,
    app: str | None = None,
    env: Environment = Environment.PRODUCTION,
    crit: str | None = None,
    gib: float = 100.0,
) -> Server:
    """A server with one disk of ``gib`` used GiB."""
    return Server(
        key=key,
        name=key,
        source="test",
        cores=4,
        memory_mib=8192,
        application=app,
        environment=env,
        criticality=crit,
        disks=(Disk(name="d", size_gib=gib, used_gib=gib),),
    )


def dep(a: str, b: str, port: int = 8080, strength: int = 4) -> Dependency:
    """``a`` → ``b`` on ``port``."""
    return Dependency(source_key=a, target_key=b, port=port, strength=strength)
