"""Charts as inline SVG, drawn on the server (pure): no JavaScript, no external file, and each
chart has a text title for screen readers. The numbers are always in a table beside it too."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from html import escape

from markupsafe import Markup

# Colour-blind-safe (Okabe-Ito), dark enough for text-contrast on white where used as text.
PALETTE = ("#0072B2", "#009E73", "#D55E00", "#CC79A7", "#E69F00", "#56B4E9", "#555555", "#000000")
WIDTH = 340  # drawn for a 360-pixel phone; the SVG scales with the page


def number(n: int) -> str:
    """A whole number the Indonesian way: 12.345."""
    return f"{n:,}".replace(",", ".")


def _svg(height: int, title: str, body: list[str]) -> Markup:
    t = escape(title)
    return Markup(
        f'<svg viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-label="{t}" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="11">'
        f"<title>{t}</title>{''.join(body)}</svg>"
    )


def bars(items: Sequence[tuple[str, int]], title: str, colour: str = PALETTE[0]) -> Markup:
    """Horizontal bars, one per item, labelled and valued."""
    top = max((n for _, n in items), default=0) or 1
    row, label_w, value_w = 22, 120, 50
    body = []
    for i, (label, n) in enumerate(items):
        y = i * row
        w = round((WIDTH - label_w - value_w) * n / top, 1)
        body.append(
            f'<text x="0" y="{y + 15}">{escape(label[:22])}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{w}" height="14" fill="{colour}"/>'
            f'<text x="{label_w + w + 4}" y="{y + 15}">{number(n)}</text>'
        )
    return _svg(max(row, row * len(items)), title, body)


def columns(points: Sequence[tuple[str, int]], title: str) -> Markup:
    """Vertical columns over time (one per day), with the first, last and highest labelled."""
    height, base, left = 150, 125, 30
    top = max((n for _, n in points), default=0) or 1
    step = (WIDTH - left) / max(1, len(points))
    body = [
        f'<line x1="{left}" y1="{base}" x2="{WIDTH}" y2="{base}" stroke="#555"/>',
        f'<text x="0" y="14">{number(top)}</text>',
        f'<text x="0" y="{base}">0</text>',
    ]
    for i, (_label, n) in enumerate(points):
        h = round((base - 10) * n / top, 1)
        x = round(left + i * step, 1)
        body.append(
            f'<rect x="{x}" y="{base - h}" width="{max(1.0, round(step * 0.8, 1))}" '
            f'height="{h}" fill="{PALETTE[0]}"/>'
        )
    if points:
        body.append(f'<text x="{left}" y="{base + 16}">{escape(points[0][0])}</text>')
        if len(points) > 1:
            body.append(
                f'<text x="{WIDTH}" y="{base + 16}" text-anchor="end">'
                f"{escape(points[-1][0])}</text>"
            )
    return _svg(height, title, body)


def stacked(rows: dict[str, Counter[str]], order: Sequence[str], title: str) -> Markup:
    """One bar per row (kecamatan), split by category (status), with a legend below."""
    row, label_w = 22, 110
    top = max((sum(c.values()) for c in rows.values()), default=0) or 1
    colour = {cat: PALETTE[i % len(PALETTE)] for i, cat in enumerate(order)}
    body = []
    for i, (label, counts) in enumerate(rows.items()):
        y, x = i * row, float(label_w)
        body.append(f'<text x="0" y="{y + 15}">{escape(label[:20])}</text>')
        for cat in order:
            n = counts.get(cat, 0)
            if n:
                w = round((WIDTH - label_w - 10) * n / top, 1)
                body.append(
                    f'<rect x="{round(x, 1)}" y="{y + 4}" width="{w}" height="14" '
                    f'fill="{colour[cat]}"><title>{escape(cat)}: {n}</title></rect>'
                )
                x += w
    legend_y = len(rows) * row + 8
    used = [cat for cat in order if any(c.get(cat) for c in rows.values())]
    for j, cat in enumerate(used):
        y = legend_y + j * 16
        body.append(
            f'<rect x="0" y="{y}" width="10" height="10" fill="{colour[cat]}"/>'
            f'<text x="14" y="{y + 9}">{escape(cat)}</text>'
        )
    return _svg(legend_y + 16 * len(used) + 4, title, body)
