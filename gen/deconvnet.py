"""Zeiler & Fergus' deconvnet: what a trained convnet's features respond to.

"Visualizing and Understanding Convolutional Networks" (Zeiler & Fergus,
2014) maps the activations of one layer back to pixel space with a
"deconvnet" attached to the trained convnet. The convnet runs forward on an
image, recording the switches of every max pooling (where each window's
maximum was). One feature map (or a few activations) of the chosen layer is
kept, every other activation of that layer is set to zero, and the signal
goes back down, layer by layer:

- max pooling -> switch unpooling: each value goes back to its window's
  maximum, zeros elsewhere; where overlapping windows share a maximum, their
  values add (`layers.SwitchUnpooling2D`);
- ReLU -> rectification: the signal is passed through a ReLU;
- convolution -> filtering with the transposed filters of the same layer:
  `tf.nn.conv2d_transpose` with the layer's own kernel variable, the exact
  adjoint of the convolution (REFERENCE.md, section 3). Biases play no part.

`DeconvNet(model, layer_name)` builds that for a Keras functional (or
Sequential) model whose layers from the input to `layer_name` form one chain
of the supported layers (`SUPPORTED_LAYERS`). Its steps read the model's own
kernel variables when they run: nothing is copied, so the deconvnet always
sees the current weights.

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

Example:

>>> deconv = DeconvNet(model, "conv2")
>>> acts = deconv.activations(images)                 # (B, h, w, F)
>>> pixels = deconv.project(images, feature_index=5, top_k=1)  # (B, H, W, C)
"""

import dataclasses

import keras
import numpy as np
import tensorflow as tf

import layers
from gen.errors import UserError
from layers import arithmetic

SUPPORTED_LAYERS = (
    "InputLayer", "Conv2D (activation relu or linear, dilation 1, groups 1)",
    "MaxPooling2D", "ReLU (plain: no max_value, slope or threshold)",
    "Activation (relu or linear)", "BatchNormalization (over channels)",
    "Flatten", "Dense (activation relu or linear)", "Dropout", "Rescaling")

# The fused activations a layer below the chosen layer may have: the
# deconvnet knows how to invert these (rectify, or nothing).
_RELU, _LINEAR = "relu", "linear"


def _supported_list():
    return "; ".join(SUPPORTED_LAYERS)


def _unsupported(layer, reason):
    return UserError(
        f"Layer '{layer.name}' ({type(layer).__name__}) {reason}. The "
        f"deconvnet supports one chain of these layers from the input to the "
        f"chosen layer: {_supported_list()}. A Conv2D or Dense chosen as the "
        "layer to visualise may also have another activation (softmax, "
        "sigmoid, ...): its pre-activation values are projected.")


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


class _Step:
    """One layer of the chain: how it runs forward and how the deconvnet
    goes back through it. `forward` returns (output, record); `backward`
    gets that record back."""

    records = False  # whether backward needs something from the forward pass
    geometry = None  # (kernel, strides, padding) for spatial layers

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


class _Identity(_Step):
    """Dropout at inference and linear activations: the signal passes as is
    (`_Step`'s `forward` and `backward`)."""


class _Relu(_Step):
    def backward(self, signal, record):
        return tf.nn.relu(signal)


class _Conv(_Step):
    records = True

    def __init__(self, layer, input_shape):
        super().__init__(layer, input_shape)
        self.activation = _activation_name(layer.activation)
        self.geometry = (tuple(layer.kernel_size), tuple(layer.strides),
                         layer.padding)

    def forward(self, x):
        if self.activation is None:  # a squashing target: its pre-activation
            y = tf.nn.conv2d(x, self.layer.kernel, self.layer.strides,
                             self.layer.padding.upper())
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
            tf.cast(signal, kernel.dtype), kernel, record,
            strides=self.layer.strides, padding=self.layer.padding.upper())
        return _with_static_shape(signal, self.input_shape)


