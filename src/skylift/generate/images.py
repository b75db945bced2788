"""Image references: syntax (the Docker distribution grammar) and whether a version is pinned.

skylift never invents a version: an image without a tag, or ``:latest``, is
kept as written and reported as finding ``SKY-GEN-IMAGE-UNPINNED`` naming the
image, which ``--check`` fails on unless it is accepted.
"""

from __future__ import annotations

import re

UNPINNED_RULE = "SKY-GEN-IMAGE-UNPINNED"

_LABEL = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
_DOMAIN = rf"(?:{_LABEL}(?:\.{_LABEL})*(?::[0-9]+)?)"
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_REFERENCE = re.compile(
    rf"(?P<name>(?:{_DOMAIN}/)?{_COMPONENT}(?:/{_COMPONENT})*)"
    rf"(?::(?P<tag>{_TAG}))?(?:@(?P<digest>{_DIGEST}))?"
)


def reference_problem(image: str) -> str | None:
    """Why ``image`` is not a valid reference (``None`` when it is).

    Follows the grammar of ``github.com/distribution/reference``: an optional
    registry host (with port), lower-case path components, an optional tag and
    an optional digest; the whole name at most 255 characters.
    """
    if not image:
        return "the reference is empty"
    m = _REFERENCE.fullmatch(image)
    if m is None:
        return "not a valid image reference (expected [registry/]name[:tag][@digest])"
    name = m.group("name")
    first = name.split("/", 1)[0]
    is_host = "." in first or ":" in first or first == "localhost"
    if "/" in name and not is_host and re.fullmatch(_COMPONENT, first) is None:
        # only a registry host may have capitals; "A/app" is neither host nor path
        return "not a valid image reference (repository names are lower case)"
    if len(name) > 255:
        return "the repository name is longer than 255 characters"
    return None


def is_pinned(image: str) -> bool:
    """True when ``image`` names a version: a digest, or a tag other than ``latest``."""
    m = _REFERENCE.fullmatch(image)
    if m is None:
        return False
    if m.group("digest"):
        return True
    tag = m.group("tag")
    return bool(tag) and tag != "latest"
