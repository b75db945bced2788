"""Options every command shares and how a command opens the workspace."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from skylift.workspace import Workspace


@dataclass
class GlobalOptions:
    """Set by the root callback from ``--workspace`` and ``--debug``."""

    workspace: Path | None = None
    debug: bool = False


def global_options(ctx: typer.Context) -> GlobalOptions:
    """The root command's options (defaults when called without the root)."""
    root = ctx.find_root()
    obj = root.obj
    return obj if isinstance(obj, GlobalOptions) else GlobalOptions()


def open_workspace(ctx: typer.Context, overrides: dict[str, Any] | None = None) -> Workspace:
    """Open the workspace named by --workspace / SKYLIFT_WORKSPACE / the current directory."""
    from skylift.workspace import Workspace

    return Workspace.open(global_options(ctx).workspace, overrides=overrides)


JSON_OPTION = typer.Option(False, "--json", help="Print machine-readable JSON on stdout.")
