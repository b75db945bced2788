"""TLS of the target: protocol versions and weak ciphers it accepts, and its
certificate (chain, host name, expiry).

Each probe is one handshake from Python's OpenSSL: a version is "accepted"
when a handshake pinned to it succeeds; a weak cipher when a TLS ≤ 1.2
handshake offering only weak suites succeeds. Suites this OpenSSL cannot
offer at all (RC4, DES, export on OpenSSL 3) cannot be probed and are listed
in :data:`UNPROBED`.
"""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import warnings
from pathlib import Path

from skylift.domain.findings import Finding, Severity
from skylift.verify.service.endpoint import Endpoint
from skylift.verify.service.findings import finding

OLD_VERSIONS = (ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1)
_NAMES = {ssl.TLSVersion.TLSv1: "TLS 1.0", ssl.TLSVersion.TLSv1_1: "TLS 1.1"}
#: cipher families tried as weak (each on its own, skipped when this OpenSSL lacks it)
WEAK_FAMILIES = ("aNULL", "eNULL", "EXPORT", "RC4", "DES", "3DES", "MD5")
EXPIRY_WARNING_DAYS = 30


def _probe_context(
    minimum: ssl.TLSVersion, maximum: ssl.TLSVersion, ciphers: str
) -> ssl.SSLContext:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TLSv1 names are deprecated
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.set_ciphers(ciphers)
        ctx.minimum_version = minimum
        ctx.maximum_version = maximum
    return ctx


def _handshake(endpoint: Endpoint, ctx: ssl.SSLContext, timeout: float) -> tuple[str, str] | None:
    """(version, cipher) of a successful handshake, else None."""
    try:
        with (
            socket.create_connection((endpoint.host, endpoint.port), timeout=timeout) as raw,
            ctx.wrap_socket(raw, server_hostname=endpoint.host) as tls,
        ):
            cipher = tls.cipher()
            return (tls.version() or "?", cipher[0] if cipher else "?")
    except (OSError, ssl.SSLError):
        return None


def _weak_suites() -> list[str]:
    out = []
    for family in WEAK_FAMILIES:
        try:
            _probe_context(ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_2, f"{family}:@SECLEVEL=0")
        except ssl.SSLError:
            continue
        out.append(family)
    return out


#: weak families this OpenSSL cannot offer, so cannot probe
UNPROBED: tuple[str, ...] = tuple(f for f in WEAK_FAMILIES if f not in _weak_suites())


def protocol_findings(endpoint: Endpoint, timeout: float = 3.0) -> list[Finding]:
    """TLS 1.0/1.1 accepted, and weak cipher suites accepted."""
    found: list[Finding] = []
    for version in OLD_VERSIONS:
        ctx = _probe_context(version, version, "DEFAULT:@SECLEVEL=0")
        got = _handshake(endpoint, ctx, timeout)
        if got is not None:
            found.append(
                finding(
                    "SKY-VERIFY-TLS-PROTOCOL",
                    Severity.HIGH,
                    endpoint.url,
                    f"{endpoint.host}:{endpoint.port} accepts {_NAMES[version]} ({got[1]})",
                )
            )
    for family in _weak_suites():
        ctx = _probe_context(ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_2, f"{family}:@SECLEVEL=0")
        got = _handshake(endpoint, ctx, timeout)
        if got is not None:
            found.append(
                finding(
                    "SKY-VERIFY-TLS-CIPHER",
                    Severity.HIGH,
                    endpoint.url,
                    f"{endpoint.host}:{endpoint.port} accepts the {family} suite {got[1]} "
                    f"over {got[0]}",
                )
            )
    return found


def certificate_findings(
    endpoint: Endpoint,
    ca_file: Path | None = None,
    now: dt.datetime | None = None,
    timeout: float = 3.0,
) -> list[Finding]:
    """Chain trust (system store or ``ca_file``), host name and expiry."""
    from cryptography import x509

    found: list[Finding] = []
    ctx = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    ctx.check_hostname = False  # judged separately, so both problems are reported
    try:
        with (
            socket.create_connection((endpoint.host, endpoint.port), timeout=timeout) as raw,
            ctx.wrap_socket(raw, server_hostname=endpoint.host) as tls,
        ):
            der = tls.getpeercert(binary_form=True)
    except ssl.SSLCertVerificationError as exc:
        found.append(
            finding("SKY-VERIFY-TLS-CHAIN", Severity.HIGH, endpoint.url,
                    f"certificate of {endpoint.host}:{endpoint.port} not trusted: "
                    f"{exc.verify_message}")
        )  # fmt: skip
        der = _peer_der(endpoint, timeout)
    except (OSError, ssl.SSLError):
        return found  # no TLS handshake at all: the functional checks say so
    if not der:
        return found
    cert = x509.load_der_x509_certificate(der)
    if not _hostname_matches(cert, endpoint.host):
        found.append(
            finding("SKY-VERIFY-TLS-HOSTNAME", Severity.HIGH, endpoint.url,
                    f"certificate does not name {endpoint.host}")
        )  # fmt: skip
    now = now or dt.datetime.now(dt.UTC)
    left = cert.not_valid_after_utc - now
    if left.total_seconds() <= 0:
        found.append(
            finding("SKY-VERIFY-TLS-EXPIRY", Severity.HIGH, endpoint.url,
                    f"certificate expired on {cert.not_valid_after_utc:%Y-%m-%d}")
        )  # fmt: skip
    elif left.days < EXPIRY_WARNING_DAYS:
        found.append(
            finding("SKY-VERIFY-TLS-EXPIRY", Severity.MEDIUM, endpoint.url,
                    f"certificate expires in {left.days} days "
                    f"({cert.not_valid_after_utc:%Y-%m-%d})")
        )  # fmt: skip
    return found


def _peer_der(endpoint: Endpoint, timeout: float) -> bytes | None:
    ctx = _probe_context(ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.MAXIMUM_SUPPORTED, "DEFAULT")
    try:
        with (
            socket.create_connection((endpoint.host, endpoint.port), timeout=timeout) as raw,
            ctx.wrap_socket(raw, server_hostname=endpoint.host) as tls,
        ):
            return tls.getpeercert(binary_form=True)
    except (OSError, ssl.SSLError):
        return None


def _hostname_matches(cert: object, host: str) -> bool:
    """RFC 6125 matching of ``host`` against the certificate's subjectAltName."""
    import ipaddress

    from cryptography import x509

    assert isinstance(cert, x509.Certificate)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    if ip is not None:
        return ip in san.get_values_for_type(x509.IPAddress)
    host = host.lower().rstrip(".")
    for name in san.get_values_for_type(x509.DNSName):
        name = name.lower().rstrip(".")
        if name == host:
            return True
        if name.startswith("*.") and "." in host and host.split(".", 1)[1] == name[2:]:
            return True
    return False
