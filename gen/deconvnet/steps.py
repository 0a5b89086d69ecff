"""The deconvnet's step for each kind of layer: how the layer runs forward
and how the signal goes back down through it (Zeiler & Fergus, 2014).

- max pooling (`keras.layers.MaxPooling2D`, or this project's
  `layers.MaxPoolingWithSwitches2D`, whose pooled output the chain follows)
  -> switch unpooling: each value goes back to its window's maximum, zeros
  elsewhere; where overlapping windows share a maximum, their values add
  (`layers.SwitchUnpooling2D`);
- ReLU -> rectification: the signal is passed through a ReLU;
- convolution (`keras.layers.Conv2D`, or a `layers.TiedConv2D` called
  forwards) -> filtering with the transposed filters of the same layer:
  `tf.nn.conv2d_transpose` with the layer's own kernel variable, the exact
  adjoint of the convolution (TensorFlow documents it as the gradient of
  `conv2d` with respect to its input: a Conv2D kernel ``(kh, kw, in, out)``
  is its filter ``(kh, kw, out_of_transpose, in_of_transpose)`` as it is)
  and exactly a `TiedConv2D`'s own transposed direction without its bias.
  Biases play no part.

The steps for the layers Zeiler & Fergus did not have, each the transpose of
the layer's linear part, as for a convolution:

- BatchNormalization (inference): the layer is the per-channel affine map
  ``y = gamma * (x - mean) / sqrt(var + eps) + beta``; its step multiplies the
  signal by ``gamma / sqrt(var + eps)`` (moving statistics, no offset).
- Dense: multiplication by the transposed kernel (``W^T``), the fully
  connected case of transposed filtering, rectified first when the layer has
  a fused ReLU. Flatten: reshape back.
- Rescaling: multiplication by its scale. Dropout: identity (inference).

The chosen layer's own activations are its outputs, except for a Conv2D or
Dense with an activation other than relu/linear (a softmax head, say): then
they are its pre-activation values (logits), which is what can be projected.
Steps read the model's own variables when they run: nothing is copied.
"""

import keras
import tensorflow as tf

import layers
from gen.errors import UserError

SUPPORTED_LAYERS = (
    "InputLayer",
    "Conv2D (activation relu or linear, dilation 1, groups 1)",
    "TiedConv2D (called forwards; activation relu or linear)",
    "MaxPooling2D",
    "MaxPoolingWithSwitches2D",
    "ReLU (plain: no max_value, slope or threshold)",
    "Activation (relu or linear)",
    "BatchNormalization (over channels)",
    "Flatten",
    "Dense (activation relu or linear)",
    "Dropout",
    "Rescaling",
)

# The fused activations a layer below the chosen layer may have: the
# deconvnet knows how to invert these (rectify, or nothing).
_RELU, _LINEAR = "relu", "linear"


def _supported_list():
    return "; ".join(SUPPORTED_LAYERS)


def unsupported(layer, reason):
    return UserError(
        f"Layer '{layer.name}' ({type(layer).__name__}) {reason}. The "
        f"deconvnet supports one chain of these layers from the input to the "
        f"chosen layer: {_supported_list()}. A Conv2D or Dense chosen as the "
        "layer to visualise may also have another activation (softmax, "
        "sigmoid, ...): its pre-activation values are projected."
    )


def _activation_name(activation):
    """'relu', 'linear' or None (anything else) for a Keras activation."""
    if activation is None or activation is keras.activations.linear:
        return _LINEAR
    if activation is keras.activations.relu:
        return _RELU
    return None


def _with_static_shape(signal, input_shape):
    """`signal` with the static shape of a layer's input (batch left open):
    an output shape given as a tensor leaves it unknown, and the unpooling
    below needs to know the channels."""
    signal.set_shape((None,) + tuple(input_shape[1:]))
    return signal


