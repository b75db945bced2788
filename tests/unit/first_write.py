"""A child process that runs ``skylift`` and records something at its first write (#12)."""

from __future__ import annotations

_PROBE = """
import gc, sys, threading
import skylift.storage.local as local
seen = []
write = local.LocalStorage.write
def probed(self, *args, **kwargs):
    if not seen:
        seen.append(RECORD)
    return write(self, *args, **kwargs)
local.LocalStorage.write = probed
from skylift.cli.app import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    assert not exc.code, exc.code
"""


def first_write_probe(record: str, then: str) -> str:
    """Script for ``python -c SCRIPT ARGV...``: the skylift command ARGV, with the
    expression ``record`` kept in ``seen[0]`` at the first local write, then the
    code ``then`` (which prints what the test reads)."""
    return _PROBE.replace("RECORD", record) + then.strip() + "\n"
