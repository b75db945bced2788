"""Storage URLs made safe to show: credentials stripped before anything is printed or stored."""

from __future__ import annotations

from urllib.parse import SplitResult, unquote, urlsplit, urlunsplit

from skylift.domain.text import one_line

#: Schemes whose URL names a bucket or account (never a host:port): see :func:`_connects`.
_BUCKET_SCHEMES = frozenset({"s3", "gs", "az"})


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
    if _ambiguous(url, parts.netloc):
        # a password holding "/", "?" or "#" (typed unescaped) ends the host part early:
        # "u:2024#pw@host" parses as host "u", port 2024 - and so does
        # "host:2222/home/me@example.com/f" (an "@" in a path). Name the host the
        # connection goes to, never its port or path (a password's head in the other
        # reading). No connection parse (a bad port): keep what follows the last "@" -
        # unless a "?" comes before it (that "@" may be in a query, a token's tail).
        head, _, tail = rest.rpartition("@")
        connects = _connects(parts)
        if connects and parts.hostname and "@" not in parts.netloc and "?" not in head:
            return f"{scheme}://{_host(parts.hostname, None)}:…"
        if not connects and "?" not in head:
            return f"{scheme}://…@{tail.split('?', 1)[0]}"
        return f"{scheme}://…"
    try:
        port = parts.port
    except ValueError:  # a malformed port: keep only the scheme
        return scheme + "://…"
    if parts.username is None and parts.password is None and not (parts.query or parts.fragment):
        return url
    return urlunsplit((parts.scheme, _host(parts.hostname or "", port), parts.path, "", ""))


def url_identity(url: str) -> str:
    """Which endpoint and place ``url`` names, as the backends' own parse (``urlsplit``)
    reads it: scheme, host, port and path - never user info, query or fragment. The key
    of destination locks and resume journals; hashed, never shown or stored.

    For every URL whose host part is unambiguous this is :func:`redact_url`'s text, so
    journals and locks made before keep their names. The user is left out on purpose:
    the path names the same files whoever logs in, so two users writing one folder
    share its lock. For a host part holding ":" with an "@" after it
    (``sftp://host:2222/home/me@example.com/f``) the display is elided, but the
    identity is the host, port and path the connection uses, so another host's URL
    never shares its lock or journal (#12). A URL the backends cannot parse (a bad
    port) is never connected to: its redacted text serves.
    """
    shown = redact_url(url)
    try:
        parts = urlsplit(url)
    except ValueError:
        return shown
    if not _ambiguous(url, parts.netloc) or parts.hostname is None or not _connects(parts):
        return shown
    return urlunsplit((parts.scheme, _host(parts.hostname, parts.port), parts.path, "", ""))


def _ambiguous(url: str, netloc: str) -> bool:
    """The host part holds ":" and an "@" follows it: a typed password or an "@" in a path."""
    rest = url.partition("://")[2]
    return ":" in netloc and "@" in rest[len(netloc) :]


def _connects(parts: SplitResult) -> bool:
    """A backend can connect where ``urlsplit`` says: a host-based scheme (a bucket or
    account name holds no ":", so ``s3://u:1/x@b`` reaches no store) and a port that
    parses (or none) and is not 0."""
    if parts.scheme.lower() in _BUCKET_SCHEMES:
        return False
    try:
        return parts.port != 0
    except ValueError:
        return False


def _host(hostname: str, port: int | None) -> str:
    """``host[:port]`` for a URL; an IPv6 host keeps its brackets."""
    host = f"[{hostname}]" if ":" in hostname else hostname
    return host if port is None else f"{host}:{port}"


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
    if "?" in url or "#" in url:
        # urlsplit would drop them: "s3://b/data#old" is not the prefix "data" (#12)
        cut = "?" if "?" in url.split("#", 1)[0] else "#"
        raise InputError(
            f"{label} URL {shown_url(url)!r} goes on with {cut!r}…, which would be cut off "
            f"(not shown: it may hold a token), leaving {scheme}://{parts.netloc}{parts.path}",
            "percent-encode '?' as %3F and '#' as %23 where they belong to a key; "
            "credentials come from the environment, never from the URL",
        )
    if not parts.netloc:
        raise InputError(
            f"{label} URL without a {bucket.lower()}: {redact_url(url)!r}",
            f"use {scheme}://{bucket}/optional/prefix",
        )
    root = _decoded_path(url, parts.path, label, scheme).strip("/")
    if root:
        check_key(root)
    return parts.netloc, root


def _decoded_path(url: str, path: str, label: str, scheme: str) -> str:
    """A bucket URL's path with its ``%XX`` escapes decoded (``%23`` is ``#``); an escape
    that is not UTF-8 is refused: it named another key (``50%ab`` was ``50\ufffd``)."""
    from skylift.errors import InputError

    try:
        return unquote(path, errors="strict")
    except UnicodeDecodeError:
        raise InputError(
            f"{label} URL {shown_url(url)!r}: a '%' escape in its path is not UTF-8 text",
            "the path of a URL is percent-decoded: write a literal '%' as %25 "
            f"({scheme}://b/50%25ab is the prefix '50%ab')",
        ) from None


def shown_url(url: str) -> str:
    """A URL or path for a one-line message: credentials stripped, control characters escaped
    (a name with a newline cannot forge a second line)."""
    return one_line(redact_url(url))
