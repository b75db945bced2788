"""Rendering helpers shared by commands: JSON output, consoles, progress bars."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from rich.console import Console

if TYPE_CHECKING:
    from rich.progress import Progress as RichProgressBar
    from rich.progress import ProgressColumn

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def to_jsonable(value: Any) -> Any:
    """Turn pydantic models (and containers of them) into JSON-ready data."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value


def emit_json(value: Any) -> None:
    """Write ``value`` as JSON on stdout (nothing else goes to stdout with --json).

    A pydantic model is serialised by pydantic-core (Rust): with ``indent`` the
    standard library's encoder runs in pure Python, ~3 s for a scan result of
    137,000 findings. Text with non-ASCII characters goes through ``json`` so
    the output stays ASCII (``\\u`` escapes) whatever the terminal's encoding.
    """
    text = value.model_dump_json(indent=2) if isinstance(value, BaseModel) else None
    if text is None or not text.isascii():
        text = json.dumps(to_jsonable(value), indent=2, default=str)
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def emit(value: Any, as_json: bool, render: Callable[[], None]) -> None:
    """JSON when asked, else the rich rendering."""
    if as_json:
        emit_json(value)
    else:
        render()


def start_bar(*columns: ProgressColumn) -> RichProgressBar:
    """A started rich progress bar of ``columns`` on stderr that vanishes when stopped."""
    from rich.progress import Progress as RichProgressBar

    bar = RichProgressBar(*columns, console=err, transient=True)
    bar.start()
    return bar


class RichProgress:
    """:class:`skylift.domain.progress.Progress` drawn as rich bars on stderr (TTY only)."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled and err.is_terminal
        self._bar: RichProgressBar | None = None
        self._task: Any = None

    def __enter__(self) -> RichProgress:
        if self.enabled:
            # imported here: most runs are not on a terminal and draw no bars (~10 ms)
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._bar = start_bar(
                SpinnerColumn(),
                TextColumn("[progress.description]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
            )
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def begin(self, description: str, total: float | None = None, unit: str = "") -> None:
        """Start a bar."""
        if self._bar is not None:
            if self._task is not None:
                self._bar.remove_task(self._task)
            self._task = self._bar.add_task(description, total=total)

    def advance(self, amount: float = 1.0) -> None:
        """Move the bar."""
        if self._bar is not None and self._task is not None:
            self._bar.advance(self._task, amount)

    def end(self) -> None:
        """Finish the bar."""
        if self._bar is not None and self._task is not None:
            self._bar.remove_task(self._task)
            self._task = None
