"""One registry shape for everything skylift loads by name: name → :class:`Entry`.

An entry names what to load as ``"module:attribute"`` and how to get it when its
module cannot be imported (an install hint, or the ``skylift[extra]`` that ships
the SDK). Modules are imported only by :meth:`Entry.load`, so listing what is
registered (``skylift --help``, an unknown-name error) costs no imports. Used by
the storage backends, the inventory importers, the security scanners and the CLI's
sub-commands.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Entry:
    """Something registered by name, imported on first use."""

    #: ``"package.module:attribute"``
    target: str
    #: what to do when the module cannot be imported (shown with the import error)
    install_hint: str = ""
    #: the ``pip install 'skylift[extra]'`` that provides the module's SDK, if any
    extra: str | None = None

    @property
    def module(self) -> str:
        """The module part of :attr:`target`."""
        return self.target.partition(":")[0]

    @property
    def attribute(self) -> str:
        """The attribute part of :attr:`target`."""
        return self.target.partition(":")[2]

    def load(self) -> Any:
        """Import the module and return the attribute; ImportError propagates."""
        return getattr(importlib.import_module(self.module), self.attribute)
