"""A convolution and its transpose sharing one kernel: the weight-tied
Conv2DTranspose."""

import keras
import tensorflow as tf

from layers import _checks
from layers import _spatial
from layers import _weight_settings
from layers import arithmetic


@keras.saving.register_keras_serializable(package="layers")
class TiedConv2D(keras.layers.Layer):
    """A Conv2D whose transposed call reuses its kernel (weight tying).

    ``layer(x)`` is an ordinary `keras.layers.Conv2D`. ``layer(h,
    transpose=True)`` is the transposed convolution (the "deconvolution" of a
    DeconvNet decoder) with the *same kernel variable*, its own bias sized to
    the forward input's channels, and an output whose spatial shape equals
    the forward input's, odd sizes included. With zero biases and no
    activations the two calls are exact adjoints:
    ``sum(conv(x) * y) == sum(x * conv_transpose(y))``.

    Keras 3 ties weights by sharing a layer, not a variable (a variable
    shared by two layers is saved twice and reloaded untied), so tying lives
    in one layer with a mode switch, as in `keras.layers.ReversibleEmbedding`.
    A model that calls the layer both ways keeps one kernel through
    ``model.save("m.keras")`` and ``keras.models.load_model``.

    The layer records the spatial size of its forward input when it is
    built; the transposed call restores it. If that size was unknown (None),
    the transposed call returns Keras' default size for `padding`
    (``"same"``: ``h * s``; ``"valid"``: ``(h - 1) * s + k``).

    Args:
        filters: int, output channels of the forward convolution.
        kernel_size: int or pair.
        strides: int or pair.
        padding: ``"valid"`` or ``"same"``.
        use_bias: whether each direction adds its bias (forward:
            ``(filters,)``; transposed: ``(in_channels,)``).
        activation: activation of the forward call.
        transpose_activation: activation of the transposed call (None:
            linear, so the transposed call of an encoder layer can emit
            images).
        kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint,
        bias_constraint: as in `keras.layers.Conv2D`; the bias settings apply
            to both biases.
        data_format: only ``"channels_last"``.
        **kwargs: base `keras.layers.Layer` arguments.

    Call arguments:
        inputs: forward: ``(batch, height, width, in_channels)``; transposed:
            ``(batch, out_height, out_width, filters)``.
        transpose: bool, which direction to run.

    Example:

    >>> conv = layers.TiedConv2D(32, 3, strides=2, activation="relu")
    >>> inputs = keras.Input((63, 63, 3))
    >>> code = conv(inputs)                          # (None, 32, 32, 32)
    >>> recon = conv(code, transpose=True)           # (None, 63, 63, 3)
    >>> model = keras.Model(inputs, recon)           # one kernel
    """

    def __init__(self, filters, kernel_size, strides=1, padding="same",
                 use_bias=True, activation=None, transpose_activation=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, data_format=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if isinstance(filters, bool) or not isinstance(filters, int) or (
                filters < 1):
            raise ValueError(f"`filters` must be a positive int, got {filters!r}.")
        self.filters = filters
        self.kernel_size = _checks.positive_pair(kernel_size, "kernel_size")
        self.strides = _checks.positive_pair(strides, "strides")
        self.padding = _checks.padding_string(padding)
        self.use_bias = use_bias
        self.activation = keras.activations.get(activation)
        self.transpose_activation = keras.activations.get(transpose_activation)
        _weight_settings.assign(
            self, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint)
        self.data_format = _checks.channels_last(data_format, type(self).__name__)
        self.forward_input_hw = None

    def __call__(self, inputs, *args, transpose=False, **kwargs):
        if transpose and not self.built:
            raise ValueError(
                f"{type(self).__name__} '{self.name}' was called with "
                "transpose=True before its forward call. Call it on its "
                "forward input first (that creates the kernel and records the "
                "size to restore), then on the maps to transpose.")
        return super().__call__(inputs, *args, transpose=transpose, **kwargs)

    def build(self, input_shape):
        _, h, w, channels = _checks.rank4(input_shape, type(self).__name__)
        self.forward_input_hw = (h, w)
        self.in_channels = channels
        self.kernel = self.add_weight(
            name="kernel", shape=self.kernel_size + (channels, self.filters),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.bias = self.transpose_bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=(self.filters,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint)
            self.transpose_bias = self.add_weight(
                name="transpose_bias", shape=(channels,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint)
        self.built = True

    def call(self, inputs, transpose=False):
        if transpose:
            self._check_transpose_input(inputs.shape)
            outputs = self._conv_transpose(inputs)
            bias, activation = self.transpose_bias, self.transpose_activation
        else:
            outputs = tf.nn.conv2d(inputs, self.kernel, self.strides,
                                   self.padding.upper())
            bias, activation = self.bias, self.activation
        if bias is not None:
            outputs = tf.nn.bias_add(outputs, bias)
        return activation(outputs) if activation else outputs

    def _conv_transpose(self, inputs):
        b, h, w, _ = _spatial.dims(inputs)
        out_h, out_w = self._transpose_hw(h, w)
        # conv2d_transpose is defined as the gradient of conv2d with the same
        # strides and padding that maps `output_shape` onto `inputs`, so the
        # unchanged kernel gives the exact adjoint (REFERENCE.md, sec. 3).
        return tf.nn.conv2d_transpose(
            inputs, self.kernel, tf.stack([b, out_h, out_w, self.in_channels]),
            self.strides, self.padding.upper())

    def _transpose_hw(self, h, w):
        sizes = []
        for axis, size in enumerate((h, w)):
            recorded = self.forward_input_hw[axis]
            if recorded is not None:
                sizes.append(recorded)
            else:
                sizes.append(self._default_transpose_size(size, axis))
        return tuple(sizes)

    def _default_transpose_size(self, size, axis):
        # Keras' Conv2DTranspose default (arithmetic.transposed_conv_output_size
        # with output_padding=None), written so that it also takes tensors.
        if size is None:
            return None
        k, s = self.kernel_size[axis], self.strides[axis]
        return size * s if self.padding == "same" else size * s + max(k - s, 0)

    def _check_transpose_input(self, shape):
        name = type(self).__name__
        shape = _checks.rank4(shape, name, "transposed input")
        if shape[-1] != self.filters:
            raise ValueError(
                f"{name} '{self.name}': the transposed call takes maps with "
                f"{self.filters} channels (the layer's `filters`), got shape "
                f"{shape}.")
        expected = tuple(
            arithmetic.conv_output_size(size, k, s, self.padding)
            for size, k, s in zip(self.forward_input_hw, self.kernel_size,
                                  self.strides))
        for axis in (0, 1):
            if expected[axis] is not None and shape[axis + 1] is not None and (
                    shape[axis + 1] != expected[axis]):
                raise ValueError(
                    f"{name} '{self.name}': the forward call maps "
                    f"{self.forward_input_hw[0]}x{self.forward_input_hw[1]} "
                    f"inputs to {expected[0]}x{expected[1]} maps, so the "
                    f"transposed call takes maps of that size, got shape "
                    f"{shape}.")
        return shape

    def compute_output_shape(self, input_shape, transpose=False):
        name = type(self).__name__
        if transpose:
            b, h, w, _ = self._check_transpose_input(input_shape)
            out_h, out_w = self._transpose_hw(h, w)
            return (b, out_h, out_w, self.in_channels)
        b, h, w, _ = _checks.rank4(input_shape, name)
        return (b,) + tuple(
            arithmetic.conv_output_size(size, k, s, self.padding)
            for size, k, s in zip((h, w), self.kernel_size, self.strides)) + (
                self.filters,)

    def compute_output_spec(self, inputs, transpose=False):
        return keras.KerasTensor(
            self.compute_output_shape(inputs.shape, transpose=transpose),
            dtype=self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "use_bias": self.use_bias,
            "activation": keras.activations.serialize(self.activation),
            "transpose_activation": keras.activations.serialize(
                self.transpose_activation),
            **_weight_settings.config(self),
            "data_format": self.data_format,
        })
        return config
