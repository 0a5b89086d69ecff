"""What the generator is optimised with: Adam with TensorFlow's fused update
kernel, and the learning-rate schedules (both saved in a compiled model's
`.keras` file, so both are registered Keras objects).

`keras.optimizers.Adam` updates each variable with about a dozen separate
elementwise ops (subtract, multiply, assign_add, square, sqrt, divide, ...),
each a full pass over the variable's memory, which for the chairs
generator's 31.6 million parameters is a large share of a training step
(docs/benchmarks.md). TensorFlow's `ResourceApplyAdam` kernel does the same
update, with the same formula, in one fused kernel.
"""

import math

import keras
import tensorflow as tf
from keras import ops

STEP_DROP_AT = 5 / 6  # CVPR schedule: 2e-4 -> 1e-4 at 250k of 300k steps
STEP_DROP_FACTOR = 0.5


@keras.saving.register_keras_serializable(package="gen")
class FusedAdam(keras.optimizers.Adam):
    """`keras.optimizers.Adam`, updating dense gradients with TF's fused kernel.

    Same arguments, slot variables (so checkpoints are interchangeable with
    `keras.optimizers.Adam`'s) and update::

        m <- beta_1 m + (1 - beta_1) g
        v <- beta_2 v + (1 - beta_2) g^2
        w <- w - lr sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + eps)

    AMSGrad and sparse (IndexedSlices) gradients fall back to Keras' update.
    Needs the TensorFlow backend.
    """

    def update_step(self, gradient, variable, learning_rate):
        if (
            self.amsgrad
            or isinstance(gradient, tf.IndexedSlices)
            or not hasattr(variable, "handle")
        ):
            return super().update_step(gradient, variable, learning_rate)
        dtype = variable.dtype
        index = self._get_variable_index(variable)
        step = tf.cast(self.iterations + 1, dtype)
        beta_1 = tf.cast(self.beta_1, dtype)
        beta_2 = tf.cast(self.beta_2, dtype)
        tf.raw_ops.ResourceApplyAdam(
            var=variable.handle,
            m=self._momentums[index].handle,
            v=self._velocities[index].handle,
            beta1_power=tf.pow(beta_1, step),
            beta2_power=tf.pow(beta_2, step),
            lr=tf.cast(learning_rate, dtype),
            beta1=beta_1,
            beta2=beta_2,
            epsilon=tf.cast(self.epsilon, dtype),
            grad=tf.cast(gradient, dtype),
            use_locking=False,
        )


@keras.saving.register_keras_serializable(package="gen")
class LearningRate(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warm-up, then constant, step (halved at 5/6), cosine decay or
    piecewise constant.

    Args:
        peak: the learning rate after warm-up.
        total_steps: the run's steps (the horizon of step, cosine and
            piecewise).
        kind: "constant", "step", "cosine" or "piecewise".
        warmup_steps: linear warm-up from zero.
        boundaries: piecewise: fractions of `total_steps`, increasing, where
            the rate changes.
        factors: piecewise: the rate after each boundary, as a factor of
            `peak` (the authors' 128x128 stage 3: boundaries (0.4, 0.6),
            factors (0.2, 0.04): 5e-5, then 1e-5, then 2e-6).

    `total_steps` can be set on a schedule in use: on the TensorFlow backend
    the horizon is a variable that a traced training step reads, so a new
    horizon (--fit_to_time's) takes effect at the next step without tracing
    the step again (a new trace of the chairs generator's step takes seconds
    to a minute on a CPU; docs/benchmarks.md).
    """

    def __init__(
        self,
        peak,
        total_steps,
        kind="constant",
        warmup_steps=0,
        boundaries=(),
        factors=(),
    ):
        self.peak = float(peak)
        # Not tracked by the optimiser's checkpoint (a schedule is not
        # trackable): the horizon is a setting, recorded in config.json.
        self._horizon = (
            tf.Variable(float(total_steps), trainable=False, name="lr_horizon")
            if keras.backend.backend() == "tensorflow"
            else None
        )
        self.total_steps = total_steps
        self.kind = kind
        self.warmup_steps = int(warmup_steps)
        self.boundaries = tuple(float(b) for b in boundaries)
        self.factors = tuple(float(f) for f in factors)

    @property
    def total_steps(self):
        return self._total_steps

    @total_steps.setter
    def total_steps(self, value):
        self._total_steps = int(value)
        if self._horizon is not None:
            self._horizon.assign(float(self._total_steps))

    def __call__(self, step):
        step = ops.cast(step, "float32")
        horizon = (
            self._total_steps if self._horizon is None else self._horizon.read_value()
        )
        if self.kind == "cosine":
            progress = ops.minimum(step / horizon, 1.0)
            rate = self.peak * 0.5 * (1.0 + ops.cos(math.pi * progress))
        elif self.kind == "step":
            rate = ops.where(
                step < STEP_DROP_AT * horizon, self.peak, self.peak * STEP_DROP_FACTOR
            )
        elif self.kind == "piecewise":
            rate = ops.full((), self.peak, "float32")
            for boundary, factor in zip(self.boundaries, self.factors):
                rate = ops.where(step < boundary * horizon, rate, self.peak * factor)
        else:
            rate = ops.full((), self.peak, "float32")
        if self.warmup_steps:
            rate *= ops.minimum((step + 1.0) / self.warmup_steps, 1.0)
        return rate

    def get_config(self):
        config = {
            "peak": self.peak,
            "total_steps": self.total_steps,
            "kind": self.kind,
            "warmup_steps": self.warmup_steps,
        }
        if self.kind == "piecewise":
            config.update(boundaries=list(self.boundaries), factors=list(self.factors))
        return config
