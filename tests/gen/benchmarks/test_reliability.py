"""The reliability benchmark's parts: the steps read from a run's log, exit
statuses, the generator comparison, the table, its settings' refusals (the
whole benchmark trains a dozen runs: `experiments.bench_reliability`)."""

import os
import shutil

import pytest

from gen.benchmarks import reliability, reliability_config
from gen.errors import UserError
from tests.scripts import assert_user_error, run_script


def test_steps_reached_and_restored_from_a_runs_output(tiny_run):
    with open(os.path.join(tiny_run, "log.txt")) as f:
        log = f.read()
    assert reliability.reached_step(log) == 12  # the tiny run's 12 steps
    assert reliability.restored_step(log) == 0  # it started fresh
    assert reliability.reached_step("Starting run in x\n") == 0
    assert reliability.restored_step("model: 2s-E, 1,234 parameters; restored step 8")
    assert (
        reliability.restored_step("model: 2s-E, 1,234 parameters; restored step 8") == 8
    )


def test_exit_statuses_name_the_signal():
    assert [reliability.exit_text(c) for c in (0, 2, 130, -9, -15, None)] == [
        "0",
        "2",
        "130",
        "-9 (SIGKILL)",
        "-15 (SIGTERM)",
        "hung",
    ]


def test_generators_compared_bitwise(tmp_path):
    import keras
    import numpy as np

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.save(tmp_path / "a.keras")
    weights = model.get_weights()
    weights[0] = weights[0] + np.float32(0.5)
    model.set_weights(weights)
    model.save(tmp_path / "b.keras")
    a, b = str(tmp_path / "a.keras"), str(tmp_path / "b.keras")
    assert reliability.compare_generators(a, a) == "yes (bitwise)"
    assert reliability.compare_generators(b, a) == "no (max difference 5.00e-01)"
    assert reliability.compare_generators(str(tmp_path / "none.keras"), a) == (
        "no (no generator.keras)"
    )


def test_the_table():
    rows = [
        reliability.Outcome("sigkill", "2", "-9 (SIGKILL), then 0", False, "yes"),
        reliability.Outcome("full_disk", "-", "-", False, "-", "skipped"),
    ]
    assert reliability.table(rows) == (
        "| fault | steps lost | exit status | traceback | resumed = uninterrupted |\n"
        "|---|---:|---|---|---|\n"
        "| sigkill | 2 | -9 (SIGKILL), then 0 | no | yes |\n"
        "| full_disk (skipped) | - | - | no | - |"
    )


def test_settings_refusals(tmp_path):
    config = reliability_config.ReliabilityBenchConfig
    with pytest.raises(UserError, match="--faults must be a comma-separated list"):
        config(faults=("sigkill", "sighup"))
    with pytest.raises(UserError, match="--fault_step=3 must lie after the first"):
        config(fault_step=3)
    (tmp_path / "file").write_text("x")
    result = run_script(
        "bench_reliability", "--faults=sigkill,power_cut", f"--out={tmp_path}"
    )
    assert_user_error(result, "--faults must be a comma-separated list of sigkill")
    result = run_script("bench_reliability", f"--out={tmp_path / 'file'}")
    assert_user_error(result, "is a file, not a folder")
    shutil.rmtree(tmp_path)


@pytest.mark.slow(seconds=30)
def test_bench_reliability_runs_a_fault_as_the_docs_give_it(tmp_path):
    """`python -m experiments.bench_reliability`, one fault on a short run:
    Ctrl-C after step 5 loses no step, exits 130, and the rerun ends
    bitwise as the uninterrupted run."""

    result = run_script(
        "bench_reliability",
        "--faults=sigint",
        "--steps=8",
        "--checkpoint_every=2",
        "--fault_step=5",
        f"--out={tmp_path / 'runs'}",
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "| sigint | 0 | 130, then 0 | no | yes (bitwise) |" in result.stdout
