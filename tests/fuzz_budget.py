"""How many examples the property-based tests try: small and fixed in ``make test``, larger on demand.

``make test`` runs a fixed budget, derandomized (the same examples every run, so a red CI run is repeatable
and a green one is not luck). ``FUZZ_EXAMPLES=500 make test`` (or the same variable on a pytest run of
tests/test_fuzz_*.py) searches wider; ``FUZZ_SEED=random`` draws new examples each run instead of the fixed
ones, and a failure prints the seed that reproduces it.
"""
from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

DEFAULT_EXAMPLES = 12


def examples(default: int = DEFAULT_EXAMPLES) -> int:
    return int(os.environ.get("FUZZ_EXAMPLES") or default)


def fuzz_settings(default: int = DEFAULT_EXAMPLES) -> settings:
    """Settings for one fuzzed route or operation: no deadline (a shared CI machine is slow at times), no
    shrinking budget beyond the examples, and the fixture-built app shared by every example on purpose."""
    return settings(
        max_examples=examples(default),
        derandomize=os.environ.get("FUZZ_SEED") != "random",
        deadline=None,
        database=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                               HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