class _MaxPool(_Step):
    records = True

    def __init__(self, layer, input_shape):
        super().__init__(layer, input_shape)
        self.geometry = (tuple(layer.pool_size), tuple(layer.strides),
                         layer.padding)
        self.unpool = layers.SwitchUnpooling2D(
            layer.pool_size, layer.strides, layer.padding,
            name=f"{layer.name}_unpool")

    def forward(self, x):
        # The pooled input is the switches (see layers/switch_pooling.py).
        return self.layer(x), x

    def backward(self, signal, record):
        return self.unpool(tf.cast(signal, record.dtype), record)

    def record_spec(self):
        return tf.TensorSpec((None,) + self.input_shape[1:],
                             self.layer.compute_dtype)


class _BatchNorm(_Step):
    def backward(self, signal, record):
        bn = self.layer
        factor = tf.math.rsqrt(tf.cast(bn.moving_variance, signal.dtype)
                               + bn.epsilon)
        if bn.gamma is not None:
            factor *= tf.cast(bn.gamma, signal.dtype)
        return signal * factor


class _Dense(_Step):
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


class _Flatten(_Step):
    records = True

    def forward(self, x):
        return self.layer(x), tf.shape(x)

    def backward(self, signal, record):
        return _with_static_shape(tf.reshape(signal, record),
                                  self.input_shape)


class _Rescaling(_Step):
    def backward(self, signal, record):
        return signal * tf.cast(self.layer.scale, signal.dtype)


def _channels_last(layer):
    data_format = getattr(layer, "data_format", "channels_last")
    if data_format not in (None, "channels_last"):
        raise _unsupported(layer, f"uses data_format='{data_format}' "
                                  "(only channels_last is supported)")


def _check_fused_activation(layer, is_target):
    """A Conv2D/Dense layer's own activation must be one the deconvnet can
    reverse, except in the target layer, whose pre-activation is projected."""
    if _activation_name(layer.activation) is None and not is_target:
        raise _unsupported(layer, "has the activation "
                           f"'{layer.activation.__name__}'")


def _make_step(layer, input_shape, is_target):
    """The deconvnet step of `layer`, or a UserError saying why there is none."""
    name = type(layer).__name__
    if isinstance(layer, keras.layers.Conv2D) and name == "Conv2D":
        _channels_last(layer)
        if tuple(layer.dilation_rate) != (1, 1) or layer.groups != 1:
            raise _unsupported(
                layer, f"has dilation_rate={tuple(layer.dilation_rate)} and "
                f"groups={layer.groups} (only 1 and 1 are supported)")
        _check_fused_activation(layer, is_target)
        return _Conv(layer, input_shape)
    if isinstance(layer, keras.layers.MaxPooling2D):
        _channels_last(layer)
        return _MaxPool(layer, input_shape)
    if isinstance(layer, keras.layers.ReLU):
        if (layer.max_value is not None or layer.negative_slope
                or layer.threshold):
            raise _unsupported(
                layer, f"has max_value={layer.max_value}, negative_slope="
                f"{layer.negative_slope}, threshold={layer.threshold}")
        return _Relu(layer, input_shape)
    if isinstance(layer, keras.layers.Activation):
        kind = _activation_name(layer.activation)
        if kind is None:
            raise _unsupported(layer, "has the activation "
                               f"'{layer.activation.__name__}'")
        step = _Relu if kind == _RELU else _Identity
        return step(layer, input_shape)
    if isinstance(layer, keras.layers.BatchNormalization):
        rank = len(input_shape)
        axes = layer.axis if isinstance(layer.axis, (list, tuple)) else [
            layer.axis]
        if [a % rank for a in axes] != [rank - 1]:
            raise _unsupported(layer, f"normalises axis {layer.axis} (only "
                               "the last, channels axis is supported)")
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
    raise _unsupported(layer, "has no deconvnet step")


def _node_in_model(model, layer):
    """The node (call) of `layer` that belongs to `model`'s graph, or None.

    Walks back from the model's outputs with each tensor's `_keras_history`
    (how Keras' own Functional walks its graph), so that a layer also used
    in another model is followed through this model's call.
    """
    stack, seen = list(model.outputs), set()
    while stack:
        operation, node_index, _ = stack.pop()._keras_history
        if (id(operation), node_index) in seen:
            continue
        seen.add((id(operation), node_index))
        node = operation._inbound_nodes[node_index]
        if operation is layer:
            return node
        stack.extend(node.input_tensors)
    return None


