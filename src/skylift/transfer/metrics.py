"""Prometheus metrics for long runs, served on 127.0.0.1 only (``--metrics-port``)."""

from __future__ import annotations

from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, start_http_server


class TransferMetrics:
    """Counters a run updates; exposed by :meth:`serve`."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.bytes = Counter(
            "skylift_transfer_bytes", "Bytes sent to the destination", registry=self.registry
        )
        self.objects = Counter(
            "skylift_transfer_objects",
            "Objects handled, by result",
            ["result"],
            registry=self.registry,
        )
        self.parts = Counter(
            "skylift_transfer_parts", "Multipart parts sent", registry=self.registry
        )
        self.retries = Counter(
            "skylift_transfer_retries", "Retried requests", registry=self.registry
        )
        self.inflight = Gauge(
            "skylift_transfer_inflight_tasks", "Tasks queued or running", registry=self.registry
        )
        self._server: WSGIServer | None = None

    def serve(self, port: int) -> None:
        """Start the exporter on ``127.0.0.1:port`` (a daemon thread; ends with the process)."""
        server, _thread = start_http_server(port, addr="127.0.0.1", registry=self.registry)
        self._server = server

    def stop(self) -> None:
        """Stop the exporter if one runs."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
