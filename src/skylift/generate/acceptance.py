"""Accepting known findings: ``--accept RULE[:PATH]`` and the baseline file ``scan`` uses.

``--accept SKY-GEN-IMAGE-UNPINNED`` accepts every finding of that rule;
``--accept CKV_DOCKER_2:backend/Dockerfile`` only those whose file ends with
that path; ``--accept SKY-GEN-IMAGE-UNPINNED:wordpress:latest`` only the one
about that image (the finding's resource). A baseline (``--baseline FILE``,
the format of :mod:`skylift.security.baseline`) accepts findings by their
fingerprint, which ``--json`` prints. Accepted findings are still reported, as
accepted; they never make ``--check`` fail. A baseline written before
fingerprints of the user's own files stopped holding line numbers still accepts
such a finding while it stays on the line the entry was made for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from skylift.domain.findings import Finding
from skylift.domain.target import CheckResult
from skylift.errors import InputError
from skylift.security.fingerprint import legacy_line_fingerprint


@dataclass(frozen=True)
class Acceptance:
    """What the user accepted: ``(rule, path or None)`` pairs and baseline fingerprints."""

    rules: tuple[tuple[str, str | None], ...] = ()
    fingerprints: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def parse(cls, accepts: Iterable[str], fingerprints: Iterable[str] = ()) -> Acceptance:
        """From ``--accept`` values (``RULE`` or ``RULE:PATH``); :class:`InputError` if empty."""
        rules: list[tuple[str, str | None]] = []
        for raw in accepts:
            rule, _, path = raw.strip().partition(":")
            if not rule:
                raise InputError(
                    f"--accept {raw!r}: no rule id",
                    "write --accept RULE or --accept RULE:PATH, e.g. --accept CKV_DOCKER_2:"
                    "backend/Dockerfile",
                )
            rules.append((rule, path or None))
        return cls(tuple(rules), frozenset(fingerprints))

    def accepts(self, finding: Finding) -> bool:
        """True when ``finding`` is accepted by a rule or the baseline."""
        if finding.fingerprint in self.fingerprints or self.legacy_entry(finding):
            return True
        loc = finding.location
        for rule, path in self.rules:
            if rule != finding.rule_id:
                continue
            if path is None or path == loc.resource:
                return True
            if loc.path and (loc.path == path or loc.path.endswith("/" + path.lstrip("/"))):
                return True
        return False

    def legacy_entry(self, finding: Finding) -> str | None:
        """The baseline's old line-number fingerprint that accepts ``finding`` (a finding
        in the user's own file whose entry predates content fingerprints), if any."""
        loc = finding.location
        if not self.fingerprints or not loc.path or finding.tool not in ("hadolint", "checkov"):
            return None
        if finding.fingerprint in self.fingerprints:
            return None
        legacy = legacy_line_fingerprint(finding.rule_id, loc.path, loc.line)
        return legacy if legacy in self.fingerprints else None

    def migrations(self, checks: Iterable[CheckResult]) -> list[str]:
        """One line per baseline entry matched only by its old line-number fingerprint,
        saying which fingerprint replaces it (so it survives lines moving)."""
        out = []
        for check in checks:
            for f in check.accepted:
                old = self.legacy_entry(f)
                if old is not None:
                    out.append(
                        f"baseline entry {old} ({f.rule_id} {f.location}) is a line-number "
                        f"fingerprint of an older skylift; replace it with {f.fingerprint}, "
                        "which does not change when lines move"
                    )
        return out

    def apply(self, check: CheckResult) -> CheckResult:
        """``check`` with its accepted findings moved from ``findings`` to ``accepted``."""
        if not check.findings:
            return check
        kept = tuple(f for f in check.findings if not self.accepts(f))
        taken = tuple(f for f in check.findings if self.accepts(f))
        return check.model_copy(update={"findings": kept, "accepted": (*check.accepted, *taken)})
