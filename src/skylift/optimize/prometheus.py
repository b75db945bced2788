"""A small Prometheus HTTP API client (``/api/v1/query``, ``query_range``, ``series``).

Standard library and numpy only. :meth:`PrometheusClient.range_arrays` reads a
large range answer straight into numpy arrays (a regex over the bytes, one
numpy conversion per series, timestamps implied by the step where none is
missing): about four times as fast as ``json.loads`` plus a float per point,
and it falls back to ``json`` for anything unexpected. It parses the answer
as it arrives (:func:`iter_matrix`, :data:`READ_BYTES` at a time), so a
query's memory is its arrays plus one read and one series of JSON, not the
whole answer's bytes (32 MB for a 1-million-point shard, twice that while
``http.client`` joins a chunked body).

Every failure becomes one :class:`~skylift.errors.SkyliftError` with a hint:
unreachable server, a query Prometheus rejects, a query that times out (server
side: ``timeout=``; client side: the socket timeout). A bearer token comes from
the environment (``SKYLIFT_PROMETHEUS_TOKEN``), never from a flag, and a URL's
user:password is never echoed in a message.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

import numpy as np
import numpy.typing as npt

from skylift.errors import InputError, ProviderError

#: One series of a result: its labels and its (timestamp, value) points.
Series = tuple[Mapping[str, str], tuple[tuple[float, float], ...]]
#: One series of a range answer as arrays: labels, timestamps (ms), values.
ArraySeries = tuple[Mapping[str, str], npt.NDArray[np.int64], npt.NDArray[np.float64]]

#: A matrix answer's series as Prometheus writes it (compact JSON). An unescaped
#: ``"`` cannot occur inside a JSON string, so ``},"values":[`` ends the labels.
_MATRIX_HEAD = b'{"status":"success","data":{"resultType":"matrix","result":['
_MATRIX_SERIES = re.compile(rb'\{"metric":(\{.*?\}),"values":\[\[(.*?)\]\]\}', re.S)
#: Bytes read from the socket at a time while a range answer is parsed.
READ_BYTES = 1 << 20


class NotCompact(Exception):  # noqa: N818 - a signal, not an error the user sees
    """The answer is not in the compact matrix form: read ``head`` + the rest with json
    (``head`` None: series were parsed already, so ask again)."""

    def __init__(self, head: bytes | None) -> None:
        super().__init__("not a compact matrix answer")
        self.head = head


def redacted(url: str) -> str:
    """``url`` without user and password (for messages and the stored record)."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))


