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


_YAML_SHAPES = [
    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\nstringData:\n  password: {b64}\n",
    "env:\n  - name: DB_PASSWORD\n    value: \"{b64}\"\n  - name: LIMIT\n    value: '42'\n",
    "a: &base\n  token: {hex}\n  user: app\nb:\n  <<: *base\n  extra: {lower}\n",
    'note: >\n  folded text with\n  {b64}\n  inside\nblock: |\n  KEY={b64}\n  aws_key = "{b64}"\n',
    "flow: {{api_key: {b64}, other: [1, 2, {hex}]}}\n",
    "---\nfirst: {lower}\n---\nsecond: {b64}\n",
    "server: 10.0.0.1\npublic: 8.8.8.8\nurl: https://user:{lower}@db.example.com/x\n",
    "quoted: 'it''s {b64}'\ndouble: \"a \\\"b\\\" {hex}\"\n",
    "tagged: !!binary aGVsbG8gd29ybGQgdGhpcyBpcyBiaW5hcnk=\nplain: {lower}\n",
    "commented: {lower} # secret: {b64}\n",
    "[not_yaml_but_ini]\nkey = {b64}\n",
    "bad: [unclosed\nsecret: {b64}\n",
    "list:\n  - {b64}\n  - AKIA{upper}\n",
    "cloudant_password: {lower24}\nibm_cloud_iam_key: {b64}\n",
    "name: {name}\nreplicas: 3\nimage: registry.example.com/{name}:1.2.3\n",
    "",
]


def _yaml_corpus(tmp_path: Path) -> list[Path]:
    rng = random.Random(7)
    paths = []
    for n in range(120):
        shape = _YAML_SHAPES[n % len(_YAML_SHAPES)]
        text = shape.format(
            name=rng.choice(["payment-worker", "invoice_api", "cart"]),
            b64=_quoted(rng, B64, rng.randint(18, 30), 40)[1:-1],
            hex=_quoted(rng, HEX, rng.randint(6, 12), 32)[1:-1],
            lower="".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(6, 30))),
            lower24="".join(rng.choice(string.ascii_lowercase) for _ in range(24)),
            upper="".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(16)),
        )
        path = tmp_path / f"y{n}.{'yaml' if n % 2 else 'yml'}"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def test_yaml_shortcut_reports_what_scan_file_reports(tmp_path: Path) -> None:
    """Skipping detect-secrets' YAML reader where nothing could be flagged changes nothing."""
    from detect_secrets.core.scan import scan_file
    from detect_secrets.settings import default_settings

    paths = _yaml_corpus(tmp_path)
    with default_settings():
        full = {(p.name, s.type, s.line_number) for p in paths for s in scan_file(str(p))}
    with DetectSecrets().session() as ds:
        assert ds._yaml_shortcut  # the detectors are those the shortcut was checked against
        texts = {p: p.read_text(encoding="utf-8") for p in paths}
        fast = {(p.name, h.type, h.line) for p in paths for h in ds.scan(p, texts[p])}
        skipped = [p for p in paths if ds._yaml_cannot_flag(str(p), texts[p])]
    assert fast == full
    assert full  # the corpus has secrets detect-secrets reports
    assert 10 < len(skipped) < len(paths)  # the shortcut is taken, and not everywhere
    assert not {name for name, _, _ in full} & {p.name for p in skipped}


def test_yaml_shortcut_off_for_other_detectors(monkeypatch: pytest.MonkeyPatch) -> None:
    from skylift.security import detect_secrets_adapter

    monkeypatch.setattr(detect_secrets_adapter, "_KNOWN_DETECTORS", "another version")
    with DetectSecrets().session() as ds:
        assert not ds._yaml_shortcut
        assert not ds._yaml_cannot_flag("x.yaml", "a: b\n") or not ds._yaml_shortcut
