"""Keras 3 layers for unpooling and transposed ("de-") convolution.

Import the package to register the layers for `.keras` loading
(`keras.models.load_model(path, safe_mode=True)` after ``import layers``).
All layers are channels-last and compute with `keras.ops`, so they run on
Keras' TensorFlow, JAX and PyTorch backends with the same outputs and
gradients; a `.keras` file saved on one backend loads on another. The
backend is the user's choice (``KERAS_BACKEND``, read when Keras is first
imported); constructing a layer on any other backend raises a ValueError.
"""

from layers import arithmetic
from layers.fixed_corner_unpooling import FixedCornerUnpooling2D
from layers.random_unpooling import RandomUnpooling2D
from layers.switch_pooling import MaxPoolingWithSwitches2D, SwitchUnpooling2D
from layers.tied_conv import TiedConv2D
from layers.unpool_conv import UnpoolConv2D

__all__ = [
    "FixedCornerUnpooling2D",
    "MaxPoolingWithSwitches2D",
    "RandomUnpooling2D",
    "SwitchUnpooling2D",
    "TiedConv2D",
    "UnpoolConv2D",
    "arithmetic",
]
