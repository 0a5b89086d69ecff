"""SIGINT and SIGTERM during training: the step in progress is saved, the
run says so and exits 130 / 143, and the reruns end bitwise where an
uninterrupted run ends."""

import json
import os
import signal

import keras
import numpy as np
import pytest

from gen.training import callbacks, distributed, stop_signals, train_config, trainer
from tests.conftest import TINY_RUN_FLAGS


def _weights(path):
    import gen.models  # noqa: F401
    import layers  # noqa: F401

    return keras.models.load_model(path, safe_mode=True).get_weights()


@pytest.mark.slow(seconds=25)
def test_sigint_then_sigterm_save_their_step_and_the_reruns_end_bitwise_equal(
    tiny_run, chairs_data_dir, tmp_path, monkeypatch
):
    """The tiny run's flags (the `tiny_run` fixture trained them without a
    stop), here stopped by Ctrl-C at step 3 and by SIGTERM at step 8 (each
    sent by the process to itself at the end of that step), and run again
    each time."""
    plan = {3: signal.SIGINT, 8: signal.SIGTERM}

    class SignalAtStep(callbacks.NanGuard):
        def on_train_batch_end(self, batch, logs=None):
            super().on_train_batch_end(batch, logs)
            number = plan.pop(self.start_step + batch + 1, None)
            if number is not None:
                os.kill(os.getpid(), number)

    monkeypatch.setattr(callbacks, "NanGuard", SignalAtStep)
    # What a second signal would meet while each checkpoint is written.
    handlers_while_saving = {}
    save = distributed.CheckpointSaver.save

    def watched_save(saver, step):
        handlers_while_saving[step] = (
            signal.getsignal(signal.SIGINT),
            signal.getsignal(signal.SIGTERM),
        )
        return save(saver, step)

    monkeypatch.setattr(distributed.CheckpointSaver, "save", watched_save)
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    config = train_config.TrainConfig(data_dir=chairs_data_dir, **TINY_RUN_FLAGS)
    workdir = tmp_path / "run"
    checkpoints = workdir / "checkpoints"

    for step, name, code in [(3, "SIGINT", 130), (8, "SIGTERM", 143)]:
        lines = []
        with pytest.raises(stop_signals.RunStopped) as stopped:
            trainer.train(config, str(workdir), echo=lines.append)
        assert (stopped.value.code, stopped.value.step) == (code, step)
        assert stopped.value.signal_name == name
        assert lines[-1] == (
            f"{name}: stopped at step {step} and saved it "
            f"({checkpoints / f'ckpt-{step}'}); run the same command again to "
            "continue from there"
        )
        assert f'model_checkpoint_path: "ckpt-{step}"' in (
            (checkpoints / "checkpoint").read_text()
        )
        # The handlers are the caller's again.
        assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == (
            before
        )

    result = trainer.train(config, str(workdir), echo=lambda line: None)
    assert result.step == 12
    log = (workdir / "log.txt").read_text()
    assert "restored step 3" in log and "restored step 8" in log
    history = json.loads((workdir / "config.json").read_text())["history"]
    assert [(h["step"], h["stopped"]) for h in history] == [
        (3, "SIGINT"),
        (8, "SIGTERM"),
    ]
    for got, expected in zip(
        _weights(workdir / "generator.keras"),
        _weights(os.path.join(tiny_run, "generator.keras")),
        strict=True,
    ):
        np.testing.assert_array_equal(got, expected)
    # Saving the stopped step, a second signal meets the system's default
    # (the process ends at once, the previous checkpoint intact); the
    # periodic saves (6, 12) still ask the run to stop.
    default = (signal.SIG_DFL, signal.SIG_DFL)
    assert handlers_while_saving[3] == handlers_while_saving[8] == default
    assert signal.SIG_DFL not in handlers_while_saving[6] + handlers_while_saving[12]
