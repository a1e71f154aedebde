"""What a devices page may say about a session: a short device name and a partly hidden network address.

Only these summaries are stored, never the full User-Agent or address: enough for a person to recognise
their own phone ("Chrome 124 · Android", "112.10.35.*"), too little to track anyone.
"""
from __future__ import annotations

import ipaddress
import re

# Most specific first: WeChat's and Edge's user agents also name Chrome and Safari.
_BROWSERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("WeChat", re.compile(r"MicroMessenger/(\d+)")),
    ("DingTalk", re.compile(r"DingTalk/(\d+)")),
    ("Edge", re.compile(r"Edg(?:e|A|iOS)?/(\d+)")),
    ("Huawei Browser", re.compile(r"HuaweiBrowser/(\d+)")),
    ("Samsung Internet", re.compile(r"SamsungBrowser/(\d+)")),
    ("UC Browser", re.compile(r"UCBrowser/(\d+)")),
    ("QQ Browser", re.compile(r"MQQBrowser/(\d+)|QQBrowser/(\d+)")),
    ("Firefox", re.compile(r"(?:Firefox|FxiOS)/(\d+)")),
    ("Chrome", re.compile(r"(?:Chrome|CriOS)/(\d+)")),
    ("Safari", re.compile(r"Version/(\d+)[.\d]* (?:Mobile/\S+ )?Safari/")),
)
_SYSTEMS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("HarmonyOS", re.compile(r"HarmonyOS|OpenHarmony")),
    ("Android", re.compile(r"Android")),
    ("iPhone", re.compile(r"iPhone")),
    ("iPad", re.compile(r"iPad")),
    ("Windows", re.compile(r"Windows")),
    ("macOS", re.compile(r"Macintosh|Mac OS X")),
    ("ChromeOS", re.compile(r"CrOS")),
    ("Linux", re.compile(r"Linux")),
)


def device_summary(user_agent: str) -> str:
    """'Chrome 124 · Android'; empty when the agent says nothing recognisable."""
    browser = ""
    for name, pattern in _BROWSERS:
        match = pattern.search(user_agent)
        if match:
            version = next((group for group in match.groups() if group), "")
            browser = f"{name} {version}".strip()
            break
    system = next((name for name, pattern in _SYSTEMS if pattern.search(user_agent)), "")
    return " · ".join(part for part in (browser, system) if part)


def address_hint(address: str | None) -> str:
    """The network with its host part hidden: 112.10.35.* for IPv4, the first three groups for IPv6."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv4Address):
        return ".".join(str(ip).split(".")[:3]) + ".*"
    network = ipaddress.IPv6Network(f"{ip}/48", strict=False)
    return f"{network.network_address}*"
