"""Rendering helpers shared by commands: JSON output, consoles, progress bars."""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress as RichProgressBar
    from rich.progress import ProgressColumn

    out: Console  # stdout
    err: Console  # stderr


#: JSON documents :func:`emit_json` wrote in this process (one counter, changed in
#: place): a failed command adds its error object only when it wrote none (stdout
#: stays one document, cli/failure.py)
documents = [0]

_CONSOLES: dict[str, Console] = {}
_CONSOLES_LOCK = threading.Lock()


def _console(name: str) -> Console:
    """The console of ``name`` ("out" or "err"): one per stream, also when
    :func:`warm_up` races the command for it."""
    with _CONSOLES_LOCK:
        console = _CONSOLES.get(name)
        if console is None:
            from rich.console import Console

            console = _CONSOLES[name] = Console(
                stderr=name == "err", highlight=False, soft_wrap=True
            )
        return console


def load_renderer() -> None:
    """Load rich (~15 ms of CPU) and make both consoles."""
    import rich.markup  # noqa: F401  (what the renderers escape names with)

    _console("out")
    _console("err")


def warm_up(*loads: Callable[[], None]) -> None:
    """Run ``loads`` (by default :func:`load_renderer`) in a background thread.

    For a command that waits on the network before it renders (``skylift
    transfer`` once its listing is done): the imports then run while the
    process would otherwise wait, not after the work, and without stalling
    the threads that do it (:mod:`skylift.cli.warm`).
    """
    from skylift.cli.warm import in_background

    in_background(*(loads or (load_renderer,)))


def __getattr__(name: str) -> Any:
    """``out`` and ``err``, the rich consoles, made (and rich imported, ~15 ms) on first
    use: ``skylift transfer`` needs them only once the data has moved."""
    if name in ("out", "err"):
        return _console(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def stderr_may_draw() -> bool:
    """Whether stderr is a terminal as rich sees it, asking rich only when it may be one
    (a pipe or a file, without rich's TTY_COMPATIBLE / FORCE_COLOR overrides, is not)."""
    overridden = "TTY_COMPATIBLE" in os.environ or "FORCE_COLOR" in os.environ
    isatty = getattr(sys.stderr, "isatty", None)
    try:
        maybe = overridden or (isatty is not None and isatty())
    except ValueError:  # closed
        return False
    return bool(maybe) and _console("err").is_terminal


def to_jsonable(value: Any) -> Any:
    """Turn pydantic models (and containers of them) into JSON-ready data."""
    from pydantic import BaseModel  # here: a transfer loads it after its first request

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
    from pydantic import BaseModel

    text = value.model_dump_json(indent=2) if isinstance(value, BaseModel) else None
    if text is None or not text.isascii():
        text = json.dumps(to_jsonable(value), indent=2, default=str)
    documents[0] += 1
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

    bar = RichProgressBar(*columns, console=_console("err"), transient=True)
    bar.start()
    return bar


class RichProgress:
    """:class:`skylift.domain.progress.Progress` drawn as rich bars on stderr (TTY only)."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled and stderr_may_draw()
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
