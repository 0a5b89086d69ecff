"""--fit_to_time: a run that would not reach --steps within
--max_train_minutes ends where it can, and its learning-rate schedule with
it.

The run times its first steps (`StepClock`), ends at the step that fits in
the time left (`steps_that_fit`), and goes on timing: when the steps turn
slower, or faster, the end is fitted again. The end is kept in config.json
(``resolved.fit_to_time``), so that resuming the same --steps ends there too.
`TimeBudget` holds this for one `train` call; the trainer asks it for a
clock for each `fit` and hands the clock back when the fit ends.
"""

import dataclasses
import time

import keras

from gen import progress
from gen.training import train_config

# The clock times at least this many steps after the first (which
# compiles), over at least this share of --max_train_minutes.
FIT_CLOCK_STEPS = 10
FIT_CLOCK_SHARE = 0.02
# After that, the clock goes on timing, and the end is fitted again when the
# time limit would cut more than this share of the run's steps, or as many
# more would fit: on a machine whose pace varies by a third (shared CPUs)
# the run would otherwise be stopped by its limit with the learning rate
# still far from zero, or end minutes early. Each fitting costs a new start
# of fit (the dataset, the first step; the step is not traced again), so
# the pace is judged over at least this share of the minutes, and ends that
# are near enough are left as they are, as is the end in the run's last
# minutes.
FIT_RECHECK_SHARE = 0.05  # of the run's steps, and of its last minutes
FIT_RECHECK_WINDOW = 0.1  # of --max_train_minutes
FIT_SAFETY = 0.97  # of the time left, so that the last steps, a sample grid
# or a checkpoint of a run fitted to its time do not meet the limit itself


def steps_that_fit(steps, step, seconds_per_step, seconds_left):
    """The last step a run can reach: `steps`, or earlier when the time
    left (`seconds_left`, at `step`) does not hold them at
    `seconds_per_step`. Never before `step + 1`."""
    more = int(FIT_SAFETY * max(seconds_left, 0.0) / seconds_per_step)
    return max(step + 1, min(steps, step + more))


class StepClock(keras.callbacks.Callback):
    """Measures the step time for --fit_to_time and stops this `fit` when
    the run's end is to be fitted (again).

    The first step of a `fit` pays for its start (the dataset; in the run's
    first `fit`, the step's trace and compilation): its time, counted from
    `since` (a `time.perf_counter()` reading; the start of `fit` if None)
    so that it holds what a new `fit` costs before its first step ends, is
    kept apart (`first_step_seconds`, paid again, or less, when the end is
    fitted anew). The clock times the steps after it, from the first
    `min_steps` over at least `min_seconds` on:

    - without a `deadline` (the run's end is still to be fitted), it stops
      at once;
    - with a `deadline` (a `time.perf_counter()` reading) and the run's
      `end` step, it stops only when the pace so far has moved more than
      `slack` steps away from it: more than `slack` of the steps up to
      `end` would not be reached by the deadline (the machine turned slower
      than the first timing, and the time limit would cut the run before
      its schedule ends), or, while `end` is below `most` (--steps), more
      than `slack` steps beyond `end` would fit (`FIT_SAFETY` and another
      first step kept), which the run would otherwise leave unused. It
      lets the run go on when less than `settle` seconds would be left
      after paying another first step: fitting again there would cost a
      new start of `fit` for a few steps.

    When it stops, `seconds_per_step` is set and `fit` ends, so that the
    trainer can give the schedule its new horizon and go on.
    """

    def __init__(
        self,
        min_steps,
        min_seconds,
        start_step=0,
        end=None,
        deadline=None,
        slack=0,
        most=None,
        settle=0.0,
        since=None,
    ):
        super().__init__()
        self.min_steps, self.min_seconds = min_steps, min_seconds
        self.since = since
        self.start_step, self.end, self.most = start_step, end, most
        self.deadline, self.slack, self.settle = deadline, slack, settle
        self.began = self.first = None
        self.timed = 0
        self.first_step_seconds = self.seconds_per_step = None

    def on_train_begin(self, logs=None):
        self.began = time.perf_counter() if self.since is None else self.since

    def on_train_batch_end(self, batch, logs=None):
        now = time.perf_counter()
        if self.first is None:
            self.first = now
            self.first_step_seconds = now - self.began
            return
        self.timed += 1
        if (
            self.seconds_per_step is not None
            or self.timed < self.min_steps
            or now - self.first < self.min_seconds
        ):
            return
        pace = (now - self.first) / self.timed
        if self.deadline is not None:
            step = self.start_step + batch + 1
            left = max(self.deadline - now, 0.0)
            if left - self.first_step_seconds < self.settle:
                return
            slower = step + left / pace < self.end - self.slack
            # Only a new fit pays another first step.
            faster = (
                self.most is not None
                and self.end < self.most
                and step + FIT_SAFETY * (left - self.first_step_seconds) / pace
                > self.end + self.slack
            )
            if not (slower or faster):
                return
        self.seconds_per_step = pace
        self.model.stop_training = True


