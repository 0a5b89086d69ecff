"""Losses of the chairs generator (Dosovitskiy et al.), as Keras losses.

The RGB output is trained with the squared error against the target image
multiplied by its mask (so the network learns to draw black outside the
chair); the mask output with the squared error against the 0/1 mask
("-E" variants, weight 0.1) or with the negative log-likelihood of a
two-class softmax ("-S" variants, weight 100). Both are means over pixels
and channels, so the weights are comparable across resolutions.
"""

import keras

EUCLIDEAN_MASK_WEIGHT = 0.1
SOFTMAX_MASK_WEIGHT = 100.0


def generator_losses(config):
    """``(losses, loss_weights)`` dicts for `model.compile`, keyed by output.

    Args:
        config: a `gen.chairs.GeneratorConfig`.
    """
    if config.softmax_mask:
        # The model's "mask" output is the softmax's foreground probability;
        # binary cross-entropy of it is the two-class softmax NLL.
        mask_loss = keras.losses.BinaryCrossentropy(name="mask_nll")
        weight = SOFTMAX_MASK_WEIGHT
    else:
        mask_loss = keras.losses.MeanSquaredError(name="mask_mse")
        weight = EUCLIDEAN_MASK_WEIGHT
    losses = {"rgb": keras.losses.MeanSquaredError(name="rgb_mse"),
              "mask": mask_loss}
    return losses, {"rgb": 1.0, "mask": weight}
