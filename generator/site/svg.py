"""Small static charts for the status pages (no script, no web font, nothing fetched).

Text and axes are drawn in `currentColor`, so they follow the page's light or dark scheme; a
chart sits in a box that scrolls sideways on a phone rather than shrinking its text below
legibility (.hf-chart in assets/huifang.css). Coverage shares are HTML bars: their text is page
text and reflows like any other."""
from __future__ import annotations

from html import escape

FONT = "font-family:'Noto Sans CJK SC','Microsoft YaHei','PingFang SC',sans-serif;font-size:12px"


def bars(title: str, labels: list[str], values: list[int], *, color="#4a7bd6", width=640, height=220) -> str:
    top, bottom, left = 28, 36, 36
    h = height - top - bottom
    n = max(len(values), 1)
    step = (width - left - 10) / n
    vmax = max(values + [1])
    out = ['<div class="hf-chart">',
           f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
           f'width="100%" fill="currentColor" style="max-width:{width}px;{FONT}">', f"<title>{escape(title)}</title>",
           f'<text x="{left}" y="16" font-weight="bold">{escape(title)}</text>',
           f'<line x1="{left}" y1="{top + h}" x2="{width - 10}" y2="{top + h}" stroke="currentColor" stroke-opacity="0.5"/>']
    for i, (lab, v) in enumerate(zip(labels, values)):
        bh = h * v / vmax
        x = left + i * step + step * 0.15
        out.append(f'<rect x="{x:.1f}" y="{top + h - bh:.1f}" width="{step * 0.7:.1f}" height="{bh:.1f}" fill="{color}"/>')
        out.append(f'<text x="{x + step * 0.35:.1f}" y="{top + h - bh - 4:.1f}" text-anchor="middle">{v}</text>')
        out.append(f'<text x="{x + step * 0.35:.1f}" y="{top + h + 16:.1f}" text-anchor="middle">{escape(lab)}</text>')
    out.append("</svg></div>")
    return "".join(out)


def shares(title: str, rows: list[tuple[str, float, float]]) -> str:
    """Horizontal HTML bars: (label, share %, target %), the target marked by a line."""
    out = [f'<div class="hf-shares" role="figure" aria-label="{escape(title)}">',
           f'<div class="hf-shares__title">{escape(title)}</div>']
    for lab, share, target in rows:
        state = "ok" if share >= target else "short"
        out.append(f'<div class="hf-share"><span class="hf-share__label">{escape(lab)}</span>'
                   f'<span class="hf-share__track"><span class="hf-share__fill hf-{state}" style="width:{min(share, 100):.1f}%"></span>'
                   f'<span class="hf-share__target" style="left:{min(target, 100):.1f}%" title="目标 {target:g}%"></span></span>'
                   f'<span class="hf-share__value">{share:.1f}%<small>（目标 {target:g}%）</small></span></div>')
    out.append("</div>")
    return "".join(out)
