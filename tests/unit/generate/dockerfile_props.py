"""The properties a generated Dockerfile must have, checked on its parsed instructions.

Golden files prove "unchanged"; these prove "correct": the final stage runs as a
non-root user, its HEALTHCHECK probes the port it serves (EXPOSE), every base
image is pinned, and no ENV/ARG carries a literal secret. Comments are not
instructions: a ``# ... HEALTHCHECK`` line satisfies nothing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

_SECRET_KEY = re.compile(r"(?i)(pass(word)?|pwd|secret|token|api_?key|private_?key|credential)")
_ROOT_USERS = {"root", "0"}


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction: upper-case keyword and its argument text."""

    keyword: str
    args: str


def parse(text: str) -> list[Instruction]:
    """Instructions of ``text``: comments and blank lines dropped, continuations joined."""
    out: list[Instruction] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue  # a comment inside a continued instruction
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        keyword, _, args = full.partition(" ")
        out.append(Instruction(keyword.upper(), args.strip()))
    if pending.strip():
        keyword, _, args = pending.strip().partition(" ")
        out.append(Instruction(keyword.upper(), args.strip()))
    return out


def stages(instructions: list[Instruction]) -> list[list[Instruction]]:
    """Instructions grouped by build stage (each starts with FROM)."""
    out: list[list[Instruction]] = []
    for ins in instructions:
        if ins.keyword == "FROM":
            out.append([])
        if out:
            out[-1].append(ins)
    return out


def _exec_form(args: str) -> list[str]:
    """The JSON array of an exec-form argument, else the shell words."""
    if args.startswith("["):
        value = json.loads(args)
        assert isinstance(value, list)
        return [str(v) for v in value]
    return args.split()


def healthcheck_command(stage: list[Instruction]) -> list[str] | None:
    """The last HEALTHCHECK's command words; [] for ``HEALTHCHECK NONE``; None if absent."""
    found = [i for i in stage if i.keyword == "HEALTHCHECK"]
    if not found:
        return None
    args = found[-1].args
    if args.upper() == "NONE":
        return []
    at = re.search(r"(?:^|\s)CMD\s", " " + args)
    assert at is not None, f"HEALTHCHECK without CMD: {args!r}"
    return _exec_form((" " + args)[at.end() :].strip())


def exposed_ports(stage: list[Instruction]) -> set[int]:
    """Ports of the stage's EXPOSE instructions."""
    ports: set[int] = set()
    for ins in stage:
        if ins.keyword == "EXPOSE":
            ports.update(int(p.split("/")[0]) for p in ins.args.split())
    return ports


def final_user(stage: list[Instruction]) -> str | None:
    """The user the container runs as (last USER of the final stage), without group."""
    users = [i.args.split(":")[0].strip() for i in stage if i.keyword == "USER"]
    return users[-1] if users else None


def pinned(image: str) -> bool:
    """True for an image with a digest or an explicit version tag (not latest)."""
    if "@sha256:" in image:
        return True
    name, _, tag = image.rpartition(":")
    if not name or "/" in tag:  # no tag at all (the colon was a registry port)
        return False
    return tag != "latest" and re.search(r"\d", tag) is not None


def assert_dockerfile_properties(text: str, port: int | None) -> None:
    """Non-root user, healthcheck on the served port, pinned bases, no literal secret."""
    instructions = parse(text)
    all_stages = stages(instructions)
    assert all_stages, "no FROM instruction"
    names = set()
    for stage in all_stages:
        words = stage[0].args.split()
        image = words[0]
        if image not in names:
            assert pinned(image), f"base image not pinned: {image}"
        if len(words) >= 3 and words[1].upper() == "AS":
            names.add(words[2])
    final = all_stages[-1]
    user = final_user(final)
    assert user is not None, "the final stage sets no USER (runs as root)"
    assert user not in _ROOT_USERS, f"the final stage runs as {user}"
    command = healthcheck_command(final)
    assert command is not None, "no HEALTHCHECK instruction in the final stage"
    if port is None:
        assert command == [], "no known port: HEALTHCHECK NONE, not a guess"
    else:
        assert exposed_ports(final) == {port}, (exposed_ports(final), port)
        joined = " ".join(command)
        assert re.search(rf"(?<!\d){port}(?!\d)", joined), f"healthcheck misses :{port}: {joined}"
        assert re.search(r"127\.0\.0\.1|localhost", joined), f"healthcheck host: {joined}"
    for ins in instructions:
        if ins.keyword in {"ENV", "ARG"}:
            for key, value in re.findall(r"([A-Za-z_][\w.]*)[= ]\s*(\S+)?", ins.args):
                if _SECRET_KEY.search(key) and value and not value.startswith("$"):
                    raise AssertionError(f"{ins.keyword} {key} holds a literal value")
