"""Progress lines for long work: count, rate and ETA, at most every few seconds."""

import sys
import time


class Progress:
    """Reports `done/total unit (percent), rate, ETA` while work goes on.

        progress = Progress("synthetic_chairs", total=100, unit="chairs")
        for chair in chairs:
            ...
            progress.update()

    Lines go to `report` (by default printed on stderr: scripts keep absl's
    INFO lines quiet), the first after `every_s` seconds, then every
    `every_s` seconds, and always when the work is done.
    """

    def __init__(
        self, what, total, unit, *, every_s=5.0, report=None, clock=time.monotonic
    ):
        self._what, self._total, self._unit = what, total, unit
        self._every_s = every_s
        self._report = report or _print
        self._clock = clock
        self._start = self._last = clock()
        self.done = 0

    def update(self, count=1):
        self.done += count
        now = self._clock()
        if self.done >= self._total or now - self._last >= self._every_s:
            self._last = now
            self._report(self.line(now))

    def line(self, now=None):
        """The progress line as of `now`."""
        elapsed = max((self._clock() if now is None else now) - self._start, 1e-9)
        rate = self.done / elapsed
        text = (
            f"{self._what}: {self.done}/{self._total} {self._unit} "
            f"({100 * self.done / self._total:.0f}%), {rate:.1f} {self._unit}/s"
        )
        if self.done < self._total:
            eta = (self._total - self.done) / rate if rate > 0 else float("inf")
            text += f", ETA {eta:.0f} s"
        else:
            text += f", done in {elapsed:.0f} s"
        return text


def duration(seconds):
    """``"4m05s"`` or ``"1h02m03s"``: a span of time for a progress line."""
    seconds = int(max(seconds, 0))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s"


def _print(line):
    print(line, file=sys.stderr, flush=True)
