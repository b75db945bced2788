"""``skylift discover deps``: the Azure Migrate agentless dependency export.

One row per connection per 6-hour time slot::

    Time slot, Source server name, Source application, Source process,
    Destination server name, Destination IP, Destination application,
    Destination process, Destination port

Each distinct (source server, destination, port) becomes one
:class:`~skylift.domain.inventory.Dependency`; its ``strength`` is the number
of distinct time slots it was seen in (the slot text is compared as
written, so any slot format works). Sources resolve by name (also short
name, FQDN) or, if the export has a ``Source IP`` column, by IP;
destinations by name, else by IP, else they stay external
(``target_key=None`` with ``target_ip``). Processes and applications carried
on an edge are the ones seen in the most slots. Vectorised with Polars: the
Python work is per distinct name and per edge, never per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import polars as pl

from skylift.domain.imports import ImportBatch, ImportWarning
from skylift.domain.inventory import Dependency
from skylift.domain.matching import ServerIndex
from skylift.errors import InputError, InputLocation
from skylift.inventory.base import ImportContext
from skylift.inventory.tabular import csv_head, fingerprint, first_bad, norm_header, to_utf8

#: column → accepted header spellings (normalised); the first four are required.
COLUMNS: dict[str, tuple[str, ...]] = {
    "slot": ("time slot", "timeslot", "time_slot", "slot"),
    "src": ("source server name", "source server", "source machine", "source"),
    "dst_name": ("destination server name", "destination server", "destination machine"),
    "port": ("destination port", "port"),
    "dst_ip": ("destination ip", "destination ip address", "destination address"),
    "src_ip": ("source ip", "source ip address"),
    "src_app": ("source application",),
    "src_proc": ("source process",),
    "dst_app": ("destination application",),
    "dst_proc": ("destination process",),
}
_REQUIRED = ("slot", "src", "port")
_CARRIED = ("src_proc", "dst_proc", "src_app", "dst_app")
_HINT = "export dependencies from Azure Migrate (Servers → Dependency analysis → Export)"


class DepsImporter:
    """Azure Migrate dependency export importer (see the module docstring)."""

    name: ClassVar[str] = "deps"

    def __init__(self, skip_unknown: bool = False) -> None:
        self.skip_unknown = skip_unknown

    def parse(self, paths: Sequence[Path], ctx: ImportContext) -> ImportBatch:
        """Read every export and return one edge per (source, destination, port)."""
        if not paths:
            raise InputError("no input file given", "pass the dependency export .csv")
        frames = []
        ctx.progress.begin("Reading dependency exports", total=len(paths), unit="files")
        for path in paths:
            frames.append(_read(path, ctx.tmp_dir))
            ctx.progress.advance()
        ctx.progress.end()
        rows = pl.concat(frames, how="diagonal_relaxed")
        warnings: list[ImportWarning] = []
        resolved, unknown = _resolve(rows, ctx.servers, self.skip_unknown)
        skipped = rows.height - resolved.height
        if unknown:
            shown = ", ".join(sorted(unknown)[:20]) + (" …" if len(unknown) > 20 else "")
            warnings.append(
                ImportWarning(
                    message=f"skipped {skipped:,} rows from {len(unknown)} unknown source "
                    f"server(s): {shown}"
                )
            )
        loops = resolved.filter(pl.col("src_key") == pl.col("dst_key"))
        if loops.height:
            warnings.append(
                ImportWarning(
                    message=f"dropped {loops.height:,} rows where a server talks to itself"
                )
            )
        nowhere = resolved.filter(pl.col("dst_key").is_null() & pl.col("dst_ip").is_null())
        if nowhere.height:
            warnings.append(
                ImportWarning(
                    message=f"dropped {nowhere.height:,} rows whose destination is neither a "
                    "known server nor an IP address"
                )
            )
        kept = resolved.filter(
            (pl.col("src_key") != pl.col("dst_key")).fill_null(True)
            & (pl.col("dst_key").is_not_null() | pl.col("dst_ip").is_not_null())
        )
        deps = _edges(kept)
        return ImportBatch(
            format=self.name,
            files=tuple(fingerprint(p) for p in paths),
            dependencies=deps,
            rows_read=rows.height,
            rows_skipped=rows.height - kept.height,
            warnings=tuple(warnings),
        )


def _read(path: Path, tmp_dir: Path) -> pl.DataFrame:
    """One export as text columns (canonical names), row numbers and a checked port."""
    file = str(path)
    head = csv_head(path)
    sep, header = head.delimiter, head.header
    present = {norm_header(h): h for h in reversed(header)}
    cols: dict[str, str] = {}
    for canon, spellings in COLUMNS.items():
        hit = next((present[norm_header(s)] for s in spellings if norm_header(s) in present), None)
        if hit is not None:
            cols[canon] = hit
        elif canon in _REQUIRED:
            raise InputError(
                f"missing required column '{spellings[0].capitalize()}'",
                _HINT,
                InputLocation(file, row=1),
            )
    if "dst_name" not in cols and "dst_ip" not in cols:
        raise InputError(
            "missing column 'Destination server name' (or 'Destination IP')",
            _HINT,
            InputLocation(file, row=1),
        )
    frame = _scan(path, sep, header, cols, tmp_dir)
    if frame.height == 0:
        raise InputError("the export has no rows", _HINT, InputLocation(file))
    for canon in COLUMNS:
        if canon not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.String).alias(canon))
    empty_slot = first_bad(frame, pl.col("slot").is_null(), "slot")
    if empty_slot is not None:
        raise InputError(
            "missing time slot",
            "every row of the export names its time slot",
            InputLocation(file, row=empty_slot[0], column=cols["slot"]),
        )
    port = pl.col("port").cast(pl.Int64, strict=False)
    bad = first_bad(frame, port.is_null() | (port < 0) | (port > 65535), "port")
    if bad is not None:
        raise InputError(
            "expected a port number 0–65535",
            "fix the cell or delete the row",
            InputLocation(file, row=bad[0], column=cols["port"], value=bad[1]),
        )
    missing_src = first_bad(frame, pl.col("src").is_null() & pl.col("src_ip").is_null(), "src")
    if missing_src is not None:
        raise InputError(
            "missing source server name",
            "every connection needs its source server",
            InputLocation(file, row=missing_src[0], column=cols["src"]),
        )
    return frame.with_columns(port=port, file=pl.lit(file))


def _scan(
    path: Path, sep: str, header: list[str], cols: dict[str, str], tmp_dir: Path
) -> pl.DataFrame:
    source = path
    for attempt in range(2):
        try:
            raw = pl.scan_csv(
                source,
                separator=sep,
                has_header=False,
                skip_rows=1,
                new_columns=header,
                infer_schema=False,
                truncate_ragged_lines=True,
            )
            return (
                raw.select(
                    pl.col(h).str.strip_chars().replace("", None).alias(c) for c, h in cols.items()
                )
                .with_row_index("row", offset=2)
                .collect()
            )
        except pl.exceptions.ComputeError as exc:
            if attempt == 0 and "utf" in str(exc).lower():
                source = to_utf8(path, tmp_dir)
                continue
            raise InputError(
                f"not a readable CSV: {str(exc).splitlines()[0]}",
                "check the delimiter and quoting",
                InputLocation(str(path)),
            ) from exc
    raise AssertionError("unreachable")


def _resolve(
    rows: pl.DataFrame, index: ServerIndex, skip_unknown: bool
) -> tuple[pl.DataFrame, set[str]]:
    """Attach ``src_key`` and ``dst_key``; unknown sources raise or are dropped."""
    sources = (
        rows.lazy()
        .group_by("src", "src_ip")
        .agg(pl.col("row").min(), pl.col("file").first())
        .sort("file", "row")
        .collect()
    )
    src_keys: list[str | None] = []
    unknown: set[str] = set()
    for name, ip, row, file in sources.iter_rows():
        key = index.lookup(name) if name else None
        if key is None and name and index.is_ambiguous(name):
            raise InputError(
                "the source server name matches several servers",
                "rename one of them in the inventory or use FQDNs in the export",
                InputLocation(file, row=row, column="Source server name", value=name),
            )
        if key is None and ip:
            key = index.lookup(ip)
        if key is None:
            if not skip_unknown:
                raise InputError(
                    "no server with this name in the workspace",
                    "import the inventory first (skylift discover rvtools …), "
                    "or pass --skip-unknown",
                    InputLocation(file, row=row, column="Source server name", value=name or ip),
                )
            unknown.add(str(name or ip))
        src_keys.append(key)
    src_table = sources.select("src", "src_ip").with_columns(
        src_key=pl.Series(src_keys, dtype=pl.String)
    )
    dests = rows.select("dst_name", "dst_ip").unique()
    dst_keys = [
        (index.lookup(n) if n else None) or (index.lookup(ip) if ip else None)
        for n, ip in dests.iter_rows()
    ]
    dst_table = dests.with_columns(dst_key=pl.Series(dst_keys, dtype=pl.String))
    out = (
        rows.join(src_table, on=["src", "src_ip"], how="left", nulls_equal=True)
        .join(dst_table, on=["dst_name", "dst_ip"], how="left", nulls_equal=True)
        .filter(pl.col("src_key").is_not_null())
    )
    return out, unknown


def _edges(rows: pl.DataFrame) -> tuple[Dependency, ...]:
    """One edge per (source key, destination, port): slots counted, attributes by vote.

    Long texts are hashed once: every row gets a small edge id (one join) and
    the slot, IP, process and application columns become categorical, so the
    per-attribute votes group on integers.
    """
    edge = ["src_key", "target", "port"]
    rows = rows.with_columns(
        target=pl.coalesce(pl.col("dst_key"), pl.lit("ip:") + pl.col("dst_ip"))
    )
    ids = rows.select(edge).unique().sort(edge).with_row_index("eid")
    texts = ["slot", "dst_ip", *_CARRIED]
    rows = rows.join(ids, on=edge, how="left").select(
        "eid", "dst_key", *[pl.col(c).cast(pl.Categorical) for c in texts]
    )
    base = ids.join(
        rows.group_by("eid").agg(
            pl.col("slot").n_unique().alias("strength"),
            pl.col("dst_key").first(),
        ),
        on="eid",
    )
    for col in ["dst_ip", *_CARRIED]:
        votes = (
            rows.filter(pl.col(col).is_not_null())
            .group_by(["eid", col])
            .agg(pl.col("slot").n_unique().alias("n"))
            .with_columns(pl.col(col).cast(pl.String))
            .sort(["eid", "n", col], descending=[False, True, False])
            .group_by("eid", maintain_order=True)
            .agg(pl.col(col).first())
        )
        base = base.join(votes, on="eid", how="left")
    return tuple(
        Dependency(
            source_key=r["src_key"],
            target_key=r["dst_key"],
            target_ip=r["dst_ip"],
            port=int(r["port"]),
            source_process=r["src_proc"],
            target_process=r["dst_proc"],
            source_application=r["src_app"],
            target_application=r["dst_app"],
            strength=int(r["strength"]),
        )
        for r in base.sort(edge).iter_rows(named=True)
    )
