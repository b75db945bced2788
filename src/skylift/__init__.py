"""skylift: take servers, data and applications to the cloud.

The pipeline is ``discover → assess → plan → generate → scan → transfer →
verify → report``; each stage is a library function over one workspace and a
thin CLI command (``skylift --help``).
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
