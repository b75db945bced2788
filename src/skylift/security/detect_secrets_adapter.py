"""detect-secrets' detectors, in process, fast enough for 10,000 files.

``detect_secrets.core.scan.scan_file`` runs all 27 default plugins and every
filter on every line (about 40 ms for a 200-line file: 7 minutes for 10,000
files). Almost every line cannot match any of them, so this adapter asks
detect-secrets only about lines that could:

* lines matching a regex-based detector's own ``denylist`` pattern
  (AWS, GitHub, Slack, private keys, JWT … — their exact patterns);
* lines containing one of the keyword detector's keywords (its ``DENYLIST``);
* lines with a quoted string the entropy detectors could flag: hex of 8+
  characters (3.0 bits needs 8 distinct symbols) or base64 of 20+ characters
  (4.5 bits needs 23 distinct symbols).

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
import io
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


_QUOTED_ENTROPY = re.compile(r"""(['"])(?:[0-9a-fA-F]{8,}|[A-Za-z0-9+/=_\-]{20,})\1""")
_ANY_ENTROPY = re.compile(r"[0-9a-fA-F]{8,}|[A-Za-z0-9+/=_\-]{20,}")


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


class DetectSecrets:
    """detect-secrets' default plugins and filters; use inside :meth:`session`."""

    def __init__(self) -> None:
        self._denylist: list[re.Pattern[str]] = []
        self._keyword: re.Pattern[str] | None = None
        self._unknown_plugin = False

    @contextmanager
    def session(self) -> Iterator[DetectSecrets]:
        """detect-secrets' default settings for the duration (it keeps them in globals)."""
        from detect_secrets.plugins import keyword
        from detect_secrets.plugins.base import RegexBasedDetector
        from detect_secrets.plugins.high_entropy_strings import HighEntropyStringsPlugin
        from detect_secrets.settings import default_settings, get_plugins

        with default_settings():
            self._denylist = []
            for plugin in get_plugins():
                if isinstance(plugin, RegexBasedDetector):
                    self._denylist.extend(
                        re.compile(p.pattern, p.flags | re.MULTILINE) for p in plugin.denylist
                    )
                elif not isinstance(plugin, HighEntropyStringsPlugin | keyword.KeywordDetector):
                    self._unknown_plugin = True  # cannot prefilter for it: read every line
            self._keyword = re.compile("|".join(keyword.DENYLIST), re.IGNORECASE)
            yield self

    def _could_match(self, text: str) -> bool:
        assert self._keyword is not None
        return bool(
            self._unknown_plugin
            or self._keyword.search(text)
            or _ANY_ENTROPY.search(text)
            or any(p.search(text) for p in self._denylist)
        )

    def scan(self, path: Path, text: str) -> list[DetectSecretsHit]:
        """The secrets detect-secrets' ``scan_file`` would report for ``path`` (with ``text``)."""
        from detect_secrets.core import scan as ds_scan
        from detect_secrets.transformers import get_transformed_file

        if not self._could_match(text):
            return []
        filename = str(path)
        if ds_scan._is_filtered_out(required_filter_parameters=["filename"], filename=filename):
            return []
        lines = get_transformed_file(_named(text, filename)) or text.splitlines(keepends=True)
        hits = self._scan_lines(filename, lines)
        if hits:
            return hits
        eager = get_transformed_file(_named(text, filename), use_eager_transformers=True)
        return self._scan_lines(filename, eager) if eager else []

    def _candidates(self, lines: list[str]) -> list[int]:
        """0-based indexes of the lines any plugin could flag."""
        assert self._keyword is not None
        if self._unknown_plugin:
            return list(range(len(lines)))
        picked = {
            i
            for i, line in enumerate(lines)
            if self._keyword.search(line) or _QUOTED_ENTROPY.search(line)
        }
        joined = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
        starts = [0]
        for line in lines:
            starts.append(starts[-1] + len(line) + (0 if line.endswith("\n") else 1))
        for pattern in self._denylist:
            for m in pattern.finditer(joined):
                picked.add(bisect.bisect_right(starts, m.start()) - 1)
                picked.add(bisect.bisect_right(starts, max(m.end() - 1, m.start())) - 1)
        return sorted(i for i in picked if 0 <= i < len(lines))

    def _scan_lines(self, filename: str, lines: list[str]) -> list[DetectSecretsHit]:
        """``detect_secrets.core.scan._process_line_based_plugins`` over candidate lines only."""
        from detect_secrets.core import scan as ds_scan
        from detect_secrets.settings import get_plugins
        from detect_secrets.util.code_snippet import get_code_snippet

        hits: list[DetectSecretsHit] = []
        for index in self._candidates(lines):
            number = index + 1
            line = lines[index].rstrip()
            context = get_code_snippet(lines=lines, line_number=number)
            if ds_scan._is_filtered_out(
                required_filter_parameters=["line"], filename=filename, line=line, context=context
            ):
                continue
            for plugin in get_plugins():
                for secret in ds_scan._scan_line(
                    plugin=plugin, filename=filename, line=line, line_number=number, context=context
                ):
                    if not _filtered(ds_scan, secret, plugin, line, context):
                        hits.append(
                            DetectSecretsHit(secret.type, number, secret.secret_value or "")
                        )
        return hits


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
