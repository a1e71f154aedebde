"""What a page must hold to on a phone, measured in Chromium: nothing wider than the screen, no tab label that
wraps or is cut, every control at least 44 x 44 CSS px, names and figures that never break inside. A helper
module for the layout tests (never collected)."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Page

# Where the run leaves its screenshots (README, "Screens"); CI keeps the folder as an artifact.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

# One evaluation per page, returning every violation as a readable line.
MEASURE_JS = r"""() => {
  const vw = document.documentElement.clientWidth;
  const out = { wide: [], small: [], wraps: [], broken: [], scrollWidth: document.documentElement.scrollWidth, vw };
  const name = (el) => {
    const cls = typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\s+/).join('.') : '';
    const text = (el.getAttribute('aria-label') || el.textContent || el.value || '').replace(/\s+/g, ' ').trim().slice(0, 40);
    return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + cls + ' "' + text + '"';
  };
  const clipCache = new Map();
  const clipped = (el) => {
    for (let a = el.parentElement; a && a !== document.documentElement; a = a.parentElement) {
      if (!clipCache.has(a)) clipCache.set(a, getComputedStyle(a).overflowX !== 'visible');
      if (clipCache.get(a)) return true;
    }
    return false;
  };
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    if ((r.right > vw + 1 || r.left < -1) && !clipped(el)) {
      out.wide.push(name(el) + ' spans ' + Math.round(r.left) + '..' + Math.round(r.right) + ' of ' + vw);
    }
  }
  // A link inside running text is exempt, as WCAG 2.5.8 exempts it: its size is the sentence's.
  const inText = (a) => {
    if (getComputedStyle(a).display !== 'inline') return false;
    let block = a.parentElement;
    while (block && getComputedStyle(block).display === 'inline') block = block.parentElement;
    return Boolean(block) && block.textContent.replace(/\s+/g, '').length > a.textContent.replace(/\s+/g, '').length;
  };
  const controls = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]';
  for (const el of document.querySelectorAll(controls)) {
    if (el.closest('.leaflet-control-attribution') || el.closest('[inert]') || el.closest('[aria-hidden="true"]')) continue;
    let box = el;
    if (el.matches('input[type=checkbox], input[type=radio], input[type=file]')) box = el.closest('label') || el;
    const r = box.getBoundingClientRect();
    if (!r.width || !r.height || getComputedStyle(el).visibility === 'hidden') continue;
    if (el.matches('.picker-input')) continue;  // the label around it is the target, measured as such
    if (el.tagName === 'A' && inText(el)) continue;
    if (r.width < 43.5 || r.height < 43.5) {
      const holder = box.parentElement;
      out.small.push(name(box) + ' is ' + Math.round(r.width) + 'x' + Math.round(r.height) + ' in ' +
                     holder.tagName.toLowerCase() + (typeof holder.className === 'string' && holder.className ? '.' + holder.className.trim().split(/\s+/).join('.') : ''));
    }
  }
  for (const label of document.querySelectorAll('.tabbar .tab-label')) {
    if (label.getClientRects().length > 1 || label.scrollWidth > label.clientWidth + 1 ||
        label.getBoundingClientRect().height > parseFloat(getComputedStyle(label).lineHeight) * 1.5) {
      out.wraps.push(name(label));
    }
  }
  for (const span of document.querySelectorAll('.nowrap')) {
    const rects = Array.from(span.getClientRects()).filter((r) => r.width > 0);
    if (rects.length > 1) out.broken.push(name(span));
  }
  return out;
}"""


def measure(page: Page) -> dict[str, Any]:
    return page.evaluate(MEASURE_JS)


def problems(page: Page, *, targets: bool = True) -> list[str]:
    """Every violation on the page as it is now, prefixed with its path."""
    found = measure(page)
    path = urlsplit(page.url).path
    lines = [f"{path}: wider than the screen: {w}" for w in found["wide"]]
    if found["scrollWidth"] > found["vw"] + 1:
        lines.append(f"{path}: the page scrolls sideways ({found['scrollWidth']} > {found['vw']})")
    lines += [f"{path}: tab label wraps or is cut: {w}" for w in found["wraps"]]
    lines += [f"{path}: breaks inside a name or figure: {w}" for w in found["broken"]]
    if targets:
        lines += [f"{path}: touch target under 44 px: {s}" for s in found["small"]]
    return lines


_ID = re.compile(r"/(\d+|[0-9a-f]{8}-[0-9a-f-]{27})(?=/|$)")


def pattern(url: str) -> str:
    """One page per kind: /merchants/12 and /merchants/13 are the same layout."""
    return _ID.sub("/{id}", urlsplit(url).path)


SKIP = re.compile(r"(\.(pdf|xlsx|zip|csv|jpg|png)$)|^/(logout|login|sw\.js|static/|offline|api/)")


def page_links(page: Page, origin: str) -> list[str]:
    """The same-site pages this page links to (files, downloads and the API left out)."""
    hrefs: list[str] = page.evaluate(
        "() => Array.from(document.querySelectorAll('a[href]:not([download])')).map((a) => new URL(a.getAttribute('href'), location.href).href)")
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != origin or SKIP.search(parts.path):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found
