"""Storage URLs made safe to show: credentials stripped before anything is printed or stored."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit, urlunsplit

from skylift.domain.text import one_line


def redact_url(url: str) -> str:
    """Drop ``user:password@`` (and any query string or fragment, which may carry a SAS or
    access token) from a URL.

    Plain paths come back unchanged. Used for every URL skylift prints, logs,
    puts in JSON or stores (manifest, journal, history).
    """
    if "://" not in url:
        return url
    scheme, _, rest = url.partition("://")
    try:
        parts = urlsplit(url)
    except ValueError:  # "Invalid IPv6 URL": a '[' or ']' typed in a password
        return scheme + "://…"
    if ":" in parts.netloc and "@" in rest[len(parts.netloc) :]:
        # a password holding "/", "?" or "#" (typed unescaped) ends the host part early:
        # "u:2024#pw@host" would parse as host "u", port 2024. Keep what follows the last
        # "@" - unless a "?" comes before it: that "@" may be in a query (a token's tail)
        head, _, tail = rest.rpartition("@")
        return f"{scheme}://…" if "?" in head else f"{scheme}://…@{tail.split('?', 1)[0]}"
    try:
        port = parts.port
    except ValueError:  # a malformed port: keep only the scheme
        return scheme + "://…"
    if parts.username is None and parts.password is None and not (parts.query or parts.fragment):
        return url
    host = parts.hostname or ""
    if ":" in host:  # IPv6: keep the brackets
        host = f"[{host}]"
    if port is not None:
        host += f":{port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def refuse_credentials(url: str, scheme: str) -> None:
    """Object-store URLs name a bucket, never a user: refuse ``user:password@`` in them."""
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:
        from skylift.errors import InputError

        raise InputError(
            f"{scheme}:// URL with user info: {redact_url(url)!r}",
            f"use {scheme}://BUCKET/prefix; credentials come from the environment "
            "or the cloud's profile chain, never from the URL",
        )


def bucket_and_root(url: str, scheme: str, label: str, bucket: str = "BUCKET") -> tuple[str, str]:
    """``(bucket, root prefix)`` of an object-store URL such as ``s3://BUCKET/prefix``.

    Refuses user info in the URL, a missing bucket (``label`` names the store in
    the message, ``bucket`` what the hint calls it) and a root that is not a
    valid key.
    """
    from skylift.errors import InputError
    from skylift.storage.keys import check_key

    refuse_credentials(url, scheme)
    parts = urlsplit(url)
    if not parts.netloc:
        raise InputError(
            f"{label} URL without a {bucket.lower()}: {redact_url(url)!r}",
            f"use {scheme}://{bucket}/optional/prefix",
        )
    root = unquote(parts.path).strip("/")
    if root:
        check_key(root)
    return parts.netloc, root


def shown_url(url: str) -> str:
    """A URL or path for a one-line message: credentials stripped, control characters escaped
    (a name with a newline cannot forge a second line)."""
    return one_line(redact_url(url))
