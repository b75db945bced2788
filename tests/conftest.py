"""Shared fixtures: a fresh workspace per test, and the CLI runner."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from skylift.workspace import Workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    """A newly initialised workspace in a temporary folder."""
    ws = Workspace.init(tmp_path / "ws", project="test")
    try:
        yield ws
    finally:
        ws.close()
