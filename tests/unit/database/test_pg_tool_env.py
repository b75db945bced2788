"""The environment PostgreSQL client tools run with: password only there, index memory set."""

from __future__ import annotations

from skylift.database.postgres.schema import tool_env
from skylift.database.url import parse_url
from skylift.domain.database import DbCopyOptions


def test_index_sessions_get_maintenance_work_mem_and_no_foreign_pg_settings(monkeypatch):
    monkeypatch.setenv("PGOPTIONS", "-c work_mem=1TB")
    monkeypatch.setenv("PGHOST", "elsewhere")
    url = parse_url("postgresql://admin@db1:5433/shop", "target", environ={"PGPASSWORD": "s3"})
    assert DbCopyOptions().index_memory_mb is None  # the server's own by default
    env = tool_env(url, None, build=True)
    assert env["PGOPTIONS"] == "-c max_parallel_maintenance_workers=0"
    env = tool_env(url, 512, build=True)
    assert env["PGOPTIONS"] == "-c max_parallel_maintenance_workers=0 -c maintenance_work_mem=512MB"
    assert env["PGPASSWORD"] == "s3" and "PGHOST" not in env
    plain = tool_env(url, 512)  # not a build session: no settings
    assert "PGOPTIONS" not in plain and plain["PGPASSWORD"] == "s3"
