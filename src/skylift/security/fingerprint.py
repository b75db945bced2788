"""Fingerprints: short, stable, keyed hashes that stand in for secret values and findings.

Two shapes, both stable under lines moving in the file:

* a secret's: rule + path + the value (:func:`fingerprint`), so every line holding
  the same value shares it;
* a problem a validator reports at a line of a user's file (hadolint, checkov on
  the user's own Dockerfile): rule + path + the line's normalised content + which
  occurrence of that (rule, content) in the file it is (:func:`line_fingerprints`),
  as GitHub's ``primaryLocationLineHash`` and SARIF's ``partialFingerprints`` do.
  Inserting or removing other lines changes none of them; editing the line does.

Older releases put the line number in the second shape (:func:`legacy_line_fingerprint`);
baselines holding those still match while the line has not moved.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from blake3 import blake3

_KEY = blake3(b"skylift scan fingerprint v1").digest()
_SPACE = re.compile(r"\s+")


def fingerprint(*parts: str) -> str:
    """12 hex digits of a keyed BLAKE3 over ``parts`` (rule, path, value …).

    Stable across runs and machines, so baselines work; it reveals nothing
    about the value except to someone who can guess the value exactly (a
    fingerprint of a weak password can be confirmed by trying it), so keep
    reports and baselines inside the project as you would its CI logs.
    """
    h = blake3(key=_KEY)
    for part in parts:
        h.update(part.encode("utf-8", errors="surrogatepass"))
        h.update(b"\0")
    return h.hexdigest(length=6)


def normalised_line(text: str, line: int | None) -> str:
    """Line ``line`` (1-based) of ``text`` with runs of white space collapsed and the ends
    stripped; ``""`` for no line or a line outside the text (a whole-file finding)."""
    if not line or line < 1:
        return ""
    lines = text.splitlines()
    if line > len(lines):
        return ""
    return _SPACE.sub(" ", lines[line - 1]).strip()


def line_fingerprints(path: str, text: str, hits: Sequence[tuple[str, int | None]]) -> list[str]:
    """The fingerprint of each ``(rule, line)`` problem reported in the file ``path``
    whose content is ``text``: rule, path, the line's normalised content and the
    occurrence of that rule on that content in the file (1, 2 … in line order;
    a problem repeated on identical lines stays two fingerprints)."""
    keys = [(rule, normalised_line(text, line)) for rule, line in hits]
    order = sorted(range(len(hits)), key=lambda i: (hits[i][1] or 0, i))
    seen: dict[tuple[str, str], int] = {}
    occurrence = [0] * len(hits)
    for i in order:
        seen[keys[i]] = seen.get(keys[i], 0) + 1
        occurrence[i] = seen[keys[i]]
    return [
        fingerprint("line/v2", rule, path, content, str(n))
        for (rule, content), n in zip(keys, occurrence, strict=True)
    ]


def legacy_line_fingerprint(rule: str, path: str, line: int | None) -> str:
    """The line-number fingerprint releases before issue 13's fix gave a problem in a
    user's file; a baseline entry holding it still accepts the finding at that line."""
    return fingerprint(rule, path, str(line or 0))
