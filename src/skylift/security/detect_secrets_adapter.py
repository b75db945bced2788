"""detect-secrets' detectors, in process, fast enough for 10,000 files.

``detect_secrets.core.scan.scan_file`` runs all 27 default plugins and every
filter on every line (about 40 ms for a 200-line file: 7 minutes for 10,000
files). Almost every line cannot match any of them, so this adapter asks
detect-secrets only about lines that could:

* lines matching a regex-based detector's own ``denylist`` pattern
  (AWS, GitHub, Slack, private keys, JWT … — their exact patterns);
* lines containing one of the keyword detector's keywords (its ``DENYLIST``);
* lines with a quoted string the entropy detectors could flag: a quoted string
  (the plugin's own regex) with enough distinct characters to pass its limit —
  n distinct characters give at most log2(n) bits, so 3.0 bits needs 8 distinct
  hex digits and 4.5 bits 23 distinct base64 characters; a cheap whole-text
  regex (hex of 8+ or base64 of 20+ characters in quotes) finds the lines to
  look at first.

Case-insensitive searches (the keyword list, the assignment detectors' gate)
run as lower-case patterns over the lower-cased text when the text is ASCII,
which finds the same spans about ten times faster.

Everything else is exactly ``scan_file``: the same transformers (YAML and
INI files are read as key/value lines, eager transformers only when the first
pass finds nothing), the same filters, each line judged with its real
surrounding lines as context. A test pins the equivalence with ``scan_file``.

It relies on detect-secrets internals (``_scan_line``, ``_is_filtered_out``),
checked against detect-secrets 1.5; if they move, :func:`available` says why
and the scanner reports detect-secrets as skipped.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import importlib
import io
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from detect_secrets.types import NamedIO


@dataclass(frozen=True)
class DetectSecretsHit:
    """One secret detect-secrets reports (the value stays inside the scanner)."""

    type: str  #: detect-secrets' secret type, e.g. ``Secret Keyword``
    line: int
    value: str


#: base64's charset in detect-secrets includes the backslash (``"\\-_"`` in its source)
_QUOTED_ENTROPY = re.compile(r"""(['"])(?:[0-9a-fA-F]{8,}|[A-Za-z0-9+/=_\\\-]{20,})\1""")


def available() -> str | None:
    """``None`` when detect-secrets can be used, else the reason it cannot."""
    try:
        from detect_secrets.core import scan as ds_scan
        from detect_secrets.plugins import keyword
        from detect_secrets.settings import default_settings, get_plugins
        from detect_secrets.transformers import get_transformed_file
        from detect_secrets.util.code_snippet import get_code_snippet
    except ImportError as exc:
        return f"detect-secrets is not installed ({exc}); pip install detect-secrets"
    needed = (ds_scan, "_scan_line"), (ds_scan, "_is_filtered_out"), (keyword, "DENYLIST")
    missing = [name for mod, name in needed if not hasattr(mod, name)]
    if missing:
        return f"this detect-secrets version lacks {', '.join(missing)} (tested with 1.5)"
    del default_settings, get_plugins, get_transformed_file, get_code_snippet
    return None


class _NamedText(io.StringIO):
    """What detect-secrets' transformers read: a text stream with a ``name``."""

    def __init__(self, text: str, name: str) -> None:
        super().__init__(text)
        self.name = name


def _named(text: str, name: str) -> NamedIO:
    return cast("NamedIO", _NamedText(text, name))


#: the keyword-assignment detectors (IBM, Cloudant, SoftLayer …) all need one of these
#: words on the line; they are the slowest patterns, so they only read such lines
_ASSIGNMENT_FAMILY = "(?:(?<=\\W)|(?<=^))"
_ASSIGNMENT_WORDS = re.compile(r"key|pw|pass|token|secret", re.IGNORECASE)
_IP_LIKE = re.compile(r"\d\.\d+\.\d")


@dataclass(frozen=True)
class _Gated:
    """A regex detector's pattern, and the cheap tests a text and a line must pass first."""

    plugin: int
    pattern: re.Pattern[str]
    gate: re.Pattern[str] | None  #: only lines matching this can match
    literal: str | None = None  #: only texts containing this (lower-cased when ignorecase)
    ignorecase: bool = False


class _Text:
    """Lines joined once, with offset → line lookups."""

    def __init__(self, lines: list[str], numbers: list[int]) -> None:
        self.numbers = numbers  #: original 0-based index of each line here
        self.text = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
        self.starts = [0]
        for line in lines:
            self.starts.append(self.starts[-1] + len(line) + (0 if line.endswith("\n") else 1))

    @functools.cached_property
    def lowered(self) -> str:
        """The text lower-cased (same offsets when the text is ASCII)."""
        return self.text.lower()

    def hits(self, pattern: re.Pattern[str], text: str | None = None) -> Iterator[int]:
        """Original line indexes of every match (a match over a newline counts both lines).

        ``text`` searches a same-length stand-in for the text (its lower-cased form)."""
        for m in pattern.finditer(self.text if text is None else text):
            first = bisect.bisect_right(self.starts, m.start()) - 1
            last = bisect.bisect_right(self.starts, max(m.end() - 1, m.start())) - 1
            for k in range(first, min(last, len(self.numbers) - 1) + 1):
                yield self.numbers[k]


class DetectSecrets:
    """detect-secrets' default plugins and filters; use inside :meth:`session`."""

    def __init__(self) -> None:
        self._plugins: list[Any] = []
        self._patterns: list[_Gated] = []
        #: the keyword detector's index, its words (case-insensitive) and their lower-case
        #: twin for ASCII texts (``None`` when a word is not lower-case ASCII)
        self._keyword: tuple[int, re.Pattern[str], re.Pattern[str] | None] | None = None
        #: entropy plugin index → the fewest distinct characters a string needs to pass its limit
        self._entropy: dict[int, int] = {}
        self._unknown_plugin = False
        self._yaml_shortcut = False  #: see :meth:`_yaml_cannot_flag`

    @contextmanager
    def session(self) -> Iterator[DetectSecrets]:
        """detect-secrets' default settings for the duration (it keeps them in globals)."""
        from detect_secrets.plugins import keyword
        from detect_secrets.plugins.base import RegexBasedDetector
        from detect_secrets.plugins.high_entropy_strings import HighEntropyStringsPlugin
        from detect_secrets.settings import default_settings, get_plugins

        with default_settings():
            self._plugins = list(get_plugins())
            self._patterns, self._entropy, self._keyword = [], {}, None
            for i, plugin in enumerate(self._plugins):
                if isinstance(plugin, RegexBasedDetector):
                    for p in plugin.denylist:
                        multi, gate = _compiled(p)
                        self._patterns.append(
                            _Gated(
                                i,
                                multi,
                                gate,
                                _required_literal(p),
                                bool(p.flags & re.IGNORECASE),
                            )
                        )
                elif isinstance(plugin, HighEntropyStringsPlugin):
                    self._entropy[i] = _fewest_distinct(plugin.entropy_limit)
                elif isinstance(plugin, keyword.KeywordDetector):
                    words = re.compile("|".join(keyword.DENYLIST), re.IGNORECASE)
                    self._keyword = (i, words, _lower_twin(words))
                else:
                    self._unknown_plugin = True  # cannot prefilter for it: read every line
            self._yaml_shortcut = _known_detectors(self._plugins, keyword.DENYLIST)
            yield self

    def scan(self, path: Path, text: str) -> list[DetectSecretsHit]:
        """The secrets detect-secrets' ``scan_file`` would report for ``path`` (with ``text``)."""
        from detect_secrets.core import scan as ds_scan
        from detect_secrets.transformers import get_transformed_file

        filename = str(path)
        if ds_scan._is_filtered_out(required_filter_parameters=["filename"], filename=filename):
            return []
        if self._yaml_shortcut and self._yaml_cannot_flag(filename, text):
            return []
        lines = get_transformed_file(_named(text, filename)) or text.splitlines(keepends=True)
        hits = self._scan_lines(filename, lines)
        if hits:
            return hits
        eager = get_transformed_file(_named(text, filename), use_eager_transformers=True)
        return self._scan_lines(filename, eager) if eager else []

    def scan_shapes(self, path: Path, text: str) -> list[DetectSecretsHit]:
        """What the value-shape detectors find in ``text``'s raw lines, for a lock file.

        detect-secrets skips lock files by name, so a GitHub, npm or Slack token
        in one would never be reported; here they are read like any text file, with
        every filter but the file-name ones, and without the keyword and entropy
        detectors (package names and integrity hashes are what a lock file is
        made of)."""
        skip = frozenset(self._entropy) | (
            frozenset({self._keyword[0]}) if self._keyword is not None else frozenset()
        )
        return self._scan_lines(str(path), text.splitlines(keepends=True), skip)

    def _yaml_cannot_flag(self, filename: str, text: str) -> bool:
        """Whether no plugin could flag anything in a YAML file, decided without the
        pure-Python YAML transformer (a third of the secrets pass's time).

        detect-secrets reads a YAML file as one ``key: "value"`` line per string value
        of a mapping (plus the comment of the line it attributes the value to, blank
        lines between), or as its raw lines when the YAML does not parse or holds no
        such value. Here libyaml (which skylift's own YAML rules use) lists every
        mapping's scalar ``key: "value"`` lines, written the same way; in a file
        without ``#`` every line detect-secrets would scan is one of those or a raw
        line, so if none of them is a candidate, no line it would scan is. (With
        the current detectors no candidate match reaches past a line's closing
        ``"`` into the next line, so the order of the lines does not matter; a
        comment after the ``"`` could be reached, hence no ``#``.) Anything unusual
        reads the file as before: other detectors or transformers than those this
        was checked against (:func:`_known_detectors`), a file the INI reader (tried
        first) accepts, non-ASCII text, escapes, tags, directives, tabs, a key that
        is not a scalar, a binary value, YAML libyaml rejects.
        """
        from detect_secrets.transformers.config import ConfigFileTransformer
        from detect_secrets.transformers.exceptions import ParsingError
        from detect_secrets.transformers.yaml import YAMLTransformer

        if not YAMLTransformer().should_parse_file(filename):
            return False
        if not text.isascii() or any(c in text for c in _YAML_UNUSUAL):
            return False
        try:
            ConfigFileTransformer().parse_file(_named(text, filename))
        except ParsingError:
            pass  # as usual for YAML: get_transformed_file goes on to the YAML reader
        except Exception:
            return False
        else:
            return False  # the INI reader's lines are what detect-secrets would scan
        pairs = _yaml_string_pairs(text)
        if pairs is None:
            return False
        check = [f'{key}: "{value.replace(chr(34), chr(92) + chr(34))}"\n' for key, value in pairs]
        return not self._candidates(check + text.splitlines(keepends=True))

    def _candidates(self, lines: list[str]) -> dict[int, set[int]]:
        """0-based line index → the plugins that could flag that line."""
        if self._unknown_plugin:
            return {i: set(range(len(self._plugins))) for i in range(len(lines))}
        whole = _Text(lines, list(range(len(lines))))
        lowered = whole.lowered
        ascii_text = whole.text.isascii()  # then lower() keeps every offset and the case rules
        picked: dict[int, set[int]] = {}
        if self._keyword is not None:
            index, words, lower_words = self._keyword
            found = (
                whole.hits(lower_words, lowered)
                if ascii_text and lower_words is not None
                else whole.hits(words)
            )
            for i in found:
                picked.setdefault(i, set()).add(index)
        for i in set(whole.hits(_QUOTED_ENTROPY)):
            line = lines[i].rstrip()  # what the plugin reads
            for e, fewest in self._entropy.items():
                if any(len(set(s)) >= fewest for s in self._plugins[e].analyze_string(line)):
                    picked.setdefault(i, set()).add(e)
        reduced: dict[str, _Text] = {}
        for gated in self._patterns:
            if gated.literal is not None and gated.literal not in (
                lowered if gated.ignorecase else whole.text
            ):
                continue
            where = whole
            if gated.gate is not None:
                key = gated.gate.pattern
                if key not in reduced:
                    twin = _lower_twin(gated.gate) if ascii_text else None
                    gate_hits = whole.hits(twin, lowered) if twin else whole.hits(gated.gate)
                    kept = sorted(set(gate_hits))
                    reduced[key] = _Text([lines[i] for i in kept], kept)
                where = reduced[key]
            for i in where.hits(gated.pattern):
                picked.setdefault(i, set()).add(gated.plugin)
        return picked

    def _scan_lines(
        self, filename: str, lines: list[str], skip: frozenset[int] = frozenset()
    ) -> list[DetectSecretsHit]:
        """``detect_secrets.core.scan._process_line_based_plugins`` over candidate lines only,
        each with only the plugins that could match it (but those in ``skip``)."""
        from detect_secrets.core import scan as ds_scan
        from detect_secrets.util.code_snippet import get_code_snippet

        hits: list[DetectSecretsHit] = []
        for index, could in sorted(self._candidates(lines).items()):
            plugins = could - skip
            if not plugins:
                continue
            number = index + 1
            line = lines[index].rstrip()
            context = get_code_snippet(lines=lines, line_number=number)
            if ds_scan._is_filtered_out(
                required_filter_parameters=["line"], filename=filename, line=line, context=context
            ):
                continue
            for plugin in (self._plugins[i] for i in sorted(plugins)):
                for secret in ds_scan._scan_line(
                    plugin=plugin, filename=filename, line=line, line_number=number, context=context
                ):
                    if not _filtered(ds_scan, secret, plugin, line, context):
                        hits.append(
                            DetectSecretsHit(secret.type, number, secret.secret_value or "")
                        )
        return hits


#: characters that make :meth:`DetectSecrets._yaml_cannot_flag` read the file as before:
#: comments, escapes (values unlike the text), tags and directives (binary values,
#: custom resolution), tabs, and the transformer's own marker keys
_YAML_UNUSUAL = ("#", "\\", "!", "%", "\t", "__line__", "__value__", "__original_key__")

#: sha256 of the detectors the YAML shortcut was checked against (detect-secrets 1.5's
#: default plugins: class, patterns, keyword list, entropy charset and limit; and its
#: transformers in order)
_KNOWN_DETECTORS = "8aa4c07716b39c0feb4958eb3e221cec4056216386beff6a72c2cbe4397bcb7a"


def _known_detectors(plugins: list[Any], denylist: Any) -> bool:
    """Whether the plugins and transformers are those the YAML shortcut was reasoned about."""
    from detect_secrets.transformers import get_transformers

    parts = [repr(tuple(denylist))]
    transformers: list[Any] = list(get_transformers())
    parts += [f"{type(t).__name__}/{t.is_eager}" for t in transformers]
    for plugin in plugins:
        parts.append(type(plugin).__name__)
        parts += [f"{p.pattern!r}/{p.flags}" for p in getattr(plugin, "denylist", ())]
        parts.append(
            repr((getattr(plugin, "charset", None), getattr(plugin, "entropy_limit", None)))
        )
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return digest == _KNOWN_DETECTORS


def _yaml_string_pairs(text: str) -> list[tuple[str, str]] | None:
    """Every (key, scalar value) of every mapping, by libyaml; ``None`` when it fails
    or a key is not a plain scalar or a value is binary."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None:
        return None
    try:
        docs = list(yaml.compose_all(text, Loader=loader))
    except yaml.YAMLError:
        return None
    pairs: list[tuple[str, str]] = []
    todo: list[Any] = [d for d in docs if d is not None]
    while todo:
        node = todo.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if not isinstance(key, yaml.ScalarNode):
                    return None
                if isinstance(value, yaml.ScalarNode):
                    if value.tag.endswith(":binary"):
                        return None
                    pairs.append((str(key.value), str(value.value)))
                else:
                    todo.append(value)
        elif isinstance(node, yaml.SequenceNode):
            todo.extend(node.value)
    return pairs


def _fewest_distinct(limit: float) -> int:
    """The fewest distinct characters a string needs for a Shannon entropy above ``limit``.

    n distinct characters give at most log2(n) bits, so a quoted string with fewer
    cannot pass the entropy plugin's limit: 23 for base64's 4.5 bits, 8 for hex's 3.0
    (8 equally frequent characters give 3.0 exactly; rounding could put it a hair above).
    """
    n = 1
    while math.log2(n) <= limit - 1e-6:
        n += 1
    return n


@functools.cache
def _lower_twin(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """``pattern`` without ``re.IGNORECASE``, to search the lower-cased text of an ASCII text.

    Case-insensitive searches are slow in ``re`` (the keyword list alone took half of
    the prefilter's time); on ASCII text the twin finds the same spans about ten times
    faster. That holds when nothing in the pattern tells cases apart once the text is
    lower case: no upper-case letter (literal or in a range), no non-ASCII character
    with an ASCII case partner (Kelvin sign, long s …), no group switching the flag
    off. ``None`` when the pattern is not case-insensitive or not provably safe.
    """
    if not pattern.flags & re.IGNORECASE:
        return None
    sre_parse: Any = importlib.import_module("re._parser")
    try:
        parsed = sre_parse.parse(pattern.pattern, pattern.flags)
    except Exception:
        return None
    if not _case_free(parsed):
        return None
    return re.compile(pattern.pattern, pattern.flags & ~re.IGNORECASE)


def _case_free(items: Any) -> bool:
    """Whether a parsed pattern matches a lower-cased ASCII text case-blind (see above)."""
    c: Any = importlib.import_module("re._constants")
    repeats = {c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", c.MAX_REPEAT)}
    plain = {c.AT, c.ANY, c.CATEGORY, c.GROUPREF, c.NEGATE, c.FAILURE, c.SUCCESS}
    for op, av in items:
        if op in (c.LITERAL, c.NOT_LITERAL):
            ch = chr(av)
            if "A" <= ch <= "Z" or (not ch.isascii() and _has_ascii_partner(ch)):
                return False
        elif op is c.RANGE:
            low, high = av
            if (low <= ord("Z") and high >= ord("A")) or high > 127:
                return False
        elif op is c.SUBPATTERN:
            if av[2] & re.IGNORECASE or not _case_free(av[3]):
                return False
        elif op is c.IN or op is getattr(c, "ATOMIC_GROUP", None):
            if not _case_free(av):
                return False
        elif op is c.BRANCH:
            if not all(_case_free(branch) for branch in av[1]):
                return False
        elif op in repeats:
            if not _case_free(av[2]):
                return False
        elif op in (c.ASSERT, c.ASSERT_NOT):
            if not _case_free(av[1]):
                return False
        elif op is c.GROUPREF_EXISTS:
            if not (_case_free(av[1]) and (av[2] is None or _case_free(av[2]))):
                return False
        elif op not in plain:
            return False  # an op this check does not know: not provably safe
    return True


def _has_ascii_partner(ch: str) -> bool:
    return any(x.isascii() for x in (ch.lower(), ch.upper(), ch.casefold()))


def _required_literal(pattern: re.Pattern[str]) -> str | None:
    """The longest literal every match must contain (``AKIA`` …), ``None`` if unsure."""
    # The regex parser is private API (re._parser / re._constants since 3.11);
    # imported by name so type checkers see a plain module either way.
    sre_constants: Any = importlib.import_module("re._constants")
    sre_parse: Any = importlib.import_module("re._parser")

    try:
        parsed = sre_parse.parse(pattern.pattern, pattern.flags)
    except Exception:
        return None
    runs: list[str] = []
    current = ""
    for op, arg in parsed:
        if op is sre_constants.LITERAL:
            current += chr(arg)
        else:
            runs.append(current)
            current = ""
    runs.append(current)
    best = max(runs, key=len)
    if len(best) < 2:
        return None
    return best.lower() if pattern.flags & re.IGNORECASE else best


def _compiled(pattern: re.Pattern[str]) -> tuple[re.Pattern[str], re.Pattern[str] | None]:
    """The pattern for whole-text search (``^``/``$`` at line ends) and its line gate."""
    multi = re.compile(pattern.pattern, pattern.flags | re.MULTILINE)
    source = pattern.pattern
    if source.startswith(_ASSIGNMENT_FAMILY) and re.search(r"key|pw|pass|token|secret", source):
        return multi, _ASSIGNMENT_WORDS
    if "Negative lookbehind" in source and r"\." in source:  # the public-IP detector
        return multi, _IP_LIKE
    return multi, None


def _filtered(ds_scan: Any, secret: Any, plugin: Any, line: str, context: Any) -> bool:
    return bool(
        ds_scan._is_filtered_out(
            required_filter_parameters=["context"],
            filename=secret.filename,
            secret=secret.secret_value,
            plugin=plugin,
            line=line,
            context=context,
        )
    )
