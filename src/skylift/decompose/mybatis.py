"""MyBatis mapper XML: the tables each mapper interface's statements touch.

Read with regular expressions, not an XML parser: a mapper's DOCTYPE is never
fetched and no entity is expanded (a source tree is untrusted input).
"""

from __future__ import annotations

import re

from skylift.decompose.sql import tables_in

_NAMESPACE = re.compile(rb'<mapper\s+namespace\s*=\s*"([^"]+)"')
_STATEMENT = re.compile(r"<(select|insert|update|delete)\b[^>]*>(.*?)</\1\s*>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>|<!\[CDATA\[|\]\]>")


def read(source: bytes) -> tuple[str, set[str]] | None:
    """(mapper interface, tables) for a mapper file; None for any other XML."""
    m = _NAMESPACE.search(source[:4096])
    if m is None:
        return None
    text = source.decode("utf-8", "replace")
    tables: set[str] = set()
    for _kind, body in _STATEMENT.findall(text):
        tables |= tables_in(" ".join(_TAG.sub(" ", body).split()))
    return m.group(1).decode("utf-8", "replace"), tables
