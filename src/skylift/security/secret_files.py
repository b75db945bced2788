"""Files a compose project mounts as secrets: committed with the code, the file *is* the secret.

``secrets: {db-password: {file: db/password.txt}}`` keeps the password out of
``environment:``, but when ``db/password.txt`` is in the repository the
password is too, in a file no key names. This module finds those references;
:mod:`skylift.security.secrets` judges the files' contents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

_TOP_SECRETS = re.compile(r"^secrets\s*:", re.MULTILINE)
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_SECRET_FILE = 64 * 1024  #: bytes; a bigger "secret" file is something else (a bundle)


@dataclass(frozen=True)
class SecretFileRef:
    """``secrets: NAME: file: PATH`` at ``line`` of a compose file."""

    name: str
    line: int
    target: Path  #: absolute, resolved against the compose file's folder


def compose_secret_files(compose: Path, text: str) -> list[SecretFileRef]:
    """The ``file:`` secrets declared at the top level of a compose file (none when the
    text is not a compose file, or not YAML)."""
    if "file" not in text or not _TOP_SECRETS.search(text):
        return []
    try:
        docs = [d for d in yaml.compose_all(text, Loader=_LOADER) if d is not None]
    except yaml.YAMLError:
        return []
    refs: list[SecretFileRef] = []
    for doc in docs:
        secrets = _member(doc, "secrets")
        if not isinstance(secrets, yaml.MappingNode):
            continue
        for key, value in secrets.value:
            path = _member(value, "file")
            if (
                isinstance(key, yaml.ScalarNode)
                and isinstance(path, yaml.ScalarNode)
                and path.value
                and "$" not in path.value
            ):
                target = (compose.parent / str(path.value)).resolve()
                refs.append(SecretFileRef(str(key.value), key.start_mark.line + 1, target))
    return refs


def _member(node: yaml.Node, name: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    return next(
        (v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == name), None
    )
