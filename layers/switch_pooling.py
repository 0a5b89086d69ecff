"""Max pooling that records its switches, and unpooling that uses them.

Zeiler & Fergus, "Visualizing and Understanding Convolutional Networks"
(2014): the deconvnet records, for every pooling window, where its maximum
was (the "switch"), and unpools by putting each value back there, zeros
elsewhere; where windows overlap, values landing on one position add up.

What the pooling hands to the unpooling
---------------------------------------
The switches are the pooled input itself (with its gradient stopped):
unpooling finds each window's first maximum (row-major order on ties) in
them. Keeping the input instead of flat argmax indices

* makes the unpooled shape exact from ``unpool(updates, switches)`` alone,
  odd sizes and ``"same"`` padding included (indices cannot tell a 4-wide
  input from a 5-wide one);
* compiles under XLA (TensorFlow's ``jit_compile=True``, ``jax.jit``),
  unlike `tf.nn.max_pool_with_argmax`, which has no XLA kernel;
* means the same on every backend, where PyTorch's `max_unpool2d` writes one
  of the values that land on a position instead of adding them;
* costs the same memory as int32 indices of the input's size.

Where a backend's pooling finds the maxima as flat indices anyway
(TensorFlow graphs outside XLA, PyTorch), the switches tensor it returns
also carries them, so that the matching unpooling does not search again;
`layers.backends` documents how on each backend. Switches without them (a
model's input, a copy, another pooling's arguments) give the same result.

How it is computed
------------------
`layers._switch_windows` holds the definitions in `keras.ops`; each
backend's recipe for the same numbers is in `layers.backends`, reached
through `backends.max_pool_with_switches` and `backends.switch_unpool`.
"""

import keras

from layers import _backend, _checks, arithmetic, backends


def _pool_arguments(pool_size, strides, padding):
    pool_size = _checks.positive_pair(pool_size, "pool_size")
    strides = (
        pool_size if strides is None else _checks.positive_pair(strides, "strides")
    )
    return pool_size, strides, _checks.padding_string(padding)


@keras.saving.register_keras_serializable(package="layers")
class MaxPoolingWithSwitches2D(keras.layers.Layer):
    """Max pooling that also returns where each maximum was (its switches).

    ``pooled`` equals `keras.layers.MaxPooling2D` with the same arguments, and
    gradients flow through it to the input, to each window's first maximum
    (row-major order on ties) on every backend. ``switches`` records where
    each window's maximum was: it is the pooled input itself with its
    gradient stopped, not argmax indices (see the module docstring for
    why). Pass it to a `layers.SwitchUnpooling2D` with the same arguments
    (`matching_unpooling` builds one) to put values back where the maxima
    were.

    Args:
        pool_size: int or pair, the window size.
        strides: int, pair or None (defaults to `pool_size`). Windows overlap
            when a stride is smaller than the window.
        padding: ``"valid"`` or ``"same"``, as in `keras.layers.MaxPooling2D`.
        data_format: only ``"channels_last"`` (or None for Keras' global
            setting, which must then be channels-last).
        **kwargs: base `keras.layers.Layer` arguments.

    Input shape:
        4D tensor ``(batch, height, width, channels)``.

    Output:
        A tuple ``(pooled, switches)``: ``pooled`` is
        ``(batch, pooled_height, pooled_width, channels)``; ``switches`` is
        ``(batch, height, width, channels)``, in the layer's compute dtype,
        equal to the input. On TensorFlow graphs (outside XLA) and on
        PyTorch the switches tensor also carries the pooling's flat argmax
        indices for the matching unpooling (`layers.backends`); its values
        are the input's all the same.

    Example:

    >>> x = np.arange(35, dtype="float32").reshape(1, 5, 7, 1)
    >>> pool = layers.MaxPoolingWithSwitches2D(pool_size=2)
    >>> pooled, switches = pool(x)
    >>> tuple(pooled.shape), tuple(switches.shape)
    ((1, 2, 3, 1), (1, 5, 7, 1))
    >>> y = pool.matching_unpooling()(pooled, switches)  # maxima, 0 elsewhere
    >>> keras.ops.convert_to_numpy(y)[0, :2, :, 0]
    array([[ 0.,  0.,  0.,  0.,  0.,  0.,  0.],
           [ 0.,  8.,  0., 10.,  0., 12.,  0.]], dtype=float32)
    """

    def __init__(
        self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs
    ):
        _backend.check_supported(type(self).__name__)
        super().__init__(**kwargs)
        self.pool_size, self.strides, self.padding = _pool_arguments(
            pool_size, strides, padding
        )
        self.data_format = _checks.channels_last(data_format, type(self).__name__)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def build(self, input_shape):
        _checks.rank4(input_shape, type(self).__name__)
        self.built = True

    def call(self, inputs):
        return backends.max_pool_with_switches(
            inputs, self.pool_size, self.strides, self.padding
        )

    def compute_output_shape(self, input_shape):
        b, h, w, c = _checks.rank4(input_shape, type(self).__name__)
        pooled = (
            b,
            arithmetic.pool_output_size(
                h, self.pool_size[0], self.strides[0], self.padding
            ),
            arithmetic.pool_output_size(
                w, self.pool_size[1], self.strides[1], self.padding
            ),
            c,
        )
        return pooled, (b, h, w, c)

    def compute_output_spec(self, inputs):
        pooled_shape, switches_shape = self.compute_output_shape(inputs.shape)
        return (
            keras.KerasTensor(pooled_shape, dtype=self.compute_dtype),
            keras.KerasTensor(switches_shape, dtype=self.compute_dtype),
        )

    def matching_unpooling(self, **kwargs):
        """A `SwitchUnpooling2D` with this layer's pool size, strides, padding."""
        return SwitchUnpooling2D(self.pool_size, self.strides, self.padding, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "pool_size": self.pool_size,
                "strides": self.strides,
                "padding": self.padding,
                "data_format": self.data_format,
            }
        )
        return config


