"""The layer graph of a functional Keras model, read from its public config.

`model.get_config()` of a functional model lists every layer with each of
its calls in that model ("inbound nodes"): the tensors it was called on,
each named by ``keras_history`` (producing layer, which of its calls, which
of its outputs), and the keyword arguments of the call. `Graph` reads that
and nothing private, so the tools that walk a model (the deconvnet's chain,
cutting a generator at a layer) see exactly this model's calls of each
layer: a layer called twice (a weight-tied convolution, forwards and
transposed) has two calls, and calls made outside the model (another model
sharing the layer) are not there.

    graph = Graph(model)
    call = graph.first_call("conv2")          # Call(layer, index, args, kwargs)
    graph.producer(call.inputs[0])            # the call that made its input
    graph.input_names_below([call.output(0)]) # the model inputs it reads
    encoder = graph.submodel({"view": "view"}, call.output(0))  # re-applied
"""

import dataclasses

import keras

from gen.errors import UserError


@dataclasses.dataclass(frozen=True)
class TensorRef:
    """One tensor of the graph: output `index` of call `call` of `layer`."""

    layer: str
    call: int
    index: int


@dataclasses.dataclass(frozen=True)
class Call:
    """One call of a layer in the model.

    Attributes:
        layer: the layer object.
        index: which of the layer's calls in this model (0 for the first).
        args, kwargs: the call's arguments, `TensorRef` where a tensor was
            passed (lists, tuples and dicts as in the call).
    """

    layer: object
    index: int
    args: tuple
    kwargs: dict

    @property
    def inputs(self):
        """The `TensorRef`s the call reads, in argument order."""
        return [
            ref
            for ref in _flatten((self.args, self.kwargs))
            if isinstance(ref, TensorRef)
        ]

    def output(self, index=0):
        return TensorRef(self.layer.name, self.index, index)


def _flatten(value):
    """The leaves of nested lists, tuples and dicts (dicts in key order)."""
    if isinstance(value, dict):
        return [leaf for k in value for leaf in _flatten(value[k])]
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in _flatten(v)]
    return [value]


