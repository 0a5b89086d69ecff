"""gen.deconvnet against a step-by-step numpy deconvnet (numpy_deconvnet.py)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from gen.deconvnet import network, receptive_field
from gen.errors import UserError
from tests import numpy_deconvnet as ref

INPUT_SHAPE = (18, 19, 2)


def _steps(seed=0):
    """A tiny convnet with every supported kind of layer: a stride-2 "same"
    conv (asymmetric padding), overlapping 3x3/2 pooling, a linear conv,
    BatchNormalization with non-trivial statistics, a ReLU layer, "same"
    pooling, and a Dense head ending in softmax."""
    rng = np.random.default_rng(seed)
    normal = lambda *shape: rng.normal(size=shape).astype("float32")  # noqa: E731
    return [
        ("conv", normal(3, 3, 2, 4), normal(4) * 0.1, (2, 2), "same", "relu"),
        ("pool", (3, 3), (2, 2), "valid"),
        ("conv", normal(2, 2, 4, 5), normal(5) * 0.1, (1, 1), "valid", "linear"),
        (
            "bn",
            1 + normal(5) * 0.3,
            normal(5) * 0.1,
            normal(5) * 0.2,
            1 + rng.uniform(size=5).astype("float32"),
            1e-3,
        ),
        ("relu",),
        ("pool", (2, 2), (2, 2), "same"),
        ("flatten",),
        ("dense", normal(20, 6), normal(6) * 0.1, "relu"),
        ("dense", normal(6, 3), normal(3) * 0.1, "softmax"),
    ]


def _keras_model(steps, input_shape=INPUT_SHAPE):
    inputs = keras.Input(input_shape)
    x = inputs
    for k, step in enumerate(steps):
        kind, name = step[0], f"{step[0]}{k}"
        if kind == "conv":
            _, w, b, strides, padding, act = step
            layer = keras.layers.Conv2D(
                w.shape[-1], w.shape[:2], strides, padding, activation=act, name=name
            )
            x = layer(x)
            layer.set_weights([w, b])
        elif kind == "relu":
            x = keras.layers.ReLU(name=name)(x)
        elif kind == "pool":
            x = keras.layers.MaxPooling2D(*step[1:], name=name)(x)
        elif kind == "bn":
            _, gamma, beta, mean, var, eps = step
            layer = keras.layers.BatchNormalization(epsilon=eps, name=name)
            x = layer(x)
            layer.set_weights([gamma, beta, mean, var])
        elif kind == "flatten":
            x = keras.layers.Flatten(name=name)(x)
        elif kind == "dense":
            _, w, b, act = step
            layer = keras.layers.Dense(w.shape[1], activation=act, name=name)
            x = layer(x)
            layer.set_weights([w, b])
    return keras.Model(inputs, x)


@pytest.fixture(scope="module")
def net():
    steps = _steps()
    images = np.random.default_rng(1).normal(size=(3,) + INPUT_SHAPE)
    return steps, _keras_model(steps), images.astype("float32")


def _reference_mask(acts, feature_index, top_k):
    b = acts.shape[0]
    keep = np.zeros(acts.shape, bool)
    for n in range(b):
        if feature_index is None:
            keep[n] = True
        else:
            index = np.broadcast_to(feature_index, (b,))[n]
            keep[n][..., index] = True
        if top_k is not None:
            values = np.where(keep[n], acts[n], -np.inf).ravel()
            top = np.zeros(values.shape, bool)
            top[np.argsort(-values, kind="stable")[:top_k]] = True
            keep[n] &= top.reshape(keep[n].shape)
    return keep


# (index of the chosen step, feature_index, top_k)
CASES = [
    (0, 1, None),  # one whole feature map of the first conv
    (0, [0, 3, 2], 1),  # each image's own map, strongest unit only
    (1, 2, None),  # overlapping pooling on top
    (1, None, 3),  # the 3 strongest activations of the layer
    (2, 4, None),  # linear conv: negative values go down too
    (3, 0, 2),  # BatchNormalization
    (4, 3, None),  # a ReLU layer
    (5, None, None),  # the whole layer
    (7, 4, None),  # Dense with ReLU
    (8, [0, 1, 2], None),  # the softmax head: its logits
]


@pytest.mark.parametrize("top, feature_index, top_k", CASES)
def test_projection_equals_numpy_deconvnet(net, top, feature_index, top_k):
    steps, model, images = net
    deconv = network.DeconvNet(model, f"{steps[top][0]}{top}")
    ref_acts, records = ref.forward(steps[: top + 1], images)
    acts = deconv.activations(images)
    np.testing.assert_allclose(acts, ref_acts, rtol=1e-4, atol=1e-4)

    keep = _reference_mask(ref_acts, feature_index, top_k)
    expected = ref.deconvnet(steps[: top + 1], records, ref_acts * keep)
    projection = deconv.project(images, feature_index=feature_index, top_k=top_k)
    assert projection.shape == images.shape
    assert np.all(np.isfinite(projection))
    assert np.abs(expected).max() > 0.1  # a real signal, not all zeros
    np.testing.assert_allclose(
        projection, expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max()
    )


def test_project_masked_projects_any_selection(net):
    steps, model, images = net
    deconv = network.DeconvNet(model, "conv2")
    ref_acts, records = ref.forward(steps[:3], images)
    keep = np.random.default_rng(4).uniform(size=ref_acts.shape) < 0.3
    np.testing.assert_allclose(
        deconv.project_masked(images, keep),
        ref.deconvnet(steps[:3], records, ref_acts * keep),
        rtol=1e-4,
        atol=1e-4,
    )
    with pytest.raises(
        UserError,
        match=r"keep has shape \(1, 2\), the "
        r"activations \(3, 3, 3, 5\).",
    ):
        deconv.project_masked(images, np.ones((1, 2)))


def test_sequential_model_and_shared_kernels(net):
    steps = _steps(seed=2)[:3]
    # The layers also serve a Sequential model: the deconvnet follows that
    # model's own calls.
    functional = _keras_model(steps)
    model = keras.Sequential([keras.Input(INPUT_SHAPE)] + functional.layers[1:])
    images = net[2]
    deconv = network.DeconvNet(model, "conv2")
    before = len(model.weights)
    first = deconv.project(images, feature_index=0)
    # The deconvnet reads the model's kernel variables: a change to the
    # model is seen at once, and nothing was copied.
    kernel = model.get_layer("conv0").kernel
    kernel.assign(kernel * 2.0)
    second = deconv.project(images, feature_index=0)
    assert len(model.weights) == before
    steps[0] = ("conv", steps[0][1] * 2.0) + steps[0][2:]
    ref_acts, records = ref.forward(steps, images)
    keep = np.zeros(ref_acts.shape)
    keep[..., 0] = 1
    np.testing.assert_allclose(
        second, ref.deconvnet(steps, records, ref_acts * keep), rtol=1e-4, atol=1e-4
    )
    assert not np.allclose(first, second)


def test_layer1_feature_of_a_single_filter_net_reproduces_the_filter():
    pattern = np.array([[1, -1, 2], [0, 3, -2], [1, 1, -1]], "float32")
    conv = keras.layers.Conv2D(
        1, 3, padding="valid", activation="relu", use_bias=False, name="conv"
    )
    inputs = keras.Input((12, 12, 1))
    model = keras.Model(inputs, conv(inputs))
    conv.set_weights([pattern[:, :, None, None]])
    image = np.zeros((1, 12, 12, 1), "float32")
    image[0, 5:8, 3:6, 0] = pattern  # the matched filter fires at (5, 3)
    image[0, 0:3, 8:11, 0] = 0.5 * pattern  # a weaker copy elsewhere

    deconv = network.DeconvNet(model, "conv")
    acts = deconv.activations(image)
    strongest = float((pattern**2).sum())
    assert acts[0, 5, 3, 0] == pytest.approx(strongest)
    assert np.unravel_index(acts[0, ..., 0].argmax(), (10, 10)) == (5, 3)

    projection = deconv.project(image, feature_index=0, top_k=1)[0, :, :, 0]
    expected = np.zeros((12, 12), "float32")
    expected[5:8, 3:6] = strongest * pattern  # the filter, at its location
    np.testing.assert_allclose(projection, expected, rtol=1e-6)
    top, left, bottom, right = deconv.receptive_field().box(5, 3)
    assert (top, left, bottom, right) == (5, 3, 8, 6)


def test_overlapping_pools_add():
    # Windows of 3 with stride 2 over [0, 1, 9, 1, 0] both pick position 2:
    # unpooling adds their values there, as in Zeiler & Fergus' unpooling.
    inputs = keras.Input((1, 5, 1))
    pool = keras.layers.MaxPooling2D((1, 3), (1, 2), name="pool")
    model = keras.Model(inputs, pool(inputs))
    x = np.array([0, 1, 9, 1, 0], "float32").reshape(1, 1, 5, 1)
    deconv = network.DeconvNet(model, "pool")
    np.testing.assert_array_equal(deconv.activations(x)[0, 0, :, 0], [9, 9])
    np.testing.assert_array_equal(deconv.project(x)[0, 0, :, 0], [0, 0, 18, 0, 0])
    np.testing.assert_array_equal(
        deconv.project(x, top_k=1)[0, 0, :, 0], [0, 0, 9, 0, 0]
    )


def test_receptive_field_arithmetic_and_projection_support(net):
    steps, model, images = net
    # conv 3x3/2 "same" (1 pad on the left of the columns, none on top for
    # 18 rows), pool 3x3/2, conv 2x2/1 valid.
    field = network.DeconvNet(model, "conv2").receptive_field()
    assert field == receptive_field.ReceptiveField(
        size=(11, 11), stride=(4, 4), start=(0, -1)
    )
    assert receptive_field.receptive_field(
        [((3, 3), (1, 1), "same"), ((2, 2), (2, 2), "valid")], (8, 8)
    ) == (receptive_field.ReceptiveField((4, 4), (2, 2), (-1, -1)))
    # Every single activation projects inside its receptive field.
    deconv = network.DeconvNet(model, "conv2")
    acts = deconv.activations(images)
    for y in range(acts.shape[1]):
        for x in range(acts.shape[2]):
            keep = np.zeros(acts.shape, "float32")
            keep[:, y, x, :] = 1
            projection = np.abs(deconv.project_masked(images, keep)).sum(-1)
            top, left, bottom, right = field.box(y, x)
            inside = np.zeros(projection.shape[1:], bool)
            inside[max(top, 0) : bottom, max(left, 0) : right] = True
            assert projection[:, inside].max() > 0
            assert projection[:, ~inside].max() == 0
    dense = network.DeconvNet(model, "dense7").receptive_field()
    assert dense.box(0, 0) == (0, 0) + INPUT_SHAPE[:2]


def test_selection_mask():
    acts = np.array([[[1, 5], [3, 5]], [[2, 0], [0, 7]]], "float32")  # (2, 2, 2)
    np.testing.assert_array_equal(
        network.selection_mask(acts, 1), [[[0, 1], [0, 1]], [[0, 1], [0, 1]]]
    )
    # Ties go to the first in row-major order.
    np.testing.assert_array_equal(
        network.selection_mask(acts, 1, top_k=1), [[[0, 1], [0, 0]], [[0, 0], [0, 1]]]
    )
    np.testing.assert_array_equal(
        network.selection_mask(acts, [0, 0], top_k=1),
        [[[0, 0], [1, 0]], [[1, 0], [0, 0]]],
    )
    np.testing.assert_array_equal(
        network.selection_mask(acts, top_k=2), [[[0, 1], [0, 1]], [[1, 0], [0, 1]]]
    )
    np.testing.assert_array_equal(network.selection_mask(acts), 1)


def _error(model, layer_name):
    with pytest.raises(UserError) as error:
        network.DeconvNet(model, layer_name)
    return " ".join(str(error.value).split())


def _chain(*layers_, input_shape=(8, 8, 3)):
    inputs = keras.Input(input_shape)
    x = inputs
    for layer in layers_:
        x = layer(x)
    return keras.Model(inputs, x)


def test_unsupported_layers_are_named_with_what_is_supported():
    model = _chain(
        keras.layers.Conv2D(4, 3, name="c1"),
        keras.layers.AveragePooling2D(2, name="avg"),
        keras.layers.Conv2D(4, 3, name="c2"),
    )
    message = _error(model, "c2")
    assert message.startswith(
        "Layer 'avg' (AveragePooling2D) has no deconvnet step. The deconvnet "
        "supports one chain of these layers from the input to the chosen "
        "layer: InputLayer; Conv2D (activation relu or linear, dilation 1, "
        "groups 1); TiedConv2D (called forwards; activation relu or linear); "
        "MaxPooling2D; MaxPoolingWithSwitches2D; ReLU (plain: no max_value, "
        "slope or "
        "threshold); Activation (relu or linear); BatchNormalization (over "
        "channels); Flatten; Dense (activation relu or linear); Dropout; "
        "Rescaling."
    )
    # Layers above the chosen one do not matter.
    assert network.DeconvNet(model, "c1").num_features == 4

    cases = [
        (
            keras.layers.Conv2D(4, 3, activation="tanh", name="bad"),
            "Layer 'bad' (Conv2D) has the activation 'tanh'.",
        ),
        (
            keras.layers.Conv2D(4, 3, dilation_rate=2, name="bad"),
            "Layer 'bad' (Conv2D) has dilation_rate=(2, 2) and groups=1 (only 1 "
            "and 1 are supported).",
        ),
        (
            keras.layers.ReLU(max_value=6, name="bad"),
            "Layer 'bad' (ReLU) has max_value=6, negative_slope=0.0, threshold=0.0.",
        ),
        (
            keras.layers.Activation("sigmoid", name="bad"),
            "Layer 'bad' (Activation) has the activation 'sigmoid'.",
        ),
        (
            keras.layers.BatchNormalization(axis=1, name="bad"),
            "Layer 'bad' (BatchNormalization) normalises axis 1 (only the last, "
            "channels axis is supported).",
        ),
        (
            keras.layers.Conv2DTranspose(4, 3, name="bad"),
            "Layer 'bad' (Conv2DTranspose) has no deconvnet step.",
        ),
    ]
    for layer, expected in cases:
        model = _chain(layer, keras.layers.Conv2D(2, 1, name="top"))
        assert _error(model, "top").startswith(expected), expected


def test_other_errors():
    model = _chain(
        keras.layers.Conv2D(4, 3, name="c1"), keras.layers.MaxPooling2D(name="p1")
    )
    assert _error(model, "conv9") == (
        "Model 'functional' has no layer named 'conv9'. Its layers: "
        "input_layer, c1, p1."
    )

    inputs = keras.Input((8, 8, 3))
    a = keras.layers.Conv2D(3, 3, padding="same", name="a")(inputs)
    added = keras.layers.Add(name="add")([a, inputs])
    top = keras.layers.Conv2D(2, 3, name="top")(added)
    assert _error(keras.Model(inputs, top), "top").startswith(
        "Layer 'add' (Add) takes 2 inputs (the deconvnet follows a single chain)."
    )

    inner = _chain(keras.layers.Conv2D(4, 3, name="inner_conv"))
    inner.name = "inner"
    outer = _chain(inner, keras.layers.Conv2D(2, 1, name="top"))
    assert _error(outer, "top").startswith(
        "Layer 'inner' (Functional) is a nested model (rebuild the "
        "model with its layers inline)."
    )

    class Subclassed(keras.Model):
        def call(self, x):
            return x

    with pytest.raises(UserError, match="must have exactly one input"):
        network.DeconvNet(Subclassed(), "x")

    deconv = network.DeconvNet(model, "c1")
    images = np.zeros((2, 8, 8, 3), "float32")
    with pytest.raises(
        UserError,
        match=r"feature_index must be an int or 2 "
        r"ints \(one per image\) in 0\.\.3 \(the layer has 4 "
        r"feature maps\), got 4\.",
    ):
        deconv.project(images, feature_index=4)
    with pytest.raises(UserError, match="top_k must be a positive int or None, got 0."):
        deconv.project(images, top_k=0)
    with pytest.raises(
        UserError,
        match=r"Images of shape \(2, 9, 8, 3\) do "
        r"not fit the model's input \(batch,\) \+ \(8, 8, 3\).",
    ):
        deconv.activations(np.zeros((2, 9, 8, 3), "float32"))


def test_rescaling_dropout_activations_and_a_relu_dense_on_maps():
    # Rescaling multiplies the signal by its scale, Dropout and a linear
    # Activation are the identity at inference, Activation("relu")
    # rectifies, a Dense on maps is a 1x1 filtering.
    rng = np.random.default_rng(3)
    w = rng.normal(size=(3, 3, 3, 4)).astype("float32")
    d = rng.normal(size=(4, 5)).astype("float32")
    conv = keras.layers.Conv2D(4, 3, activation="relu", name="c")
    dense = keras.layers.Dense(5, activation="relu", name="d")
    model = _chain(
        keras.layers.Rescaling(0.5, offset=-1.0),
        keras.layers.Dropout(0.5),
        conv,
        keras.layers.Activation("linear"),
        keras.layers.Activation("relu"),
        dense,
    )
    conv.set_weights([w, np.zeros(4, "float32")])
    dense.set_weights([d, np.zeros(5, "float32")])
    images = rng.uniform(0, 4, size=(2, 8, 8, 3)).astype("float32")
    steps = [
        ("conv", w, np.zeros(4), (1, 1), "valid", "relu"),
        ("conv", d[None, None], np.zeros(5), (1, 1), "valid", "relu"),
    ]
    ref_acts, records = ref.forward(steps, images * 0.5 - 1.0)
    keep = np.zeros(ref_acts.shape)
    keep[..., 2] = 1
    expected = 0.5 * ref.deconvnet(steps, records, ref_acts * keep)
    deconv = network.DeconvNet(model, "d")
    np.testing.assert_allclose(
        deconv.project(images, feature_index=2), expected, rtol=1e-4, atol=1e-4
    )
    assert deconv.receptive_field().size == (3, 3)
    assert tf.reduce_all(tf.math.is_finite(deconv.project(images)))


def test_this_library_s_tied_convolutions_and_switch_pooling():
    """A weight-tied autoencoder of `layers` (TiedConv2D encoder with
    MaxPoolingWithSwitches2D, a decoder after the chosen layer): the chain
    from the input to the chosen layer is projected as a Conv2D /
    MaxPooling2D chain is, by the numpy deconvnet; the decoder is ignored."""
    from gen.models import tied_autoencoder

    model = tied_autoencoder.build_autoencoder(16, (4, 6), 3, "switch")
    rng = np.random.default_rng(7)
    for w in model.weights:
        w.assign(rng.normal(scale=0.5, size=w.shape).astype("float32"))
    conv1, conv2 = model.get_layer("conv1"), model.get_layer("conv2")
    steps = [
        ("conv", conv1.kernel.numpy(), conv1.bias.numpy(), (1, 1), "same", "relu"),
        ("pool", (2, 2), (2, 2), "valid"),
        ("conv", conv2.kernel.numpy(), conv2.bias.numpy(), (1, 1), "same", "relu"),
    ]
    images = rng.uniform(size=(2, 16, 16, 3)).astype("float32")
    for top, name in ((1, "pool1"), (2, "conv2")):
        deconv = network.DeconvNet(model, name)
        ref_acts, records = ref.forward(steps[: top + 1], images)
        np.testing.assert_allclose(
            deconv.activations(images), ref_acts, rtol=1e-4, atol=1e-4
        )
        keep = _reference_mask(ref_acts, 1, None)
        expected = ref.deconvnet(steps[: top + 1], records, ref_acts * keep)
        assert np.abs(expected).max() > 0.1
        np.testing.assert_allclose(
            deconv.project(images, feature_index=1),
            expected,
            rtol=1e-4,
            atol=1e-4 * np.abs(expected).max(),
        )
    assert deconv.receptive_field().size == (8, 8)
    # The decoder's transposed call is not on the way to any encoder layer;
    # choosing a layer above it is refused, naming it.
    assert _error(model, "unpool1").startswith(
        "Layer 'unpool1' (SwitchUnpooling2D) takes 2 inputs"
    )
