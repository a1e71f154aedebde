"""Build the icon sprite from the vendored Lucide SVGs; run once when an icon is added (no build step at serve time).

The icons are copied as they are from npm's ``lucide-static`` (``npm pack lucide-static@1.62.0``, then
``package/icons/<name>.svg`` into ``static/vendor/lucide-1.62.0/icons/``, its LICENSE beside them). This script
turns each into a ``<symbol id="<name>">`` of one ``sprite.svg``, which pages use as
``<svg><use href="sprite.<hash>.svg#name"></svg>`` (``webapp.icons.icon``): one small cached file, precached by
the service worker, instead of an inline copy of every icon on every page. ``tests/test_icons.py`` fails when the
sprite is older than the icons folder or a template names an icon that is not in it.

    python scripts/make_icon_sprite.py
"""
from __future__ import annotations

import sys
from pathlib import Path
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "static" / "vendor" / "lucide-1.62.0"
SVG_NS = "http://www.w3.org/2000/svg"
# What every symbol shares goes on the <use>'s <svg> through CSS (.icon in app.css): stroke, caps, no fill.
SHARED_ATTRIBUTES = ("class", "xmlns", "width", "height", "fill", "stroke", "stroke-width", "stroke-linecap",
                     "stroke-linejoin")


def symbol(path: Path) -> str:
    """One icon as a <symbol> holding its shapes, attributes as Lucide wrote them."""
    ElementTree.register_namespace("", SVG_NS)
    root = ElementTree.fromstring(path.read_text(encoding="utf-8"))
    shapes = []
    for child in root:
        child.tail = None
        text = ElementTree.tostring(child, encoding="unicode", short_empty_elements=True)
        shapes.append(text.replace(f' xmlns="{SVG_NS}"', ""))
    view_box = root.get("viewBox", "0 0 24 24")
    return f'<symbol id="{path.stem}" viewBox="{view_box}">{"".join(shapes)}</symbol>'


def sprite(folder: Path = FOLDER) -> str:
    """The sprite's text: every icon of the folder, in name order."""
    symbols = "".join(symbol(p) for p in sorted((folder / "icons").glob("*.svg")))
    licence = "Lucide icons 1.62.0, ISC licence (LICENSE beside this file)"
    return (f'<svg xmlns="{SVG_NS}"><!-- {licence} -->'
            f'<defs>{symbols}</defs></svg>\n')


def main() -> int:
    (FOLDER / "sprite.svg").write_text(sprite(), encoding="utf-8")
    print(f"wrote {FOLDER / 'sprite.svg'} ({len(list((FOLDER / 'icons').glob('*.svg')))} icons)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
