"""Shared test set-up: quiet TensorFlow, restore global Keras state."""

import os
import shutil

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import pytest  # noqa: E402


def _expected_seconds(item):
    marker = item.get_closest_marker("slow")
    if marker is None:
        return 0
    return marker.kwargs.get("seconds", 20)


def pytest_collection_modifyitems(items):
    """The longest tests first (`slow(seconds=...)`, their time on 2 cores):
    `make test` hands tests to the workers one at a time in this order
    (--maxschedchunk=1), and longest-first is the classic balanced
    schedule; a long test started last would leave the other workers idle
    at the end."""
    items.sort(key=lambda item: -_expected_seconds(item))


def _shared_across_workers(tmp_path_factory, name, make):
    """`make(folder)` once per test session, whichever pytest-xdist worker
    asks first; the others wait for it and reuse `folder`."""
    from filelock import FileLock

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # shared by the workers of this session
    folder = root / name
    with FileLock(str(folder) + ".lock"):
        done = root / (name + ".done")
        if not done.exists():
            if folder.exists():  # a worker died while making it
                shutil.rmtree(folder)
            folder.mkdir()
            make(folder)
            done.touch()
    return str(folder)


@pytest.fixture(autouse=True)
def _restore_keras_globals():
    """Tests that change the dtype policy or Keras' names cannot leak into
    others. Without a full garbage collection after every test: with
    TensorFlow (and in the backend reruns PyTorch) loaded, one takes about a
    third of a second, a minute or more of the suite's CPU; Python's own
    collector still runs."""
    policy = keras.config.dtype_policy()
    yield
    keras.config.set_dtype_policy(policy)
    keras.backend.clear_session(free_memory=False)


@pytest.fixture(scope="session")
def chairs_data_dir(tmp_path_factory):
    """A TFDS data_dir holding 3 synthetic chairs at 32x32, built once."""

    def build(data_dir):
        from gen.data import chairs_data

        chairs_data.load_chairs(
            "synthetic_chairs", data_dir=str(data_dir), resolution=32, num_chairs=3
        )

    return _shared_across_workers(tmp_path_factory, "tfds", build)


TINY_RUN_FLAGS = dict(
    num_chairs=3,
    resolution=32,
    width=0.125,
    batch_size=8,
    steps=12,
    log_every=4,
    sample_every=6,
    checkpoint_every=6,
    precision="float32",
)


@pytest.fixture(scope="session")
def tiny_run(chairs_data_dir, tmp_path_factory):
    """A finished tiny training run (workdir path), trained once. Every
    worker reads it: tests that write into a run use a copy."""

    def train(workdir):
        from gen.training import train_config, trainer

        config = train_config.TrainConfig(data_dir=chairs_data_dir, **TINY_RUN_FLAGS)
        trainer.train(config, str(workdir), echo=lambda line: None)

    return _shared_across_workers(tmp_path_factory, "tiny", train)


@pytest.fixture(scope="session")
def tiny_generator_and_data(tiny_run):
    """The tiny run's generator, loaded from its `.keras` file, and its data."""
    from gen.explore import run_files

    info = run_files.locate(workdir=tiny_run)
    model = run_files.load_generator(info.generator_path)
    return model, run_files.load_data(run_files.data_source(info), model)
