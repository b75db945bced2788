"""The report as PDF: headless Chromium prints the very HTML report (same charts,
drawn by the same ECharts as SVG), so the PDF shows what the page shows."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from skylift.errors import GenerationError, MissingDependencyError

#: Flags for a Chromium that reaches no network and asks nothing (test-servers.md);
#: the browser tests and benchmarks launch Chromium with these too.
BROWSER_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
#: ... and for printing the report: wait for the page script, lay out at the printed width.
CHROMIUM_FLAGS = (
    "--headless",
    *BROWSER_FLAGS,
    "--disable-extensions",
    "--no-pdf-header-footer",
    "--run-all-compositor-stages-before-draw",
    "--virtual-time-budget=10000",
    "--window-size=740,1100",  # about the printable width: charts are laid out as printed
)
_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium(explicit: str | None = None) -> str:
    """The Chromium to print with: ``explicit``, ``$SKYLIFT_CHROMIUM``, else on PATH."""
    for name in (explicit, os.environ.get("SKYLIFT_CHROMIUM"), *_NAMES):
        if name and (found := shutil.which(name)):
            return found
    raise MissingDependencyError(
        "--pdf needs Chromium (it prints the HTML report) and none was found",
        "install it (Debian: apt-get install chromium) or set SKYLIFT_CHROMIUM to its path",
    )


def print_pdf(html: Path, pdf: Path, chromium: str | None = None, timeout_s: float = 120) -> None:
    """Print ``html`` to ``pdf`` (temporary name, then renamed)."""
    exe = find_chromium(chromium)
    folder = pdf.expanduser().resolve().parent
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{pdf.name}.", suffix=".pdf")
    os.close(fd)
    profile = tempfile.mkdtemp(prefix="skylift-chromium-")
    try:
        done = subprocess.run(
            [
                exe,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--print-to-pdf={tmp}",
                html.resolve().as_uri(),
            ],
            capture_output=True,
            timeout=timeout_s,
            check=False,
        )
        if done.returncode != 0 or Path(tmp).stat().st_size == 0:
            last = (done.stderr.decode(errors="replace").strip().splitlines() or ["no output"])[-1]
            raise GenerationError(
                f"Chromium could not print {html} to PDF: {last}",
                "open the HTML report and print it from the browser",
            )
        os.replace(tmp, pdf)
    except subprocess.TimeoutExpired as exc:
        raise GenerationError(
            f"Chromium took more than {timeout_s:.0f} s to print {html}",
            "print the HTML report from a browser",
        ) from exc
    finally:
        Path(tmp).unlink(missing_ok=True)
        shutil.rmtree(profile, ignore_errors=True)
