"""gen.models.graph: a model's calls read from its public config, and models
replayed from them."""

import keras
import numpy as np
import pytest

import layers
from gen.errors import UserError
from gen.models import graph


def _tied_model():
    """A weight-tied encoder/decoder: one TiedConv2D called twice, a pooling
    layer with two outputs, an unpooling layer with two inputs."""
    image = keras.Input((8, 8, 3), name="image")
    tied = layers.TiedConv2D(4, 3, activation="relu", name="tied")
    pooled, switches = layers.MaxPoolingWithSwitches2D(2, name="pool")(tied(image))
    code = keras.layers.Dense(4, name="code")(pooled)
    up = layers.SwitchUnpooling2D(2, name="unpool")(code, switches)
    back = tied(up, transpose=True)
    return keras.Model(image, {"image": back, "code": code})


def test_calls_inputs_and_outputs():
    model = _tied_model()
    g = graph.Graph(model)
    assert list(g.inputs) == ["image"]
    assert g.outputs == {
        "image": graph.TensorRef("tied", 1, 0),
        "code": graph.TensorRef("code", 0, 0),
    }
    forward, transposed = g.calls_of("tied")
    assert (forward.index, forward.kwargs) == (0, {"transpose": False})
    assert (transposed.index, transposed.kwargs) == (1, {"transpose": True})
    assert transposed.inputs == [graph.TensorRef("unpool", 0, 0)]
    unpool = g.first_call("unpool")
    # Two inputs: the code and the pooling's second output, the switches.
    assert unpool.inputs == [
        graph.TensorRef("code", 0, 0),
        graph.TensorRef("pool", 0, 1),
    ]
    assert g.producer(unpool.inputs[1]).layer is model.get_layer("pool")
    assert g.producer(forward.inputs[0]) is None  # the model's input
    assert g.shape(graph.TensorRef("pool", 0, 1)) == (None, 8, 8, 4)
    assert g.shape(g.outputs["image"]) == (None, 8, 8, 3)
    assert g.input_names_below([g.outputs["code"]]) == ["image"]
    assert g.depends_on(g.outputs["image"], graph.TensorRef("code", 0, 0))
    assert not g.depends_on(g.outputs["code"], graph.TensorRef("unpool", 0, 0))


def test_calls_outside_the_model_are_not_its_own():
    model = _tied_model()
    other = keras.Input((8, 8, 3))
    model.get_layer("tied")(other)  # a third call, in no model
    assert len(graph.Graph(model).calls_of("tied")) == 2


def test_submodels_replay_the_layers_with_their_weights():
    model = _tied_model()
    g = graph.Graph(model)
    x = np.random.default_rng(0).normal(size=(2, 8, 8, 3)).astype("float32")
    expected = {k: np.asarray(v) for k, v in model(x).items()}
    whole = g.submodel({"image": g.inputs["image"]}, g.outputs, name="copy")
    np.testing.assert_allclose(
        whole({"image": x})["image"], expected["image"], rtol=1e-6, atol=1e-6
    )
    # Cut at the code: the decoder takes the code and still needs the image
    # (for the switches); fed the model's own code it gives the model's image.
    code = graph.TensorRef("code", 0, 0)
    decoder = g.submodel({"code": code, "image": g.inputs["image"]}, g.outputs["image"])
    np.testing.assert_allclose(
        decoder({"code": expected["code"], "image": x}),
        expected["image"],
        rtol=1e-6,
        atol=1e-6,
    )
    # The layers below the cut are not in it; the others are the model's own.
    assert decoder.count_params() == (
        model.count_params() - model.get_layer("code").count_params()
    )
    assert decoder.get_layer("tied") is model.get_layer("tied")


def test_sequential_and_refusals():
    sequential = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(3, name="a"),
            keras.layers.Dense(2, name="b"),
        ]
    )
    g = graph.Graph(sequential)
    assert g.producer(g.first_call("b").inputs[0]).layer.name == "a"

    class Subclassed(keras.Model):
        def call(self, x):
            return x

    with pytest.raises(
        UserError, match="is not a functional or Sequential Keras model"
    ):
        graph.Graph(Subclassed())
    with pytest.raises(UserError, match="Layer 'nope' is not called"):
        g.first_call("nope")
