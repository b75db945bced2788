"""Flags of verify service parsed at the application layer: ports and --load."""

from __future__ import annotations

import pytest

from skylift.errors import InputError
from skylift.workspace.verifying import parse_load, parse_ports


def test_ports_and_ranges() -> None:
    assert parse_ports("443, 8000-8002,80", "--probe-ports") == (80, 443, 8000, 8001, 8002)
    assert parse_ports(None, "--probe-ports") == ()
    for bad in ("http", "0", "70000", "9-1", "1-9000"):
        with pytest.raises(InputError, match="--probe-ports"):
            parse_ports(bad, "--probe-ports")


def test_load_profiles() -> None:
    p = parse_load("users=5,duration=2m,rate=50,warmup=1s,paths=/a;/b", ("/",))
    assert p is not None
    assert (p.users, p.duration_s, p.rate, p.warmup_s, p.paths) == (5, 120, 50, 1, ("/a", "/b"))
    default = parse_load("users=3", ("/x",))
    assert default is not None and default.paths == ("/x",) and default.duration_s == 10
    assert parse_load("off", ("/",)) is None


@pytest.mark.parametrize("bad", ["users", "users=many", "speed=3", "users=0", "duration=later"])
def test_bad_load_is_one_line(bad: str) -> None:
    with pytest.raises(InputError) as err:
        parse_load(bad, ("/",))
    assert err.value.message.startswith("--load")
    assert "\n" not in err.value.message
