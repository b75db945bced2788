"""The application layer: a workspace's settings, state store and series, and one
function per command (``assessing``, ``planning``, ``deciding``, ``packing``,
``catalogs``, ``scanning``, ``generating``, ``transferring``) that the CLI and
other front ends call with a typed request and render the typed result of."""

from typing import TYPE_CHECKING, Any

from skylift.workspace.core import CONFIG_NAME, STATE_DIR, Workspace, find_workspace

if TYPE_CHECKING:
    from skylift.workspace.settings import Settings, load_settings

__all__ = ["CONFIG_NAME", "STATE_DIR", "Settings", "Workspace", "find_workspace", "load_settings"]


def __getattr__(name: str) -> Any:
    """``Settings`` and ``load_settings`` on first use: importing them builds every
    stage's settings models, which ``skylift transfer`` does not need."""
    if name in ("Settings", "load_settings"):
        from skylift.workspace import settings

        return getattr(settings, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
