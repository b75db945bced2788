"""Per-remote storage options from ``skylift.yaml`` (``remotes:``), matched by URL prefix.

    remotes:
      s3://backups:            # any URL starting with this
        endpoint: http://127.0.0.1:9000
        region: eu-west-1
      sftp:                    # every sftp:// URL
        known_hosts: ~/.ssh/known_hosts

The longest matching key wins; a bare scheme matches every URL of that scheme.
Credentials do not belong here: each backend reads its cloud's standard
environment/profile chain.
"""

from __future__ import annotations

from collections.abc import Mapping

from skylift.storage.base import Storage
from skylift.storage.registry import open_storage, scheme_of

Remotes = Mapping[str, Mapping[str, str]]


def remote_options(url: str, remotes: Remotes) -> dict[str, str]:
    """The options of the longest ``remotes`` key that ``url`` starts with (or its scheme)."""
    best: str | None = None
    scheme = scheme_of(url)
    url = _lower_scheme(url)
    for key in remotes:
        hit = key.lower() == scheme or (url.startswith(_lower_scheme(key)) and "://" in key)
        if hit and (best is None or len(key) > len(best)):
            best = key
    return {str(k): str(v) for k, v in remotes[best].items()} if best is not None else {}


def _lower_scheme(url: str) -> str:
    """``S3://Bucket/x`` → ``s3://Bucket/x``: schemes are case-insensitive, the rest is not."""
    scheme, sep, rest = url.partition("://")
    return f"{scheme.lower()}{sep}{rest}" if sep else url


def open_remote(url: str, remotes: Remotes | None = None) -> Storage:
    """Open ``url`` with its remote options."""
    return open_storage(url, **remote_options(url, remotes or {}))