def _map_refs(fn, value):
    """`value` with `fn(ref)` in place of every `TensorRef`."""
    if isinstance(value, TensorRef):
        return fn(value)
    if isinstance(value, dict):
        return {k: _map_refs(fn, v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_map_refs(fn, v) for v in value)
    return value


def _is_tensor(value):
    return isinstance(value, dict) and value.get("class_name") == ("__keras_tensor__")


class Graph:
    """The calls, inputs and outputs of a functional (or Sequential) model.

    Attributes:
        model: the model (a Sequential is read through the functional model
            of its inputs and outputs).
        inputs: {input name: `TensorRef`} in the model's input order.
        outputs: the model's outputs as `TensorRef`s, in the model's own
            structure (one, a list or a dict).

    Raises:
        UserError: for a model that is neither functional nor Sequential.
    """

    def __init__(self, model):
        if isinstance(model, keras.Sequential):
            model = keras.Model(model.inputs, model.outputs, name=model.name)
        config = model.get_config() if isinstance(model, keras.Model) else {}
        if "input_layers" not in (config or {}):
            raise UserError(
                f"Model '{getattr(model, 'name', model)}' is not a functional "
                "or Sequential Keras model (built on keras.Input), so its "
                "layer graph cannot be read."
            )
        self.model = model
        self._layers = {layer.name: layer for layer in model.layers}
        self._calls, self._shapes = {}, {}
        for entry in config["layers"]:
            layer = self._layers[entry["name"]]
            for index, node in enumerate(entry["inbound_nodes"]):
                args = self._refs(node["args"])
                kwargs = self._refs(node["kwargs"])
                self._calls[(layer.name, index)] = Call(
                    layer, index, tuple(args), kwargs
                )
        self.inputs = {
            ref.layer: ref for ref in _flatten(self._history(config["input_layers"]))
        }
        self.outputs = self._history(config["output_layers"])
        for name in self.inputs:
            self._shapes[TensorRef(name, 0, 0)] = tuple(self._layers[name].batch_shape)

    def _refs(self, value):
        """A node's serialized arguments with tensors as `TensorRef`s (their
        shapes noted on the way)."""
        if _is_tensor(value):
            ref = TensorRef(*value["config"]["keras_history"])
            self._shapes[ref] = tuple(value["config"]["shape"])
            return ref
        if isinstance(value, dict):
            return {k: self._refs(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self._refs(v) for v in value]
        return value

    @staticmethod
    def _history(value):
        """`input_layers`/`output_layers` ([name, call, index] entries, in a
        list or dict or alone) as `TensorRef`s in the same structure."""
        if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str):
            return TensorRef(*value)
        if isinstance(value, dict):
            return {k: Graph._history(v) for k, v in value.items()}
        return [Graph._history(v) for v in value]

    @property
    def output_refs(self):
        """{output name: `TensorRef`} (names "0", "1", ... for a list)."""
        if isinstance(self.outputs, dict):
            return dict(self.outputs)
        return {str(k): ref for k, ref in enumerate(_flatten(self.outputs))}

    def layer(self, name):
        return self._layers[name]

    def calls_of(self, layer_name):
        """Every call of the layer in this model, first first."""
        calls, index = [], 0
        while (layer_name, index) in self._calls:
            calls.append(self._calls[(layer_name, index)])
            index += 1
        return calls

    def first_call(self, layer_name):
        calls = self.calls_of(layer_name)
        if not calls:
            raise UserError(
                f"Layer '{layer_name}' is not called in model '{self.model.name}'."
            )
        return calls[0]

    def producer(self, ref):
        """The `Call` whose output `ref` is; None for a model input."""
        if ref.layer in self.inputs:
            return None
        return self._calls[(ref.layer, ref.call)]

    def shape(self, ref):
        """The static shape of `ref` (batch included), as the model recorded
        it; computed from the producing call where nothing consumes it."""
        if ref not in self._shapes:
            call = self.producer(ref)
            specs = [keras.KerasTensor(self.shape(r)) for r in call.inputs]
            outputs = _flatten(
                call.layer.compute_output_spec(
                    *specs,
                    **{
                        k: v
                        for k, v in call.kwargs.items()
                        if not isinstance(v, TensorRef)
                    },
                )
            )
            self._shapes[ref] = tuple(outputs[ref.index].shape)
        return self._shapes[ref]

    def input_names_below(self, refs):
        """The names of the model inputs that `refs` depend on, in the
        model's input order."""
        found, stack, seen = set(), list(refs), set()
        while stack:
            ref = stack.pop()
            if ref in seen:
                continue
            seen.add(ref)
            call = self.producer(ref)
            if call is None:
                found.add(ref.layer)
            else:
                stack.extend(call.inputs)
        return [name for name in self.inputs if name in found]

    def depends_on(self, ref, target):
        """Whether tensor `ref` is computed from tensor `target`."""
        stack, seen = [ref], set()
        while stack:
            current = stack.pop()
            if current == target:
                return True
            if current in seen:
                continue
            seen.add(current)
            call = self.producer(current)
            if call is not None:
                stack.extend(call.inputs)
        return False

    def replay(self, targets, given):
        """Re-applies the model's layers to compute `targets` (a `TensorRef`,
        or lists and dicts of them) from the tensors in `given`
        ({TensorRef: tensor}).

        Every call the targets need is made again, on the replayed tensors,
        with its own keyword arguments; the layers (and weights) are the
        model's. A model input that `given` lacks is a `KeyError`.
        """
        values = dict(given)

        def value(ref):
            if ref not in values:
                call = self.producer(ref)
                if call is None:
                    raise KeyError(f"no tensor given for input '{ref.layer}'")
                args = _map_refs(value, list(call.args))
                kwargs = _map_refs(value, call.kwargs)
                outputs = _flatten(call.layer(*args, **kwargs))
                for k, tensor in enumerate(outputs):
                    values[TensorRef(ref.layer, ref.call, k)] = tensor
            return values[ref]

        return _map_refs(value, targets)

    def submodel(self, inputs, outputs, name=None):
        """A new `keras.Model` from fresh inputs to `outputs` (a structure of
        `TensorRef`s), re-applying this model's layers in between.

        Args:
            inputs: {name of the new input: `TensorRef` it stands for} (a
                model input or any inner tensor: the layers below it are
                then not used).
            outputs: `TensorRef` or a dict of them.
            name: the new model's name.
        """
        fresh = {
            name_: keras.Input(self.shape(ref)[1:], dtype=self._dtype(ref), name=name_)
            for name_, ref in inputs.items()
        }
        given = {ref: fresh[name_] for name_, ref in inputs.items()}
        return keras.Model(fresh, self.replay(outputs, given), name=name)

    def _dtype(self, ref):
        if ref.layer in self.inputs:
            return self._layers[ref.layer].dtype
        return self.producer(ref).layer.compute_dtype
