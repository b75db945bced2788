"""Schema sections with pg_dump/pg_restore: pre-data before the rows, post-data after.

``pg_dump --schema-only -Fc`` writes a small schema archive (no table data)
to a temporary folder; ``pg_restore --section=pre-data`` creates types,
tables, functions and views on the target in one transaction, and
``pg_restore --section=post-data -j N`` builds indexes, constraints and
triggers in parallel once the data is in. On a resumed copy the post-data
list is filtered to what the target does not have yet, so a run killed while
building indexes finishes the rest. Passwords reach the tools in the
environment of the child process only.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from skylift.database.url import DbUrl
from skylift.errors import MissingDependencyError, TransferError


def pg_tool(name: str) -> str:
    """The newest ``name`` (pg_dump, pg_restore) installed: Debian's versioned folders first."""
    base = Path("/usr/lib/postgresql")
    if base.is_dir():
        versions = sorted(
            (p for p in base.iterdir() if (p / "bin" / name).exists()),
            key=lambda p: int(p.name) if p.name.isdigit() else 0,
            reverse=True,
        )
        if versions:
            return str(versions[0] / "bin" / name)
    found = shutil.which(name)
    if found is None:
        raise MissingDependencyError(name, "database")
    return found


def tool_env(url: DbUrl, memory_mb: int | None = None, build: bool = False) -> dict[str, str]:
    """Environment of a PostgreSQL client tool for ``url``: its password, no other PG* setting.

    ``build``: the sessions build indexes, one per build with no parallel workers
    (skylift runs several builds at once; measured less target CPU, docs/benchmarks.md),
    with ``maintenance_work_mem`` = ``memory_mb`` if given (else the server's).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    if url.password is not None:
        env["PGPASSWORD"] = url.password
    env["PGCONNECT_TIMEOUT"] = "10"
    if build:
        options = ["-c max_parallel_maintenance_workers=0"]
        if memory_mb is not None:
            options.append(f"-c maintenance_work_mem={int(memory_mb)}MB")
        env["PGOPTIONS"] = " ".join(options)
    return env


def conn_args(url: DbUrl) -> list[str]:
    """libpq command-line options for ``url`` (never the password)."""
    return ["-h", url.host, "-p", str(url.port), "-U", url.user, "-d", url.database, "-w"]


def tool_error(stderr: str, url: DbUrl) -> str:
    """The first error line a PostgreSQL tool wrote, without its program prefix or secret."""
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    detail = next((ln for ln in lines if "error" in ln.lower()), lines[0] if lines else "")
    detail = re.sub(r"^(\S+: )?(psql:\S+:\d+: )?(error: |ERROR:  )?", "", detail)
    if url.password:
        detail = detail.replace(url.password, "***")
    return detail


def _run(
    argv: list[str], url: DbUrl, what: str, memory_mb: int | None = None, build: bool = False
) -> str:
    res = subprocess.run(
        argv, env=tool_env(url, memory_mb, build), capture_output=True, text=True, check=False
    )
    if res.returncode != 0:
        detail = tool_error(res.stderr, url)
        raise TransferError(
            f"{what} failed on {url.display()}: {detail}",
            "fix the cause and re-run the same command: the copy resumes",
        )
    return res.stdout


def dump_schema(source: DbUrl, folder: Path, snapshot: str = "") -> Path:
    """Write the schema-only custom archive of ``source`` (as of ``snapshot``, if given)."""
    archive = folder / "schema.dump"
    at = [f"--snapshot={snapshot}"] if snapshot else []
    _run(
        [
            pg_tool("pg_dump"),
            *conn_args(source),
            "--schema-only",
            "-Fc",
            "-f",
            str(archive),
            "--no-publications",
            "--no-subscriptions",
            "--exclude-schema=_skylift",
            *at,
        ],
        source,
        "pg_dump --schema-only",
    )
    return archive


def restore_pre_data(archive: Path, target: DbUrl) -> None:
    """Create the pre-data objects on ``target`` in one transaction (all or nothing)."""
    _run(
        [
            pg_tool("pg_restore"),
            *conn_args(target),
            "--section=pre-data",
            "--single-transaction",
            "--exit-on-error",
            str(archive),
        ],
        target,
        "pg_restore --section=pre-data",
    )


def post_data_lines(archive: Path, target: DbUrl) -> list[str]:
    """The post-data entries of the archive's table of contents (``pg_restore -l`` lines)."""
    toc = _run([pg_tool("pg_restore"), "-l", "--section=post-data", str(archive)], target, "list")
    return [ln for ln in toc.splitlines() if ln.strip() and not ln.startswith(";")]