def _layer_chain(model, layer):
    """[(layer, input shape)] from the model's input up to `layer`, in order."""
    if isinstance(layer, keras.layers.InputLayer):
        raise UserError(f"Layer '{layer.name}' is the model's input: choose a "
                        "layer above it.")
    node = _node_in_model(model, layer)
    if node is None:
        raise UserError(f"Layer '{layer.name}' does not lead to an output of "
                        f"model '{model.name}'.")
    chain = []
    current = layer
    while not isinstance(current, keras.layers.InputLayer):
        if isinstance(current, keras.Model):
            raise _unsupported(current, "is a nested model (rebuild the "
                               "model with its layers inline)")
        if len(node.input_tensors) != 1:
            raise _unsupported(current, f"takes {len(node.input_tensors)} "
                               "inputs (the deconvnet follows a single "
                               "chain)")
        tensor = node.input_tensors[0]
        chain.append((current, tuple(tensor.shape)))
        current, node_index, _ = tensor._keras_history
        node = current._inbound_nodes[node_index]
    if tensor is not model.inputs[0]:
        raise UserError(f"Layer '{layer.name}' does not start from the input "
                        f"of model '{model.name}'.")
    return chain[::-1]


@dataclasses.dataclass(frozen=True)
class ReceptiveField:
    """Where in the input an activation of a layer looks, along (rows, cols).

    Activation ``(y, x)`` of the layer depends on input pixels
    ``start + (y, x) * stride`` up to ``size`` pixels further (parts of that
    box may lie in the zero padding, outside the image). Above a Flatten or
    Dense layer every activation sees the whole image: `size` is the image
    size, `start` 0 and `stride` 0.

    Attributes:
        size: (rows, cols) of the field, in input pixels.
        stride: (rows, cols) input pixels between neighbouring activations.
        start: (row, col) of the top-left pixel of activation (0, 0)'s field;
            negative where it starts in the padding.
    """

    size: tuple
    stride: tuple
    start: tuple

    def box(self, y, x):
        """(top, left, bottom, right) of activation (y, x)'s field, bottom and
        right exclusive, in input pixel coordinates (may exceed the image)."""
        top = self.start[0] + y * self.stride[0]
        left = self.start[1] + x * self.stride[1]
        return top, left, top + self.size[0], left + self.size[1]


def receptive_field(geometries, input_hw):
    """The `ReceptiveField` of a chain of spatial layers.

    Args:
        geometries: for each layer from the input up, ``(kernel, strides,
            padding)`` with pairs for kernel and strides and padding
            ``"valid"``/``"same"``, or None for a layer that mixes every
            position (Flatten, Dense); other layers change nothing and are
            left out.
        input_hw: (rows, cols) of the input image (``"same"`` padding depends
            on the sizes).

    Per axis, a layer with kernel k, stride s and p zeros of padding before
    its input turns (size r, stride j, start a) into
    ``(r + (k - 1) j, j s, a - p j)``.

    Example:

    >>> receptive_field([((3, 3), (1, 1), "same"), ((2, 2), (2, 2), "valid")],
    ...                 (8, 8))
    ReceptiveField(size=(4, 4), stride=(2, 2), start=(-1, -1))
    """
    size, stride, start = [1, 1], [1, 1], [0, 0]
    sizes = list(input_hw)
    for geometry in geometries:
        if geometry is None:
            return ReceptiveField(tuple(input_hw), (0, 0), (0, 0))
        kernel, strides, padding = geometry
        for axis in (0, 1):
            k, s = kernel[axis], strides[axis]
            before = arithmetic.explicit_padding(padding, sizes[axis], k, s)[0]
            start[axis] -= before * stride[axis]
            size[axis] += (k - 1) * stride[axis]
            stride[axis] *= s
            sizes[axis] = arithmetic.conv_output_size(sizes[axis], k, s,
                                                      padding)
    return ReceptiveField(tuple(size), tuple(stride), tuple(start))


