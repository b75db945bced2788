"""Checks before an online MySQL/MariaDB copy moves anything: binlog, server ids, privileges.

Every missing prerequisite is named with the setting or grant that fixes it,
all of them in one line, before the first table is created. The replication
user's password is checked by logging in with it (a refusal is the usual
one-line connection error, never the password). Grants are only searched,
never shown: ``SHOW GRANTS`` carries password hashes.
"""

from __future__ import annotations

from typing import Any

from skylift.database.connect import my_connect
from skylift.database.mysql.snapshot import binlog_position
from skylift.database.url import DbUrl
from skylift.errors import TransferError

#: the replica connection's name on the target (MariaDB multi-source / MySQL channel)
CONNECTION = "skylift"

_REPLICATE = ("REPLICATION SLAVE", "REPLICATION REPLICA", "ALL PRIVILEGES")
_CONFIGURE = ("SUPER", "REPLICATION SLAVE ADMIN", "REPLICATION_SLAVE_ADMIN", "ALL PRIVILEGES")


def is_mariadb(cur: Any) -> bool:
    """Whether the server is MariaDB (not MySQL)."""
    cur.execute("SELECT VERSION()")
    return "mariadb" in str(cur.fetchone()[0]).lower()


def variables(cur: Any, names: tuple[str, ...]) -> dict[str, str]:
    """Global variables by lower-case name (missing ones absent)."""
    cur.execute(
        "SHOW GLOBAL VARIABLES WHERE Variable_name IN (" + ", ".join(["%s"] * len(names)) + ")",
        names,
    )
    return {str(k).lower(): str(v) for k, v in cur.fetchall()}


def _has_global(cur: Any, wanted: tuple[str, ...]) -> bool:
    cur.execute("SHOW GRANTS FOR CURRENT_USER()")
    for (grant,) in cur.fetchall():
        text = str(grant).upper()
        if " ON *.* " in text and any(w in text.split(" ON *.* ")[0] for w in wanted):
            return True
    return False


def source_problems(s: Any) -> list[str]:
    """What the source lacks for binlog replication (empty: nothing)."""
    found = variables(s, ("log_bin", "binlog_format", "server_id"))
    problems = []
    if found.get("log_bin", "OFF").upper() not in ("ON", "1"):
        problems.append(
            "the source's binary log is off: start it with log_bin (log-bin=mysql-bin in my.cnf, "
            "then restart; on Amazon RDS: enable automated backups)"
        )
    elif found.get("binlog_format", "").upper() != "ROW":
        problems.append(
            f"the source's binlog_format is {found.get('binlog_format')}: set binlog_format=ROW"
        )
    if found.get("server_id", "0") == "0":
        problems.append("the source's server_id is 0: set server_id to a unique non-zero number")
    try:
        binlog_position(s, is_mariadb(s))
    except Exception:
        problems.append(
            "the source user cannot read the binlog position: GRANT BINLOG MONITOR ON *.* "
            "(MySQL: REPLICATION CLIENT)"
        )
    return problems


def check_online(s: Any, d: Any, source: DbUrl, target: DbUrl, replica: DbUrl) -> None:
    """Raise a one-line TransferError naming every missing prerequisite of an online copy."""
    problems = source_problems(s)
    mariadb = is_mariadb(s)
    if is_mariadb(d) != mariadb:
        problems.append(
            "source and target must both be MariaDB or both MySQL for binlog replication"
        )
    src_id = variables(s, ("server_id",)).get("server_id", "0")
    dst_id = variables(d, ("server_id",)).get("server_id", "0")
    if dst_id in ("0", src_id):
        problems.append(
            f"the target's server_id is {dst_id} (the source has {src_id}): give the target "
            "its own non-zero server_id"
        )
    if not _has_global(d, _CONFIGURE):
        problems.append(
            f"{target.user} on the target cannot configure replication: GRANT "
            f"{'REPLICATION SLAVE ADMIN' if mariadb else 'REPLICATION_SLAVE_ADMIN'} ON *.* (on "
            "RDS, Azure or Cloud SQL use the service's procedure, see docs/database.md)"
        )
    elif _replicating(d, mariadb):
        problems.append(
            f"the target already has a replication connection '{CONNECTION}': finish it with "
            "skylift db cutover, or remove it (RESET SLAVE 'skylift' ALL)"
        )
    with my_connect(replica, database="") as r, r.cursor() as c:
        if not _has_global(c, _REPLICATE):
            problems.append(
                f"the replication user {replica.user} lacks REPLICATION SLAVE on the source: "
                f"GRANT REPLICATION SLAVE ON *.* TO '{replica.user}'@'%'"
            )
    if problems:
        raise TransferError(
            f"online copy of {source.display()}: " + "; ".join(problems) + "; nothing was copied",
            "fix these settings (docs/database.md, 'Copy online and cut over (MySQL/MariaDB)')",
        )


def _replicating(d: Any, mariadb: bool) -> bool:
    if mariadb:
        d.execute("SHOW ALL SLAVES STATUS")
        names = [str(row[0]) for row in d.fetchall()]
    else:
        d.execute(
            "SELECT CHANNEL_NAME FROM performance_schema.replication_connection_configuration"
        )
        names = [str(row[0]) for row in d.fetchall()]
    return CONNECTION in names
