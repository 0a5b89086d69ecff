"""Cutting a generator at a named layer: its activations, and decoding from
them.

The chairs generator is a graph of several streams (class, view, transform)
that meet in the trunk and split again into the RGB and mask branches (layer
names in `gen.models.chairs_generator`). Reading a layer means running the part of the graph
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

import numpy as np

from gen.explore import run_files
from gen.models import generator_io, graph


def cut_layer_names(model):
    """Names of the layers a model can be cut at (fully connected layers and
    (un)convolutions, `run_files.CUT_LAYER_CLASSES`), in graph order."""
    return [
        layer.name
        for layer in model.layers
        if type(layer).__name__ in run_files.CUT_LAYER_CLASSES
    ]


def get_cut_layer(model, name):
    """The layer called `name`; UserError naming the choices if there is
    none."""
    return model.get_layer(run_files.check_cut_layer(name, cut_layer_names(model)))


_GRAPHS = weakref.WeakKeyDictionary()


def _cut_point(model, layer_name):
    """(the model's `Graph`, read once per model, and the `TensorRef` of the
    layer's output)."""
    layer = get_cut_layer(model, layer_name)
    if model not in _GRAPHS:
        _GRAPHS[model] = graph.Graph(model)
    model_graph = _GRAPHS[model]
    return model_graph, model_graph.first_call(layer.name).output(0)


def input_dependencies(model, layer_name):
    """The names of the model's inputs that the layer's output depends on,
    in the model's input order."""
    model_graph, cut = _cut_point(model, layer_name)
    return model_graph.input_names_below([cut])


def outputs_depending_on(model, layer_name):
    """The names of the model's outputs that the layer influences."""
    model_graph, cut = _cut_point(model, layer_name)
    return [
        name
        for name, ref in model_graph.output_refs.items()
        if model_graph.depends_on(ref, cut)
    ]


def encoder_to(model, layer_name):
    """A model from the inputs the layer depends on to its activations."""
    model_graph, cut = _cut_point(model, layer_name)
    needed = model_graph.input_names_below([cut])
    return model_graph.submodel(
        {name: model_graph.inputs[name] for name in needed},
        cut,
        name=f"to_{layer_name}",
    )


def decoder_from(model, layer_name):
    """A model from the layer's activations (input named `layer_name`) and
    whatever other model inputs are still needed, to the model's outputs.

    Every layer whose result depends on the cut layer is re-applied to the
    replaced activations; every other layer the outputs need is re-applied
    to the model's own inputs, so those parts are computed exactly as in
    the generator. The layers (and weights) are the generator's own.
    """
    model_graph, cut = _cut_point(model, layer_name)
    outputs = model_graph.output_refs
    # Below the cut the replaced activations stand in for the layer, so only
    # the inputs the outputs still reach around the cut are needed.
    stack, seen, needed = list(outputs.values()), set(), set()
    while stack:
        ref = stack.pop()
        if ref in seen or ref == cut:
            continue
        seen.add(ref)
        call = model_graph.producer(ref)
        if call is None:
            needed.add(ref.layer)
        else:
            stack.extend(call.inputs)
    # The model's own input order, the cut first: stable and readable.
    inputs = {layer_name: cut}
    inputs.update(
        {name: ref for name, ref in model_graph.inputs.items() if name in needed}
    )
    return model_graph.submodel(inputs, outputs, name=f"from_{layer_name}")


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
        self.shape = tuple(self.encoder.output.shape[1:])

    @property
    def num_units(self):
        """Units of the layer: neurons of a dense layer, channels of a
        convolution."""
        return self.shape[-1]

    def activations(self, inputs, batch_size=64):
        """The layer's activations (N, *shape) for the generator `inputs`."""
        return generator_io.call_batches(
            self.encoder, {k: inputs[k] for k in self.inputs_used}, batch_size
        )

    def decode(self, activations, inputs, batch_size=64):
        """(rgb, mask) in [0, 1] from replaced `activations`, the other
        model inputs taken from `inputs` (those not needed are ignored)."""
        feed = {self.layer_name: activations}
        feed.update({k: inputs[k] for k in self.decoder.input if k != self.layer_name})
        out = generator_io.call_batches(self.decoder, feed, batch_size)
        return (
            np.clip(out["rgb"], 0.0, 1.0).astype(np.float32),
            np.clip(out["mask"], 0.0, 1.0).astype(np.float32),
        )


_CUTS = weakref.WeakKeyDictionary()


def cut(model, layer_name):
    """The `Cut` of `model` at `layer_name`, made once per model and layer:
    every cut re-applies the generator's layers to new inputs, which Keras
    records on those layers, so repeated experiments share one."""
    cuts = _CUTS.setdefault(model, {})
    if layer_name not in cuts:
        cuts[layer_name] = Cut(model, layer_name)
    return cuts[layer_name]