class Step:
    """One layer of the chain: how it runs forward and how the deconvnet
    goes back through it. `forward` returns (output, record); `backward`
    gets that record back."""

    records = False  # whether backward needs something from the forward pass
    geometry = None  # (kernel, strides, padding) for spatial layers
    mixes_positions = False  # every output sees every input position

    def __init__(self, layer, input_shape):
        self.layer = layer
        self.input_shape = tuple(input_shape)  # static, batch included

    def forward(self, x):
        return self.layer(x, training=False), None

    def backward(self, signal, record):
        return signal

    def record_spec(self):
        """The `tf.TensorSpec` of what `forward` records: by default the
        input's shape (for steps that restore it)."""
        return tf.TensorSpec((len(self.input_shape),), tf.int32)


class _Identity(Step):
    """Dropout at inference and linear activations: the signal passes as is
    (`Step`'s `forward` and `backward`)."""


class _Relu(Step):
    def backward(self, signal, record):
        return tf.nn.relu(signal)


class _Conv(Step):
    records = True

    def __init__(self, layer, input_shape):
        super().__init__(layer, input_shape)
        self.activation = _activation_name(layer.activation)
        self.geometry = (tuple(layer.kernel_size), tuple(layer.strides), layer.padding)

    def forward(self, x):
        if self.activation is None:  # a squashing target: its pre-activation
            y = tf.nn.conv2d(
                x, self.layer.kernel, self.layer.strides, self.layer.padding.upper()
            )
            if self.layer.use_bias:
                y = tf.nn.bias_add(y, self.layer.bias)
        else:
            y = self.layer(x, training=False)
        return y, tf.shape(x)

    def backward(self, signal, record):
        if self.activation == _RELU:
            signal = tf.nn.relu(signal)
        kernel = self.layer.kernel
        # The transposed filtering with the layer's own kernel variable: the
        # adjoint of the convolution, which restores the input's exact size.
        signal = tf.nn.conv2d_transpose(
            tf.cast(signal, kernel.dtype),
            kernel,
            record,
            strides=self.layer.strides,
            padding=self.layer.padding.upper(),
        )
        return _with_static_shape(signal, self.input_shape)


class _MaxPool(Step):
    records = True

    def __init__(self, layer, input_shape):
        super().__init__(layer, input_shape)
        self.geometry = (tuple(layer.pool_size), tuple(layer.strides), layer.padding)
        self.unpool = layers.SwitchUnpooling2D(
            layer.pool_size, layer.strides, layer.padding, name=f"{layer.name}_unpool"
        )

    def forward(self, x):
        # The pooled input is the switches (see layers/switch_pooling.py).
        return self.layer(x), x

    def backward(self, signal, record):
        return self.unpool(tf.cast(signal, record.dtype), record)

    def record_spec(self):
        return tf.TensorSpec((None,) + self.input_shape[1:], self.layer.compute_dtype)


class _SwitchPool(_MaxPool):
    """`layers.MaxPoolingWithSwitches2D`: the chain follows its pooled
    output; its switches are the pooled input, as for `_MaxPool`."""

    def forward(self, x):
        pooled, _ = self.layer(x)
        return pooled, x


class _BatchNorm(Step):
    def backward(self, signal, record):
        bn = self.layer
        factor = tf.math.rsqrt(tf.cast(bn.moving_variance, signal.dtype) + bn.epsilon)
        if bn.gamma is not None:
            factor *= tf.cast(bn.gamma, signal.dtype)
        return signal * factor


class _Dense(Step):
    def __init__(self, layer, input_shape):
        super().__init__(layer, input_shape)
        self.activation = _activation_name(layer.activation)

    def forward(self, x):
        if self.activation is None:
            y = tf.einsum("...i,ij->...j", x, self.layer.kernel)
            if self.layer.use_bias:
                y += self.layer.bias
            return y, None
        return self.layer(x, training=False), None

    def backward(self, signal, record):
        if self.activation == _RELU:
            signal = tf.nn.relu(signal)
        kernel = self.layer.kernel
        return tf.einsum("...j,ij->...i", tf.cast(signal, kernel.dtype), kernel)


