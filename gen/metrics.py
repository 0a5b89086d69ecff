"""Image-quality metrics of the generator, as Keras metrics.

Both average a per-image figure over all images seen, so a batch of 64 and
64 batches of one give the same number.
"""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="gen")
class PSNR(keras.metrics.Metric):
    """Mean per-image peak signal-to-noise ratio, in dB.

    ``10 log10(max_value^2 / MSE)`` of each image (predictions clipped to
    ``[0, max_value]``), averaged over images. On the generator's "rgb"
    output against the masked target this is the masked-RGB PSNR.
    """

    def __init__(self, max_value=1.0, name="psnr", **kwargs):
        super().__init__(name=name, **kwargs)
        self.max_value = max_value
        self.total = self.add_variable((), initializer="zeros", name="total")
        self.count = self.add_variable((), initializer="zeros", name="count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = tf.cast(y_true, tf.float32)
        y_pred = tf.clip_by_value(tf.cast(y_pred, tf.float32), 0.0,
                                  self.max_value)
        axes = list(range(1, len(y_true.shape)))
        mse = tf.maximum(tf.reduce_mean(tf.square(y_true - y_pred), axes), 1e-10)
        psnr = 10.0 * tf.math.log(self.max_value ** 2 / mse) / tf.math.log(10.0)
        self.total.assign_add(tf.reduce_sum(psnr))
        self.count.assign_add(tf.cast(tf.shape(psnr)[0], tf.float32))

    def result(self):
        return tf.math.divide_no_nan(self.total, self.count)

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value}


@keras.saving.register_keras_serializable(package="gen")
class MaskIoU(keras.metrics.Metric):
    """Mean per-image intersection over union of thresholded masks.

    Pixels are foreground where the value exceeds `threshold`. An image
    whose target and prediction are both empty counts as IoU 1.
    """

    def __init__(self, threshold=0.5, name="mask_iou", **kwargs):
        super().__init__(name=name, **kwargs)
        self.threshold = threshold
        self.total = self.add_variable((), initializer="zeros", name="total")
        self.count = self.add_variable((), initializer="zeros", name="count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        target = tf.cast(y_true, tf.float32) > self.threshold
        predicted = tf.cast(y_pred, tf.float32) > self.threshold
        axes = list(range(1, len(y_true.shape)))
        inter = tf.reduce_sum(tf.cast(target & predicted, tf.float32), axes)
        union = tf.reduce_sum(tf.cast(target | predicted, tf.float32), axes)
        iou = tf.where(union > 0, inter / tf.maximum(union, 1.0), 1.0)
        self.total.assign_add(tf.reduce_sum(iou))
        self.count.assign_add(tf.cast(tf.shape(iou)[0], tf.float32))

    def result(self):
        return tf.math.divide_no_nan(self.total, self.count)

    def get_config(self):
        return {**super().get_config(), "threshold": self.threshold}