def selection_mask(activations, feature_index=None, top_k=None):
    """Which activations a projection keeps: a 0/1 float32 array.

    Args:
        activations: (B, ..., F) activations of the chosen layer.
        feature_index: None (every feature map), an int, or (B,) ints (one
            feature map per image).
        top_k: None (every activation of the kept feature maps), or an int:
            only the `top_k` largest kept activations of each image (ties go
            to the first in row-major order).

    Returns:
        float32 array shaped like `activations`.
    """
    acts = np.asarray(activations, np.float32)
    b, f = acts.shape[0], acts.shape[-1]
    keep = np.ones(acts.shape, bool)
    if feature_index is not None:
        index = np.asarray(feature_index)
        if index.ndim == 0:
            index = np.full(b, index)
        if (index.shape != (b,) or not np.issubdtype(index.dtype, np.integer)
                or index.min() < 0 or index.max() >= f):
            raise UserError(
                f"feature_index must be an int or {b} ints (one per image) in "
                f"0..{f - 1} (the layer has {f} feature maps), got "
                f"{feature_index!r}.")
        keep = np.zeros((b, int(np.prod(acts.shape[1:-1], dtype=int)), f),
                        bool)
        keep[np.arange(b), :, index] = True
        keep = keep.reshape(acts.shape)
    if top_k is not None:
        if isinstance(top_k, bool) or not isinstance(top_k, (int, np.integer)) \
                or top_k < 1:
            raise UserError(f"top_k must be a positive int or None, got "
                            f"{top_k!r}.")
        flat = np.where(keep, acts, -np.inf).reshape(b, -1)
        order = np.argsort(-flat, axis=1, kind="stable")[:, :top_k]
        top = np.zeros(flat.shape, bool)
        np.put_along_axis(top, order, True, axis=1)
        keep &= top.reshape(acts.shape)
    return keep.astype(np.float32)