@keras.saving.register_keras_serializable(package="layers")
class SwitchUnpooling2D(keras.layers.Layer):
    """Unpooling with recorded switches (Zeiler & Fergus).

    Called as ``unpool(updates, switches)``: every value of `updates` (one
    per pooling window) goes to the position of its window's maximum in the
    input that `layers.MaxPoolingWithSwitches2D` pooled, zeros elsewhere.
    Where windows overlap, values that land on the same position are added,
    as in Zeiler & Fergus' Caffe unpooling (PyTorch's `max_unpool2d` writes
    one of them instead). Ties go to the first maximum in row-major order.
    The output has exactly the shape of the pooled input. It is linear in
    `updates`, so gradients flow to `updates`; `switches` carry none. The
    same on TensorFlow (also under ``jit_compile=True``), JAX (also under
    `jax.jit`) and PyTorch.

    Use the same `pool_size`, `strides` and `padding` as the pooling layer
    (`MaxPoolingWithSwitches2D.matching_unpooling()` does that).

    Args:
        pool_size: int or pair, the pooling window size.
        strides: int, pair or None (defaults to `pool_size`).
        padding: ``"valid"`` or ``"same"``.
        data_format: only ``"channels_last"``.
        **kwargs: base `keras.layers.Layer` arguments.

    Call arguments:
        updates: ``(batch, pooled_height, pooled_width, channels)``, values
            to unpool (the pooled maps, or a signal projected down to them).
        switches: ``(batch, height, width, channels)`` from
            `MaxPoolingWithSwitches2D`.

    Output shape:
        ``(batch, height, width, channels)``, the switches' shape.
    """

    def __init__(
        self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs
    ):
        _backend.check_supported(type(self).__name__)
        super().__init__(**kwargs)
        self.pool_size, self.strides, self.padding = _pool_arguments(
            pool_size, strides, padding
        )
        self.data_format = _checks.channels_last(data_format, type(self).__name__)

    def build(self, updates_shape, switches_shape):
        self._check_shapes(updates_shape, switches_shape)
        self.built = True

    def _check_shapes(self, updates_shape, switches_shape):
        name = type(self).__name__
        updates_shape = _checks.rank4(updates_shape, name, "updates")
        switches_shape = _checks.rank4(switches_shape, name, "switches")
        if updates_shape[-1] != switches_shape[-1]:
            raise ValueError(
                f"{name}: updates have {updates_shape[-1]} channels but the "
                f"switches have {switches_shape[-1]}; pass the switches "
                "recorded when pooling the maps that `updates` stand for."
            )
        for axis in (1, 2):
            expected = arithmetic.pool_output_size(
                switches_shape[axis],
                self.pool_size[axis - 1],
                self.strides[axis - 1],
                self.padding,
            )
            if (
                expected is not None
                and updates_shape[axis] is not None
                and (expected != updates_shape[axis])
            ):
                raise ValueError(
                    f"{name}: switches of shape {switches_shape} come from "
                    f"pooling a {switches_shape[1]}x{switches_shape[2]} input, "
                    f"which with pool_size={self.pool_size}, strides="
                    f"{self.strides} and padding='{self.padding}' gives "
                    "pooled maps of "
                    f"{arithmetic.pool_output_size(switches_shape[1], self.pool_size[0], self.strides[0], self.padding)}x"
                    f"{arithmetic.pool_output_size(switches_shape[2], self.pool_size[1], self.strides[1], self.padding)}"
                    f", but updates have shape {updates_shape}. Use the "
                    "switches and pool arguments of the pooling that produced "
                    "these updates."
                )
        return updates_shape, switches_shape

    def call(self, updates, switches):
        dtype = keras.backend.standardize_dtype(switches.dtype)
        if not keras.backend.is_float_dtype(dtype):
            raise ValueError(
                f"{type(self).__name__}: switches must be the floating-point "
                "tensor that MaxPoolingWithSwitches2D returns (the pooled "
                f"input), got dtype {dtype}. Integer argmax indices "
                "(tf.nn.max_pool_with_argmax, PyTorch's return_indices) are "
                "not accepted."
            )
        self._check_shapes(tuple(updates.shape), tuple(switches.shape))
        return backends.switch_unpool(
            updates, switches, self.pool_size, self.strides, self.padding
        )

    def compute_output_shape(self, updates_shape, switches_shape):
        updates_shape, switches_shape = self._check_shapes(
            updates_shape, switches_shape
        )
        return tuple(switches_shape[:3]) + (updates_shape[-1],)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "pool_size": self.pool_size,
                "strides": self.strides,
                "padding": self.padding,
                "data_format": self.data_format,
            }
        )
        return config
