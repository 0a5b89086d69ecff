"""A convolution and its transpose sharing one kernel: the weight-tied
Conv2DTranspose."""

import keras
from keras import ops

from layers import _backend, _checks, _spatial, _weight_settings, arithmetic, backends


@keras.saving.register_keras_serializable(package="layers")
class TiedConv2D(keras.layers.Layer):
    """A Conv2D whose transposed call reuses its kernel (weight tying).

    **Its `padding` defaults to ``"same"``, unlike `keras.layers.Conv2D`
    (``"valid"``):** ``TiedConv2D(f, k)`` keeps the spatial size (divided by
    the stride) where ``Conv2D(f, k)`` shrinks it by ``k - 1``. Pass
    ``padding="valid"`` for Conv2D's behaviour. (Saved models rely on the
    default, so it stays.)

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
    built; the transposed call restores it. If that size was unknown (None
    height or width), the transposed call returns Keras' default size for `padding`
    (``"same"``: ``h * s``; ``"valid"``: ``(h - 1) * s + max(k, s)``).

    Weights: ``kernel`` ``(kh, kw, in_channels, filters)`` and, with
    `use_bias`, ``bias`` ``(filters,)``, created by the forward call; the
    transposed call's ``transpose_bias`` ``(in_channels,)`` is created by the
    first transposed call, so a layer used only forwards (an encoder) has no
    bias without a gradient.

    Runs on the TensorFlow, JAX and PyTorch backends of Keras.

    Args:
        filters: int, output channels of the forward convolution.
        kernel_size: int or pair.
        strides: int or pair.
        padding: ``"same"`` (the default, unlike `keras.layers.Conv2D`) or
            ``"valid"``.
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

    Output shape:
        forward: ``(batch, out_height, out_width, filters)`` as
        `keras.layers.Conv2D` with the same arguments; transposed: the
        forward input's ``(batch, height, width, in_channels)``.

    Example:

    >>> conv = layers.TiedConv2D(32, 3, strides=2, activation="relu")
    >>> inputs = keras.Input((63, 63, 3))
    >>> code = conv(inputs)                          # (None, 32, 32, 32)
    >>> recon = conv(code, transpose=True)           # (None, 63, 63, 3)
    >>> model = keras.Model(inputs, recon)           # one kernel
    """

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="same",
        use_bias=True,
        activation=None,
        transpose_activation=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        data_format=None,
        **kwargs,
    ):
        _backend.check_supported(type(self).__name__)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if isinstance(filters, bool) or not isinstance(filters, int) or (filters < 1):
            raise ValueError(f"`filters` must be a positive int, got {filters!r}.")
        self.filters = filters
        self.kernel_size = _checks.positive_pair(kernel_size, "kernel_size")
        self.strides = _checks.positive_pair(strides, "strides")
        self.padding = _checks.padding_string(padding)
        self.use_bias = use_bias
        self.activation = keras.activations.get(activation)
        self.transpose_activation = keras.activations.get(transpose_activation)
        _weight_settings.assign(
            self,
            kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint,
        )
        self.data_format = _checks.channels_last(data_format, type(self).__name__)
        self.forward_input_hw = None
        self.transpose_bias = None

    def __call__(self, inputs, *args, transpose=False, **kwargs):
        if transpose and not self.built:
            raise ValueError(
                f"{type(self).__name__} '{self.name}' was called with "
                "transpose=True before its forward call. Call it on its "
                "forward input first (that creates the kernel and records the "
                "size to restore), then on the maps to transpose."
            )
        if transpose and self.use_bias and self.transpose_bias is None:
            self._add_transpose_bias()
        return super().__call__(inputs, *args, transpose=transpose, **kwargs)

    def build(self, input_shape):
        _, h, w, channels = _checks.rank4(input_shape, type(self).__name__)
        self.forward_input_hw = (h, w)
        self.in_channels = channels
        self.kernel = self.add_weight(
            name="kernel",
            shape=self.kernel_size + (channels, self.filters),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(self.filters,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.built = True

    def _add_transpose_bias(self):
        # Created after `build`, on the first transposed call (in a
        # functional model: while the model is being built), so it comes
        # third, as in files saved when every TiedConv2D had one.
        locked = self._tracker.locked
        self._tracker.unlock()
        try:
            self.transpose_bias = self.add_weight(
                name="transpose_bias",
                shape=(self.in_channels,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        finally:
            if locked:
                self._tracker.lock()

    def load_own_variables(self, store):
        # Files written before the transpose bias was created lazily hold
        # one for every TiedConv2D with use_bias, including encoder-only
        # ones: create it so that those files load as they were saved.
        if (
            self.use_bias
            and self.transpose_bias is None
            and len(store.keys()) == len(self.weights) + 1
        ):
            self._add_transpose_bias()
        super().load_own_variables(store)

    def call(self, inputs, transpose=False):
        if transpose:
            self._check_transpose_input(inputs.shape)
            outputs = self._conv_transpose(inputs)
            bias, activation = self.transpose_bias, self.transpose_activation
        else:
            outputs = ops.conv(inputs, self.kernel, self.strides, self.padding)
            bias, activation = self.bias, self.activation
        if bias is not None:
            outputs = backends.add_bias(outputs, bias)
        return activation(outputs) if activation else outputs

    def _conv_transpose(self, inputs):
        # keras.ops.conv_transpose takes a kernel laid out (kh, kw, out, in):
        # the Conv2D kernel unchanged gives the adjoint (Dumoulin & Visin, "A
        # guide to convolution arithmetic", sec. 4). Where the forward input's
        # size is known, the exact adjoint is the full ("valid") transposed
        # output, cropped by the forward convolution's padding; that avoids
        # each backend's own reading of "same" plus output_padding.
        if None in self.forward_input_hw:
            return ops.conv_transpose(inputs, self.kernel, self.strides, self.padding)
        output_padding, crops = [], []
        for size, k, s in zip(self.forward_input_hw, self.kernel_size, self.strides):
            pooled = arithmetic.conv_output_size(size, k, s, self.padding)
            before = 0
            if self.padding == "same":
                before = arithmetic.same_padding(size, k, s)[0]
            full = (pooled - 1) * s + k
            extra = max(before + size - full, 0)
            output_padding.append(extra)
            crops.append((-before, before + size - full - extra))
        outputs = ops.conv_transpose(
            inputs, self.kernel, self.strides, "valid", output_padding=output_padding
        )
        return _spatial.pad_or_crop(outputs, crops[0], crops[1])

    def _transpose_hw(self, h, w):
        if None not in self.forward_input_hw:
            return tuple(self.forward_input_hw)
        return tuple(
            self._default_transpose_size(size, axis) for axis, size in enumerate((h, w))
        )

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
                f"{shape}."
            )
        expected = tuple(
            arithmetic.conv_output_size(size, k, s, self.padding)
            for size, k, s in zip(self.forward_input_hw, self.kernel_size, self.strides)
        )
        for axis in (0, 1):
            if (
                expected[axis] is not None
                and shape[axis + 1] is not None
                and (shape[axis + 1] != expected[axis])
            ):
                raise ValueError(
                    f"{name} '{self.name}': the forward call maps "
                    f"{self.forward_input_hw[0]}x{self.forward_input_hw[1]} "
                    f"inputs to {expected[0]}x{expected[1]} maps, so the "
                    f"transposed call takes maps of that size, got shape "
                    f"{shape}."
                )
        return shape

    def compute_output_shape(self, input_shape, transpose=False):
        name = type(self).__name__
        if transpose:
            b, h, w, _ = self._check_transpose_input(input_shape)
            out_h, out_w = self._transpose_hw(h, w)
            return (b, out_h, out_w, self.in_channels)
        b, h, w, _ = _checks.rank4(input_shape, name)
        return (
            (b,)
            + tuple(
                arithmetic.conv_output_size(size, k, s, self.padding)
                for size, k, s in zip((h, w), self.kernel_size, self.strides)
            )
            + (self.filters,)
        )

    def compute_output_spec(self, inputs, transpose=False):
        return keras.KerasTensor(
            self.compute_output_shape(inputs.shape, transpose=transpose),
            dtype=self.compute_dtype,
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "kernel_size": self.kernel_size,
                "strides": self.strides,
                "padding": self.padding,
                "use_bias": self.use_bias,
                "activation": keras.activations.serialize(self.activation),
                "transpose_activation": keras.activations.serialize(
                    self.transpose_activation
                ),
                **_weight_settings.config(self),
                "data_format": self.data_format,
            }
        )
        return config
