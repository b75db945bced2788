"""The shop's catalogue API (samples/app/shop/app.py) as a dependency-free HTTP
service, for ``skylift verify service`` demos and tests.

Same routes as the Flask app — ``/healthz`` and ``/products`` — plus what a
real service has: per-request ids and timestamps in the JSON (so comparisons
need normalising rules), security headers, a protected ``/admin`` and an
``/openapi.json``. Products come from a fixed catalogue instead of
PostgreSQL/Redis so two copies can run side by side on 127.0.0.1.

``--variant`` breaks one thing, as a botched migration would:
``changed`` (a price differs), ``slow`` (+100 ms on /products), ``no-header``
(no X-Content-Type-Options), ``tls10`` (TLS 1.0 accepted), ``weak-cipher``
(anonymous and NULL suites accepted), ``extra-port`` (a second port listens),
``open-admin`` (/admin without authentication),
``reset`` (every connection reset after the first 50 requests).

    python samples/shop_service.py --port 8000
    python samples/shop_service.py --port 8443 --cert c.pem --key k.pem --variant slow
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import ssl
import struct
import threading
import time
import uuid
import warnings
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PRODUCTS = [
    {"id": 1, "name": "chair", "price": 49.0},
    {"id": 2, "name": "desk", "price": 189.0},
    {"id": 3, "name": "lamp", "price": 24.5},
]
OPENAPI = {
    "openapi": "3.0.3",
    "info": {"title": "shop catalogue", "version": "1.0"},
    "paths": {
        "/healthz": {"get": {"responses": {"200": {"description": "alive"}}}},
        "/products": {"get": {"responses": {"200": {"description": "all products"}}}},
        "/products/{id}": {"get": {"responses": {"200": {"description": "one product"}}}},
    },
}
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


class Shop(BaseHTTPRequestHandler):
    """The handler; behaviour set on the server (``variant``, ``tls``, ``token``)."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: ShopServer

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in SECURITY_HEADERS.items():
            if not (name == "X-Content-Type-Options" and self.server.variant == "no-header"):
                self.send_header(name, value)
        if self.server.tls:
            self.send_header("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        self.end_headers()
        self.wfile.write(body)

    def _reset(self) -> bool:
        if self.server.variant != "reset":
            return False
        with self.server.lock:
            self.server.served += 1
            n = self.server.served
        if n > 50:  # RST, no answer: the service falls over mid-load
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return True
        return False

    def do_GET(self) -> None:
        """Answer the routes."""
        if self._reset():
            return
        path = self.path.split("?", 1)[0]
        if path == "/healthz":
            self._send(200, b"ok", "text/plain")
        elif path == "/products":
            if self.server.variant == "slow":
                time.sleep(0.1)
            items = [dict(p) for p in PRODUCTS]
            if self.server.variant == "changed":
                items[1]["price"] = 199.0
            doc = {
                "generated_at": datetime.now(UTC).isoformat(),
                "request_id": str(uuid.uuid4()),
                "items": items,
            }
            self._send(200, json.dumps(doc).encode(), "application/json")
        elif path == "/admin":
            auth = self.headers.get("Authorization", "")
            if auth == f"Bearer {self.server.token}" or self.server.variant == "open-admin":
                self._send(200, b'{"orders": 42}', "application/json")
            else:
                self._send(401, b'{"error": "unauthorized"}', "application/json")
        elif path == "/openapi.json":
            self._send(200, json.dumps(OPENAPI).encode(), "application/json")
        else:
            self._send(404, b'{"error": "not found"}', "application/json")


class ShopServer(ThreadingHTTPServer):
    """A threading server that remembers its variant."""

    daemon_threads = True
    request_queue_size = 256

    def handle_error(self, request: object, client_address: object) -> None:
        """Quiet: clients that go away (load tests, TLS probes) are expected."""

    def __init__(self, port: int, variant: str, tls: bool, token: str) -> None:
        super().__init__(("127.0.0.1", port), Shop)
        self.variant, self.tls, self.token = variant, tls, token
        self.lock = threading.Lock()
        self.served = 0


def tls_context(cert: str, key: str, variant: str = "") -> ssl.SSLContext:
    """Server TLS: 1.2+ by default; ``tls10`` also accepts TLS 1.0/1.1, ``weak-cipher``
    also anonymous and NULL-encryption suites (TLS 1.2)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    if variant == "weak-cipher":
        ctx.set_ciphers("ALL:aNULL:eNULL:@SECLEVEL=0")
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    elif variant == "tls10":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
            ctx.minimum_version = ssl.TLSVersion.TLSv1
    else:
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def main() -> None:
    """Serve until killed."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--variant", default="")
    ap.add_argument("--extra-port", type=int, default=0)
    args = ap.parse_args()
    token = os.environ.get("SHOP_ADMIN_TOKEN", "")
    server = ShopServer(args.port, args.variant, bool(args.cert), token or uuid.uuid4().hex)
    if args.cert:
        ctx = tls_context(args.cert, args.key, args.variant)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    if args.variant == "extra-port" and args.extra_port:
        extra = socket.create_server(("127.0.0.1", args.extra_port))
        threading.Thread(target=lambda: [extra.accept()[0].close() for _ in iter(int, 1)],
                         daemon=True).start()  # fmt: skip
    server.serve_forever()


if __name__ == "__main__":
    main()
