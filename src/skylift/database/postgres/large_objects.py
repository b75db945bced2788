"""Large objects (``pg_largeobject``): pg_dump's pre-data creates them empty, this fills them.

Read and written in 1 MiB pieces (``lo_get`` / ``lo_put``) so memory stays
bounded whatever an object's size.
"""

from __future__ import annotations

from typing import Any

PIECE = 1 << 20


def copy_large_objects(src: Any, dst: Any) -> int:
    """Copy every large object's content; returns how many objects."""
    oids = [r[0] for r in src.execute("SELECT oid FROM pg_largeobject_metadata ORDER BY oid")]
    for oid in oids:
        if not dst.execute(
            "SELECT 1 FROM pg_largeobject_metadata WHERE oid = %s", (oid,)
        ).fetchone():
            dst.execute("SELECT lo_create(%s)", (oid,))
        with dst.transaction():
            dst.execute("SELECT lo_truncate(lo_open(%s, 131072), 0)", (oid,))
            offset = 0
            while True:
                row = src.execute("SELECT lo_get(%s, %s, %s)", (oid, offset, PIECE)).fetchone()
                data = bytes(row[0]) if row and row[0] is not None else b""
                if not data:
                    break
                dst.execute("SELECT lo_put(%s, %s, %s)", (oid, offset, data))
                offset += len(data)
    return len(oids)
