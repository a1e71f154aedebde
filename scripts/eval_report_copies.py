"""Score copied-report detection on the generated, labelled set of visit notes and print the figures.

    .venv/bin/python scripts/eval_report_copies.py           # full size (make eval-copies)
    .venv/bin/python scripts/eval_report_copies.py --small   # the size CI runs (tests/test_report_copies_eval.py)

Prints recall per kind of edit (names, numbers, reordering, dropped or added sentences, synonyms and pairs
of them), the false-match rate on independent reports of similar shops and on routine stock-phrase notes,
at the thresholds of webapp/config.py; exits 1 when an aim is not met.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evaluation.report_texts import FULL, SMALL, print_report, run
from webapp.config import default_config


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="the small set CI runs")
    args = parser.parse_args()
    config = default_config("instance")
    started = time.perf_counter()
    report = run(SMALL if args.small else FULL, min_similarity=float(config["REPORT_COPY_MIN_SIMILARITY"]),
                 min_shared=int(config["REPORT_COPY_MIN_SHARED"]))
    print(f"thresholds: similarity >= {config['REPORT_COPY_MIN_SIMILARITY']}, "
          f"shared 3-grams >= {config['REPORT_COPY_MIN_SHARED']}")
    print_report(report)
    print(f"({time.perf_counter() - started:.0f} s)")
    return 1 if report.failures() else 0


if __name__ == "__main__":
    raise SystemExit(main())