def restore_entries(
    archive: Path,
    target: DbUrl,
    lines: list[str],
    name: str,
    jobs: int = 1,
    memory_mb: int | None = None,
) -> None:
    """Restore the given TOC entries of ``archive`` on ``target`` (``pg_restore -L``).

    Index-build sessions (:func:`tool_env` ``build``); ``memory_mb``: their
    ``maintenance_work_mem`` (``None``: the server's).
    """
    listing = archive.parent / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}.list"
    listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _run(
        [
            pg_tool("pg_restore"),
            *conn_args(target),
            "--section=post-data",
            "-j",
            str(max(jobs, 1)),
            "--exit-on-error",
            "-L",
            str(listing),
            str(archive),
        ],
        target,
        "pg_restore --section=post-data",
        memory_mb,
        build=True,
    )


def restore_post_data(
    archive: Path, target: DbUrl, jobs: int, existing: set[str], memory_mb: int | None = None
) -> int:
    """Build what is left of post-data on ``target`` with ``jobs`` workers.

    ``existing`` holds ``TYPE schema name`` keys (see :func:`post_data_key`) the
    target already has; their entries are left out. Returns the entries restored.
    """
    keep = [
        line
        for line in post_data_lines(archive, target)
        if (key := post_data_key(line)) is None or key not in existing
    ]
    if keep:
        restore_entries(archive, target, keep, "post-data", jobs, memory_mb)
    return len(keep)


_TOC = re.compile(
    r"^\d+; \d+ \d+ (FK CONSTRAINT|CONSTRAINT|INDEX|TRIGGER|RULE|POLICY) (\S+) (.+) \S+$"
)


def post_data_key(toc_line: str) -> str | None:
    """``TYPE schema name`` of a post-data TOC line (constraints: ``table name``)."""
    m = _TOC.match(toc_line.strip())
    if m is None:
        return None
    kind = "CONSTRAINT" if m.group(1) == "FK CONSTRAINT" else m.group(1)
    return f"{kind} {m.group(2)} {m.group(3)}"


EXISTING_SQL = """
SELECT 'INDEX ' || n.nspname || ' ' || c.relname FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('i', 'I')
UNION ALL
SELECT 'CONSTRAINT ' || n.nspname || ' ' || t.relname || ' ' || k.conname FROM pg_constraint k
  JOIN pg_class t ON t.oid = k.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
UNION ALL
SELECT 'TRIGGER ' || n.nspname || ' ' || t.relname || ' ' || g.tgname FROM pg_trigger g
  JOIN pg_class t ON t.oid = g.tgrelid JOIN pg_namespace n ON n.oid = t.relnamespace
 WHERE NOT g.tgisinternal
UNION ALL
SELECT 'RULE ' || n.nspname || ' ' || t.relname || ' ' || r.rulename FROM pg_rewrite r
  JOIN pg_class t ON t.oid = r.ev_class JOIN pg_namespace n ON n.oid = t.relnamespace
 WHERE r.rulename <> '_RETURN'
UNION ALL
SELECT 'POLICY ' || n.nspname || ' ' || t.relname || ' ' || p.polname FROM pg_policy p
  JOIN pg_class t ON t.oid = p.polrelid JOIN pg_namespace n ON n.oid = t.relnamespace"""


def existing_post_data(conn: Any) -> set[str]:
    """Keys of the post-data objects ``conn``'s database already has."""
    return {r[0] for r in conn.execute(EXISTING_SQL)}
