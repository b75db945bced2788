"""The application layer: a workspace's settings, state store and series, and one
function per command (``assessing``, ``planning``, ``deciding``, ``packing``,
``catalogs``, ``scanning``, ``generating``, ``transferring``) that the CLI and
other front ends call with a typed request and render the typed result of."""

from skylift.workspace.core import CONFIG_NAME, STATE_DIR, Workspace, find_workspace
from skylift.workspace.settings import Settings, load_settings

__all__ = ["CONFIG_NAME", "STATE_DIR", "Settings", "Workspace", "find_workspace", "load_settings"]
