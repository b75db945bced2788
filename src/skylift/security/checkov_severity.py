"""Severities for checkov's checks, which open-source checkov leaves empty.

Three sources, first match wins:

1. a severity checkov itself reported (only with a platform key, never here);
2. ``data/checkov_severity.csv``: the checks that matter most in a migration,
   each with a one-line reason (open SSH/RDP to the internet is critical, a
   public bucket high, a root container medium, a missing probe low …);
3. keyword rules on the check's name for the other ~1,200 checks
   (``customer managed key`` → low, ``publicly accessible`` → high …),
   defaulting to medium.
"""

from __future__ import annotations

import csv
import re
from functools import cache, lru_cache
from importlib import resources

from skylift.domain.findings import Severity

DEFAULT = Severity.MEDIUM

#: (pattern on the lower-cased check name, severity), tried in order.
KEYWORD_RULES: tuple[tuple[re.Pattern[str], Severity], ...] = tuple(
    (re.compile(p), s)
    for p, s in (
        (r"customer.managed|\bcmk\b|customer supplied|\bcsek\b", Severity.LOW),
        (r"(0\.0\.0\.0|internet|unrestricted).*(\bssh\b|\brdp\b|port 22\b|3389|all ports|port -1)",
         Severity.CRITICAL),
        (r"hard.?coded|secrets? .*exposed|access key", Severity.HIGH),
        (r"0\.0\.0\.0|unrestricted|from the internet|anonymously|publicly accessible",
         Severity.HIGH),
        (r"\bprivileged\b|docker daemon socket|host (network|process|ipc)", Severity.HIGH),
        (r"encrypted at rest|securely encrypted|encryption (is )?enabled|\bis encrypted\b",
         Severity.MEDIUM),
        (r"\blog(s|ging)?\b|monitor|versioning|replication|backup|retention|\btags?\b"
         r"|description|probe|limits? should|requests? should|deletion protection|lifecycle"
         r"|notifications|soft.delete",
         Severity.LOW),
    )
)  # fmt: skip


@cache
def table() -> dict[str, Severity]:
    """The shipped check id → severity table."""
    text = (
        resources.files("skylift.security")
        .joinpath("data/checkov_severity.csv")
        .read_text(encoding="utf-8")
    )
    return {row["check_id"]: Severity(row["severity"]) for row in csv.DictReader(text.splitlines())}


@lru_cache(maxsize=4096)
def severity_of(check_id: str, name: str = "", reported: str | None = None) -> Severity:
    """The severity of checkov check ``check_id`` named ``name`` (cached: a tree can
    fail the same few hundred checks a hundred thousand times)."""
    if reported:
        try:
            return Severity(reported.lower())
        except ValueError:
            pass
    known = table().get(check_id)
    if known is not None:
        return known
    lowered = name.lower()
    for pattern, severity in KEYWORD_RULES:
        if pattern.search(lowered):
            return severity
    return DEFAULT
