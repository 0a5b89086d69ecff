"""Cutting a generator at a named layer: its activations, and decoding from
them.

The chairs generator is a graph of several streams (class, view, transform)
that meet in the trunk and split again into the RGB and mask branches (layer
names in `gen.chairs`). Reading a layer means running the part of the graph
it depends on; "decoding from" a layer means: replace the activations of that
layer, and recompute everything downstream of it, with every other input of
the network fixed. So for a layer of one stream (say ``class_fc2``) the
other streams are still computed from their own inputs (the view and the
transformation), and for a layer of one branch (say ``rgb_fc``) the other
branch is computed from the inputs as usual.

    cut = Cut(model, "class_fc2")
    h = cut.activations(inputs)                  # (N, 512)
    rgb, mask = cut.decode(h, inputs)            # equals model(inputs)

`encoder_to` and `decoder_from` return the two halves as Keras models that
share the generator's layers (and weights); `cut(model, name)` keeps one
`Cut` per model and layer for code that cuts the same layer many times.
"""

import weakref

import keras
import numpy as np

import layers
from gen import render
from gen.errors import UserError

# The layers whose activations the exploring tools read and replace: fully
# connected layers and (un)convolutions.
CUT_TYPES = (keras.layers.Dense, keras.layers.Conv2D, layers.UnpoolConv2D)


def cut_layer_names(model):
    """Names of the layers a model can be cut at, in graph order."""
    return [layer.name for layer in model.layers
            if isinstance(layer, CUT_TYPES)]


def get_cut_layer(model, name):
    """The layer called `name`; UserError naming the choices if there is
    none."""
    names = cut_layer_names(model)
    if name not in names:
        raise UserError(f"Unknown layer {name!r}; this generator's fully "
                        f"connected and uconv layers are {', '.join(names)}.")
    return model.get_layer(name)


def _as_list(tensors):
    return list(tensors) if isinstance(tensors, (list, tuple)) else [tensors]


def _graph(model):
    """(producing layer of every tensor, input name of every input tensor),
    both keyed by ``id(tensor)``."""
    producers = {id(layer.output): layer for layer in model.layers}
    input_names = {id(tensor): name for name, tensor in model.input.items()}
    return producers, input_names


def input_dependencies(model, layer_name):
    """The names of the model's inputs that the layer's output depends on,
    in the model's input order."""
    layer = get_cut_layer(model, layer_name)
    producers, input_names = _graph(model)
    found, stack, seen = set(), [layer.output], set()
    while stack:
        tensor = stack.pop()
        if id(tensor) in seen:
            continue
        seen.add(id(tensor))
        if id(tensor) in input_names:
            found.add(input_names[id(tensor)])
        else:
            stack.extend(_as_list(producers[id(tensor)].input))
    return [name for name in model.input if name in found]


def outputs_depending_on(model, layer_name):
    """The names of the model's outputs that the layer influences."""
    layer = get_cut_layer(model, layer_name)
    producers, input_names = _graph(model)
    found = []
    for name, output in model.output.items():
        stack, seen = [output], set()
        while stack:
            tensor = stack.pop()
            if tensor is layer.output:
                found.append(name)
                break
            if id(tensor) in seen or id(tensor) in input_names:
                continue
            seen.add(id(tensor))
            stack.extend(_as_list(producers[id(tensor)].input))
    return found


def encoder_to(model, layer_name):
    """A model from the inputs the layer depends on to its activations."""
    layer = get_cut_layer(model, layer_name)
    needed = input_dependencies(model, layer_name)
    return keras.Model({name: model.input[name] for name in needed},
                       layer.output, name=f"to_{layer_name}")


def decoder_from(model, layer_name):
    """A model from the layer's activations (input named `layer_name`) and
    whatever other model inputs are still needed, to the model's outputs.

    Every layer whose result depends on the cut layer is re-applied to the
    replaced activations; every other layer the outputs need is re-applied
    to the model's own inputs, so those parts are computed exactly as in
    the generator. The layers (and weights) are the generator's own.
    """
    layer = get_cut_layer(model, layer_name)
    producers, input_names = _graph(model)
    cut = keras.Input(shape=layer.output.shape[1:], dtype=layer.output.dtype,
                      name=layer_name)
    new_inputs = {layer_name: cut}
    rebuilt = {id(layer.output): cut}

    def rebuild(tensor):
        key = id(tensor)
        if key not in rebuilt:
            if key in input_names:
                name = input_names[key]
                new_inputs[name] = keras.Input(shape=tensor.shape[1:],
                                               dtype=tensor.dtype, name=name)
                rebuilt[key] = new_inputs[name]
            else:
                producer = producers[key]
                arguments = producer.input
                if isinstance(arguments, (list, tuple)):
                    rebuilt[key] = producer([rebuild(t) for t in arguments])
                else:
                    rebuilt[key] = producer(rebuild(arguments))
        return rebuilt[key]

    outputs = {name: rebuild(tensor) for name, tensor in model.output.items()}
    # The model's own input order, the cut first: stable and readable.
    ordered = {layer_name: cut}
    ordered.update({name: new_inputs[name] for name in model.input
                    if name in new_inputs})
    return keras.Model(ordered, outputs, name=f"from_{layer_name}")


class Cut:
    """A generator cut at one layer: read its activations, decode from them.

    Attributes:
        model: the generator.
        layer_name: the layer cut at.
        encoder, decoder: `encoder_to` and `decoder_from` of that layer.
        inputs_used: the model inputs the activations depend on.
        shape: the shape of one example's activations (units last).
    """

    def __init__(self, model, layer_name):
        self.model = model
        self.layer_name = layer_name
        self.encoder = encoder_to(model, layer_name)
        self.decoder = decoder_from(model, layer_name)
        self.inputs_used = input_dependencies(model, layer_name)
        self.shape = tuple(model.get_layer(layer_name).output.shape[1:])

    @property
    def num_units(self):
        """Units of the layer: neurons of a dense layer, channels of a
        convolution."""
        return self.shape[-1]

    def activations(self, inputs, batch_size=64):
        """The layer's activations (N, *shape) for the generator `inputs`."""
        return render.call_batches(
            self.encoder, {k: inputs[k] for k in self.inputs_used}, batch_size)

    def decode(self, activations, inputs, batch_size=64):
        """(rgb, mask) in [0, 1] from replaced `activations`, the other
        model inputs taken from `inputs` (those not needed are ignored)."""
        feed = {self.layer_name: activations}
        feed.update({k: inputs[k] for k in self.decoder.input
                     if k != self.layer_name})
        out = render.call_batches(self.decoder, feed, batch_size)
        return (np.clip(out["rgb"], 0.0, 1.0).astype(np.float32),
                np.clip(out["mask"], 0.0, 1.0).astype(np.float32))


_CUTS = weakref.WeakKeyDictionary()


def cut(model, layer_name):
    """The `Cut` of `model` at `layer_name`, made once per model and layer:
    every cut re-applies the generator's layers to new inputs, which Keras
    records on those layers, so repeated experiments share one."""
    cuts = _CUTS.setdefault(model, {})
    if layer_name not in cuts:
        cuts[layer_name] = Cut(model, layer_name)
    return cuts[layer_name]
