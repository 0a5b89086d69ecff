"""Progress lines: count, rate and ETA."""

from gen.progress import Progress


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_reports_count_rate_and_eta_every_few_seconds_and_at_the_end():
    clock, lines = Clock(), []
    progress = Progress(
        "build", total=10, unit="chairs", every_s=5.0, report=lines.append, clock=clock
    )
    for _ in range(4):
        clock.now += 1.0
        progress.update()
    assert lines == []  # 4 s in: nothing yet
    clock.now += 1.0
    progress.update()  # 5 chairs in 5 s: 1 chair/s, 5 s to go
    assert lines == ["build: 5/10 chairs (50%), 1.0 chairs/s, ETA 5 s"]
    clock.now += 2.5
    progress.update(5)
    assert lines[-1] == "build: 10/10 chairs (100%), 1.3 chairs/s, done in 8 s"
    assert len(lines) == 2