class DeconvNet:
    """The deconvnet of one layer of a trained Keras convnet.

    Builds Zeiler & Fergus' deconvnet from the model's input up to
    `layer_name` (see the module docstring for each layer's step). The
    steps share the model's variables; the forward pass records the
    switches of the images being explained.

    Args:
        model: a functional or Sequential `keras.Model` with one image input
            ``(H, W, C)``, channels last.
        layer_name: the layer whose activations to project.

    Raises:
        UserError: for an unknown layer name, a layer that is not part of one
            chain from the input, or an unsupported layer (the message names
            the layer and lists the supported ones).

    Example:

    >>> deconv = DeconvNet(model, "conv1")
    >>> deconv.activations(images).shape          # (B, h, w, F)
    >>> deconv.project(images, feature_index=3)   # (B, H, W, C): map 3 only
    >>> deconv.project(images, feature_index=3, top_k=1)  # its strongest unit
    >>> deconv.project(images, top_k=9)          # the 9 strongest of the layer
    """

    def __init__(self, model, layer_name):
        if not isinstance(model, keras.Model):
            raise UserError("DeconvNet needs a functional or Sequential "
                            f"keras.Model, got {type(model).__name__}.")
        try:
            inputs = model.inputs
        except (AttributeError, ValueError):
            inputs = None
        if not inputs or len(inputs) != 1 or len(inputs[0].shape) != 4:
            raise UserError(
                f"Model '{model.name}' must have exactly one input of shape "
                "(batch, height, width, channels) with its shape known (build "
                "it on keras.Input); got "
                f"{[tuple(t.shape) for t in inputs] if inputs else 'none'}.")
        try:
            layer = model.get_layer(layer_name)
        except ValueError:
            names = [l.name for l in model.layers]
            raise UserError(
                f"Model '{model.name}' has no layer named {layer_name!r}. Its "
                f"layers: {', '.join(names)}.") from None
        chain = _layer_chain(model, layer)
        self.model = model
        self.layer = layer
        self.steps = [_make_step(l, shape, l is layer) for l, shape in chain]
        self.input_shape = tuple(inputs[0].shape[1:])
        self.output_shape = tuple(
            _node_in_model(model, layer).output_tensors[0].shape[1:])
        self._input_dtype = inputs[0].dtype
        # Fixed signatures (any batch size): one trace per DeconvNet.
        self._forward_fn = tf.function(self._forward, input_signature=[
            tf.TensorSpec((None,) + self.input_shape, self._input_dtype)])
        self._backward_fn = tf.function(self._backward, input_signature=[
            tf.TensorSpec((None,) + self.output_shape, tf.float32),
            {k: step.record_spec() for k, step in enumerate(self.steps)
             if step.records}])

    @property
    def layer_name(self):
        return self.layer.name

    @property
    def num_features(self):
        """Feature maps (channels, or units of a Dense layer) of the layer."""
        return self.output_shape[-1]

    @property
    def is_spatial(self):
        """Whether the layer's activations are (h, w, F) maps (not (F,))."""
        return len(self.output_shape) == 3

    def _forward(self, images):
        x = images
        records = {}
        for k, step in enumerate(self.steps):
            x, record = step.forward(x)
            if step.records:
                records[k] = record
        return tf.cast(x, tf.float32), records

    def _backward(self, signal, records):
        for k in reversed(range(len(self.steps))):
            signal = self.steps[k].backward(signal, records.get(k))
        return tf.cast(signal, tf.float32)

    def _images(self, images):
        images = tf.convert_to_tensor(images, self._input_dtype)
        if images.shape.rank != 4 or any(
                d is not None and d != got
                for d, got in zip(self.input_shape, images.shape[1:])):
            raise UserError(
                f"Images of shape {tuple(images.shape)} do not fit the "
                f"model's input (batch,) + {self.input_shape}.")
        return images

    def activations(self, images):
        """The chosen layer's activations for a batch of images.

        Args:
            images: (B, H, W, C) in the model's input range and dtype.

        Returns:
            float32 numpy array (B, h, w, F), or (B, F) for a Dense layer
            (pre-activation values if the layer's activation is neither relu
            nor linear).
        """
        acts, _ = self._forward_fn(self._images(images))
        return acts.numpy()

    def project_masked(self, images, keep):
        """Projects ``activations * keep`` to pixel space.

        Args:
            images: (B, H, W, C), the images whose switches route the signal.
            keep: weights shaped like the activations (0 where an activation
                is dropped; `selection_mask` makes the usual ones).

        Returns:
            float32 numpy array (B, H, W, C), in the units of the model's
            input.
        """
        acts, records = self._forward_fn(self._images(images))
        keep = tf.convert_to_tensor(keep, tf.float32)
        if keep.shape != acts.shape:
            raise UserError(f"keep has shape {tuple(keep.shape)}, the "
                            f"activations {tuple(acts.shape)}.")
        return self._backward_fn(acts * keep, records).numpy()

    def project(self, images, feature_index=None, top_k=None):
        """Projects one feature map (or the top-k activations) to pixels.

        All other activations of the layer are set to zero, then the
        deconvnet maps the rest down to the input (module docstring).

        Args:
            images: (B, H, W, C) images in the model's input range.
            feature_index: the feature map to keep: an int, (B,) ints (one
                per image), or None for all of them.
            top_k: keep only the `top_k` largest activations of each image
                among those kept (None: all of them). ``feature_index=f,
                top_k=1`` is Zeiler & Fergus' projection of map f's strongest
                activation.

        Returns:
            float32 numpy array (B, H, W, C).
        """
        acts, records = self._forward_fn(self._images(images))
        keep = selection_mask(acts.numpy(), feature_index, top_k)
        return self._backward_fn(acts * keep, records).numpy()

    def receptive_field(self, input_hw=None):
        """The layer's `ReceptiveField` for inputs of (rows, cols) `input_hw`
        (default: the model's input size)."""
        input_hw = tuple(input_hw or self.input_shape[:2])
        if None in input_hw:
            raise UserError("The model's input size is not fixed: pass "
                            "input_hw=(rows, cols).")
        # A Dense layer on maps acts on each position (a 1x1 convolution);
        # only Flatten mixes positions.
        geometries = [None if isinstance(step, _Flatten) else step.geometry
                      for step in self.steps
                      if isinstance(step, _Flatten) or step.geometry]
        return receptive_field(geometries, input_hw)
