"""Zeiler & Fergus' deconvnet: what a trained convnet's features respond to.

"Visualizing and Understanding Convolutional Networks" (Zeiler & Fergus,
2014) maps the activations of one layer back to pixel space with a
"deconvnet" attached to the trained convnet. The convnet runs forward on an
image, recording the switches of every max pooling (where each window's
maximum was). One feature map (or a few activations) of the chosen layer is
kept, every other activation of that layer is set to zero, and the signal
goes back down, layer by layer:

(`gen.deconvnet.steps` says what each kind of layer does on the way).

`DeconvNet(model, layer_name)` builds that for a Keras functional (or
Sequential) model whose layers from the input to `layer_name` form one chain
of the supported layers (`gen.deconvnet.steps.SUPPORTED_LAYERS`); the chain
is read from the model's graph (`gen.models.graph`), so only the layers
between the input and the chosen layer matter. Its steps read the model's
own kernel variables when they run: nothing is copied, so the deconvnet
always sees the current weights.

Example:

>>> deconv = DeconvNet(model, "conv2")
>>> acts = deconv.activations(images)                 # (B, h, w, F)
>>> pixels = deconv.project(images, feature_index=5, top_k=1)  # (B, H, W, C)
"""

import keras
import numpy as np
import tensorflow as tf

from gen.deconvnet import receptive_field as fields
from gen.deconvnet import steps as deconv_steps
from gen.errors import UserError
from gen.models import graph


def layer_chain(model_graph, layer):
    """[(call, input shape)] from the model's input up to `layer`'s first
    call, in order; a UserError naming the layer that breaks the chain."""
    if isinstance(layer, keras.layers.InputLayer):
        raise UserError(
            f"Layer '{layer.name}' is the model's input: choose a layer above it."
        )
    chain = []
    call = model_graph.first_call(layer.name)
    while call is not None:
        if isinstance(call.layer, keras.Model):
            raise deconv_steps.unsupported(
                call.layer,
                "is a nested model (rebuild the model with its layers inline)",
            )
        inputs = call.inputs
        if len(inputs) != 1:
            raise deconv_steps.unsupported(
                call.layer,
                f"takes {len(inputs)} inputs (the deconvnet follows a single chain)",
            )
        (ref,) = inputs
        chain.append((call, model_graph.shape(ref)))
        call = model_graph.producer(ref)
        if call is not None and ref.index != 0:
            raise deconv_steps.unsupported(
                call.layer,
                f"passes its output {ref.index} on (the "
                "deconvnet follows the first output of each layer)",
            )
    if ref.layer != next(iter(model_graph.inputs)):
        raise UserError(
            f"Layer '{layer.name}' does not start from the input "
            f"of model '{model_graph.model.name}'."
        )
    return chain[::-1]


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
        if (
            index.shape != (b,)
            or not np.issubdtype(index.dtype, np.integer)
            or index.min() < 0
            or index.max() >= f
        ):
            raise UserError(
                f"feature_index must be an int or {b} ints (one per image) in "
                f"0..{f - 1} (the layer has {f} feature maps), got "
                f"{feature_index!r}."
            )
        keep = np.zeros((b, int(np.prod(acts.shape[1:-1], dtype=int)), f), bool)
        keep[np.arange(b), :, index] = True
        keep = keep.reshape(acts.shape)
    if top_k is not None:
        if (
            isinstance(top_k, bool)
            or not isinstance(top_k, (int, np.integer))
            or top_k < 1
        ):
            raise UserError(f"top_k must be a positive int or None, got {top_k!r}.")
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
            raise UserError(
                "DeconvNet needs a functional or Sequential "
                f"keras.Model, got {type(model).__name__}."
            )
        try:
            inputs = model.inputs
        except (AttributeError, ValueError):
            inputs = None
        if not inputs or len(inputs) != 1 or len(inputs[0].shape) != 4:
            raise UserError(
                f"Model '{model.name}' must have exactly one input of shape "
                "(batch, height, width, channels) with its shape known (build "
                "it on keras.Input); got "
                f"{[tuple(t.shape) for t in inputs] if inputs else 'none'}."
            )
        try:
            layer = model.get_layer(layer_name)
        except ValueError:
            names = [l.name for l in model.layers]
            raise UserError(
                f"Model '{model.name}' has no layer named {layer_name!r}. Its "
                f"layers: {', '.join(names)}."
            ) from None
        model_graph = graph.Graph(model)
        chain = layer_chain(model_graph, layer)
        self.model = model
        self.layer = layer
        self.steps = [
            deconv_steps.make_step(call.layer, shape, call.layer is layer, call.kwargs)
            for call, shape in chain
        ]
        self.input_shape = tuple(inputs[0].shape[1:])
        self.output_shape = tuple(
            model_graph.shape(model_graph.first_call(layer.name).output(0))[1:]
        )
        self._input_dtype = inputs[0].dtype
        # Fixed signatures (any batch size): one trace per DeconvNet.
        self._forward_fn = tf.function(
            self._forward,
            input_signature=[
                tf.TensorSpec((None,) + self.input_shape, self._input_dtype)
            ],
        )
        self._backward_fn = tf.function(
            self._backward,
            input_signature=[
                tf.TensorSpec((None,) + self.output_shape, tf.float32),
                {
                    k: step.record_spec()
                    for k, step in enumerate(self.steps)
                    if step.records
                },
            ],
        )

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
            for d, got in zip(self.input_shape, images.shape[1:])
        ):
            raise UserError(
                f"Images of shape {tuple(images.shape)} do not fit the "
                f"model's input (batch,) + {self.input_shape}."
            )
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
            raise UserError(
                f"keep has shape {tuple(keep.shape)}, the "
                f"activations {tuple(acts.shape)}."
            )
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
        """The layer's `gen.deconvnet.receptive_field.ReceptiveField` for inputs of (rows, cols) `input_hw`
        (default: the model's input size)."""
        input_hw = tuple(input_hw or self.input_shape[:2])
        if None in input_hw:
            raise UserError(
                "The model's input size is not fixed: pass input_hw=(rows, cols)."
            )
        geometries = [
            None if step.mixes_positions else step.geometry
            for step in self.steps
            if step.mixes_positions or step.geometry
        ]
        return fields.receptive_field(geometries, input_hw)
