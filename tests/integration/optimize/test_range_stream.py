"""range_arrays over real HTTP (a loopback server, chunked bodies): the streamed parse,
and its fallbacks to json when an answer is not in Prometheus' compact form (#21)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from skylift.optimize.prometheus import PrometheusClient

T0 = 1_700_000_000
ROWS = [
    {
        "metric": {"container": f"c{i}"},
        "values": [[T0 + 300 * k, f"{i + k / 8}"] for k in range(50)],
    }
    for i in range(40)
]
HIST = {"metric": {"container": "h"}, "histograms": [[T0, {"count": "1", "sum": "1"}]]}


class _Answers(BaseHTTPRequestHandler):
    body: bytes = b""
    requests: list[str] = []  # noqa: RUF012 - one shared log per test

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        type(self).requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for i in range(0, len(self.body), 777):  # small HTTP chunks, as a server streams
            piece = self.body[i : i + 777]
            self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        self.wfile.write(b"0\r\n\r\n")

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def server() -> Iterator[tuple[ThreadingHTTPServer, type[_Answers]]]:
    handler = type("Handler", (_Answers,), {"requests": []})
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield srv, handler
    finally:
        srv.shutdown()
        srv.server_close()


def _body(result: list[dict[str, object]], compact: bool = True) -> bytes:
    doc = {"status": "success", "data": {"resultType": "matrix", "result": result}}
    return json.dumps(doc, separators=(",", ":") if compact else None).encode()


@pytest.mark.parametrize(
    ("result", "compact", "requests"),
    [
        (ROWS, True, 1),  # streamed
        (ROWS, False, 1),  # pretty JSON: the bytes read + the rest, json
        ([HIST, *ROWS], True, 1),  # not compact before any series: json, no second request
        ([*ROWS, HIST], True, 2),  # series parsed, then another form: asked again, json
    ],
)
def test_range_arrays_streams_or_falls_back(
    server: tuple[ThreadingHTTPServer, type[_Answers]],
    result: list[dict[str, object]],
    compact: bool,
    requests: int,
) -> None:
    srv, handler = server
    handler.body = _body(result, compact)
    client = PrometheusClient(f"http://127.0.0.1:{srv.server_address[1]}", timeout_s=10)
    got = client.range_arrays("x", T0, T0 + 300 * 49, 300)
    assert len(handler.requests) == requests
    want = [r for r in result if "values" in r]
    got = [g for g in got if g[2].size]  # json's path keeps a histogram series, without values
    assert [lab for lab, _, _ in got] == [r["metric"] for r in want]
    for (_, t_ms, v), r in zip(got, want, strict=True):
        pts = np.array(r["values"], dtype=np.float64)
        assert t_ms.tolist() == (pts[:, 0] * 1000).astype(np.int64).tolist()
        np.testing.assert_array_equal(v, pts[:, 1])


class _CutShort(_Answers):
    """Half of the answer, then the connection closes (a killed server, a proxy)."""

    chunked = True

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        half = self.body[: len(self.body) // 2]
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if not self.chunked:
            self.send_header("Content-Length", str(len(self.body)))
            self.end_headers()
            self.wfile.write(half)
        else:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(f"{len(self.body):x}\r\n".encode() + half)
        self.close_connection = True


@pytest.mark.parametrize("chunked", [True, False])
def test_an_answer_cut_short_is_one_error_with_a_hint(chunked: bool) -> None:
    """#21 review: a broken-off body escaped as http.client.IncompleteRead (a traceback)
    from range/instant, and range_arrays called it 'not JSON, point at the server root'."""
    from skylift.errors import ProviderError

    handler = type("Handler", (_CutShort,), {"body": _body(ROWS), "chunked": chunked})
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        client = PrometheusClient(f"http://127.0.0.1:{srv.server_address[1]}", timeout_s=5)
        for call in (
            lambda: client.range_arrays("up", T0, T0 + 300 * 49, 300),
            lambda: client.range("up", T0, T0 + 300 * 49, 300),
            lambda: client.instant("up", T0),
            lambda: client.series("up", T0, T0 + 1),
        ):
            with pytest.raises(ProviderError) as err:
                call()
            assert "cut short" in str(err.value) and err.value.hint
            assert "\n" not in str(err.value)
    finally:
        srv.shutdown()
        srv.server_close()


@pytest.mark.parametrize(
    "bad",
    [
        {"metric": {"c": "x"}, "values": [[T0, "abc"], [T0 + 300, "1"]]},
        {"metric": {"c": "x"}, "values": [["x", "1"]]},
    ],
)
def test_malformed_series_are_one_error_with_a_hint(
    server: tuple[ThreadingHTTPServer, type[_Answers]], bad: dict[str, object]
) -> None:
    """#21 review: a value or timestamp that is not a number escaped as a ValueError from
    the streamed parse or the json fallback (an internal error, exit 70)."""
    from skylift.errors import ProviderError

    srv, handler = server
    handler.body = _body([bad])
    client = PrometheusClient(f"http://127.0.0.1:{srv.server_address[1]}", timeout_s=5)
    for call in (
        lambda: client.range_arrays("up", T0, T0 + 300, 300),
        lambda: client.range("up", T0, T0 + 300, 300),
    ):
        with pytest.raises(ProviderError) as err:
            call()
        assert err.value.hint and "\n" not in str(err.value)
