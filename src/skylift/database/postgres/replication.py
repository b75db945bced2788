"""Online copy with PostgreSQL logical replication: slot, snapshot, subscription, lag, cutover.

1. On the source: a publication ``skylift`` for all tables, and a logical
   replication slot created over a replication connection with
   ``SNAPSHOT 'export'``: the rows the copy reads are exactly those before
   the slot's start, and every change after it is kept in the slot.
2. The copy workers read in that snapshot while the connection stays open.
3. On the target, after the data and indexes: a subscription on the existing
   slot with ``copy_data = false``, which applies the changes made since.
4. Cutover: wait until the slot has confirmed everything the source wrote
   (lag 0 while writes are stopped), set the target's sequences from the
   source (logical replication does not carry them), drop the subscription
   (and with it the slot) and the publication.

The subscription's connection string holds the source password, stored by
the target in ``pg_subscription`` (readable by superusers only); it is never
printed, and is removed at cutover.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from skylift.database.connect import pg_connect, quote_ident
from skylift.database.url import DbUrl
from skylift.errors import TransferError

PUBLICATION = "skylift"


def slot_name(target: DbUrl) -> str:
    """The replication slot (and subscription) name for a copy into ``target``."""
    safe = "".join(ch if ch.isalnum() else "_" for ch in target.database.lower())
    return f"skylift_{safe}"[:63]


class Snapshot:
    """A replication connection that created the slot and holds its exported snapshot."""

    def __init__(self, source: DbUrl, slot: str) -> None:
        self.conn = pg_connect(source, replication="database")
        command = (
            f"CREATE_REPLICATION_SLOT {quote_ident(slot)} LOGICAL pgoutput (SNAPSHOT 'export')"
        )
        res = self.conn.pgconn.exec_(command.encode())
        if res.error_message:
            self.conn.close()
            raise TransferError(
                f"cannot create replication slot {slot} on {source.display()}: "
                f"{res.error_message.decode(errors='replace').strip().splitlines()[0]}",
                "the source user needs the REPLICATION attribute and a free slot "
                "(max_replication_slots); drop a stale slot with "
                f"SELECT pg_drop_replication_slot('{slot}')",
            )
        self.name = res.get_value(0, 2).decode()  # type: ignore[union-attr]

    def close(self) -> None:
        """Release the snapshot (the slot stays)."""
        self.conn.close()


def create_publication(src: Any) -> None:
    """``CREATE PUBLICATION skylift FOR ALL TABLES`` unless it exists."""
    if src.execute("SELECT 1 FROM pg_publication WHERE pubname = %s", (PUBLICATION,)).fetchone():
        return
    src.execute(f"CREATE PUBLICATION {PUBLICATION} FOR ALL TABLES")


def subscribe(dst: Any, source: DbUrl, slot: str) -> None:
    """Create the target's subscription on the existing slot (no initial copy)."""
    parts = {
        "host": source.host,
        "port": str(source.port),
        "dbname": source.database,
        "user": source.user,
        "application_name": slot,
    }
    if source.password is not None:
        parts["password"] = source.password
    conninfo = " ".join(f"{k}='{_esc(v)}'" for k, v in parts.items())
    dst.execute(
        f"CREATE SUBSCRIPTION {quote_ident(slot)} CONNECTION '{_esc(conninfo)}' "
        f"PUBLICATION {PUBLICATION} WITH (create_slot = false, slot_name = '{slot}', "
        "copy_data = false, enabled = true)"
    )


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "''")


def lag_bytes(src: Any, slot: str) -> int | None:
    """Bytes of WAL the subscriber has not confirmed yet, ``None`` if the slot is gone."""
    row = src.execute(
        "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint"
        " FROM pg_replication_slots WHERE slot_name = %s",
        (slot,),
    ).fetchone()
    return None if row is None or row[0] is None else max(int(row[0]), 0)


def wait_for_lag(
    source: DbUrl, slot: str, timeout: float, on_lag: Callable[[int], None], settle: int = 2
) -> tuple[int, float]:
    """Poll the lag until it is 0 ``settle`` times in a row or ``timeout``; ``(lag, waited)``."""
    started = time.monotonic()
    zeros = 0
    lag = -1
    with pg_connect(source) as src:
        while True:
            found = lag_bytes(src, slot)
            if found is None:
                raise TransferError(
                    f"no replication slot {slot} on {source.display()}",
                    "start the online copy first: skylift db copy --online SRC DST",
                )
            lag = found
            on_lag(lag)
            zeros = zeros + 1 if lag == 0 else 0
            waited = time.monotonic() - started
            if zeros >= settle or waited >= timeout:
                return lag, waited
            time.sleep(0.2)


def copy_sequences(src: Any, dst: Any) -> int:
    """Set every target sequence to the source's value; returns how many."""
    count = 0
    for schema, name in src.execute(
        "SELECT schemaname, sequencename FROM pg_sequences"
        " WHERE schemaname NOT IN ('pg_catalog', 'information_schema', '_skylift')"
    ).fetchall():
        qualified = f"{quote_ident(schema)}.{quote_ident(name)}"
        last, called = src.execute(f"SELECT last_value, is_called FROM {qualified}").fetchone()
        dst.execute("SELECT setval(%s::regclass, %s, %s)", (qualified, last, called))
        count += 1
    return count


def cutover(
    source: DbUrl, target: DbUrl, timeout: float, on_lag: Callable[[int], None]
) -> tuple[int, int, float]:
    """Wait for lag 0, copy sequences, remove replication: ``(lag, sequences, waited)``."""
    slot = slot_name(target)
    lag, waited = wait_for_lag(source, slot, timeout, on_lag)
    if lag != 0:
        raise TransferError(
            f"replication lag is still {lag} bytes after {timeout:.0f} s; nothing was changed",
            "stop the writes to the source database, then run skylift db cutover again",
        )
    with pg_connect(source) as src, pg_connect(target) as dst:
        sequences = copy_sequences(src, dst)
        # after DISABLE the slot is free, so DROP SUBSCRIPTION cannot drop it remotely
        if dst.execute("SELECT 1 FROM pg_subscription WHERE subname = %s", (slot,)).fetchone():
            dst.execute(f"ALTER SUBSCRIPTION {quote_ident(slot)} DISABLE")
            dst.execute(f"ALTER SUBSCRIPTION {quote_ident(slot)} SET (slot_name = NONE)")
            dst.execute(f"DROP SUBSCRIPTION {quote_ident(slot)}")
        _drop_slot(src, slot)
        src.execute(f"DROP PUBLICATION IF EXISTS {PUBLICATION}")
    return lag, sequences, waited


def _drop_slot(src: Any, slot: str) -> None:
    for _ in range(50):
        row = src.execute(
            "SELECT active FROM pg_replication_slots WHERE slot_name = %s", (slot,)
        ).fetchone()
        if row is None:
            return
        if not row[0]:
            src.execute("SELECT pg_drop_replication_slot(%s)", (slot,))
            return
        time.sleep(0.1)
    raise TransferError(f"replication slot {slot} stays in use", "retry the cutover")
