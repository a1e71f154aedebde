"""Score photo reuse detection on the generated, labelled evaluation set and print the figures.

    .venv/bin/python scripts/eval_photo_reuse.py            # full size (make eval-reuse)
    .venv/bin/python scripts/eval_photo_reuse.py --small    # the size CI runs (tests/test_reuse_eval.py)
    .venv/bin/python scripts/eval_photo_reuse.py --write DIR   # also write the photos and labels.json
    .venv/bin/python scripts/eval_photo_reuse.py --transforms rotate+screenshot,rotate+recompress --copies-only

Prints recall per transformation, false matches on different scenes (look-alike shops of one chain and
unrelated scenes) and how re-shoots of a scene were called; exits 1 when an aim is not met.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evaluation.photo_copies import TRANSFORMS, label
from evaluation.photo_reuse import FULL, SMALL, print_report, run, write_set


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="the small set CI runs")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--originals", type=int, help="override the number of indexed originals")
    parser.add_argument("--per-transform", type=int, help="override the copies per transformation")
    parser.add_argument("--transforms", help="only these copies, comma-separated labels (e.g. rotate+screenshot)")
    parser.add_argument("--copies-only", action="store_true", help="no re-shoots, look-alikes or unrelated scenes")
    parser.add_argument("--write", type=Path, help="write the set's photos and labels.json to this directory")
    args = parser.parse_args()
    size = SMALL if args.small else FULL
    if args.originals or args.per_transform:
        size = replace(size, originals=args.originals or size.originals,
                       per_transform=args.per_transform or size.per_transform)
    if args.write:
        print(f"wrote {write_set(size, args.write)} photos to {args.write}")
    started = time.perf_counter()
    transforms = None
    if args.transforms:
        transforms = {label.strip() for label in args.transforms.split(",") if label.strip()}
        known = {label(steps) for steps in TRANSFORMS}
        if transforms - known:
            parser.error(f"unknown transformations: {', '.join(sorted(transforms - known))}")
    report = run(size, workers=args.workers, progress=not args.small, transforms=transforms,
                 copies_only=args.copies_only)
    print_report(report)
    print(f"({time.perf_counter() - started:.0f} s)")
    return 1 if report.failures() else 0


if __name__ == "__main__":
    raise SystemExit(main())
