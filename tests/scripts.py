"""Running the experiment scripts as a person does, and checking their
one-paragraph errors."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def backend_env(backend):
    """The environment of a test process on Keras backend `backend`:
    pytest's and Keras' own variables dropped, KERAS_BACKEND set. JAX
    compiles every op for every new shape, and tests run small new shapes:
    compiling without LLVM's optimisations halves their time (XLA's CPU
    numerics do not depend on them)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "KERAS_"))
    }
    env["KERAS_BACKEND"] = backend
    if backend == "jax":
        env["XLA_FLAGS"] = " ".join(
            filter(
                None,
                [
                    env.get("XLA_FLAGS"),
                    "--xla_backend_optimization_level=0",
                    "--xla_llvm_disable_expensive_passes=true",
                ],
            )
        )
    return env


def run_script(name, *args, timeout=300, cwd=ROOT, env=None):
    """`python -m experiments.<name> args` from `cwd` (the repository root
    by default), output captured."""
    return subprocess.run(
        [sys.executable, "-m", f"experiments.{name}", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def assert_user_error(result, message):
    """The script exited 2 with `message` on stderr (line breaks folded)
    and no traceback."""
    stderr = " ".join(result.stderr.split())
    assert result.returncode == 2, (result.args, result.stderr)
    assert message in stderr, (message, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr


def train_flags(*args):
    """``(TrainConfig, workdir)`` as ``python -m experiments.train args``
    reads them (its own flags, flagfiles included, relative to the working
    directory), parsed in this process: the tests that train on flagfiles
    do so here, without another TensorFlow start-up."""
    from absl import flags

    from gen import settings
    from gen.training import train_config

    values = flags.FlagValues()
    flags.DEFINE_string("workdir", None, "", flag_values=values)
    train = settings.define_flags(train_config.TrainConfig, flag_values=values)
    values(["train", *args])
    return train.config().with_absolute_paths(), values.workdir
