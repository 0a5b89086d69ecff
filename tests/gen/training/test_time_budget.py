"""The step clock and the arithmetic of --fit_to_time."""

import types

import pytest

from gen.training import time_budget


@pytest.mark.parametrize(
    "steps, step, seconds_per_step, seconds_left, end",
    [
        # 600 s left at 0.5 s/step: 0.97 * 1200 = 1164 more steps.
        (8000, 21, 0.5, 600.0, 21 + 1164),
        # Everything fits: --steps stays.
        (1000, 21, 0.5, 600.0, 1000),
        # Exactly the steps that fit, less the safety share.
        (10_000, 0, 0.1, 100.0, 970),
        # No time left: the run ends at the next step, never before it.
        (8000, 50, 0.5, -3.0, 51),
    ],
)
def test_steps_that_fit(steps, step, seconds_per_step, seconds_left, end):
    assert (
        time_budget.steps_that_fit(steps, step, seconds_per_step, seconds_left) == end
    )


@pytest.mark.parametrize("since, first_step_seconds", [(None, 4.0), (7.0, 7.0)])
def test_step_clock_leaves_out_the_first_step_and_stops_fit(
    monkeypatch, since, first_step_seconds
):
    # fit starts at 10.0; the first step (tracing) ends at 14.0, then a step
    # every 0.5 s. With at least 3 steps over at least 2 s, the clock stops
    # after the 4th timed step (2.0 s), not the 3rd (1.5 s). The first step
    # counts from `since` when it is given (the trainer's start of the fit,
    # before its dataset and callbacks are made), else from fit's start.
    ticks = [10.0, 14.0, 14.5, 15.0, 15.5, 16.0, 16.5]
    ticks = iter(ticks if since is None else ticks[1:])
    monkeypatch.setattr(time_budget.time, "perf_counter", lambda: next(ticks))
    clock = time_budget.StepClock(min_steps=3, min_seconds=2.0, since=since)
    model = types.SimpleNamespace(stop_training=False)
    clock.set_model(model)
    clock.on_train_begin()
    for batch in range(4):
        clock.on_train_batch_end(batch)
        assert clock.seconds_per_step is None and not model.stop_training
    clock.on_train_batch_end(4)
    assert clock.first_step_seconds == first_step_seconds
    assert clock.seconds_per_step == 0.5 and model.stop_training
    assert clock.timed == 4


def _watch(monkeypatch, ticks, batches=0, **kwargs):
    """A clock (3 steps over 1 s) on `ticks`, after `batches` steps."""
    ticks = iter(ticks)
    monkeypatch.setattr(time_budget.time, "perf_counter", lambda: next(ticks))
    clock = time_budget.StepClock(min_steps=3, min_seconds=1.0, **kwargs)
    model = types.SimpleNamespace(stop_training=False)
    clock.set_model(model)
    clock.on_train_begin()
    for batch in range(batches):
        clock.on_train_batch_end(batch)
    return clock, model


# fit starts at 0.0, the first step ends at 3.0, then a step every 0.5 s.
STEADY = [0.0] + [3.0 + 0.5 * i for i in range(40)]


def test_step_clock_with_a_deadline_lets_a_run_on_pace_go_on(monkeypatch):
    # From step 100, STEADY; the deadline is 100.0 and the end step 290. At
    # batch 3 (step 104, time 4.5) the pace is 0.5 s/step: 104 + 95.5 / 0.5
    # = 295 steps would be reached, enough: fit goes on, and it goes on as
    # long as the pace holds.
    clock, model = _watch(
        monkeypatch, STEADY, 40, start_step=100, end=290, deadline=100.0, slack=2
    )
    assert clock.seconds_per_step is None and not model.stop_training
    assert clock.first_step_seconds == 3.0 and clock.timed == 39


def test_step_clock_with_a_deadline_stops_a_run_that_turned_slower(monkeypatch):
    # As above, but the end is step 300, and 295 < 300 - 2 steps would be
    # reached: fit stops at batch 3 with the pace, for the end to be fitted
    # again.
    clock, model = _watch(
        monkeypatch, STEADY, start_step=100, end=300, deadline=100.0, slack=2
    )
    for batch in range(3):
        clock.on_train_batch_end(batch)
        assert clock.seconds_per_step is None and not model.stop_training
    clock.on_train_batch_end(3)
    assert clock.seconds_per_step == 0.5 and model.stop_training
    # Within the slack (end 297: 295 >= 297 - 2) it would have gone on.
    clock, model = _watch(
        monkeypatch, STEADY, 4, start_step=100, end=297, deadline=100.0, slack=2
    )
    assert clock.seconds_per_step is None and not model.stop_training


def test_step_clock_with_a_deadline_stops_a_run_that_turned_faster(monkeypatch):
    # At batch 3 (step 104, time 4.5, 0.5 s/step) 104 + 0.97 * (95.5 - 3)
    # / 0.5 = 283.45 steps fit, with the safety share and another first step
    # (3 s) kept. An end at 280 leaves more than 2 of them unused: fit stops
    # for the end to be fitted again, as long as the end is below --steps
    # (`most`). At 282 it would gain too few.
    clock, model = _watch(
        monkeypatch,
        STEADY,
        4,
        start_step=100,
        end=280,
        deadline=100.0,
        slack=2,
        most=10_000,
    )
    assert clock.seconds_per_step == 0.5 and model.stop_training
    for end, most in [(282, 10_000), (280, 280), (280, None)]:
        clock, model = _watch(
            monkeypatch,
            STEADY,
            4,
            start_step=100,
            end=end,
            deadline=100.0,
            slack=2,
            most=most,
        )
        assert clock.seconds_per_step is None and not model.stop_training


@pytest.mark.parametrize("settle, stops", [(3.0, False), (2.0, True)])
def test_step_clock_lets_the_last_seconds_before_the_deadline_go_on(
    monkeypatch, settle, stops
):
    # The slower run above, its first step (3 s) ending 7 s before the
    # deadline: at batch 3 (3 steps timed over 1.5 s) 5.5 s are left, 2.5 s
    # after paying another first step. With `settle` above that, a new
    # fitting would cost a new trace for the few steps left: the run goes
    # on.
    ticks = [90.0] + [93.0 + 0.5 * i for i in range(5)]
    clock, model = _watch(
        monkeypatch,
        ticks,
        5,
        start_step=100,
        end=300,
        deadline=100.0,
        slack=2,
        settle=settle,
    )
    assert clock.first_step_seconds == 3.0
    assert (clock.seconds_per_step == 0.5) == stops
    assert model.stop_training == stops
