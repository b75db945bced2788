"""Secret detection: skylift's own rules plus detect-secrets' detectors (work in progress)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from skylift.domain.progress import Progress
from skylift.security.files import ScanFile, ScanRoot

if TYPE_CHECKING:
    from skylift.security.scan import ScannerOutput, ScanOptions


class SecretScanner:
    """Finds literal secrets in the scanned files."""

    name = "secrets"

    def __init__(self, options: ScanOptions) -> None:
        self.options = options

    def run(
        self, roots: Sequence[ScanRoot], files: Sequence[ScanFile], progress: Progress
    ) -> ScannerOutput:
        """Scan every file (rules to come)."""
        from skylift.security.scan import ScannerOutput

        return ScannerOutput(files_scanned=len(files))
