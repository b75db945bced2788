"""The Dockerfile property checker itself: it rejects what a substring check let through."""

from __future__ import annotations

import pytest

from tests.unit.generate.dockerfile_props import assert_dockerfile_properties, parse, pinned

GOOD = """# syntax=docker/dockerfile:1
FROM golang:1.23.4-bookworm AS build
RUN go build -o /out/app .
FROM alpine:3.21.0
COPY --from=build /out/app /app/app
USER 10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s \\
  CMD ["nc", "-z", "127.0.0.1", "8080"]
CMD ["/app/app"]
"""


def test_a_good_dockerfile_passes() -> None:
    assert_dockerfile_properties(GOOD, 8080)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # the case: HEALTHCHECK only in a comment
        (lambda t: t.replace("HEALTHCHECK --interval", "# HEALTHCHECK --interval")
         .replace('  CMD ["nc"', '#  CMD ["nc"'), "no HEALTHCHECK"),
        (lambda t: t.replace('"8080"]', '"8000"]'), "misses :8080"),
        (lambda t: t.replace("127.0.0.1", "example.com"), "healthcheck host"),
        (lambda t: t.replace("USER 10001", "USER root"), "runs as root"),
        (lambda t: t.replace("USER 10001", "USER 0:0"), "runs as 0"),
        (lambda t: t.replace("USER 10001", "# USER 10001"), "sets no USER"),
        (lambda t: t.replace("alpine:3.21.0", "alpine:latest"), "not pinned"),
        (lambda t: t.replace("alpine:3.21.0", "alpine"), "not pinned"),
        (lambda t: t.replace("EXPOSE 8080", "EXPOSE 9090"), "9090"),
        (lambda t: t.replace("USER 10001", "ENV DB_PASSWORD=hunter22\nUSER 10001"), "literal"),
    ],
)  # fmt: skip
def test_each_broken_property_is_caught(change: object, message: str) -> None:
    broken = change(GOOD)  # type: ignore[operator]
    with pytest.raises(AssertionError, match=message):
        assert_dockerfile_properties(broken, 8080)


def test_user_in_a_build_stage_does_not_count_for_the_final_one() -> None:
    text = "FROM a:1 AS b\nUSER 10001\nFROM c:2\nEXPOSE 80\nHEALTHCHECK NONE\n"
    with pytest.raises(AssertionError, match="sets no USER"):
        assert_dockerfile_properties(text, None)


def test_parser_joins_continuations_and_drops_comments() -> None:
    ins = parse("FROM x:1\n# HEALTHCHECK CMD true\nRUN a \\\n  # note\n  b\n")
    assert [(i.keyword, i.args) for i in ins] == [("FROM", "x:1"), ("RUN", "a  b")]


def test_pinned_images() -> None:
    assert pinned("nginxinc/nginx-unprivileged:1.27.3-alpine")
    assert pinned("python@sha256:" + "a" * 64)
    assert not pinned("registry:5000/app")
    assert not pinned("debian:bookworm")
