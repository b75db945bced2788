"""A hardened variant of the user's own Dockerfile, offered next to it — never replacing it.

When the stage that is built (compose ``build.target``, else the last stage)
has no non-root ``USER`` or no ``HEALTHCHECK``, skylift writes
``docker/<service>/Dockerfile.hardened``: the user's text unchanged, with the
missing instructions added at the end of that stage. The health check only
uses the application's own runtime (``python -c``, ``node -e`` …) on the
served port, so it needs no extra package; for a language skylift does not
know, only ``USER`` is added. ``build.sh`` keeps building the original.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from skylift.domain.target import Language, ServiceSpec
from skylift.generate.docker import health_command

HARDENED_UID = 10001

_FROM = re.compile(r"^\s*FROM\s+(?:--\S+\s+)*\S+(?:\s+AS\s+(\S+))?\s*$", re.IGNORECASE)
_HEREDOC = re.compile(r"<<-?\s*[\"']?([A-Za-z_][A-Za-z0-9_]*)[\"']?")
_USER = re.compile(r"^\s*USER\s+(\S+)", re.IGNORECASE)
_HEALTHCHECK = re.compile(r"^\s*HEALTHCHECK\s", re.IGNORECASE)


@dataclass(frozen=True)
class _Stage:
    name: str | None
    start: int  #: index of its FROM line
    end: int  #: index after its last instruction line


def _stages(lines: list[str]) -> list[_Stage]:
    """The stages of a Dockerfile (heredoc bodies are skipped, never read as FROM)."""
    starts: list[tuple[int, str | None]] = []
    closing: str | None = None
    for i, line in enumerate(lines):
        if closing is not None:
            if line.strip() == closing:
                closing = None
            continue
        m = _FROM.match(line)
        if m:
            starts.append((i, m.group(1)))
        heredoc = _HEREDOC.search(line)
        if heredoc and not line.lstrip().startswith("#"):
            closing = heredoc.group(1)
    stages = []
    for n, (start, name) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        while end > start + 1 and (
            not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")
        ):
            end -= 1
        stages.append(_Stage(name, start, end))
    return stages


def harden(text: str, service: ServiceSpec) -> str | None:
    """The hardened text, or ``None`` when the built stage already has both (or no stage)."""
    lines = text.splitlines()
    stages = _stages(lines)
    if not stages or service.app is None:
        return None
    target = service.app.build_target
    stage = next((s for s in stages if target and (s.name or "").lower() == target.lower()), None)
    stage = stage or stages[-1]
    body = lines[stage.start : stage.end]
    users = [m.group(1) for m in (_USER.match(line) for line in body) if m]
    needs_user = not users or users[-1].split(":")[0] in ("root", "0")
    port = service.ports[0].container if service.ports else None
    probe = None
    if not any(_HEALTHCHECK.match(line) for line in body) and service.app.language not in (
        Language.UNKNOWN,
        Language.STATIC,
    ):
        probe = health_command(service.app.language, port)
    if not needs_user and probe is None:
        return None
    added = ["", "# Added by skylift (hardened variant; your Dockerfile is unchanged beside it)."]
    if probe is not None:
        added.append(f"HEALTHCHECK --interval=30s --timeout=5s --start-period=20s CMD {probe}")
    if needs_user:
        added.append(f"USER {HARDENED_UID}:{HARDENED_UID}")
    hardened = lines[: stage.end] + added + lines[stage.end :]
    return "\n".join(hardened) + "\n"
