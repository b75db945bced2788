"""Reading tables by header name: header normalisation, CSV decoding, typed cells.

Every cell error raises :class:`InputError` naming file, sheet, row, column,
the value and what was expected, so the CLI can print one line.
"""

from __future__ import annotations

import codecs
import csv
import functools
import gzip
import hashlib
import io
import math
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from skylift.domain.imports import SourceFile
from skylift.errors import InputError, InputLocation

if TYPE_CHECKING:
    import polars as pl

_SPACE = re.compile(r"[\s_]+")


def norm_header(header: object) -> str:
    """Case- and space-insensitive header key: ``' Memory (In MB) '`` → ``memory(inmb)``."""
    return _norm_text(str(header or ""))


@functools.lru_cache(maxsize=8192)
def _norm_text(text: str) -> str:
    # Cached: row accessors normalise the same few header names for every row.
    return _SPACE.sub("", text).lower().lstrip("*")


def fingerprint(path: Path) -> SourceFile:
    """SHA-256 and size of an input file (or of every file in a folder, in name order)."""
    h = hashlib.sha256()
    size = 0
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for f in files:
        with f.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
                size += len(chunk)
    return SourceFile(path=str(path), sha256=h.hexdigest(), size_bytes=size)


def decode_text(path: Path, data: bytes) -> str:
    """Decode CSV bytes: UTF-8 (with or without BOM), else Windows-1252/latin-1."""
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass  # not really UTF-16: fall through to the 8-bit decodings
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")


def sniff_delimiter(sample: str) -> str:
    """Pick ``,`` ``;`` or tab from the header line."""
    first = sample.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


@dataclass(frozen=True)
class Table:
    """Rows of one sheet or CSV with a header map. Row numbers are 1-based as in a spreadsheet."""

    file: str
    sheet: str | None
    header: tuple[str, ...]
    rows: Iterable[tuple[int, Sequence[object]]]

    def columns(self) -> dict[str, int]:
        """Normalised header → index (first occurrence wins)."""
        out: dict[str, int] = {}
        for i, h in enumerate(self.header):
            out.setdefault(norm_header(h), i)
        return out


def read_csv(path: Path) -> Table:
    """Read a whole CSV (streamed rows) with encoding and delimiter detection."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(
            f"cannot read file: {exc.strerror}",
            "check the path and permissions",
            InputLocation(str(path)),
        ) from exc
    if not data.strip():
        raise InputError(
            "the file is empty", "export it again with a header row", InputLocation(str(path))
        )
    text = decode_text(path, data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text[:4096]))
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(
            "the file is empty", "export it again with a header row", InputLocation(str(path))
        ) from None
    except csv.Error as exc:
        raise InputError(
            f"not a readable CSV: {exc}",
            "check the delimiter and quoting",
            InputLocation(str(path), row=1),
        ) from exc

    def rows() -> Iterator[tuple[int, Sequence[object]]]:
        try:
            for n, row in enumerate(reader, start=2):
                if any(c.strip() for c in row):
                    yield n, row
        except csv.Error as exc:
            raise InputError(
                f"not a readable CSV: {exc}",
                "check the quoting",
                InputLocation(str(path), row=reader.line_num),
            ) from exc

    return Table(file=str(path), sheet=None, header=tuple(header), rows=rows())


@dataclass(frozen=True)
class Row:
    """One data row with typed accessors by normalised header name."""

    table: Table
    cols: Mapping[str, int]
    number: int
    cells: Sequence[object]

    def loc(self, column: str | None = None, value: object = None) -> InputLocation:
        """Where this row (and column/value) is, for error messages."""
        return InputLocation(
            self.table.file,
            self.table.sheet,
            self.number,
            column,
            None if value is None else str(value),
        )

    def raw(self, *names: str) -> object:
        """First present, non-empty cell among header ``names`` (normalised), else ``None``."""
        for name in names:
            i = self.cols.get(norm_header(name))
            if i is not None and i < len(self.cells):
                v = self.cells[i]
                if v is not None and not (isinstance(v, str) and not v.strip()):
                    return v
        return None

    def header_of(self, *names: str) -> str:
        """The file's own spelling of the first header among ``names`` that exists."""
        for name in names:
            i = self.cols.get(norm_header(name))
            if i is not None:
                return str(self.table.header[i])
        return names[0]

    def text(self, *names: str) -> str | None:
        """Cell as stripped text."""
        v = self.raw(*names)
        if v is None:
            return None
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        return str(v).strip()

    def number_(
        self, *names: str, minimum: float | None = 0.0, expected: str = "a number"
    ) -> float | None:
        """Cell as float; thousands separators and trailing units are tolerated."""
        v = self.raw(*names)
        if v is None:
            return None
        value = parse_number(v)
        if value is None:
            raise InputError(
                f"expected {expected}",
                "fix the cell or leave it empty",
                self.loc(self.header_of(*names), v),
            )
        if minimum is not None and value < minimum:
            raise InputError(
                f"expected {expected} ≥ {minimum:g}, got a negative value",
                "sizes and counts cannot be negative",
                self.loc(self.header_of(*names), v),
            )
        return value

    def integer(self, *names: str, minimum: float | None = 0.0) -> int | None:
        """Cell as int (``4.0`` accepted, ``4.5`` rejected)."""
        v = self.number_(*names, minimum=minimum, expected="a whole number")
        if v is None:
            return None
        if not float(v).is_integer():
            raw = self.raw(*names)
            raise InputError(
                "expected a whole number",
                "fix the cell or leave it empty",
                self.loc(self.header_of(*names), raw),
            )
        return int(v)

    def boolean(self, *names: str) -> bool | None:
        """Cell as bool: True/False, yes/no, 1/0."""
        v = self.raw(*names)
        if v is None:
            return None
        if isinstance(v, bool):
            return v
        s = str(v).strip().lower()
        if s in ("true", "yes", "y", "1", "on"):
            return True
        if s in ("false", "no", "n", "0", "off"):
            return False
        raise InputError(
            "expected True or False", "use True/False", self.loc(self.header_of(*names), v)
        )


