"""Frames that several requests ask for at once, drawn in one generator call.

With eight pages dragging sliders, drawing each frame on its own queues
them one behind another on the machine's cores; one call of 8 rows costs
about 2.6x one row for the demo's generator, so drawing the waiting
frames together answers all of them sooner. The pixels do not change: an
image is the same whatever else its call draws (`generator_io.MIN_ROWS`).
"""

import threading
from concurrent.futures import Future


class FrameBatcher:
    """Calls `draw` on the views that requests wait for, many at a time.

    A request thread queues its view, then, holding the drawing lock, draws
    the oldest queued views of its kind (up to `batch_size`) for whoever
    asked; a thread whose view another thread drew returns its answer at
    once. There is no thread of its own to start or stop: the requests'
    threads do the drawing.

    Args:
        draw: a function of a list of views returning one result per view,
            in order.
        batch_size: the most views per call of `draw`.
        kind: a function of a view; one call draws views of one kind only
            (`draw` may need them alike, such as all new chairs).
    """

    def __init__(self, draw, batch_size, kind=lambda view: None):
        self._draw = draw
        self._batch_size = batch_size
        self._kind = kind
        self._queue = []  # (view, Future) in the order asked
        self._queue_lock = threading.Lock()
        self._draw_lock = threading.Lock()
        self.batch_sizes = []  # of every call, for the benchmark

    def __call__(self, view):
        """`draw`'s result for `view` (its exception, if the call failed)."""
        future = Future()
        with self._queue_lock:
            self._queue.append((view, future))
        while not future.done():
            with self._draw_lock:
                # Whoever held the lock may have drawn this view already;
                # if not, it is still queued.
                if not future.done():
                    self._run(self._take())
        return future.result()

    def _take(self):
        """The oldest queued views of the first one's kind, up to
        `batch_size`, out of the queue."""
        with self._queue_lock:
            kind = self._kind(self._queue[0][0])
            batch, rest = [], []
            for item in self._queue:
                if len(batch) < self._batch_size and self._kind(item[0]) == kind:
                    batch.append(item)
                else:
                    rest.append(item)
            self._queue = rest
        return batch

    def _run(self, batch):
        self.batch_sizes.append(len(batch))
        try:
            results = self._draw([view for view, _ in batch])
        except BaseException as error:  # every waiting request gets it
            for _, future in batch:
                future.set_exception(error)
            return
        for (_, future), result in zip(batch, results):
            future.set_result(result)
