"""Image-quality metrics of the generator, as Keras metrics.

Each is a per-image figure (`psnr_per_image`, `mask_iou_per_image`)
averaged over the images seen by `keras.metrics.MeanMetricWrapper`, so a
batch of 64 and 64 batches of one give the same number, and a
`sample_weight` weighs each image (0 leaves an image out). Written in
`keras.ops`: they run on every Keras backend.
"""

import keras
from keras import ops


def _image_axes(x):
    return list(range(1, len(x.shape)))


def psnr_per_image(y_true, y_pred, max_value=1.0):
    """``10 log10(max_value^2 / MSE)`` of each image, (B,); predictions
    clipped to ``[0, max_value]``, the MSE floored at 1e-10."""
    y_true = ops.cast(y_true, "float32")
    y_pred = ops.clip(ops.cast(y_pred, "float32"), 0.0, max_value)
    mse = ops.maximum(
        ops.mean(ops.square(y_true - y_pred), axis=_image_axes(y_true)), 1e-10
    )
    return 10.0 * ops.log10(max_value**2 / mse)


def mask_iou_per_image(y_true, y_pred, threshold=0.5):
    """Intersection over union of the masks thresholded at `threshold`,
    (B,); 1 for an image whose target and prediction are both empty."""
    target = ops.cast(y_true, "float32") > threshold
    predicted = ops.cast(y_pred, "float32") > threshold
    axes = _image_axes(y_true)
    inter = ops.sum(ops.cast(ops.logical_and(target, predicted), "float32"), axis=axes)
    union = ops.sum(ops.cast(ops.logical_or(target, predicted), "float32"), axis=axes)
    return ops.where(union > 0, inter / ops.maximum(union, 1.0), 1.0)


@keras.saving.register_keras_serializable(package="gen")
class PSNR(keras.metrics.MeanMetricWrapper):
    """Mean per-image peak signal-to-noise ratio, in dB (`psnr_per_image`).

    On the generator's "rgb" output against the masked target this is the
    masked-RGB PSNR.
    """

    def __init__(self, max_value=1.0, name="psnr", dtype=None):
        super().__init__(psnr_per_image, name=name, dtype=dtype, max_value=max_value)
        self.max_value = max_value

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "max_value": self.max_value}


@keras.saving.register_keras_serializable(package="gen")
class MaskIoU(keras.metrics.MeanMetricWrapper):
    """Mean per-image intersection over union of thresholded masks
    (`mask_iou_per_image`)."""

    def __init__(self, threshold=0.5, name="mask_iou", dtype=None):
        super().__init__(
            mask_iou_per_image, name=name, dtype=dtype, threshold=threshold
        )
        self.threshold = threshold

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "threshold": self.threshold}
