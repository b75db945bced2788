"""Who may read the dashboard: anyone on a loopback bind, a token holder otherwise.

The token comes from a file (``--token-file``), never from a flag or a log
line. A client presents it once as ``?token=…`` (then kept in an HttpOnly,
SameSite=Strict cookie) or on every request as ``Authorization: Bearer …``.
Only GET and HEAD are served: the dashboard is read-only.
"""

from __future__ import annotations

import hmac
import ipaddress
from pathlib import Path

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from skylift.errors import ConfigError, InputError

COOKIE = "skylift_token"
MIN_TOKEN_CHARS = 16


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or ``localhost``) is only reachable from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_listen(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:8765`` for IPv6) as (host, port); InputError otherwise."""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError(f"--listen {text!r}: expected HOST:PORT", "e.g. --listen 127.0.0.1:8765")
    return host.strip("[]"), int(port)


def read_token(path: Path) -> str:
    """The token in ``path`` (first line, stripped); ConfigError if missing or short."""
    try:
        token = path.read_text(encoding="utf-8").strip().splitlines()[0].strip()
    except (OSError, UnicodeDecodeError, IndexError) as exc:
        raise ConfigError(
            f"--token-file {path}: cannot read a token from it",
            "write a long random token on its first line, e.g. "
            "python -c 'import secrets; print(secrets.token_urlsafe(32))' > FILE",
        ) from exc
    if len(token) < MIN_TOKEN_CHARS:
        raise ConfigError(
            f"--token-file {path}: the token is shorter than {MIN_TOKEN_CHARS} characters",
            "use a long random token (secrets.token_urlsafe(32))",
        )
    return token


def required_token(host: str, token_file: Path | None) -> str | None:
    """The token the server must ask for: from ``token_file``; refusing a
    non-loopback bind without one (ConfigError)."""
    if token_file is not None:
        return read_token(token_file)
    if not is_loopback(host):
        raise ConfigError(
            f"--listen {host}: binding an address other than loopback needs a token",
            "pass --token-file FILE (clients then open /?token=…), or bind 127.0.0.1",
        )
    return None


class TokenGate:
    """ASGI middleware: read-only methods, and the token when one is required."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token

    def _ok(self, presented: str | None) -> bool:
        return (
            presented is not None
            and self.token is not None
            and hmac.compare_digest(presented.encode(), self.token.encode())
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        response: Response | None = None
        if request.method not in ("GET", "HEAD"):
            response = PlainTextResponse("read-only dashboard", status_code=405)
        elif self.token is not None:
            auth = request.headers.get("authorization", "")
            bearer = auth[7:] if auth.lower().startswith("bearer ") else None
            query = request.query_params.get("token")
            if self._ok(query):
                response = RedirectResponse(request.url.remove_query_params("token").path, 303)
                response.set_cookie(COOKIE, query or "", httponly=True, samesite="strict")
            elif not (self._ok(bearer) or self._ok(request.cookies.get(COOKIE))):
                response = PlainTextResponse(
                    "authentication required: open /?token=… with the server's token",
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
        if response is not None:
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
