"""Bounds on what decoding photos may take from the machine: memory per decode, and decodes at once.

A 7,740 x 7,740 PNG of 233 KB is under the pixel cap yet needs about 700 MB to decode. The pipeline therefore
estimates the bytes a decode needs from the header alone and refuses above a budget per decode
(``PHOTO_DECODE_MAX_BYTES``), and every decode takes its estimate from a budget shared by the process
(``PHOTO_DECODE_MEMORY_BYTES``, by default an eighth of the machine's memory) and one of a few slots
(``PHOTO_DECODE_SLOTS``, by default the number of cores: more decodes at once than cores only add memory).
A decode that cannot start within ``PHOTO_DECODE_WAIT_S`` is answered 429, which phones retry.
"""
from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app
from flask_babel import gettext as _

from webapp.errors import TooMany


class DecodeBusy(TooMany):
    """Every decode slot stayed taken for the whole wait: try again shortly."""

    code = "busy"

    def __init__(self, retry_after: int) -> None:
        super().__init__(_("The server is busy with other photos. The app sends this one again shortly."),
                         retry_after=retry_after)


class DecodeBudget:
    """A semaphore weighted by bytes, with a cap on how many hold it at once."""

    def __init__(self, capacity_bytes: int, slots: int) -> None:
        self.capacity = max(1, capacity_bytes)
        self.slots = max(1, slots)
        self._used = 0
        self._holders = 0
        self._changed = threading.Condition()

    @property
    def in_use(self) -> tuple[int, int]:
        """(bytes, holders) now; for tests and metrics."""
        with self._changed:
            return self._used, self._holders

    @contextmanager
    def slot(self, estimate: int, wait_s: float) -> Iterator[None]:
        """Hold ``estimate`` bytes (at most the whole budget) and one slot while the block runs."""
        weight = min(max(estimate, 0), self.capacity)
        deadline = time.monotonic() + wait_s
        with self._changed:
            while self._holders >= self.slots or self._used + weight > self.capacity:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise DecodeBusy(retry_after=max(1, round(wait_s / 4)))
                self._changed.wait(left)
            self._used += weight
            self._holders += 1
        try:
            yield
        finally:
            with self._changed:
                self._used -= weight
                self._holders -= 1
                self._changed.notify_all()


def physical_memory_bytes() -> int:
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 4 * 1024**3


def init_decode_budget(app: Flask) -> None:
    config = app.config
    capacity = config.get("PHOTO_DECODE_MEMORY_BYTES") or physical_memory_bytes() // 8
    capacity = max(int(capacity), int(config["PHOTO_DECODE_MAX_BYTES"]))
    slots = int(config.get("PHOTO_DECODE_SLOTS") or os.cpu_count() or 1)
    app.extensions["xw_decode_budget"] = DecodeBudget(capacity, slots)


@contextmanager
def decode_slot(estimate: int) -> Iterator[None]:
    """The app's decode budget, for the pipeline's ``decode_slot`` hook."""
    budget: DecodeBudget = current_app.extensions["xw_decode_budget"]
    with budget.slot(estimate, float(current_app.config["PHOTO_DECODE_WAIT_S"])):
        yield
