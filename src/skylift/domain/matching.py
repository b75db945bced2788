"""Match names found in other sources (perf files, dependency exports) to server keys."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


def normalise_name(name: str) -> str:
    """Case-fold and strip a host name; ``web01.corp.local`` also answers to ``web01``."""
    return name.strip().lower()


@dataclass(frozen=True)
class ServerIndex:
    """Look up a server key by key, name, short host name, FQDN or IP address.

    Ambiguous aliases (two servers share a name) are dropped from the
    alias map and reported by :meth:`is_ambiguous`, so callers can ask for an
    explicit mapping instead of guessing.
    """

    aliases: Mapping[str, str] = field(default_factory=dict)
    ambiguous: frozenset[str] = frozenset()

    @classmethod
    def build(cls, entries: Iterable[tuple[str, str, str | None, Iterable[str]]]) -> ServerIndex:
        """Build from ``(key, name, fqdn, ip_addresses)`` tuples."""
        found: dict[str, set[str]] = {}
        keys: dict[str, str] = {}
        for key, name, fqdn, ips in entries:
            keys[normalise_name(key)] = key
            names = {normalise_name(name)}
            if fqdn:
                f = normalise_name(fqdn)
                names.add(f)
                names.add(f.split(".", 1)[0])
            names.add(normalise_name(name).split(".", 1)[0])
            names.update(normalise_name(ip) for ip in ips)
            for alias in names:
                found.setdefault(alias, set()).add(key)
        aliases = {a: next(iter(ks)) for a, ks in found.items() if len(ks) == 1}
        ambiguous = frozenset(a for a, ks in found.items() if len(ks) > 1)
        aliases.update(keys)
        return cls(aliases=aliases, ambiguous=ambiguous)

    def lookup(self, name: str) -> str | None:
        """Return the key for ``name`` or ``None``."""
        n = normalise_name(name)
        hit = self.aliases.get(n)
        if hit is None and "." in n:
            hit = self.aliases.get(n.split(".", 1)[0])
        return hit

    def is_ambiguous(self, name: str) -> bool:
        """True when ``name`` matches several servers."""
        return normalise_name(name) in self.ambiguous
