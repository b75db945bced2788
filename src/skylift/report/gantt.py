"""The migration schedule as an SVG Gantt chart: one row per wave, transfer then cutover."""

from __future__ import annotations

from collections.abc import Sequence


def gantt_svg(rows: Sequence[tuple[str, float, float, float, int, bool]], lanes: int) -> str:
    """An SVG Gantt chart: (label, start_h, transfer_h, end_h, lane, production) per wave."""
    total = max((r[3] for r in rows), default=1.0) or 1.0
    width, left, row_h = 960, 150, 26
    height = 50 + row_h * len(rows)
    scale = (width - left - 20) / total
    days = int(total // 24) + 1
    step = max(1, days // 12)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="10" y="18" font-weight="bold">Migration schedule ({total / 24:.1f} days, '
        f"{lanes} lane{'s' if lanes > 1 else ''})</text>",
    ]
    for d in range(0, days + 1, step):
        x = left + d * 24 * scale
        out.append(f'<line x1="{x:.1f}" y1="30" x2="{x:.1f}" y2="{height - 5}" stroke="#ddd"/>')
        out.append(f'<text x="{x + 2:.1f}" y="42" fill="#666">d{d}</text>')
    for i, (label, start, transfer, end, lane, prod) in enumerate(rows):
        y = 50 + i * row_h
        colour = "#c0392b" if prod else "#2e86c1"
        out.append(f'<text x="10" y="{y + 16}">{_esc(label)} (lane {lane})</text>')
        out.append(
            f'<rect x="{left + start * scale:.1f}" y="{y + 4}" '
            f'width="{max(1.0, transfer * scale):.1f}" height="{row_h - 8}" '
            f'fill="{colour}" opacity="0.45"><title>transfer {transfer:.1f} h</title></rect>'
        )
        out.append(
            f'<rect x="{left + (start + transfer) * scale:.1f}" y="{y + 4}" '
            f'width="{max(1.0, (end - start - transfer) * scale):.1f}" '
            f'height="{row_h - 8}" fill="{colour}"><title>cutover</title></rect>'
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
