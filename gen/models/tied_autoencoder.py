"""A weight-tied convolutional autoencoder with a DeconvNet decoder.

The encoder is blocks of convolution + ReLU + 2x2 max pooling that records
its switches; the decoder mirrors it the way Zeiler & Fergus' deconvnet goes
back down a convnet: unpool, then filter with the *transposed* filters of the
same convolution (`layers.TiedConv2D` called with ``transpose=True``: one
kernel per conv layer, shared by encoder and decoder), each followed by its
own bias and a ReLU (a sigmoid for the image). Since unpooling only moves
values, the ReLU after each transposed filtering is the deconvnet's
"unpool, rectify, filter".

Two ways to unpool, compared by `gen.deconvnet.train_autoencoder`:

- ``"switch"``: `layers.SwitchUnpooling2D` with the switches the encoder
  recorded for the image being reconstructed (where each maximum was);
- ``"fixed_corner"``: `layers.FixedCornerUnpooling2D`, every value at the
  upper-left corner of its 2x2 cell (Dosovitskiy et al.): no switches.

Example:

>>> model = build_autoencoder(64, (32, 64, 64), unpooling="switch")
>>> [w.name for w in model.weights][:3]   # ['kernel', 'bias', 'transpose_bias']
"""

import os

import keras

import layers
from gen.errors import UserError

UNPOOLINGS = ("switch", "fixed_corner")
POOL_SIZE = 2


def build_autoencoder(resolution, filters, kernel_size=3, unpooling="switch"):
    """The autoencoder with `unpooling` "switch" or "fixed_corner" (module
    docstring).

    Args:
        resolution: input images are (resolution, resolution, 3) in [0, 1];
            a multiple of 2 ** len(filters).
        filters: channels of each encoder convolution, from the image up.
        kernel_size: of every convolution ("same" padding, stride 1).
        unpooling: "switch" or "fixed_corner".

    Layers are named ``conv{i}`` (TiedConv2D, used by encoder and decoder),
    ``pool{i}`` and ``unpool{i}``, i = 1 at the image. The model maps
    (B, R, R, 3) images in [0, 1] to reconstructions in [0, 1]; it has
    exactly one kernel per convolution (three weights per conv layer:
    ``kernel``, ``bias``, ``transpose_bias``).
    """
    if unpooling not in UNPOOLINGS:
        raise UserError(
            f"Unknown unpooling {unpooling!r}: use one of "
            f"{', '.join(map(repr, UNPOOLINGS))}."
        )
    inputs = keras.Input((resolution, resolution, 3), name="image")
    x = inputs
    convs, switches = [], []
    for i, f in enumerate(filters, start=1):
        conv = layers.TiedConv2D(
            f,
            kernel_size,
            padding="same",
            activation="relu",
            # The decoder's last transposed filtering draws the image.
            transpose_activation="sigmoid" if i == 1 else "relu",
            name=f"conv{i}",
        )
        x, s = layers.MaxPoolingWithSwitches2D(POOL_SIZE, name=f"pool{i}")(conv(x))
        convs.append(conv)
        switches.append(s)
    for i in reversed(range(len(filters))):
        name = f"unpool{i + 1}"
        if unpooling == "switch":
            x = layers.SwitchUnpooling2D(POOL_SIZE, name=name)(x, switches[i])
        else:
            x = layers.FixedCornerUnpooling2D(POOL_SIZE, name=name)(x)
        x = convs[i](x, transpose=True)
    return keras.Model(inputs, x, name=f"{unpooling}_autoencoder")


def load_autoencoder(path):
    """A saved autoencoder, its ties intact (one kernel per conv layer)."""
    if not os.path.isfile(path):
        raise UserError(f"No model file at {path}.")
    return keras.models.load_model(path, safe_mode=True)
