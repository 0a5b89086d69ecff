"""Stopping a run on SIGINT (Ctrl-C) or SIGTERM (a batch scheduler, a
preemptible VM) without losing its work.

While `catching` is active, the first SIGINT or SIGTERM only asks the run
to stop: `StopOnSignal` (a callback) ends `fit` after the step in progress,
on every worker at the same step (they agree each step, as
`tf.distribute.experimental.PreemptionCheckpointHandler` does), and the
trainer saves that step and raises `RunStopped` (exit status 128 + the
signal's number: 130, 143). A second signal stops the process at once (the
system's default action, even in the middle of writing a checkpoint):
`tf.train.CheckpointManager` writes a checkpoint under temporary names and
publishes it by rewriting its index last, so the previous checkpoint stays
the one a rerun restores.

TensorFlow's coordination service (``--strategy=multi_worker``) installs
its own SIGTERM handler, which only records a preemption notice, so a
worker would train on: `catching` is entered after the strategy is made,
and its handlers replace that one for the run's duration.
"""

import contextlib
import os
import signal
import sys
import threading

import keras
import numpy as np
import tensorflow as tf

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class RunStopped(SystemExit):
    """A run stopped by a signal after saving its step; its `code` is the
    exit status a shell gives the signal (130 for SIGINT, 143 for
    SIGTERM).

    Attributes:
        signal_name: "SIGINT" or "SIGTERM".
        step: the step saved.
    """

    def __init__(self, signal_name, step):
        super().__init__(128 + int(getattr(signal, signal_name)))
        self.signal_name, self.step = signal_name, step


class StopRequest:
    """The signals received while `catching` is active (none yet: empty)."""

    def __init__(self):
        self.received = []

    @property
    def signal_name(self):
        """The first signal received ("SIGINT", "SIGTERM"), or None."""
        return signal.Signals(self.received[0]).name if self.received else None


@contextlib.contextmanager
def catching():
    """Within it, SIGINT and SIGTERM ask the run to stop (`StopRequest`)
    instead of ending the process; a second one ends it at once. Outside
    the main thread (where Python cannot handle signals) it changes
    nothing."""
    request = StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield request
        return

    def ask_to_stop(signum, frame):
        request.received.append(signum)
        # The next one is not caught: it ends the process at once, even in
        # the middle of a save.
        for number in SIGNALS:
            signal.signal(number, signal.SIG_DFL)

    previous = {number: signal.signal(number, ask_to_stop) for number in SIGNALS}
    try:
        yield request
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


class StopOnSignal(keras.callbacks.Callback):
    """Ends `fit` after the step in progress once `request` holds a signal.

    With several workers (`strategy` given), they agree after every step on
    whether any received SIGINT or SIGTERM (an all-reduce, which every
    worker makes at the same point), so that all stop at the same step;
    `signal_name` is then the signal any of them got (SIGTERM first).
    `stopped` says whether it stopped the fit.
    """

    def __init__(self, request, strategy=None):
        super().__init__()
        self.request, self.strategy = request, strategy
        self.stopped = False
        self.signal_name = None

    def on_train_batch_end(self, batch, logs=None):
        got = self.request.received
        if self.strategy is None:
            if got:
                self.signal_name = self.request.signal_name
        else:
            flags = [float(number in got) for number in SIGNALS]
            value = self.strategy.run(lambda: tf.constant(flags))
            total = self.strategy.reduce("SUM", value, axis=None).numpy()
            if np.any(total > 0):
                self.signal_name = "SIGTERM" if total[1] > 0 else "SIGINT"
        if self.signal_name is not None:
            self.stopped = True
            self.model.stop_training = True


def exit_at_once(code):
    """Ends the process with `code` after flushing stdout and stderr,
    without the interpreter's teardown (TensorFlow's takes seconds while an
    input pipeline still runs), as the signal's own default action would:
    every file of the stopped run is complete already. For scripts only."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)
