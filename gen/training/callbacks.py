"""The callbacks of a training run, each one job, run by Keras `fit` after
every step: stop on a broken loss, stop after a time limit, save
checkpoints, report progress (terminal, log.txt, TensorBoard), and draw
held-out samples with their scores. (--fit_to_time's clock is in
`gen.training.time_budget`.)

Each knows the step the run started from (`start_step`), so that the steps
it reports and saves at are the run's, not the `fit` call's.
"""

import math
import os
import time

import keras
import tensorflow as tf

from gen import progress
from gen.evaluation import scoring
from gen.pictures import atomic_files
from gen.training import samples


class NanGuard(keras.callbacks.TerminateOnNaN):
    """`keras.callbacks.TerminateOnNaN` that remembers the run's step.

    Keras stops training at the first batch whose loss is NaN or infinite;
    this guard also records that step (`bad_step`), so that the callbacks
    after it in the list skip their saves and the trainer reports where the
    loss broke. Put it first in the list.
    """

    def __init__(self, start_step):
        super().__init__()
        self.start_step = start_step
        self.bad_step = None

    def on_batch_end(self, batch, logs=None):
        super().on_batch_end(batch, logs)
        loss = (logs or {}).get("loss")
        if (
            self.bad_step is None
            and loss is not None
            and not math.isfinite(float(loss))
        ):
            self.bad_step = self.start_step + batch + 1


class TimeLimit(keras.callbacks.Callback):
    """Stops training once `minutes` of wall time have passed since
    `started` (a `time.perf_counter()` reading: one limit for every `fit` of
    a session). With several workers, all stop at the same step: each step
    they agree (`agree`, a collective) on whether any is over its time."""

    def __init__(self, minutes, started, agree=None):
        super().__init__()
        self.seconds = None if minutes is None else 60.0 * minutes
        self.started = started
        self.agree = agree
        self.stopped = False

    def on_train_batch_end(self, batch, logs=None):
        if self.seconds is None:
            return
        over = time.perf_counter() - self.started > self.seconds
        if self.agree is not None:
            over = self.agree(over)
        if over:
            self.stopped = True
            self.model.stop_training = True


class Checkpointer(keras.callbacks.Callback):
    """Saves a checkpoint every `every` steps (not after a broken loss)
    with `saver` (`gen.training.distributed.CheckpointSaver`)."""

    def __init__(self, saver, start_step, every, guard):
        super().__init__()
        self.saver, self.start_step, self.every = saver, start_step, every
        self.guard = guard

    def on_train_batch_end(self, batch, logs=None):
        step = self.start_step + batch + 1
        if step % self.every == 0 and self.guard.bad_step is None:
            self.saver.save(step)


class Monitor(keras.callbacks.Callback):
    """Every `every` steps: terminal line and TensorBoard scalars.

    Keras reports running means since the metrics were last reset, so the
    monitor resets them after each report: each line is the mean of its
    window.
    """

    def __init__(self, log, writer, start_step, total_steps, every, batch_size, guard):
        super().__init__()
        self.log, self.writer = log, writer
        self.start_step, self.total = start_step, total_steps
        self.every, self.batch_size, self.guard = every, batch_size, guard

    def on_train_begin(self, logs=None):
        self.window_start = self.run_start = time.perf_counter()
        self.window_steps = 0
        self.first_step_end = self.last_step_end = None
        self.steps_done = 0

    def on_train_batch_end(self, batch, logs=None):
        step = self.start_step + batch + 1
        self.window_steps += 1
        self.steps_done += 1
        self.last_step_end = time.perf_counter()
        if self.first_step_end is None:
            self.first_step_end = self.last_step_end
        if self.guard.bad_step is not None or not (
            step % self.every == 0 or step == self.total
        ):
            return
        now = time.perf_counter()
        rate = self.window_steps * self.batch_size / (now - self.window_start)
        done = step - self.start_step
        eta = (now - self.run_start) / done * (self.total - step)
        values = {k: float(v) for k, v in (logs or {}).items()}
        lr = float(self.model.optimizer.learning_rate)
        self.log(
            f"step {step:>7d}/{self.total}  loss {values.get('loss', 0):.4f}  "
            f"rgb {values.get('rgb_loss', 0):.4f}  "
            f"mask {values.get('mask_loss', 0):.4f}  "
            f"psnr {values.get('rgb_psnr', 0):5.2f} dB  "
            f"iou {values.get('mask_iou', 0):.3f}  {rate:6.1f} img/s  "
            f"lr {lr:.2e}  ETA {progress.duration(eta)}"
        )
        if self.writer is not None:
            with self.writer.as_default(step=step):
                for name, value in values.items():
                    tf.summary.scalar(name, value)
                tf.summary.scalar("learning_rate", lr)
                tf.summary.scalar("images_per_second", rate)
        self.model.reset_metrics()
        self.window_start, self.window_steps = time.perf_counter(), 0

    def step_time(self):
        """Seconds per step after the first (which traces and compiles), or
        None before two steps."""
        if self.steps_done < 2:
            return None
        return (self.last_step_end - self.first_step_end) / (self.steps_done - 1)


class Sampler(keras.callbacks.Callback):
    """Every `every` steps: a PNG of generated | target pairs on held-out
    views, the same grid in TensorBoard, and held-out metrics.

    The pictures and scores come from `viewer`, a generator outside any
    distribution strategy that gets the trained weights each time: the
    training model may be spread over devices and workers. Only the chief
    makes a `Sampler`.
    """

    def __init__(
        self,
        log,
        writer,
        samples_dir,
        start_step,
        every,
        sample_set,
        score_set,
        guard,
        viewer,
    ):
        super().__init__()
        self.log, self.writer, self.samples_dir = log, writer, samples_dir
        self.start_step, self.every = start_step, every
        self.sample_set, self.score_set, self.guard = sample_set, score_set, guard
        self.viewer = viewer

    def on_train_batch_end(self, batch, logs=None):
        step = self.start_step + batch + 1
        if step % self.every == 0 and self.guard.bad_step is None:
            self.sample(step)

    def sample(self, step):
        self.viewer.set_weights(self.model.get_weights())
        sheet = samples.sample_grid(self.viewer, self.sample_set)
        atomic_files.write_png(
            os.path.join(self.samples_dir, f"step_{step:07d}.png"), sheet
        )
        scores = scoring.summary(self.viewer, self.score_set)
        self.log(
            f"  held-out views at step {step}: psnr "
            f"{scores['psnr']:.2f} dB, mask iou {scores['mask_iou']:.3f}, "
            f"mse {scores['mse']:.5f} ({scores['images']} images)"
        )
        if self.writer is not None:
            with self.writer.as_default(step=step):
                for name in ("psnr", "mask_iou", "mse"):
                    tf.summary.scalar(name, scores[name])
                tf.summary.image("generated_vs_target", sheet[None], step=step)
