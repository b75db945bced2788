"""paramiko's own log lines do not reach the terminal (#12).

A server killed mid-run made paramiko's transport thread log "Socket
exception: Connection reset by peer (104)": with no handler configured,
Python's last-resort handler printed it raw on stderr, in the middle of the
progress output (the run itself recovered, and reports in its own words).
Opening an SFTP store now gives paramiko's logger a handler that drops them;
``--debug`` (which configures logging) still shows them.
"""

from __future__ import annotations

import logging

import pytest

from skylift.storage.sftp.connection import SftpConnection, parse_sftp_url


def test_paramiko_errors_are_not_printed_raw(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logging.root, "handlers", [])  # as in the CLI: no logging set up
    SftpConnection(parse_sftp_url("sftp://me@127.0.0.1:1/x"), {})
    logging.getLogger("paramiko.transport").error("Socket exception: Connection reset (104)")
    assert "Socket exception" not in capsys.readouterr().err
