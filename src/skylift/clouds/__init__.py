"""A home per target cloud: one module each, found by name through one registry.

``REGISTRY`` maps a cloud's name to an :class:`~skylift.domain.registry.Entry`
(``"module:attribute"`` of its :class:`~skylift.clouds.base.CloudProfile`), the
registry shape storage, importers, scanners and commands use; a profile is
imported on first use.
The engine asks :func:`profile` (or iterates :func:`profiles`) and never
compares cloud names. Adding a cloud: docs/architecture.md, "Adding a cloud".
"""

from __future__ import annotations

from skylift.clouds.base import CloudProfile
from skylift.domain.registry import Entry
from skylift.errors import ConfigError

#: cloud name → the entry of its profile, in display order
REGISTRY: dict[str, Entry] = {
    "aws": Entry("skylift.clouds.aws:PROFILE"),
    "azure": Entry("skylift.clouds.azure:PROFILE"),
    "gcp": Entry("skylift.clouds.gcp:PROFILE"),
}
_LOADED: dict[str, CloudProfile] = {}

__all__ = ["REGISTRY", "CloudProfile", "names", "profile", "profiles", "register", "unregister"]


def names() -> tuple[str, ...]:
    """The registered clouds' names, in registry order."""
    return tuple(REGISTRY)


def profile(name: str) -> CloudProfile:
    """The profile of cloud ``name`` (imported on first use).

    Raises :class:`ConfigError` naming the known clouds for an unknown name.
    """
    found = _LOADED.get(name)
    if found is not None:
        return found
    entry = REGISTRY.get(name)
    if entry is None:
        raise ConfigError(
            f"unknown cloud {name!r}; skylift knows {', '.join(REGISTRY)}",
            "use one of the listed clouds (settings 'targets', --clouds or --cloud)",
        )
    loaded = entry.load()
    if not isinstance(loaded, CloudProfile) or loaded.name != name:
        raise ConfigError(
            f"cloud registry entry {name!r} → {entry.target} is not the CloudProfile of {name!r}",
            "fix the entry in skylift.clouds.REGISTRY",
        )
    _LOADED[name] = loaded
    return loaded


def profiles() -> tuple[CloudProfile, ...]:
    """Every registered cloud's profile, in registry order."""
    return tuple(profile(n) for n in REGISTRY)


def register(cloud: CloudProfile) -> None:
    """Add (or replace) a cloud built outside this package, e.g. by a plugin or a test."""
    REGISTRY[cloud.name] = Entry(f"{__name__}:<registered {cloud.name}>")
    _LOADED[cloud.name] = cloud


def unregister(name: str) -> None:
    """Remove a cloud added with :func:`register`; a shipped cloud goes back to its module."""
    _LOADED.pop(name, None)
    if name in _SHIPPED:
        REGISTRY[name] = _SHIPPED[name]
    else:
        REGISTRY.pop(name, None)


_SHIPPED = dict(REGISTRY)
