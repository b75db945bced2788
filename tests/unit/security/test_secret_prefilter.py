"""The detect-secrets prefilter drops only lines no plugin could flag.

The adapter asks detect-secrets about a line only for the plugins its prefilter
picks (lower-cased ASCII search for the case-insensitive patterns, distinct-character
counts for the entropy plugins). These tests run every plugin on every line of a
generated corpus built to sit on those edges — mixed case, non-ASCII look-alikes
(Kelvin sign, long s, dotless i), quoted strings with just too few or just enough
distinct characters, all-digit hex — and check that each line a plugin reports is
one the prefilter picked for that plugin, and that the adapter's scan equals
detect-secrets' own ``scan_file``.
"""

from __future__ import annotations

import random
import string
from pathlib import Path

import pytest

from skylift.security.detect_secrets_adapter import DetectSecrets

B64 = string.ascii_letters + string.digits + "+/-_="
HEX = string.hexdigits


def _quoted(rng: random.Random, alphabet: str, distinct: int, length: int) -> str:
    chars = rng.sample(alphabet, distinct)
    body = chars + [rng.choice(chars) for _ in range(max(0, length - distinct))]
    rng.shuffle(body)
    q = rng.choice("'\"")
    return q + "".join(body) + q


def _line(rng: random.Random) -> str:
    key = rng.choice(
        [
            "password",
            "PassWord",
            "API_KEY",
            "apikey",
            "db_pass",
            "ſecret",  # long s: matches 's' only case-insensitively
            "\u212apey",  # Kelvin sign K
            "contraseña",
            "CONTRASEÑA",
            "token",
            "cloudant_password",
            "ibm_cloud_iam_key",
            "softlayer_api_key",
            "name",
            "value",
            "limit",
        ]
    )
    value = rng.choice(
        [
            _quoted(rng, B64, rng.randint(20, 25), rng.randint(22, 40)),
            _quoted(rng, HEX, rng.randint(6, 10), rng.randint(8, 40)),
            _quoted(rng, string.digits, rng.randint(8, 10), rng.randint(10, 30)),
            "'" + "".join(rng.choice(string.ascii_lowercase) for _ in range(12)) + "'",
            "AKIA" + "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(16)),
            "10.0.0.1",
            "8.8.8.8",
            "${SECRET_FROM_VAULT}",
            "hunter2ıİ",
        ]
    )
    sep = rng.choice([" = ", ": ", "=", " => ", '": '])
    return f"{key}{sep}{value}"


def _corpus(tmp_path: Path) -> list[Path]:
    rng = random.Random(20261127)
    paths = []
    for n in range(40):
        suffix = [".py", ".js", ".env", ".yaml", ".json", ".cfg", ".txt", ".tf"][n % 8]
        lines = [_line(rng) for _ in range(rng.randint(5, 40))]
        if suffix == ".yaml":
            lines = [
                f"k{i}: {line.split(rng.choice([':', '=']))[-1].strip()}"
                for i, line in enumerate(lines)
            ]
        if n % 5 == 0:  # an ASCII-only file of the same shape
            lines = [line.encode("ascii", "replace").decode() for line in lines]
        path = tmp_path / f"f{n}{suffix}"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def test_every_line_a_plugin_reports_is_a_candidate_for_that_plugin(tmp_path: Path) -> None:
    from detect_secrets.core import scan as ds_scan
    from detect_secrets.util.code_snippet import get_code_snippet

    checked = 0
    with DetectSecrets().session() as ds:
        for path in _corpus(tmp_path):
            lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
            picked = ds._candidates(lines)
            for index, raw in enumerate(lines):
                line = raw.rstrip()
                context = get_code_snippet(lines=lines, line_number=index + 1)
                for p, plugin in enumerate(ds._plugins):
                    found = list(
                        ds_scan._scan_line(
                            plugin=plugin,
                            filename=str(path),
                            line=line,
                            line_number=index + 1,
                            context=context,
                        )
                    )
                    if found:
                        checked += 1
                        assert p in picked.get(index, set()), (path.name, line, type(plugin))
    assert checked > 100  # the corpus does reach the plugins


def test_adapter_equals_scan_file_on_the_edge_corpus(tmp_path: Path) -> None:
    from detect_secrets.core.scan import scan_file
    from detect_secrets.settings import default_settings

    paths = _corpus(tmp_path)
    with default_settings():
        full = {(p.name, s.type, s.line_number) for p in paths for s in scan_file(str(p))}
    with DetectSecrets().session() as ds:
        fast = {
            (p.name, hit.type, hit.line)
            for p in paths
            for hit in ds.scan(p, p.read_text(encoding="utf-8"))
        }
    assert fast == full
    assert {t for _, t, _ in full} >= {
        "Secret Keyword",
        "Base64 High Entropy String",
        "Hex High Entropy String",
        "AWS Access Key",
    }


def test_lower_case_twin_only_for_patterns_blind_to_case_on_lower_cased_ascii() -> None:
    import re

    from skylift.security.detect_secrets_adapter import _lower_twin

    unsafe = [
        "[A-Z]{4}",  # an upper-case range
        "[0-_]x",  # a range over A-Z without an upper-case end
        "AKIA",  # an upper-case literal
        "(?-i:a)b",  # a group switching case-insensitivity off
        "\\x41b",  # an escaped upper-case letter
        "\u212a",  # the Kelvin sign matches k case-insensitively
        "\u017fecret",  # long s matches s
    ]
    for source in unsafe:
        assert _lower_twin(re.compile(source, re.IGNORECASE)) is None, source
    assert _lower_twin(re.compile("abc")) is None  # not case-insensitive: nothing to gain
    twin = _lower_twin(re.compile("api_?key|contraseña|(?<=\\W)pw[0-9a-f]{4}", re.IGNORECASE))
    assert twin is not None and not twin.flags & re.IGNORECASE
    text = "x API_Key y ;PW12Ab"
    original = re.compile("api_?key|contraseña|(?<=\\W)pw[0-9a-f]{4}", re.IGNORECASE)
    assert [m.span() for m in twin.finditer(text.lower())] == [
        m.span() for m in original.finditer(text)
    ]


def test_shape_rules_substring_gates_change_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """find_patterns with its substring gates equals find_patterns searching every text."""
    from skylift.security import patterns

    root = Path(__file__).resolve().parents[3]
    texts = [
        p.read_text(encoding="utf-8", errors="replace")
        for p in sorted((root / "tests" / "fixtures" / "scan").rglob("*"))
        if p.is_file()
    ]
    texts += [
        "Server=db;User Id=sa;Password=Tr0ub4dor&3x;",
        "Server=db;User Id=sa;PASSWORD=Tr0ub4dor&3x;",
        "Server=db;User Id=sa;Pa\u017f\u017fword=Tr0ub4dor&3x;",  # long s, non-ASCII text
        "Host=db; Pwd=Zq8vLx2Nw;",
        "key = AKIAZ7Q3KXW2MPLR5TVB\nid=ASIAZ7Q3KXW2MPLR5TVB;",
        "no key here; akiaz7q3kxw2mplr5tvb",
    ]
    gated = [list(patterns.find_patterns(t)) for t in texts]
    monkeypatch.setattr(patterns, "_AWS_PREFIXES", ("",))
    monkeypatch.setattr(patterns, "_may_hold", lambda text, words: True)
    searched = [list(patterns.find_patterns(t)) for t in texts]
    assert gated == searched
    assert sum(len(hits) for hits in gated) >= 5
