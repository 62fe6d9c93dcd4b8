"""Small static SVG charts for the status pages (no script, no web font, nothing fetched)."""
from __future__ import annotations

from html import escape

FONT = "font-family:'Noto Sans CJK SC','Microsoft YaHei','PingFang SC',sans-serif;font-size:12px"


def bars(title: str, labels: list[str], values: list[int], *, color="#3f6ec6", width=640, height=220) -> str:
    top, bottom, left = 28, 36, 36
    h = height - top - bottom
    n = max(len(values), 1)
    step = (width - left - 10) / n
    vmax = max(values + [1])
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
           f'width="100%" style="max-width:{width}px;{FONT}">', f"<title>{escape(title)}</title>",
           f'<text x="{left}" y="16" font-weight="bold">{escape(title)}</text>',
           f'<line x1="{left}" y1="{top + h}" x2="{width - 10}" y2="{top + h}" stroke="#888"/>']
    for i, (lab, v) in enumerate(zip(labels, values)):
        bh = h * v / vmax
        x = left + i * step + step * 0.15
        out.append(f'<rect x="{x:.1f}" y="{top + h - bh:.1f}" width="{step * 0.7:.1f}" height="{bh:.1f}" fill="{color}"/>')
        out.append(f'<text x="{x + step * 0.35:.1f}" y="{top + h - bh - 4:.1f}" text-anchor="middle">{v}</text>')
        out.append(f'<text x="{x + step * 0.35:.1f}" y="{top + h + 16:.1f}" text-anchor="middle">{escape(lab)}</text>')
    out.append("</svg>")
    return "".join(out)


def shares(title: str, rows: list[tuple[str, float, float]], width=640) -> str:
    """Horizontal bars: (label, share %, target %) with the target marked."""
    row_h, left, top = 30, 190, 28
    height = top + row_h * max(len(rows), 1) + 10
    span = width - left - 60
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
           f'width="100%" style="max-width:{width}px;{FONT}">', f"<title>{escape(title)}</title>",
           f'<text x="4" y="16" font-weight="bold">{escape(title)}</text>']
    for i, (lab, share, target) in enumerate(rows):
        y = top + i * row_h
        ok = share >= target
        w = span * min(share, 100) / 100
        tx = left + span * min(target, 100) / 100
        out.append(f'<text x="4" y="{y + 17}">{escape(lab)}</text>')
        out.append(f'<rect x="{left}" y="{y + 4}" width="{span}" height="18" fill="#eee"/>')
        out.append(f'<rect x="{left}" y="{y + 4}" width="{w:.1f}" height="18" fill="{"#2e8b57" if ok else "#c0392b"}"/>')
        out.append(f'<line x1="{tx:.1f}" y1="{y}" x2="{tx:.1f}" y2="{y + 26}" stroke="#000" stroke-dasharray="3,2"/>')
        out.append(f'<text x="{left + span + 6}" y="{y + 17}">{share:.1f}%</text>')
    out.append("</svg>")
    return "".join(out)
