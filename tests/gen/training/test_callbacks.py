"""The step clock and the arithmetic of --fit_to_time."""

import types

import pytest

from gen.training import callbacks


@pytest.mark.parametrize("steps, step, seconds_per_step, seconds_left, end", [
    # 600 s left at 0.5 s/step: 0.97 * 1200 = 1164 more steps.
    (8000, 21, 0.5, 600.0, 21 + 1164),
    # Everything fits: --steps stays.
    (1000, 21, 0.5, 600.0, 1000),
    # Exactly the steps that fit, less the safety share.
    (10_000, 0, 0.1, 100.0, 970),
    # No time left: the run ends at the next step, never before it.
    (8000, 50, 0.5, -3.0, 51),
])
def test_steps_that_fit(steps, step, seconds_per_step, seconds_left, end):
    assert callbacks.steps_that_fit(steps, step, seconds_per_step,
                                    seconds_left) == end


def test_step_clock_leaves_out_the_first_step_and_stops_fit(monkeypatch):
    # fit starts at 10.0; the first step (tracing) ends at 14.0, then a step
    # every 0.5 s. With at least 3 steps over at least 2 s, the clock stops
    # after the 4th timed step (2.0 s), not the 3rd (1.5 s).
    ticks = iter([10.0, 14.0, 14.5, 15.0, 15.5, 16.0, 16.5])
    monkeypatch.setattr(callbacks.time, "perf_counter", lambda: next(ticks))
    clock = callbacks.StepClock(min_steps=3, min_seconds=2.0)
    model = types.SimpleNamespace(stop_training=False)
    clock.set_model(model)
    clock.on_train_begin()
    for batch in range(4):
        clock.on_train_batch_end(batch)
        assert clock.seconds_per_step is None and not model.stop_training
    clock.on_train_batch_end(4)
    assert clock.first_step_seconds == 4.0
    assert clock.seconds_per_step == 0.5 and model.stop_training
    assert clock.timed == 4