@dataclass(frozen=True)
class PrometheusClient:
    """Queries one Prometheus; ``timeout_s`` bounds each query on both sides."""

    url: str
    timeout_s: float = 60.0
    token: str | None = None

    def __post_init__(self) -> None:
        parts = urllib.parse.urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InputError(
                f"--prometheus {redacted(self.url)!r}: expected an http(s) URL",
                "e.g. --prometheus http://127.0.0.1:9090",
            )

    def instant(self, expr: str, at: float) -> list[Series]:
        """``expr`` evaluated at ``at`` (Unix seconds): one point per series."""
        return self._get("query", {"query": expr, "time": f"{at:.3f}"})

    def range(self, expr: str, start: float, end: float, step: float) -> list[Series]:
        """``expr`` from ``start`` to ``end`` every ``step`` seconds."""
        return self._get(
            "query_range",
            {"query": expr, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": f"{step:g}"},
        )

    def range_arrays(self, expr: str, start: float, end: float, step: float) -> list[ArraySeries]:
        """Like :meth:`range`, as numpy arrays (for answers of millions of points),
        parsed while the answer arrives (the bytes are not kept)."""
        params = {"query": expr, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": f"{step:g}"}
        a_ms, b_ms, step_ms = (round(x * 1000) for x in (start, end, step))
        grid = np.arange(a_ms, b_ms + 1, max(1, step_ms), dtype=np.int64)
        with self._open("query_range", params) as resp:
            try:
                return list(iter_matrix(iter(lambda: resp.read(READ_BYTES), b""), grid))
            except NotCompact as exc:
                raw = None if exc.head is None else exc.head + resp.read()
        if raw is None:  # series were parsed before the unexpected part: ask again, read it all
            raw = self._post("query_range", params)
        out: list[ArraySeries] = []
        for labels, points in self._series(raw, params):
            pts = np.array(points, dtype=np.float64).reshape(-1, 2)
            out.append((labels, np.rint(pts[:, 0] * 1000).astype(np.int64), pts[:, 1].copy()))
        return out

    def series(self, match: str, start: float, end: float) -> list[Mapping[str, str]]:
        """Label sets of the series matching ``match`` with samples in [start, end]."""
        params = {"match[]": match, "start": f"{start:.3f}", "end": f"{end:.3f}"}
        data = self._data(self._post("series", params), params)
        return [x for x in data if isinstance(x, dict)] if isinstance(data, list) else []

    def _get(self, endpoint: str, params: dict[str, str]) -> list[Series]:
        return self._series(self._post(endpoint, params), params)

    def _series(self, raw: bytes, params: Mapping[str, str]) -> list[Series]:
        """The series of a JSON answer; one error with a hint where they are malformed."""
        data = self._data(raw, params)
        try:
            return _series(data)
        except (ValueError, TypeError, AttributeError) as exc:
            raise ProviderError(
                f"{redacted(self.url).rstrip('/')} answered series Prometheus does not write "
                f"({exc}): {_what(params)[:120]}",
                "check that --prometheus points at Prometheus (or an API compatible with it)",
            ) from exc

    def _data(self, raw: bytes, params: Mapping[str, str]) -> Any:
        """The ``data`` of a JSON answer (errors raised with their hint)."""
        try:
            body = json.loads(raw)
        except ValueError as exc:
            if raw.startswith(b'{"status":'):  # Prometheus' own answer, broken off
                raise self._cut_short(_what(params)) from exc
            raise ProviderError(
                f"{redacted(self.url).rstrip('/')} did not answer as a Prometheus API (not JSON)",
                "point --prometheus at the server root, e.g. http://HOST:9090",
            ) from exc
        if not isinstance(body, dict) or body.get("status") != "success":
            self._raise(body if isinstance(body, dict) else {}, _what(params), 200)
        return body.get("data", {})

    def _post(self, endpoint: str, params: dict[str, str]) -> bytes:
        with self._open(endpoint, params) as resp:
            return bytes(resp.read())

    @contextlib.contextmanager
    def _open(self, endpoint: str, params: dict[str, str]) -> Iterator[http.client.HTTPResponse]:
        """The answer to a POST, to read inside the block (reading errors translated too)."""
        parts = urllib.parse.urlsplit(self.url)
        base = redacted(self.url).rstrip("/")
        params = {**params, "timeout": f"{max(1, round(self.timeout_s * 1000))}ms"}
        req = urllib.request.Request(  # noqa: S310 - scheme checked in __post_init__
            f"{base}/api/v1/{endpoint}",
            data=urllib.parse.urlencode(params).encode(),
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        if self.token:
            req.add_header("Authorization", f"Bearer {self.token}")
        elif parts.username:
            user, password = parts.username, parts.password or ""
            pair = f"{urllib.parse.unquote(user)}:{urllib.parse.unquote(password)}"
            req.add_header("Authorization", "Basic " + base64.b64encode(pair.encode()).decode())
        try:
            with urllib.request.urlopen(req, timeout=self.timeout_s + 5.0) as resp:  # noqa: S310 - http(s) checked
                yield resp
        except urllib.error.HTTPError as exc:
            self._raise(_error_body(exc), _what(params), exc.code)
        except TimeoutError as exc:
            raise self._timeout(_what(params)) from exc
        except http.client.HTTPException as exc:  # e.g. IncompleteRead: the body broke off
            raise self._cut_short(_what(params)) from exc
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ProviderError(
                f"Prometheus at {base} is unreachable ({reason})",
                "check --prometheus (or optimize.prometheus in skylift.yaml) and that it listens",
            ) from exc

    def _timeout(self, query: str) -> ProviderError:
        return ProviderError(
            f"Prometheus query timed out after {self.timeout_s:g} s: {query[:120]}",
            "shorten --window, narrow optimize.*.selector, or raise optimize.timeout_s",
        )

    def _cut_short(self, query: str) -> ProviderError:
        return ProviderError(
            f"Prometheus' answer was cut short: {query[:120]}",
            "run again; if it recurs, see the Prometheus server log (out of memory?) "
            "or the proxy in front of it",
        )

    def _raise(self, body: Mapping[str, Any], query: str, code: int) -> NoReturn:
        kind = str(body.get("errorType", ""))
        error = str(body.get("error", f"HTTP {code}"))
        if kind == "timeout" or ("timeout" in error.lower() and code in (200, 503)):
            raise self._timeout(query)
        if kind == "bad_data" or code in (400, 422):
            raise InputError(
                f"Prometheus rejected the query ({error}): {query[:160]}",
                "check the metric names under optimize.vm / optimize.containers in skylift.yaml",
            )
        raise ProviderError(
            f"Prometheus answered {code} ({kind or 'error'}: {error})",
            "see the Prometheus server log",
        )


def _what(params: Mapping[str, str]) -> str:
    """The query (or series matcher) of a request, for messages."""
    return params.get("query") or params.get("match[]", "")


def parse_matrix(raw: bytes, grid: npt.NDArray[np.int64]) -> list[ArraySeries] | None:
    """A successful matrix answer's series as arrays (``grid``: the query's steps, ms);
    None if ``raw`` is not in the compact form Prometheus writes (use ``json``)."""
    try:
        return list(iter_matrix((raw,), grid))
    except NotCompact:
        return None


def iter_matrix(chunks: Iterable[bytes], grid: npt.NDArray[np.int64]) -> Iterator[ArraySeries]:
    """The series of a compact matrix answer arriving in ``chunks`` (any split), each
    yielded once its bytes are in: what is held is the unparsed rest of the last
    chunk and at most one series' bytes. Raises :class:`NotCompact` — carrying the
    bytes read so far if no series was yielded yet, else None (ask again) —
    where the answer is not in the compact form Prometheus writes."""
    parts = iter(chunks)
    buf = b""
    while len(buf) < len(_MATRIX_HEAD):
        chunk = next(parts, b"")
        if not chunk:
            break
        buf += chunk
    if not buf.startswith(_MATRIX_HEAD):
        raise NotCompact(buf)
    pos, first, done = len(_MATRIX_HEAD), True, False
    while True:
        if not first and buf.startswith(b",", pos):
            m = _MATRIX_SERIES.match(buf, pos + 1)
        else:
            m = _MATRIX_SERIES.match(buf, pos) if first else None
        if m is not None:
            if b'{"metric":' in m.group(1):  # a series of another form before this one
                raise NotCompact(buf if first else None)
            try:
                got = _arrays(m.group(1), m.group(2), grid)
            except ValueError:  # not Prometheus' numbers or labels: json decides
                raise NotCompact(buf if first else None) from None
            yield got
            pos, first = m.end(), False
            continue
        if done:
            break
        chunk = next(parts, b"")
        done = not chunk
        if not first:  # keep the unparsed rest (a series' bytes at most); all before one
            buf, pos = buf[pos:], 0
        buf += chunk
    if not buf.startswith(b"]}", pos) or b'{"metric":' in buf[pos:]:
        raise NotCompact(buf if first else None)


_TS_SEPARATORS = bytes.maketrans(b"[],", b"   ")


def _arrays(labels: bytes, values: bytes, grid: npt.NDArray[np.int64]) -> ArraySeries:
    """One matrix series from its JSON bytes: ``{labels}`` and ``t,"v"],[t,"v"``.

    Values sit between quotes; a series with a value at every step of the
    query's ``grid`` (ms) has exactly its timestamps, so they are parsed only
    when some are missing.
    """
    parts = values.split(b'"')
    v = np.array(parts[1::2], dtype=np.float64)
    if v.size == grid.size:
        return json.loads(labels), grid, v
    ts = b" ".join(parts[0::2]).translate(_TS_SEPARATORS).split()
    return json.loads(labels), np.rint(np.array(ts, dtype=np.float64) * 1000).astype(np.int64), v


def _error_body(exc: urllib.error.HTTPError) -> Mapping[str, Any]:
    try:
        data = json.loads(exc.read() or b"{}")
    except ValueError:
        return {"error": f"HTTP {exc.code}"}
    return data if isinstance(data, dict) else {"error": f"HTTP {exc.code}"}


def _series(data: Mapping[str, Any]) -> list[Series]:
    kind = data.get("resultType")
    out: list[Series] = []
    for item in data.get("result", []):
        labels = item.get("metric", {})
        if kind == "matrix":
            points = tuple((float(t), float(v)) for t, v in item.get("values", []))
        else:
            t, v = item.get("value", (0, "NaN"))
            points = ((float(t), float(v)),)
        out.append((labels, points))
    return out
