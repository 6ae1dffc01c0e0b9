"""Charts drawn on the server as SVG (pygal), shown as images so the strict CSP holds: the
site's palette, and the SVG without the script pygal writes into every chart."""

from __future__ import annotations

import re

from pygal.style import Style

_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL | re.IGNORECASE)


def chart_style(colors: tuple[str, ...], **sizes) -> Style:
    """The site's palette (static/css/enclave.css): dark text, strong contrast on white."""
    return Style(
        background="#ffffff",
        plot_background="#ffffff",
        foreground="#1f2933",
        foreground_strong="#102a43",
        foreground_subtle="#52606d",
        font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
        colors=colors,
        **sizes,
    )


def svg_without_script(chart) -> str:
    """The chart as SVG text, without pygal's configuration script for its tooltips (the image
    is served so that it could run none anyway)."""
    return _SCRIPT.sub("", chart.render(is_unicode=True))
