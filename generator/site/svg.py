"""Small static charts for the status pages (no script, no web font, nothing fetched).

Text and axes are drawn in `currentColor`, so they follow the page's light or dark scheme; a
chart sits in a box that scrolls sideways on a phone rather than shrinking its text below
legibility (.hf-chart in assets/huifang.css). Coverage shares are HTML bars: their text is page
text and reflows like any other."""
from __future__ import annotations

from html import escape

FONT = "font-family:'Noto Sans CJK SC','Microsoft YaHei','PingFang SC',sans-serif;font-size:12px"


def _frame(title: str, width: int, height: int, left: int, base: float) -> list[str]:
    """The opening of a chart: the scrolling box, the svg with its accessible name, the title
    and the axis at `base`."""
    return ['<div class="hf-chart">',
            f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
            f'viewBox="0 0 {width} {height}" '
            f'width="100%" fill="currentColor" style="max-width:{width}px;{FONT}">', f"<title>{escape(title)}</title>",
            f'<text x="{left}" y="16" font-weight="bold">{escape(title)}</text>',
            f'<line x1="{left}" y1="{base}" x2="{width - 10}" y2="{base}" stroke="currentColor" '
            'stroke-opacity="0.5"/>']


def bars(title: str, labels: list[str], values: list[int], *, color="#4a7bd6", width=640, height=220) -> str:
    top, bottom, left = 28, 36, 36
    h = height - top - bottom
    n = max(len(values), 1)
    step = (width - left - 10) / n
    vmax = max(values + [1])
    out = _frame(title, width, height, left, top + h)
    for i, (lab, v) in enumerate(zip(labels, values)):
        bh = h * v / vmax
        x = left + i * step + step * 0.15
        out.append(f'<rect x="{x:.1f}" y="{top + h - bh:.1f}" width="{step * 0.7:.1f}" height="{bh:.1f}" '
                   f'fill="{color}"/>')
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
                   f'<span class="hf-share__track"><span class="hf-share__fill hf-{state}" '
                   f'style="width:{min(share, 100):.1f}%"></span>'
                   f'<span class="hf-share__target" style="left:{min(target, 100):.1f}%" '
                   f'title="目标 {target:g}%"></span></span>'
                   f'<span class="hf-share__value">{share:.1f}%<small>（目标 {target:g}%）</small></span></div>')
    out.append("</div>")
    return "".join(out)


def grouped(title: str, labels: list[str], series: list[tuple[str, list[int], str]], *, width=640, height=240) -> str:
    """Bars in groups, one group per label and one bar per series (name, values, css class). The
    first series is filled and the others hollow, so they are told apart without colour; the
    legend says which is which in words and every bar carries its number."""
    top, bottom, left = 46, 36, 36
    h = height - top - bottom
    n, k = max(len(labels), 1), max(len(series), 1)
    step = (width - left - 10) / n
    bar = min(step * 0.8 / k, 28.0)
    vmax = max([v for _, values, _ in series for v in values] + [1])
    out = _frame(title, width, height, left, top + h)
    x = left
    for s, (name, _, cls) in enumerate(series):          # the legend, in words
        out.append(_bar(cls, s, x, 26, 14, 10))
        out.append(f'<text x="{x + 20}" y="36">{escape(name)}</text>')
        x += 32 + 13 * len(name)
    for i, lab in enumerate(labels):
        x0 = left + i * step + (step - bar * k) / 2
        for s, (_, values, cls) in enumerate(series):
            v = values[i]
            bh = h * v / vmax
            x = x0 + s * bar
            out.append(_bar(cls, s, x + 1, top + h - bh, bar - 2, bh))
            out.append(f'<text x="{x + bar / 2:.1f}" y="{top + h - bh - 4:.1f}" text-anchor="middle" '
                       f'font-size="11">{v}</text>')
        out.append(f'<text x="{x0 + bar * k / 2:.1f}" y="{top + h + 16:.1f}" text-anchor="middle">{escape(lab)}</text>')
    out.append("</svg></div>")
    return "".join(out)


def _bar(cls: str, series: int, x: float, y: float, w: float, h: float) -> str:
    look = 'stroke-width="0"' if series == 0 else 'fill-opacity="0.15" stroke-width="2"'
    return (f'<rect class="{cls}" x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{h:.1f}" {look}/>')
