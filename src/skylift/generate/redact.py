"""Secret values never reach the output: every repeat becomes a reference to the Secret.

A compose file often repeats a password outside ``environment:`` — in a
healthcheck (``sqlcmd … -P <password>``), a ``command``, another service's
settings or a ``build.args`` entry. :func:`redact_services` replaces each
occurrence by a reference the container resolves at run time:

- ``command`` words (Kubernetes ``args``): ``$(VAR)``, which the kubelet
  expands from the container's environment;
- exec probes (which the kubelet does not expand): a ``sh -c`` form reading
  ``${VAR}``; an exec-form healthcheck is turned into that shell form;
- a plain setting that contains the value: it becomes a Secret reference too.

``VAR`` is the setting that carries the secret (``SA_PASSWORD``), added to
the container as a ``secretKeyRef`` when it is not there yet. A value that is
also a plain word of the application (``MYSQL_PASSWORD=wordpress`` beside
``MYSQL_USER=wordpress`` and image ``wordpress``) cannot be hidden; it is
reported as a warning, never silently kept.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from skylift.domain.target import EnvVar, GenerationWarning, SecretRef, ServiceSpec
from skylift.generate.names import dns_name

#: Shorter values are not redacted: they would match ordinary words.
MIN_SECRET_LENGTH = 4


@dataclass(frozen=True)
class KnownSecret:
    """One secret value of the application and the setting that carries it."""

    value: str
    env: str  #: environment variable the container reads it from
    secret: str  #: Kubernetes Secret name
    key: str  #: key in that Secret
    owner: str  #: the service that declared it


#: From this length a value is replaced wherever it occurs (``-pSECRET`` too); shorter
#: ones only as a whole word, so that ``test`` does not rewrite ``pytest``.
SUBSTRING_LENGTH = 8


def _token(value: str) -> re.Pattern[str]:
    if len(value) >= SUBSTRING_LENGTH:
        return re.compile(re.escape(value))
    return re.compile(rf"(?<![A-Za-z0-9_]){re.escape(value)}(?![A-Za-z0-9_])")


def env_name_for(secret_name: str) -> str:
    """The environment variable that carries a compose ``secrets:`` entry (``db-password`` →
    ``DB_PASSWORD``)."""
    return re.sub(r"[^A-Z0-9_]", "_", secret_name.upper()).strip("_") or "SECRET"


def benign_words(services: Sequence[ServiceSpec]) -> set[str]:
    """Words the output must contain anyway: service names, images, plain setting values."""
    words: set[str] = set()
    for s in services:
        words.add(s.name)
        if s.image:
            words.update(re.split(r"[/:@]", s.image))
        words.update(e.value for e in s.env)
    return words


def hideable(known: Iterable[KnownSecret], benign: set[str]) -> list[KnownSecret]:
    """The secrets that can be kept out of the output (long enough, not a plain word)."""
    return [k for k in known if len(k.value) >= MIN_SECRET_LENGTH and k.value not in benign]


def unhideable_warnings(
    known: Iterable[KnownSecret], kept: Sequence[KnownSecret]
) -> list[GenerationWarning]:
    """One warning per secret that stays visible because it equals a plain word."""
    warnings = []
    kept_values = {k.value for k in kept}
    for k in known:
        if k.value in kept_values:
            continue
        why = (
            "is shorter than 4 characters"
            if len(k.value) < MIN_SECRET_LENGTH
            else "equals a plain setting, service or image name"
        )
        warnings.append(
            GenerationWarning(
                message=f"service '{k.owner}': the value of {k.env} {why}, so it cannot be kept "
                "out of the output — it is not a real secret; set a strong one in your "
                "secret store",
            )
        )
    return warnings


def _literal(text: str) -> Callable[[re.Match[str]], str]:
    """A ``re.sub`` replacement that inserts ``text`` as it is (no backslash escapes)."""

    def repl(_m: re.Match[str]) -> str:
        return text

    return repl


def _ref(k: KnownSecret) -> SecretRef:
    return SecretRef(env=k.env, secret=k.secret, key=k.key)


def _shell_word(word: str, hits: list[KnownSecret]) -> str:
    """``word`` for ``sh -c``: quoted, with each secret replaced by ``${VAR}``."""
    if not hits:
        return shlex.quote(word)
    escaped = re.sub(r'([\\"`$])', r"\\\1", word)
    for k in hits:
        pattern = _token(re.sub(r'([\\"`$])', r"\\\1", k.value))
        escaped = pattern.sub(_literal(f"${{{k.env}}}"), escaped)
    return f'"{escaped}"'


def _redact_probe(
    command: tuple[str, ...], known: Sequence[KnownSecret]
) -> tuple[tuple[str, ...], list[KnownSecret]]:
    used = [k for k in known if any(_token(k.value).search(w) for w in command)]
    if not used:
        return command, []
    if len(command) == 3 and command[0] in ("sh", "/bin/sh") and command[1] == "-c":
        script = command[2]
        for k in used:
            quoted = re.escape(k.value)
            script = re.sub(rf"'{quoted}'", f'"${{{k.env}}}"', script)
            script = _token(k.value).sub(_literal(f"${{{k.env}}}"), script)
        return (command[0], "-c", script), used
    words = [_shell_word(w, [k for k in used if _token(k.value).search(w)]) for w in command]
    return ("sh", "-c", " ".join(words)), used


def _redact_words(
    words: tuple[str, ...], known: Sequence[KnownSecret]
) -> tuple[tuple[str, ...], list[KnownSecret]]:
    used: list[KnownSecret] = []
    out = []
    for w in words:
        for k in known:
            if _token(k.value).search(w):
                w = _token(k.value).sub(_literal(f"$({k.env})"), w)
                used.append(k)
        out.append(w)
    return tuple(out), used


def redact_service(service: ServiceSpec, known: Sequence[KnownSecret]) -> ServiceSpec:
    """``service`` with every occurrence of a ``known`` value replaced by a reference."""
    if not known:
        return service
    secrets = list(service.secrets)
    env: list[EnvVar] = []
    for e in service.env:
        if any(_token(k.value).search(e.value) for k in known):
            secrets.append(
                SecretRef(env=e.name, secret=f"{service.name}-secrets", key=dns_name(e.name))
            )
        else:
            env.append(e)
    command, used = _redact_words(service.command, known)
    healthcheck = service.healthcheck
    if healthcheck is not None and healthcheck.command:
        probe, probe_used = _redact_probe(healthcheck.command, known)
        used.extend(probe_used)
        healthcheck = healthcheck.model_copy(update={"command": probe})
    have = {r.env for r in secrets if r.env}
    for k in used:
        if k.env not in have:
            secrets.append(_ref(k))
            have.add(k.env)
    update: dict[str, object] = {
        "env": tuple(env),
        "secrets": tuple(secrets),
        "command": command,
        "healthcheck": healthcheck,
    }
    if service.app is not None and service.app.build_args:
        args = tuple(
            (
                name,
                None
                if value is None or any(_token(k.value).search(value) for k in known)
                else value,
            )
            for name, value in service.app.build_args
        )
        update["app"] = service.app.model_copy(update={"build_args": args})
    return service.model_copy(update=update)


def leaked(text: str, known: Sequence[KnownSecret]) -> list[KnownSecret]:
    """The ``known`` secrets whose value occurs in ``text`` as a word."""
    return [k for k in known if _token(k.value).search(text)]
