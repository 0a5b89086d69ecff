"""Losses of the chairs generator (Dosovitskiy et al.), as Keras losses.

The RGB output is trained with the squared error against the target image
multiplied by its mask (so the network learns to draw black outside the
chair); the mask output with the squared error against the 0/1 mask ("-E"
variants, weight 0.1) or with the negative log-likelihood of a two-class
softmax ("-S" variants, weight 100).

Scale matters here. The squared errors are Caffe's ``EuclideanLoss``, as in
the authors' files: half the sum over pixels and channels, averaged over the
batch. Adam's epsilon of 1e-6 (TPAMI) was chosen for gradients of that size;
with a per-pixel mean instead (Keras' MeanSquaredError, 12,288x smaller at
64x64) most gradients of the large fully connected layers fall below
epsilon, and Adam then barely moves them. The softmax NLL is averaged over
pixels, as Caffe's ``SoftmaxWithLoss`` normalises it.
"""

import keras
from keras import ops

EUCLIDEAN_MASK_WEIGHT = 0.1
SOFTMAX_MASK_WEIGHT = 100.0


@keras.saving.register_keras_serializable(package="gen")
class EuclideanLoss(keras.losses.Loss):
    """Caffe's EuclideanLoss: ``0.5 * sum((y_pred - y_true)^2)`` per example
    (over every axis but the batch), averaged over the batch."""

    def __init__(self, name="euclidean", **kwargs):
        super().__init__(name=name, **kwargs)

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, y_pred.dtype)
        axes = list(range(1, len(y_pred.shape)))
        return 0.5 * ops.sum(ops.square(y_pred - y_true), axis=axes)


def generator_losses(config, mask_weight=None):
    """``(losses, loss_weights)`` dicts for `model.compile`, keyed by output.

    Args:
        config: a `gen.models.chairs_generator.GeneratorConfig`.
        mask_weight: the mask loss's weight against the RGB loss's 1; None:
            the authors' for the variant (`SOFTMAX_MASK_WEIGHT` or
            `EUCLIDEAN_MASK_WEIGHT`).
    """
    if config.softmax_mask:
        # The model's "mask" output is the softmax's foreground probability;
        # binary cross-entropy of it is the two-class softmax NLL.
        mask_loss = keras.losses.BinaryCrossentropy(name="mask_nll")
        default = SOFTMAX_MASK_WEIGHT
    else:
        mask_loss = EuclideanLoss(name="mask_euclidean")
        default = EUCLIDEAN_MASK_WEIGHT
    losses = {"rgb": EuclideanLoss(name="rgb_euclidean"), "mask": mask_loss}
    weight = default if mask_weight is None else float(mask_weight)
    return losses, {"rgb": 1.0, "mask": weight}
