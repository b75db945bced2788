"""The migration policies as a ``skylift scan`` scanner: plan rules and target rules."""

from __future__ import annotations

from collections.abc import Sequence

from skylift.domain.policy import PolicyInput
from skylift.domain.progress import Progress
from skylift.security.files import ScanFile, ScanRoot
from skylift.security.policies.plan import evaluate_policies
from skylift.security.policies.target import evaluate_target
from skylift.security.scan import ScannerOutput


class PolicyScanner:
    """The migration policies for ``skylift scan``: the plan's facts from ``inp``, and
    the Terraform and Kubernetes files among the scanned ones (the generated target)."""

    name = "policies"

    def __init__(self, inp: PolicyInput | None = None) -> None:
        self.inp = inp or PolicyInput()

    def run(
        self, roots: Sequence[ScanRoot], files: Sequence[ScanFile], progress: Progress
    ) -> ScannerOutput:
        """Plan findings, then target findings; never skipped (defaults apply)."""
        found = evaluate_policies(self.inp)
        target, checked = evaluate_target(files, self.inp.settings, progress)
        return ScannerOutput(findings=(*found, *target), files_scanned=checked)
