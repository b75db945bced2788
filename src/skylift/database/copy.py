"""Copy, cut over and verify a database: the engine-neutral entry points of the stage."""

from __future__ import annotations

from skylift.database.url import DbUrl
from skylift.domain.database import (
    NULL_EVENTS,
    CopyEvents,
    CopyResult,
    CutoverResult,
    DbCopyOptions,
    DbEngine,
    ReplicationState,
    VerifyResult,
)
from skylift.errors import InputError


def _same_engine(source: DbUrl, target: DbUrl) -> None:
    if source.engine is not target.engine:
        raise InputError(
            f"cannot copy {source.engine.value} into {target.engine.value} "
            f"({source.display()} → {target.display()})",
            "skylift copies between servers of the same engine; convert the schema first",
        )


def copy_database(
    source: DbUrl,
    target: DbUrl,
    options: DbCopyOptions,
    events: CopyEvents = NULL_EVENTS,
    replica_user: DbUrl | None = None,
) -> CopyResult:
    """Copy ``source`` into ``target`` (resumable; online with logical / binlog replication).

    ``replica_user``: the account (and password) a MySQL target replicates
    with; default the source URL's own.
    """
    _same_engine(source, target)
    if source.engine is DbEngine.POSTGRESQL:
        from skylift.database.postgres.copy import copy_postgres

        return copy_postgres(source, target, options, events)
    from skylift.database.mysql.copy import copy_mysql

    return copy_mysql(source, target, options, events, replica_user)


def cutover_database(
    source: DbUrl, target: DbUrl, timeout: float, events: CopyEvents = NULL_EVENTS
) -> CutoverResult:
    """Wait for replication lag 0, set sequences / AUTO_INCREMENT, remove replication."""
    _same_engine(source, target)
    if source.engine is DbEngine.MYSQL:
        from skylift.database.mysql.cutover import cutover_mysql

        return cutover_mysql(source, target, timeout, events.lag)
    from skylift.database.postgres.replication import cutover

    lag, sequences, waited = cutover(source, target, timeout, events.lag)
    return CutoverResult(
        source=source.display(),
        target=target.display(),
        lag_bytes=lag,
        sequences=sequences,
        waited_seconds=waited,
    )


def replication_state(source: DbUrl, target: DbUrl) -> ReplicationState:
    """Whether an online copy of ``source`` into ``target`` replicates, and its lag now."""
    _same_engine(source, target)
    if source.engine is DbEngine.MYSQL:
        from skylift.database.mysql.replication import state

        return state(source, target)
    from skylift.database.connect import pg_connect
    from skylift.database.postgres.replication import lag_bytes, slot_name

    with pg_connect(source) as src:
        lag = lag_bytes(src, slot_name(target))
    return ReplicationState(
        source=source.display(),
        target=target.display(),
        engine=source.engine,
        replicating=lag is not None,
        lag_bytes=lag,
        detail="" if lag is not None else f"no replication slot {slot_name(target)}",
    )


def verify_database(
    source: DbUrl, target: DbUrl, checksum: bool, jobs: int = 4, range_rows: int = 1_000_000
) -> VerifyResult:
    """Counts (and in-database checksums per key range) and schema objects, both sides."""
    _same_engine(source, target)
    if source.engine is DbEngine.POSTGRESQL:
        from skylift.database.postgres.checksum import verify_postgres

        return verify_postgres(source, target, checksum, jobs, range_rows)
    from skylift.database.mysql.checksum import verify_mysql

    return verify_mysql(source, target, checksum, jobs, range_rows)
