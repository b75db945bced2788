"""A baseline file: findings a team has looked at and accepted.

JSON, one entry per accepted finding, keyed by its fingerprint (never the
secret value)::

    {"version": 1, "accepted": [{"fingerprint": "3f9a0c…", "rule_id": "SKY-SECRET-020",
      "path": "deploy/.env", "line": 3, "reason": "rotated; test account"}]}

A finding whose fingerprint is in the baseline is reported as suppressed, not
as a finding, and does not trip ``--fail-on``. A secret value repeated on several
lines of a file has one fingerprint: its one entry (at the first line) accepts
every occurrence. Rewriting the baseline keeps the
``reason`` of entries that are still found and drops entries that no longer are.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from skylift.domain.findings import Finding
from skylift.errors import InputError
from skylift.security.files import blocking_file

BASELINE_VERSION = 1


class BaselineEntry(BaseModel):
    """One accepted finding."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    fingerprint: str = Field(min_length=1)
    rule_id: str = ""
    path: str | None = None
    line: int | None = None
    reason: str = ""


class Baseline(BaseModel):
    """The accepted findings of a project."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = BASELINE_VERSION
    accepted: tuple[BaselineEntry, ...] = ()

    def fingerprints(self) -> frozenset[str]:
        """The fingerprints this baseline accepts."""
        return frozenset(e.fingerprint for e in self.accepted)

    @classmethod
    def of(cls, findings: Iterable[Finding], previous: Baseline | None = None) -> Baseline:
        """A baseline accepting ``findings``, keeping the reasons given in ``previous``."""
        reasons = {e.fingerprint: e.reason for e in previous.accepted} if previous else {}
        entries: dict[str, BaselineEntry] = {}
        for f in sorted(findings, key=lambda f: (f.location.path or "", f.location.line or 0)):
            entries.setdefault(  # the first occurrence stands for every repeat of the value
                f.fingerprint,
                BaselineEntry(
                    fingerprint=f.fingerprint,
                    rule_id=f.rule_id,
                    path=f.location.path,
                    line=f.location.line,
                    reason=reasons.get(f.fingerprint, ""),
                ),
            )
        ordered = sorted(entries.values(), key=lambda e: (e.path or "", e.line or 0, e.rule_id))
        return cls(accepted=tuple(ordered))


def load_baseline(path: Path) -> Baseline:
    """Read a baseline file; raise :class:`InputError` when it is missing or malformed."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(
            f"baseline {path}: no such file",
            "create it with: skylift scan PATH --baseline FILE --update-baseline",
        ) from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(
            f"baseline {path}: not readable JSON ({exc})".splitlines()[0],
            "fix the file or re-create it with --update-baseline",
        ) from exc
    try:
        baseline = Baseline.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(
            f"baseline {path}: {where}: {first['msg']}",
            'expected {"version": 1, "accepted": [{"fingerprint": "…", "reason": "…"}]}',
        ) from exc
    if baseline.version != BASELINE_VERSION:
        raise InputError(
            f"baseline {path}: version {baseline.version} is not supported",
            f"this skylift reads version {BASELINE_VERSION}; re-create it with --update-baseline",
        )
    return baseline


def write_baseline(path: Path, baseline: Baseline) -> None:
    """Write ``baseline`` to ``path`` atomically (a temporary file renamed over it)."""
    text = json.dumps(baseline.model_dump(mode="json"), indent=2) + "\n"
    if path.is_dir():
        raise InputError(f"baseline {path}: is a folder", "give a file name: --baseline FILE")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        blocker = blocking_file(path)
        why = f"{blocker} is a file, not a folder" if blocker else exc.strerror or str(exc)
        raise InputError(
            f"baseline {path}: cannot write it: {why}",
            "give a path in a folder you can write to",
        ) from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