_PLAIN = re.compile(r"-?\d{1,300}(\.\d{1,300})?\Z")
_NUM = re.compile(r"^[-+]?(\d{1,3}([,\u00a0' ]\d{3})+|\d+)?([.,]\d+)?$")


def parse_number(value: object) -> float | None:
    """Parse ``'1,234.5'``, ``'1 234'``, ``'12 %'``, ``'4 GB'`` (unit dropped) → float.

    Returns ``None`` for text that is not a number.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    s = str(value).strip().replace("\u202f", " ")
    if _PLAIN.match(s):  # fast path for the common "1234" / "-12.5"; same result
        return float(s)
    # One unit word, or several separated by spaces ("MB/s", "GB total"); the words
    # must be space-separated so the pattern cannot backtrack exponentially.
    s = re.sub(r"\s*(%|[a-zA-Z/]+(\s+[a-zA-Z/]+)*)$", "", s)
    if not s:
        return None
    if not _NUM.match(s):
        return None
    neg = s.startswith("-")
    s = s.lstrip("+-")
    # "1,234" thousands vs "1,5" decimal comma: a comma followed by exactly 3 digits
    # at the end with no dot is a thousands separator.
    if "." in s or (re.search(r",\d{3}(?!\d)", s) and not re.search(r",\d{1,2}$", s)):
        s = s.replace(",", "").replace(" ", "").replace("'", "").replace("\u00a0", "")
    else:
        s = s.replace(" ", "").replace("'", "").replace("\u00a0", "").replace(",", ".")
    try:
        out = float(s)
    except ValueError:
        return None
    if not math.isfinite(out):
        return None  # a digit string too long for a float
    return -out if neg else out


def require_columns(table: Table, required: Mapping[str, Sequence[str]], hint: str) -> None:
    """Fail naming the first required column (by any of its spellings) that is missing."""
    cols = table.columns()
    for label, spellings in required.items():
        if not any(norm_header(s) in cols for s in spellings):
            raise InputError(
                f"missing required column '{label}'",
                hint,
                InputLocation(table.file, table.sheet, 1),
            )


# ---- text files and frames the streaming importers (perf, deps) share ----------------


@dataclass(frozen=True)
class CsvHead:
    """The start of a CSV file: enough to choose how to read the rest."""

    #: the first 64 KiB, decoded
    text: str
    delimiter: str
    #: the header row as written (a UTF-8 BOM dropped)
    header: list[str]


def csv_head(path: Path) -> CsvHead:
    """The text, delimiter and header row at the start of a (possibly gzip) CSV;
    an empty file is an :class:`InputError`."""
    head = head_text(path)
    if not head.strip():
        raise InputError(
            "the file is empty", "export it again with a header row", InputLocation(str(path))
        )
    sep = sniff_delimiter(head)
    header = next(csv.reader(io.StringIO(head.split("\n", 1)[0]), delimiter=sep))
    return CsvHead(head, sep, [h.lstrip("\ufeff") for h in header])


def is_gzip(path: Path) -> bool:
    """True when ``path`` starts with the gzip magic bytes."""
    with path.open("rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def head_text(path: Path, size: int = 65536) -> str:
    """The first ``size`` bytes of a (possibly gzip) text file, decoded."""
    try:
        if is_gzip(path):
            with gzip.open(path, "rb") as gz:
                data = gz.read(size)
        else:
            with path.open("rb") as fh:
                data = fh.read(size)
    except (OSError, EOFError) as exc:
        raise InputError(
            f"cannot read file: {exc}", "check the path and the file", InputLocation(str(path))
        ) from exc
    return decode_text(path, data)


def to_utf8(path: Path, tmp_dir: Path) -> Path:
    """Copy a (possibly gzip) CSV to plain UTF-8 in ``tmp_dir``, streamed.

    UTF-8 is kept as it is; anything else is read as Windows-1252 (a superset
    of latin-1 for printable characters).
    """
    opener = gzip.open if is_gzip(path) else open
    for encoding in ("utf-8-sig", "cp1252"):
        fd, name = tempfile.mkstemp(dir=tmp_dir, prefix="utf8-", suffix=".csv")
        try:
            with opener(path, "rb") as src, open(fd, "wb") as dst:
                decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
                while chunk := src.read(1 << 22):
                    dst.write(decoder.decode(chunk).encode("utf-8"))
                dst.write(decoder.decode(b"", final=True).encode("utf-8"))
        except UnicodeDecodeError:
            Path(name).unlink()
            continue
        return Path(name)
    raise InputError(
        "cannot decode the file as UTF-8 or Windows-1252",
        "save it as UTF-8 CSV",
        InputLocation(str(path)),
    )


def first_bad(
    frame: pl.DataFrame, bad: pl.Expr, column: str, first_row: int = 1
) -> tuple[int, str] | None:
    """``(row, value)`` of the first row where ``bad`` holds, else ``None``.

    Rows come from the frame's ``row`` column, or else from its position
    (``first_row`` is the row number of position 0). The check itself is one
    vectorised ``any``; locating the row only happens when it fails.
    """
    import polars as pl

    if not frame.select(bad.fill_null(False).any()).item():
        return None
    lf = frame.lazy()
    if "row" not in frame.columns:
        lf = lf.with_row_index("row", offset=first_row)
    hit = lf.filter(bad).select("row", pl.col(column).cast(pl.String)).head(1).collect()
    row, value = hit.row(0)
    return int(row), "" if value is None else str(value)
