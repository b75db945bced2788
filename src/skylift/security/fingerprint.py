"""Fingerprints: short, stable, keyed hashes that stand in for secret values."""

from __future__ import annotations

from blake3 import blake3

_KEY = blake3(b"skylift scan fingerprint v1").digest()


def fingerprint(*parts: str) -> str:
    """12 hex digits of a keyed BLAKE3 over ``parts`` (rule, path, value …).

    Stable across runs and machines, so baselines work; it reveals nothing
    about the value except to someone who can guess the value exactly (a
    fingerprint of a weak password can be confirmed by trying it), so keep
    reports and baselines inside the project as you would its CI logs.
    """
    h = blake3(key=_KEY)
    for part in parts:
        h.update(part.encode("utf-8", errors="surrogatepass"))
        h.update(b"\0")
    return h.hexdigest(length=6)
