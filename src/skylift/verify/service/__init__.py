"""Service verification: is the migrated service as correct, fast and safe as its source?

:func:`verify_service` runs functional checks (HTTP answers compared, TCP
reachability), an optional load comparison (Locust) and security checks
(TLS, headers, ports, authentication) and returns a
:class:`~skylift.verify.service.model.ServiceVerification`.
"""

from skylift.verify.service.checks_file import parse_checks, read_checks
from skylift.verify.service.model import CheckSet, LoadProfile, ServiceVerification, Thresholds
from skylift.verify.service.propose import Proposal, propose
from skylift.verify.service.run import ServiceOptions, verify_service

__all__ = [
    "CheckSet",
    "LoadProfile",
    "Proposal",
    "ServiceOptions",
    "ServiceVerification",
    "Thresholds",
    "parse_checks",
    "propose",
    "read_checks",
    "verify_service",
]
