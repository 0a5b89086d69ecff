"""Frames asked for at once are drawn together, each request gets its own
answer, and the pixels are `generator_io.generate`'s."""

import threading
import time

import numpy as np
import pytest

from gen.explore.live.frame_batching import FrameBatcher


def ask_at_once(batcher, views):
    """`batcher(view)` for every view from its own thread: the answers (or
    exceptions), in the order of `views`."""
    answers = [None] * len(views)
    start = threading.Barrier(len(views))

    def ask(i):
        start.wait()
        try:
            answers[i] = batcher(views[i])
        except Exception as error:
            answers[i] = error

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(views))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return answers


class SlowDraw:
    """Squares its views; the first call waits until released, so that the
    other requests queue behind it."""

    def __init__(self, fail_on=None):
        self.calls = []
        self.release = threading.Event()
        self.fail_on = fail_on

    def __call__(self, views):
        if not self.calls:
            self.calls.append(list(views))
            self.release.wait(timeout=30)
        else:
            self.calls.append(list(views))
        if self.fail_on in views:
            raise RuntimeError(f"cannot draw {self.fail_on}")
        return [v * v for v in views]


def test_queued_frames_share_calls_and_keep_their_answers():
    draw = SlowDraw()
    batcher = FrameBatcher(draw, batch_size=4)
    views = list(range(1, 10))
    timer = threading.Timer(0.5, draw.release.set)
    timer.start()
    answers = ask_at_once(batcher, views)
    timer.cancel()
    assert answers == [v * v for v in views]
    # The first request drew alone; the 8 queued behind it went in two
    # calls of 4.
    assert [len(c) for c in draw.calls] == [1, 4, 4]
    assert sorted(v for c in draw.calls for v in c) == views
    assert batcher.batch_sizes == [1, 4, 4]


def test_one_call_draws_one_kind():
    draw = SlowDraw()
    batcher = FrameBatcher(draw, batch_size=8, kind=lambda v: v % 2)
    timer = threading.Timer(0.5, draw.release.set)
    timer.start()
    answers = ask_at_once(batcher, list(range(1, 8)))
    timer.cancel()
    assert answers == [v * v for v in range(1, 8)]
    assert all(len({v % 2 for v in call}) == 1 for call in draw.calls)


def test_a_failed_call_fails_every_request_in_it_and_no_other():
    draw = SlowDraw(fail_on=3)
    draw.release.set()
    batcher = FrameBatcher(draw, batch_size=8)
    assert batcher(2) == 4
    with pytest.raises(RuntimeError, match="cannot draw 3"):
        batcher(3)
    assert batcher(5) == 25


@pytest.mark.slow(seconds=4)
def test_frames_drawn_together_are_the_library_pixels(tiny_run):
    from gen.benchmarks import explore_speed
    from gen.explore.live import explorer, opening, requests

    drawer = explorer.make_renderer(opening.open_generator(workdir=tiny_run))
    rng = np.random.default_rng(7)
    views = [
        requests.View(
            chair=int(rng.integers(drawer.num_classes)),
            azimuth=float(rng.uniform(0, 360)),
            elevation=float(rng.uniform(10, 40)),
            theta=(0.0,) * drawer.theta_width,
        )
        for _ in range(12)
    ]
    # Every request queues before any draws: calls of 8 and 4 frames.
    batcher, frames = drawer.frames, []
    asking = threading.Thread(target=lambda: frames.extend(ask_at_once(batcher, views)))
    with batcher._draw_lock:
        asking.start()
        deadline = time.monotonic() + 30
        while len(batcher._queue) < len(views) and time.monotonic() < deadline:
            time.sleep(0.01)
    asking.join(timeout=60)
    assert batcher.batch_sizes == [8, 4]
    for view, frame in zip(views, frames):
        # The frame of generate itself, for this view alone.
        np.testing.assert_array_equal(frame, explore_speed.library_frame(drawer, view))
