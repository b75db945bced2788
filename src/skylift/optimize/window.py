"""The query window: where it ends, how long it is, the evaluation step."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    """``days`` of history ending at ``end`` (Unix seconds), evaluated every ``step_s``."""

    end: float
    days: float
    step_s: int = 300

    @property
    def range(self) -> str:
        """The window as a PromQL duration (whole seconds)."""
        return f"{round(self.days * 86400)}s"

    @property
    def step(self) -> str:
        """The step as a PromQL duration."""
        return f"{self.step_s}s"

    @property
    def rate_range(self) -> str:
        """Range of ``rate()`` at each step: two steps, so one scrape gap is tolerated."""
        return f"{2 * self.step_s}s"

    def subquery(self, expr: str) -> str:
        """``expr`` as a subquery over the whole window at the step."""
        return f"({expr})[{self.range}:{self.step}]"


def selector(name: str, *matchers: str) -> str:
    """``name{m1, m2}`` with empty matchers left out."""
    parts = [m for m in matchers if m.strip()]
    return f"{name}{{{', '.join(parts)}}}" if parts else name
