"""A progress bar for a class's grading: graded, recorded, rate, time left.

On a terminal it redraws one line; elsewhere (a CI log, a file) it prints a line at
each tenth of the way, so a log stays short. Safe to call from several threads.
"""
from __future__ import annotations

import sys
import threading
import time

WIDTH = 30


class Progress:
    def __init__(self, total: int, out=None):
        self.total, self.out = total, out or sys.stderr
        self.graded = self.recorded = 0
        self.start = time.perf_counter()
        self.lock = threading.Lock()
        self.interactive = hasattr(self.out, "isatty") and self.out.isatty()
        self.printed_tenths = -1

    def one_graded(self, _future=None) -> None:
        with self.lock:
            self.graded += 1
            self._show()

    def one_recorded(self) -> None:
        with self.lock:
            self.recorded += 1
            self._show()

    def line(self) -> str:
        elapsed = time.perf_counter() - self.start
        done = min(self.recorded, self.total)
        filled = WIDTH * done // self.total if self.total else WIDTH
        rate = 60 * done / elapsed if elapsed > 0 else 0.0
        left = (self.total - done) * elapsed / done if done else None
        eta = f", {_clock(left)} left" if left is not None and done < self.total else ""
        return (f"grading [{'#' * filled}{'.' * (WIDTH - filled)}] {done}/{self.total} recorded, "
                f"{self.graded} graded, {rate:.0f} notebooks/min, {_clock(elapsed)}{eta}")

    def finish(self) -> None:
        with self.lock:
            if self.interactive:
                self.out.write("\r" + self.line() + "\n")
            elif self.printed_tenths < 10:
                self.out.write(self.line() + "\n")
            self.out.flush()

    def _show(self) -> None:
        if self.interactive:
            self.out.write("\r" + self.line())
            self.out.flush()
            return
        tenths = 10 * min(self.recorded, self.total) // self.total if self.total else 10
        if tenths > self.printed_tenths:
            self.printed_tenths = tenths
            self.out.write(self.line() + "\n")
            self.out.flush()


def _clock(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}:{seconds:02d}"
