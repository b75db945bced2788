"""Importing the CLI or any backend module loads no cloud SDK (they load on first use)."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ["obstore", "botocore", "paramiko", "azure.storage.blob", "google.cloud.storage"]


def test_backend_modules_import_no_sdk() -> None:
    code = (
        "import sys\n"
        "import skylift.cli.app, skylift.storage.registry\n"
        "import skylift.storage.s3.backend, skylift.storage.azure.backend\n"
        "import skylift.storage.gcs.backend, skylift.storage.sftp.backend\n"
        "import skylift.storage.local, skylift.storage.memory\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""


def test_transfer_engine_imports_no_codec_metrics_or_multipart_sdk() -> None:
    """zstandard/cryptography load only for --encrypt/--compress/--decode, prometheus_client
    only with --metrics-port, botocore only for S3 multipart."""
    code = (
        "import sys\n"
        "import skylift.transfer.engine, skylift.transfer.crypt\n"
        "print(','.join(m for m in ('zstandard', 'cryptography', 'prometheus_client', 'botocore')"
        " if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""


def test_the_contract_suite_loads_pytest_only_when_imported() -> None:
    """skylift.storage.testing.contract needs pytest; the CLI and the package never load it."""
    code = (
        "import sys\n"
        "import skylift.cli.app, skylift.storage.registry, skylift.storage.testing\n"
        "before = ['pytest' in sys.modules, 'skylift.storage.testing.contract' in sys.modules]\n"
        "import skylift.storage.testing.contract\n"
        "print(before, 'pytest' in sys.modules)\n"
    )
    assert _run(code) == "[False, False] True"


def _run(code: str) -> str:
    """What a fresh interpreter running ``code`` prints."""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return result.stdout.strip()
