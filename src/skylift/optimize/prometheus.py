"""A small Prometheus HTTP API client (``/api/v1/query`` and ``/api/v1/query_range``).

Standard library only. Every failure becomes one :class:`~skylift.errors.SkyliftError`
with a hint: unreachable server, a query Prometheus rejects, a query that times
out (server side: ``timeout=``; client side: the socket timeout). A bearer token
comes from the environment (``SKYLIFT_PROMETHEUS_TOKEN``), never from a flag,
and a URL's user:password is never echoed in a message.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from skylift.errors import InputError, ProviderError

#: One series of a result: its labels and its (timestamp, value) points.
Series = tuple[Mapping[str, str], tuple[tuple[float, float], ...]]


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

    def _get(self, endpoint: str, params: dict[str, str]) -> list[Series]:
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
                body = json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            body = _error_body(exc)
            self._raise(body, params["query"], exc.code)
        except TimeoutError as exc:
            raise self._timeout(params["query"]) from exc
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ProviderError(
                f"Prometheus at {base} is unreachable ({reason})",
                "check --prometheus (or optimize.prometheus in skylift.yaml) and that it listens",
            ) from exc
        except ValueError as exc:
            raise ProviderError(
                f"{base} did not answer as a Prometheus API (not JSON)",
                "point --prometheus at the server root, e.g. http://HOST:9090",
            ) from exc
        if body.get("status") != "success":
            self._raise(body, params["query"], 200)
        return _series(body.get("data", {}))

    def _timeout(self, query: str) -> ProviderError:
        return ProviderError(
            f"Prometheus query timed out after {self.timeout_s:g} s: {query[:120]}",
            "shorten --window, narrow optimize.*.selector, or raise optimize.timeout_s",
        )

    def _raise(self, body: Mapping[str, Any], query: str, code: int) -> None:
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
