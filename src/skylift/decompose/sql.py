"""Tables named in SQL text (string literals in the code)."""

from __future__ import annotations

import re

_SQL = re.compile(
    r"^\s*(?:with\b.*\bselect\b.*\bfrom\b|select\b.*\bfrom\b|insert\s+into\b"
    r"|update\s+\S+\s+set\b|delete\s+from\b|merge\s+into\b|replace\s+into\b)",
    re.I | re.S,
)
_TABLE = re.compile(r"\b(?:from|join|into|update|table)\s+([A-Za-z_][A-Za-z0-9_.$]*)", re.I)
_NOT_TABLES = {"select", "set", "where", "values", "dual", "(", "as", "on"}


def tables_in(text: str) -> set[str]:
    """Lower-cased table names a SQL statement reads or writes ({} if not SQL)."""
    if not _SQL.match(text):
        return set()
    found = {m.group(1).rsplit(".", 1)[-1].lower() for m in _TABLE.finditer(text)}
    return found - _NOT_TABLES
