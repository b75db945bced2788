"""Which workspace server a Prometheus ``instance`` label is.

``host:port`` (node_exporter's usual target), a bare host, an FQDN or an IP
address; matched case-insensitively against each server's name, key, FQDN,
short name and addresses. The first server claiming a name wins; an instance
matching none is reported, not guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

_PORT = re.compile(r":\d+$")


def instance_host(instance: str) -> str:
    """``web01:9100`` → ``web01``; ``[::1]:9100`` → ``::1``; lower case."""
    text = instance.strip().lower()
    if text.startswith("["):
        return text[1 : text.find("]")] if "]" in text else text[1:]
    return _PORT.sub("", text) if text.count(":") == 1 else text


def index_names(servers: Iterable[tuple[str, Iterable[str | None]]]) -> dict[str, str]:
    """``{name: server key}`` for every identity of every server (first claim wins)."""
    out: dict[str, str] = {}
    for key, names in servers:
        for n in names:
            if not n:
                continue
            low = n.strip().lower()
            for variant in (low, low.split(".")[0]):
                out.setdefault(variant, key)
    return out


def match_instance(instance: str, names: Mapping[str, str]) -> str | None:
    """The server key for ``instance``, or None."""
    host = instance_host(instance)
    return names.get(host) or names.get(host.split(".")[0])
