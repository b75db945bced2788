"""Naming and classification rules shared by the generators: DNS names, secrets, roles."""

from __future__ import annotations

import math
import re
from collections import Counter

from skylift.domain.target import ServiceRole

SCRATCH = "/tmp"  # noqa: S108 - a path inside the container, backed by an emptyDir volume

_SECRET_NAME = re.compile(
    r"(pass(word|wd)?|pwd|secret|token|api[_-]?key|private[_-]?key|credential|"
    r"access[_-]?key|auth[_-]?key|signing[_-]?key|dsn|conn(ection)?[_-]?str(ing)?|salt)",
    re.IGNORECASE,
)
_URL_WITH_PASSWORD = re.compile(r"://[^/\s:@]+:[^/\s@]+@")
_AWS_KEY = re.compile(r"\b(AKIA|ASIA)[A-Z0-9]{16}\b")


def dns_name(raw: str) -> str:
    """A Kubernetes-safe (RFC 1123 label) name for ``raw``: lower case, digits and '-'."""
    name = re.sub(r"[^a-z0-9-]+", "-", raw.lower()).strip("-")
    name = re.sub(r"-{2,}", "-", name)
    return (name or "app")[:53].rstrip("-")


def tf_name(raw: str) -> str:
    """A Terraform identifier for ``raw`` (letters, digits, underscores; not a digit first)."""
    name = re.sub(r"[^a-z0-9_]+", "_", raw.lower()).strip("_") or "res"
    return name if not name[0].isdigit() else f"r_{name}"


def _entropy(value: str) -> float:
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def looks_like_secret(name: str, value: str) -> bool:
    """True when an environment variable must not be written as a literal.

    By name (``*PASSWORD*``, ``*TOKEN*``, ``*API_KEY*`` …), by value (URLs with
    a password, AWS access keys) or a long high-entropy value. ``*_FILE``
    variables pointing at a path are plain: they name where a secret is mounted.
    """
    if name.upper().endswith("_FILE") and value.startswith("/"):
        return False
    if _SECRET_NAME.search(name):
        return True
    if _URL_WITH_PASSWORD.search(value) or _AWS_KEY.search(value):
        return True
    return len(value) >= 32 and " " not in value and "/" not in value and _entropy(value) > 4.0


_ROLE_BY_IMAGE: tuple[tuple[str, ServiceRole], ...] = (
    ("postgres", ServiceRole.DATABASE),
    ("postgis", ServiceRole.DATABASE),
    ("mysql", ServiceRole.DATABASE),
    ("mariadb", ServiceRole.DATABASE),
    ("mongo", ServiceRole.DATABASE),
    ("mssql", ServiceRole.DATABASE),
    ("azure-sql-edge", ServiceRole.DATABASE),
    ("redis", ServiceRole.CACHE),
    ("valkey", ServiceRole.CACHE),
    ("memcached", ServiceRole.CACHE),
    ("rabbitmq", ServiceRole.QUEUE),
    ("kafka", ServiceRole.QUEUE),
    ("nats", ServiceRole.QUEUE),
    ("nginx", ServiceRole.WEB),
    ("httpd", ServiceRole.WEB),
    ("traefik", ServiceRole.WEB),
    ("caddy", ServiceRole.WEB),
)


def role_for(name: str, image: str | None, has_ports: bool) -> ServiceRole:
    """Guess what a service does from its image and name."""
    base = (image or "").rsplit("/", 1)[-1].split(":", 1)[0].lower()
    for key, role in _ROLE_BY_IMAGE:
        if key in base:
            return role
    lowered = name.lower()
    if any(w in lowered for w in ("worker", "consumer", "scheduler", "cron", "job")):
        return ServiceRole.WORKER
    if any(w in lowered for w in ("web", "frontend", "ui", "proxy", "gateway")):
        return ServiceRole.WEB
    return ServiceRole.APP if has_ports else ServiceRole.WORKER


class ImageProfile:
    """What a well-known image needs to run non-root with a read-only root filesystem."""

    def __init__(
        self, user_id: int, writable: tuple[str, ...], data: str | None, port: int | None
    ) -> None:
        self.user_id = user_id
        self.writable = writable
        self.data = data
        self.port = port


_PROFILES: dict[str, ImageProfile] = {
    "postgres": ImageProfile(
        999, (SCRATCH, "/var/run/postgresql"), "/var/lib/postgresql/data", 5432
    ),
    "mysql": ImageProfile(999, (SCRATCH, "/var/run/mysqld"), "/var/lib/mysql", 3306),
    "mariadb": ImageProfile(999, (SCRATCH, "/run/mysqld"), "/var/lib/mysql", 3306),
    "redis": ImageProfile(999, (SCRATCH,), "/data", 6379),
    "valkey": ImageProfile(999, (SCRATCH,), "/data", 6379),
    "mongo": ImageProfile(999, (SCRATCH,), "/data/db", 27017),
    "rabbitmq": ImageProfile(999, (SCRATCH,), "/var/lib/rabbitmq", 5672),
    "memcached": ImageProfile(11211, (SCRATCH,), None, 11211),
    "mssql": ImageProfile(10001, (SCRATCH,), "/var/opt/mssql", 1433),
    "azure-sql-edge": ImageProfile(10001, (SCRATCH,), "/var/opt/mssql", 1433),
    "nginx": ImageProfile(101, (SCRATCH, "/var/cache/nginx", "/var/run"), None, None),
}


def image_profile(image: str | None) -> ImageProfile | None:
    """The run profile of a known image (postgres, mysql, redis …), else ``None``."""
    base = (image or "").rsplit("/", 1)[-1].split(":", 1)[0].lower()
    for key, profile in _PROFILES.items():
        if key in base:
            return profile
    return None


# Current stable tags for popular images, used when a compose file gives none
# (or "latest"): the manifests must pin a version.
PINNED_TAGS: dict[str, str] = {
    "postgres": "16.6",
    "mysql": "8.4.3",
    "mariadb": "11.4.4",
    "redis": "7.4.1",
    "valkey/valkey": "8.0.1",
    "mongo": "8.0.3",
    "rabbitmq": "3.13.7-management",
    "memcached": "1.6.32",
    "nginx": "1.27.3-alpine",
    "httpd": "2.4.62",
    "traefik": "v3.2.1",
    "busybox": "1.37.0",
}


def pin_image(image: str) -> tuple[str, bool]:
    """``image`` with a pinned tag, and whether it had to be pinned by skylift.

    Untagged or ``latest`` images of well-known names get the tag from
    :data:`PINNED_TAGS`; others are returned as given (the caller warns).
    """
    if "@" in image:
        return image, False
    head, _, last = image.rpartition("/")
    name, _, tag = last.partition(":")
    if tag and tag != "latest":
        return image, False
    pinned = PINNED_TAGS.get(f"{head}/{name}".lstrip("/").removeprefix("library/"))
    if pinned is None:
        return image, True
    return f"{head + '/' if head else ''}{name}:{pinned}", True
