"""Text made safe for one human-readable line."""

from __future__ import annotations

_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F)} | {
    ord("\n"): "\\n",
    ord("\r"): "\\r",
    ord("\t"): "\\t",
}


def one_line(text: str) -> str:
    """``text`` with control characters (newline, ESC, C1 controls, separators …) shown as
    escapes, so a name or message from outside cannot forge a second line or a colour."""
    if text.isprintable():
        return text
    out = text.translate(_CONTROL)
    return "".join(c if c.isprintable() or c == " " else f"\\u{ord(c):04x}" for c in out)
