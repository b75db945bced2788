"""Whether an S3 request's body is part of its SigV4 signature (``x-amz-content-sha256``).

Signing the payload means hashing every byte sent with SHA-256 (~0.5 ms of
CPU per MiB here, a quarter of what a whole upload costs the client). It
protects the body against being changed in transit, so the rule is: sign
where nothing else protects it, and only there.

* ``https://`` (and AWS itself): TLS authenticates every byte; requests say
  ``UNSIGNED-PAYLOAD``, as the AWS SDKs do over TLS.
* ``http://`` to a loopback address (``127.0.0.0/8``, ``::1``, ``localhost``):
  the bytes never leave the kernel; whoever could change them can read the
  credentials already. Unsigned.
* ``http://`` to loopback through a proxy (``$HTTP_PROXY`` or ``$ALL_PROXY`` and
  the host not in ``$NO_PROXY``: obstore and botocore both use it for loopback
  too): the body leaves the machine. Signed.
* ``http://`` to anything else: signed. There the signature is the body's
  only protection against a machine on the path (the AWS SDKs do the same:
  "payloads are still signed for requests over HTTP").

The ``sign_payload`` option (``true``/``false``) overrides the rule for one
remote, e.g. ``false`` for an HTTP store on a trusted private network, or
``true`` to sign on loopback too — when ``127.0.0.1`` is one end of a tunnel
whose far end reaches the store over plain HTTP across another network
(``ssh -L 9000:store-host:9000 jump-host``).
"""

from __future__ import annotations

import ipaddress
import os
from urllib.parse import urlsplit

from skylift.errors import ConfigError

_YES = frozenset({"1", "true", "yes", "on"})
_NO = frozenset({"0", "false", "no", "off"})


def is_loopback(endpoint: str) -> bool:
    """True if ``endpoint``'s host is a loopback address or ``localhost``."""
    try:
        host = urlsplit(endpoint).hostname
    except ValueError:
        return False
    if not host:
        return False
    if host.rstrip(".").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _proxied(endpoint: str) -> bool:
    """True if a proxy from the environment carries plain-HTTP requests to ``endpoint``."""
    names = ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY")
    if not any(os.environ.get(name) for name in names):
        return False  # the common case, without importing urllib.request
    import urllib.request

    proxies = urllib.request.getproxies_environment()
    if not (proxies.get("http") or proxies.get("all")):
        return False
    netloc = urlsplit(endpoint).netloc.rpartition("@")[2]
    return not urllib.request.proxy_bypass(netloc)


def signs_payload(endpoint: str | None, option: str | None = None) -> bool:
    """Whether requests to ``endpoint`` (None: AWS over TLS) carry a SHA-256 of their body.

    ``option`` is the remote's ``sign_payload`` setting (None or ``auto``: the rule above).
    """
    choice = (option or "auto").strip().lower()
    if choice in _YES:
        return True
    if choice in _NO:
        return False
    if choice != "auto":
        raise ConfigError(
            f"sign_payload must be true, false or auto, not {option!r}",
            "leave it out to sign request bodies only on plain HTTP beyond this machine",
        )
    if not endpoint or not endpoint.lower().startswith("http://"):
        return False
    return not is_loopback(endpoint) or _proxied(endpoint)
