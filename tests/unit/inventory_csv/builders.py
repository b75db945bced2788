"""Small writers of input files for the importer tests."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from skylift.domain.imports import ImportBatch
from skylift.inventory.base import ImportContext, get_importer

AZURE_HEADER = [
    "*Server name", "IP addresses", "*Cores", "*Memory (In MB)", "*OS name", "OS version",
    "OS architecture", "CPU utilization percentage", "Memory utilization percentage",
    "Network adapters", "Network In throughput", "Network Out throughput", "Boot type",
    "Number of disks",
    *(
        f
        for n in range(1, 9)
        for f in (
            f"Disk {n} size (In GB)",
            f"Disk {n} read throughput (MB per second)",
            f"Disk {n} write throughput (MB per second)",
            f"Disk {n} read ops (operations per second)",
            f"Disk {n} write ops (operations per second)",
        )
    ),
]  # fmt: skip

AWS_HEADER = [
    "ExternalId", "SMBiosId", "IPAddress", "MACAddress", "HostName", "VMware.MoRefId",
    "VMware.VCenterId", "CPU.NumberOfProcessors", "CPU.NumberOfCores",
    "CPU.NumberOfLogicalCores", "OS.Name", "OS.Version", "VMware.VMName", "RAM.TotalSizeInMB",
    "RAM.UsedSizeInMB.Avg", "RAM.UsedSizeInMB.Max", "CPU.UsagePct.Avg", "CPU.UsagePct.Max",
    "DiskReadsPerSecondInKB.Avg", "DiskWritesPerSecondInKB.Avg", "DiskReadsPerSecondInKB.Max",
    "DiskWritesPerSecondInKB.Max", "DiskReadsOpsPerSecond.Avg", "DiskWritesOpsPerSecond.Avg",
    "DiskReadsOpsPerSecond.Max", "DiskWritesOpsPerSecond.Max", "NetworkReadsPerSecondInKB.Avg",
    "NetworkWritesPerSecondInKB.Avg", "NetworkReadsPerSecondInKB.Max",
    "NetworkWritesPerSecondInKB.Max", "Applications", "Tags",
]  # fmt: skip


def csv_text(header: Sequence[str], rows: Sequence[dict[str, object]], delimiter: str = ",") -> str:
    """CSV with ``header``; each row gives values by header name (others empty)."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow(["" if r.get(h) is None else str(r[h]) for h in header])
    return buf.getvalue()


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` and return the path."""
    path.write_bytes(text.encode(encoding))
    return path


def parse(fmt: str, *paths: Path, tmp_dir: Path | None = None) -> ImportBatch:
    """Run one importer directly (no workspace)."""
    return get_importer(fmt).parse(list(paths), ImportContext(tmp_dir=tmp_dir or Path()))
