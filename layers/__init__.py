"""Keras 3 layers for unpooling and transposed ("de-") convolution.

Import the package to register the layers for `.keras` loading
(`keras.models.load_model(path, safe_mode=True)` after ``import layers``).
All layers are channels-last and compute with TensorFlow ops (Keras'
TensorFlow backend).
"""

import os as _os

_os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from layers import arithmetic  # noqa: E402
from layers.fixed_corner_unpooling import FixedCornerUnpooling2D  # noqa: E402
from layers.random_unpooling import RandomUnpooling2D  # noqa: E402
from layers.switch_pooling import MaxPoolingWithSwitches2D  # noqa: E402
from layers.switch_pooling import SwitchUnpooling2D  # noqa: E402
from layers.tied_conv import TiedConv2D  # noqa: E402
from layers.unpool_conv import UnpoolConv2D  # noqa: E402

__all__ = [
    "FixedCornerUnpooling2D",
    "MaxPoolingWithSwitches2D",
    "RandomUnpooling2D",
    "SwitchUnpooling2D",
    "TiedConv2D",
    "UnpoolConv2D",
    "arithmetic",
]