def recorded_end(record, config):
    """The end --fit_to_time chose for this --steps in an earlier session
    (config.json's ``resolved.fit_to_time``), or None (a new run, a changed
    --steps, or never fitted)."""
    fit = (record or {}).get("resolved", {}).get("fit_to_time")
    return fit if fit and fit["steps"] == config.steps else None


@dataclasses.dataclass
class TimeBudget:
    """Where one `train` call ends, and --fit_to_time's clock.

    Attributes:
        config: the run's settings.
        horizon: the step the run ends at: --steps, or what fits in time
            (now or in an earlier session of the same --steps).
        pending: the steps are still to be timed (no end fitted yet).
        fitted_here: this session fitted the end (not one that it resumes),
            so it may also move the end later when the steps get faster.
        record: config.json's ``resolved.fit_to_time`` (None before any
            fitting of this --steps).
    """

    config: train_config.TrainConfig
    horizon: int
    pending: bool
    fitted_here: bool = False
    record: dict | None = None

    @classmethod
    def of_run(cls, config, stored_record):
        """The budget of a session, given the stored config.json (None for a
        new run)."""
        fit = recorded_end(stored_record, config)
        return cls(
            config=config,
            horizon=fit["horizon"] if fit else config.steps,
            pending=config.fit_to_time and fit is None,
            record=fit,
        )

    def reached(self, step):
        """The session starts at `step` (restored): a run already at its
        end has no steps left to time."""
        self.pending = self.pending and step < self.horizon

    def clock(self, step, started, entered):
        """The `StepClock` of a `fit` from `step` (None without
        --fit_to_time): it times the first steps while the end is pending,
        and after that stops only a fit whose pace has moved the end that
        fits in the minutes. `started`: when training started (the time
        limit's origin); `entered`: when this fit began to be set up."""
        if not self.config.fit_to_time:
            return None
        seconds = 60.0 * self.config.max_train_minutes
        if self.pending:
            return StepClock(FIT_CLOCK_STEPS, FIT_CLOCK_SHARE * seconds, since=entered)
        return StepClock(
            FIT_CLOCK_STEPS,
            FIT_RECHECK_WINDOW * seconds,
            start_step=step,
            end=self.horizon,
            deadline=started + seconds,
            slack=FIT_RECHECK_SHARE * self.horizon,
            most=self.config.steps if self.fitted_here else None,
            settle=FIT_RECHECK_SHARE * seconds,
            since=entered,
        )

    def fit_end(self, clock, step, started):
        """Ends the run (`horizon`) at the step that fits in the time left,
        at the pace `clock` measured by `step`; returns the line to log.
        The caller gives the schedule the new horizon and stores `record`.
        """
        config = self.config
        seconds_per_step = clock.seconds_per_step
        # Less one more start of fit, at most what this one's cost (the
        # first fit's start includes the step's trace, not paid again).
        left = (
            60.0 * config.max_train_minutes
            - (time.perf_counter() - started)
            - clock.first_step_seconds
        )
        horizon = steps_that_fit(config.steps, step, seconds_per_step, left)
        first, self.pending, self.fitted_here = self.pending, False, True
        timing = (
            f"{seconds_per_step:.3f} s/step at step {step}, "
            f"{progress.duration(max(left, 0.0))} of --max_train_minutes="
            f"{config.max_train_minutes} left"
        )
        needed = progress.duration((self.horizon - step) * seconds_per_step)
        safety = f"what fits, less {1 - FIT_SAFETY:.0%}"
        if first and horizon == self.horizon:
            line = f"--fit_to_time: {timing}; --steps={self.horizon} fit"
        elif first:
            line = (
                f"--fit_to_time: {timing}; --steps={self.horizon} would "
                f"take {needed}, so the run ends at step {horizon} ({safety}), "
                "and so does its learning-rate schedule"
            )
        else:
            pace = "slower" if horizon < self.horizon else "faster"
            line = (
                f"--fit_to_time: the steps got {pace}, {timing}; the steps to "
                f"{self.horizon} would take {needed}, so the run now ends at "
                f"step {horizon} ({safety}), and so does its learning-rate "
                "schedule"
            )
        self.horizon = horizon
        self.record = {
            "steps": config.steps,
            "horizon": horizon,
            "at_step": step,
            "seconds_per_step": round(seconds_per_step, 5),
        }
        return line
