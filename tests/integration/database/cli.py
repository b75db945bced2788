"""Run the skylift CLI in the test's process, as the console script does."""

from __future__ import annotations

import pytest


def run_cli(args, ws, env, capsys, monkeypatch):
    """Run the CLI in this process (as the console script does) with ``env`` set."""
    from skylift.cli.app import main

    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(SystemExit) as done:
        main(["-w", str(ws), *args])
    for k in env:
        monkeypatch.delenv(k)
    captured = capsys.readouterr()
    return done.value.code, captured.out, captured.err
