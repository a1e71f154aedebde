"""Lighthouse from npm, run with the Node it pins (bench/package.json: `npm ci --prefix bench`, which `make test`
and CI do when npm is there): the command, and one audit's scores. Shared by tests/browser/test_lighthouse.py
and bench/page_weight.py. A helper module, never collected."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "bench"
NODE = TOOLS / "node_modules" / ".bin" / "node"
CLI = TOOLS / "node_modules" / "lighthouse" / "cli" / "index.js"
CHROMIUM = "/usr/bin/chromium"
# FIELD-NOTES: Lighthouse's own Chrome launch needs these beside headless.
CHROME_FLAGS = ("--headless=new --no-sandbox --disable-background-networking --disable-component-update "
                "--disable-sync --no-first-run --disable-gpu")


def install() -> str | None:
    """Lighthouse installed under bench/ (npm ci when npm is there); None, or why not, when it cannot be."""
    if NODE.exists() and CLI.exists():
        return None
    npm = shutil.which("npm")
    if npm is None:
        return "npm is not installed (CI installs Debian's npm and runs `npm ci --prefix bench`)"
    lock = TOOLS / "package-lock.json"
    command = [npm, "ci" if lock.exists() else "install", "--prefix", str(TOOLS), "--no-audit", "--no-fund",
               "--loglevel=error"]
    result = subprocess.run(command, check=False, capture_output=True, text=True, timeout=900)
    if result.returncode != 0 or not CLI.exists():
        raise RuntimeError(f"npm could not install Lighthouse: {result.stderr[-2000:]}")
    return None


@dataclass(frozen=True)
class Audit:
    performance: float | None
    accessibility: float | None
    transferred: int
    failing: list[str]  # accessibility audits that did not pass
    final_url: str  # the page Lighthouse ended on: a lost sign-in would have audited the login page
    blocking_ms: float  # Total Blocking Time (simulated), the metric that moves with the machine's load
    benchmark_index: float  # Lighthouse's measure of the CPU it ran on; scores are unreliable well under 1000


def audit(url: str, cookie: str, categories: tuple[str, ...] = ("performance", "accessibility")) -> Audit:
    """One Lighthouse run on the mobile profile (its default), signed in with the cookie."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "report.json"
        env = {**os.environ, "CHROME_PATH": CHROMIUM}
        subprocess.run([str(NODE), str(CLI), url, "--quiet", "--output=json", f"--output-path={out}",
                        f"--only-categories={','.join(categories)}", f"--chrome-flags={CHROME_FLAGS}",
                        f"--extra-headers={json.dumps({'Cookie': cookie})}"],
                       check=True, env=env, capture_output=True, timeout=300)
        report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    found = report["categories"]

    def score(name: str) -> float | None:
        return found[name]["score"] * 100 if name in found and found[name]["score"] is not None else None

    failing = []
    if "accessibility" in found:
        failing = [ref["id"] for ref in found["accessibility"]["auditRefs"]
                   if ref["weight"] and report["audits"][ref["id"]].get("score") not in (None, 1)]
    weight = report["audits"].get("total-byte-weight", {}).get("numericValue", 0)
    if report.get("runtimeError"):
        raise RuntimeError(f"Lighthouse could not audit {url}: {report['runtimeError']}")
    blocking = report["audits"].get("total-blocking-time", {}).get("numericValue", 0)
    return Audit(score("performance"), score("accessibility"), int(weight), failing, report["finalDisplayedUrl"],
                 float(blocking), float(report["environment"].get("benchmarkIndex", 0)))
