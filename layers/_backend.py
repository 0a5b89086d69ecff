"""Which Keras backend runs the layers, and the check every layer makes.

The layers compute with `keras.ops`, so they run wherever Keras 3 runs its
TensorFlow, JAX or PyTorch backend, with the same numbers. The
backend-specific fast paths live in `layers.backends`, one module per
backend; nothing here imports a backend, so ``import layers`` works under
any ``KERAS_BACKEND``.
"""

import keras

SUPPORTED = ("tensorflow", "jax", "torch")


def name():
    """The running Keras backend: ``"tensorflow"``, ``"jax"``, ``"torch"``..."""
    return keras.backend.backend()


def check_supported(layer_name):
    """Raises a one-paragraph ValueError unless the backend is supported."""
    backend = name()
    if backend not in SUPPORTED:
        raise ValueError(
            f"{layer_name} does not run on the Keras backend {backend!r}; it "
            "runs on 'tensorflow', 'jax' and 'torch', with the same outputs "
            "and gradients on each. Keras fixes its backend when it is first "
            "imported: set the environment variable KERAS_BACKEND to one of "
            "them (for example KERAS_BACKEND=jax) before importing keras."
        )
    return backend
