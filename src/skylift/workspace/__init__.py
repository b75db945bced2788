"""The workspace: settings, state store and series; what the CLI calls."""

from skylift.workspace.core import CONFIG_NAME, STATE_DIR, Workspace, find_workspace
from skylift.workspace.settings import Settings, load_settings

__all__ = ["CONFIG_NAME", "STATE_DIR", "Settings", "Workspace", "find_workspace", "load_settings"]
