"""The layer tests' set-up, on every backend."""

import keras
import pytest


@pytest.fixture(autouse=True)
def _restore_keras_globals():
    """Overrides tests/conftest.py's: tests that change the dtype policy or
    Keras' names still cannot leak into others, without a full garbage
    collection after every test (a second each once PyTorch is imported)."""
    policy = keras.config.dtype_policy()
    yield
    keras.config.set_dtype_policy(policy)
    keras.backend.clear_session(free_memory=False)
