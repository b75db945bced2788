"""URL scheme → backend class, imported lazily with an install hint when an SDK is missing."""

from __future__ import annotations

from urllib.parse import urlsplit

from skylift.domain.registry import Entry
from skylift.errors import ConfigError, InputError, MissingDependencyError
from skylift.storage.base import Storage
from skylift.storage.urls import redact_url

#: scheme → the backend class (and the extra that provides its SDK, if optional)
BACKENDS: dict[str, Entry] = {
    "file": Entry("skylift.storage.local:LocalStorage"),
    "memory": Entry("skylift.storage.memory:MemoryStorage"),
    "s3": Entry("skylift.storage.s3.backend:S3Storage"),
    "az": Entry("skylift.storage.azure.backend:AzureStorage"),
    "gs": Entry("skylift.storage.gcs.backend:GcsStorage", extra="gcs"),
    "sftp": Entry("skylift.storage.sftp.backend:SftpStorage", extra="sftp"),
}


def scheme_of(url: str) -> str:
    """``s3://b/k`` → ``s3``; a plain path → ``file``; InputError for what is not a URL."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # "Invalid IPv6 URL": a '[' or ']' typed in a password
        raise InputError(
            f"not a valid URL: {redact_url(url)!r} ({exc})",
            "percent-encode special characters in user names and passwords "
            "('[' as %5B, ']' as %5D, '@' as %40), or use a key (key_file, ssh-agent) "
            "instead of a password in the URL",
        ) from None
    if len(parts.scheme) <= 1:  # no scheme, or a Windows drive letter
        return "file"
    return parts.scheme.lower()


def open_storage(url: str, **options: str) -> Storage:
    """Open the backend for ``url`` with per-remote ``options``.

    Raises :class:`InputError` for an unknown scheme, :class:`ConfigError` for an
    option the backend does not know (a typo, or a secret put in skylift.yaml),
    :class:`MissingDependencyError` with the ``pip install 'skylift[extra]'`` hint
    when the backend's SDK is not installed.
    """
    scheme = scheme_of(url)
    entry = BACKENDS.get(scheme)
    if entry is None:
        raise InputError(
            f"unsupported storage URL scheme {scheme!r} in {redact_url(url)!r}",
            f"use one of: {', '.join(sorted(BACKENDS))}:// or a local path",
        )
    try:
        cls: type[Storage] = entry.load()
    except ModuleNotFoundError as exc:
        if entry.extra is not None and exc.name and not exc.name.startswith("skylift"):
            raise MissingDependencyError(exc.name, entry.extra) from exc
        raise
    unknown = sorted(set(options) - cls.option_names)
    if unknown:
        raise ConfigError(
            f"unknown option {unknown[0]!r} for {scheme}:// storage",
            f"valid options: {', '.join(sorted(cls.option_names)) or 'none'} "
            "(credentials come from the environment, never from options)",
        )
    return cls(url, **options)