class _Flatten(Step):
    records = True
    # A Dense layer on maps acts on each position (a 1x1 convolution); only
    # Flatten mixes positions.
    mixes_positions = True

    def forward(self, x):
        return self.layer(x), tf.shape(x)

    def backward(self, signal, record):
        return _with_static_shape(tf.reshape(signal, record), self.input_shape)


class _Rescaling(Step):
    def backward(self, signal, record):
        return signal * tf.cast(self.layer.scale, signal.dtype)


def _channels_last(layer):
    data_format = getattr(layer, "data_format", "channels_last")
    if data_format not in (None, "channels_last"):
        raise unsupported(
            layer, f"uses data_format='{data_format}' (only channels_last is supported)"
        )


def _check_fused_activation(layer, is_target):
    """A Conv2D/Dense layer's own activation must be one the deconvnet can
    reverse, except in the target layer, whose pre-activation is projected."""
    if _activation_name(layer.activation) is None and not is_target:
        raise unsupported(layer, f"has the activation '{layer.activation.__name__}'")


def make_step(layer, input_shape, is_target, call_kwargs=None):
    """The deconvnet step of `layer` (called with `call_kwargs` in the
    model), or a UserError saying why there is none."""
    name = type(layer).__name__
    if isinstance(layer, layers.TiedConv2D):
        if (call_kwargs or {}).get("transpose"):
            raise unsupported(
                layer,
                "is called transposed (transpose=True) on the way to "
                "the chosen layer; the deconvnet goes back through forward "
                "convolutions only",
            )
        _check_fused_activation(layer, is_target)
        return _Conv(layer, input_shape)
    if isinstance(layer, layers.MaxPoolingWithSwitches2D):
        return _SwitchPool(layer, input_shape)
    if isinstance(layer, keras.layers.Conv2D) and name == "Conv2D":
        _channels_last(layer)
        if tuple(layer.dilation_rate) != (1, 1) or layer.groups != 1:
            raise unsupported(
                layer,
                f"has dilation_rate={tuple(layer.dilation_rate)} and "
                f"groups={layer.groups} (only 1 and 1 are supported)",
            )
        _check_fused_activation(layer, is_target)
        return _Conv(layer, input_shape)
    if isinstance(layer, keras.layers.MaxPooling2D):
        _channels_last(layer)
        return _MaxPool(layer, input_shape)
    if isinstance(layer, keras.layers.ReLU):
        if layer.max_value is not None or layer.negative_slope or layer.threshold:
            raise unsupported(
                layer,
                f"has max_value={layer.max_value}, negative_slope="
                f"{layer.negative_slope}, threshold={layer.threshold}",
            )
        return _Relu(layer, input_shape)
    if isinstance(layer, keras.layers.Activation):
        kind = _activation_name(layer.activation)
        if kind is None:
            raise unsupported(
                layer, f"has the activation '{layer.activation.__name__}'"
            )
        step = _Relu if kind == _RELU else _Identity
        return step(layer, input_shape)
    if isinstance(layer, keras.layers.BatchNormalization):
        rank = len(input_shape)
        axes = layer.axis if isinstance(layer.axis, (list, tuple)) else [layer.axis]
        if [a % rank for a in axes] != [rank - 1]:
            raise unsupported(
                layer,
                f"normalises axis {layer.axis} (only "
                "the last, channels axis is supported)",
            )
        return _BatchNorm(layer, input_shape)
    if isinstance(layer, keras.layers.Dense) and name == "Dense":
        _check_fused_activation(layer, is_target)
        return _Dense(layer, input_shape)
    if isinstance(layer, keras.layers.Flatten):
        _channels_last(layer)
        return _Flatten(layer, input_shape)
    if isinstance(layer, keras.layers.Dropout) and name == "Dropout":
        return _Identity(layer, input_shape)
    if isinstance(layer, keras.layers.Rescaling):
        return _Rescaling(layer, input_shape)
    raise unsupported(layer, "has no deconvnet step")
