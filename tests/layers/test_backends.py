"""The layer tests on every Keras backend, files across backends, and the
refusal of the backends the layers do not support.

Keras fixes its backend at import, so the TensorFlow run (``make test``)
reruns this folder (and the chairs generator's `GENERATOR_TESTS`) in one
subprocess per other backend; their failures show in this test's message.
"""

import os
import pathlib
import subprocess
import sys

import pytest

import layers
from layers import _backend
from tests.layers import saved_models
from tests.layers.backend_utils import BACKEND
from tests.scripts import backend_env

ROOT = pathlib.Path(__file__).resolve().parents[2]
# Set in the subprocesses: where the TensorFlow run saved its model.
EXCHANGE = "LAYERS_TEST_EXCHANGE"
# The chairs generator's own test on every backend, run beside these.
GENERATOR_TESTS = "tests/gen/models/test_on_every_backend.py"
starts_other_backends = pytest.mark.skipif(
    BACKEND != "tensorflow" or EXCHANGE in os.environ,
    reason="the TensorFlow run starts the other backends' runs",
)

CONSTRUCTORS = [
    (layers.FixedCornerUnpooling2D, ()),
    (layers.RandomUnpooling2D, ()),
    (layers.MaxPoolingWithSwitches2D, ()),
    (layers.SwitchUnpooling2D, ()),
    (layers.UnpoolConv2D, (4, 3)),
    (layers.TiedConv2D, (4, 3)),
]


def _tail(text, limit=8000):
    return text if len(text) <= limit else "...\n" + text[-limit:]


@starts_other_backends
@pytest.mark.parametrize(
    "backend",
    [
        pytest.param("jax", marks=pytest.mark.slow(seconds=180)),
        pytest.param("torch", marks=pytest.mark.slow(seconds=25)),
    ],
)
def test_layer_tests_pass_on(backend, tmp_path):
    saved_models.save(tmp_path / "tensorflow")
    env = {**backend_env(backend), EXCHANGE: str(tmp_path)}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            "-p",
            "no:randomly",
            "tests/layers",
            GENERATOR_TESTS,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert result.returncode == 0, (
        f"The layer tests failed with KERAS_BACKEND={backend} (exit "
        f"{result.returncode}):\n{_tail(result.stdout + result.stderr)}"
    )
    # ... and the file that run saved loads here, on TensorFlow.
    saved_models.check(tmp_path / backend)


@pytest.mark.skipif(
    EXCHANGE not in os.environ, reason="runs inside test_layer_tests_pass_on"
)
def test_file_saved_on_tensorflow_loads_here():
    folder = pathlib.Path(os.environ[EXCHANGE])
    saved_models.check(folder / "tensorflow")
    saved_models.save(folder / BACKEND)


@pytest.mark.parametrize(
    "cls, args", CONSTRUCTORS, ids=[c.__name__ for c, _ in CONSTRUCTORS]
)
def test_unsupported_backend_is_refused_at_construction(cls, args, monkeypatch):
    monkeypatch.setattr(_backend, "name", lambda: "numpy")
    with pytest.raises(ValueError) as error:
        cls(*args)
    message = str(error.value)
    assert "\n" not in message
    for word in (
        cls.__name__,
        "'numpy'",
        "'tensorflow'",
        "'jax'",
        "'torch'",
        "KERAS_BACKEND",
    ):
        assert word in message, message


@starts_other_backends
def test_import_works_on_any_backend_and_keeps_the_users_choice():
    script = (
        "import keras, layers\n"
        "assert keras.backend.backend() == 'numpy'\n"
        "try:\n"
        "    layers.UnpoolConv2D(4, 3)\n"
        "except ValueError as error:\n"
        "    print(error)\n"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "KERAS_"))
    }
    env["KERAS_BACKEND"] = "numpy"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, _tail(result.stdout + result.stderr)
    assert "UnpoolConv2D does not run on the Keras backend 'numpy'" in (
        result.stdout
    ), result.stdout
