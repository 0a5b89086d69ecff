"""The chairs generator: architecture, losses, metrics, saving."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import layers
from gen import choices
from gen.models import chairs_generator, losses, metrics


def test_2s_e_is_the_authors_network():
    model = chairs_generator.build_generator(
        chairs_generator.GeneratorConfig(809, 64, "2s-E", 8)
    )
    assert model.count_params() == 31_627_120
    names = [f"{b}_uconv{i}" for b in ("rgb", "mask") for i in (1, 2, 3)]
    uconvs = [model.get_layer(n) for n in names]
    assert all(isinstance(l, layers.UnpoolConv2D) for l in uconvs)
    assert [(l.filters, l.kernel_size, l.size) for l in uconvs] == [
        (256, (5, 5), (2, 2)),
        (92, (5, 5), (2, 2)),
        (3, (5, 5), (2, 2)),
        (92, (5, 5), (2, 2)),
        (32, (5, 5), (2, 2)),
        (1, (5, 5), (2, 2)),
    ]
    assert model.get_layer("rgb_fc").units == 16384
    assert model.get_layer("mask_fc").units == 8192


@pytest.mark.parametrize("variant", choices.VARIANTS)
@pytest.mark.parametrize("resolution", choices.RESOLUTIONS)
def test_output_shapes_of_every_variant(variant, resolution):
    config = chairs_generator.GeneratorConfig(
        7, resolution, variant, num_transform=8, width=0.125
    )
    model = chairs_generator.build_generator(config)
    x = {
        "class": np.eye(7, dtype="float32")[[0, 3]],
        "view": np.zeros((2, 4), "float32"),
        "transform": np.zeros((2, 8), "float32"),
    }
    out = model(x)
    assert out["rgb"].shape == (2, resolution, resolution, 3)
    assert out["mask"].shape == (2, resolution, resolution, 1)
    uconvs = [l for l in model.layers if isinstance(l, layers.UnpoolConv2D)]
    stages = {32: 2, 64: 3, 128: 4}[resolution]
    assert len(uconvs) == stages * (2 if config.two_streams else 1)
    if config.softmax_mask:
        mask = np.asarray(out["mask"])
        assert ((mask >= 0) & (mask <= 1)).all()
    if variant == "1s-S-deep":
        extra = [l for l in model.layers if isinstance(l, keras.layers.Conv2D)]
        assert len(extra) == stages - 1


def test_foreground_probability_is_channel_1_of_a_softmax():
    rng = np.random.default_rng(4)
    # Logits up to +-100: the sigmoid of their difference must not overflow.
    logits = rng.normal(size=(2, 5, 5, 2)).astype("float32")
    logits[1] *= 40.0
    e = np.exp(logits - logits.max(-1, keepdims=True))
    softmax = e / e.sum(-1, keepdims=True)
    layer = chairs_generator.ForegroundProbability()
    variable = tf.Variable(logits)
    with tf.GradientTape() as tape:
        p = layer(variable)
        total = tf.reduce_sum(p)
    np.testing.assert_allclose(p.numpy(), softmax[..., 1:2], rtol=1e-5, atol=1e-7)
    # d p1 / d l1 = p1 p0 = -d p1 / d l0.
    both = softmax[..., 1] * softmax[..., 0]
    np.testing.assert_allclose(
        tape.gradient(total, variable).numpy(),
        np.stack([-both, both], -1),
        rtol=1e-4,
        atol=1e-7,
    )
    assert layer.compute_output_shape((2, 5, 5, 2)) == (2, 5, 5, 1)


@pytest.mark.parametrize("start, stop", [(0, 3), (3, 5), (1, 2), (0, 5)])
def test_slice_channels_and_its_gradient(start, stop):
    x = tf.Variable(np.arange(2 * 3 * 5, dtype="float32").reshape(2, 3, 5))
    weights = (
        np.random.default_rng(start).normal(size=(2, 3, stop - start)).astype("float32")
    )
    layer = chairs_generator.SliceChannels(start, stop)
    with tf.GradientTape() as tape:
        y = layer(x)
        total = tf.reduce_sum(y * weights)
    np.testing.assert_array_equal(y.numpy(), x.numpy()[..., start:stop])
    expected = np.zeros((2, 3, 5), "float32")
    expected[..., start:stop] = weights
    np.testing.assert_array_equal(tape.gradient(total, x).numpy(), expected)
    assert layer.compute_output_shape((2, 3, 5)) == (2, 3, stop - start)


def test_no_transform_input_and_width():
    model = chairs_generator.build_generator(
        chairs_generator.GeneratorConfig(5, 32, num_transform=0, width=0.5)
    )
    assert set(model.input) == {"class", "view"}
    assert model.get_layer("rgb_uconv1").filters == 46  # round(92 * 0.5)


def test_bad_config():
    with pytest.raises(ValueError, match="resolution must be one of"):
        chairs_generator.GeneratorConfig(5, resolution=48)
    with pytest.raises(ValueError, match="variant must be one of"):
        chairs_generator.GeneratorConfig(5, variant="3s")
    with pytest.raises(ValueError, match="num_classes must be a positive"):
        chairs_generator.GeneratorConfig(0)
    with pytest.raises(ValueError, match="width must be a positive"):
        chairs_generator.GeneratorConfig(5, width=0)
    with pytest.raises(ValueError, match="activation must be one of"):
        chairs_generator.GeneratorConfig(5, activation="tanh")


def _batch(rng, n=3, r=8):
    mask = (rng.random((n, r, r, 1)) > 0.4).astype("float32")
    rgb = rng.random((n, r, r, 3)).astype("float32") * mask
    return rgb, mask


def test_euclidean_loss_matches_numpy():
    rng = np.random.default_rng(0)
    rgb, mask = _batch(rng)
    pred_rgb = rng.normal(size=rgb.shape).astype("float32")
    pred_mask = rng.normal(size=mask.shape).astype("float32")
    config = chairs_generator.GeneratorConfig(3, variant="2s-E")
    loss, weights = losses.generator_losses(config)
    total = weights["rgb"] * float(loss["rgb"](rgb, pred_rgb)) + weights[
        "mask"
    ] * float(loss["mask"](mask, pred_mask))
    # Caffe's EuclideanLoss: half the per-image sum, averaged over images.
    n = len(rgb)
    expected = (
        0.5 * ((pred_rgb - rgb) ** 2).sum() / n
        + 0.1 * 0.5 * ((pred_mask - mask) ** 2).sum() / n
    )
    np.testing.assert_allclose(total, expected, rtol=1e-5)


def test_softmax_mask_loss_is_the_nll():
    rng = np.random.default_rng(1)
    _, mask = _batch(rng)
    probability = rng.uniform(0.05, 0.95, size=mask.shape).astype("float32")
    loss, weights = losses.generator_losses(
        chairs_generator.GeneratorConfig(3, variant="2s-S")
    )
    assert weights["mask"] == 100.0
    _, chosen = losses.generator_losses(
        chairs_generator.GeneratorConfig(3, variant="2s-S"), mask_weight=300
    )
    assert chosen == {"rgb": 1.0, "mask": 300.0}
    nll = -(mask * np.log(probability) + (1 - mask) * np.log(1 - probability))
    np.testing.assert_allclose(
        float(loss["mask"](mask, probability)), nll.mean(), rtol=1e-4
    )


def test_metrics_match_numpy():
    rng = np.random.default_rng(2)
    rgb, mask = _batch(rng, n=4)
    pred = np.clip(rgb + rng.normal(0, 0.1, rgb.shape), -0.2, 1.2).astype("float32")
    psnr = metrics.PSNR()
    psnr.update_state(rgb[:3], pred[:3])
    psnr.update_state(rgb[3:], pred[3:])
    mse = ((np.clip(pred, 0, 1) - rgb) ** 2).reshape(4, -1).mean(1)
    np.testing.assert_allclose(
        float(psnr.result()), np.mean(10 * np.log10(1 / mse)), rtol=1e-5
    )

    predicted_mask = rng.random(mask.shape).astype("float32")
    iou = metrics.MaskIoU()
    iou.update_state(mask, predicted_mask)
    t, p = mask > 0.5, predicted_mask > 0.5
    expected = [(t[i] & p[i]).sum() / (t[i] | p[i]).sum() for i in range(4)]
    np.testing.assert_allclose(float(iou.result()), np.mean(expected), rtol=1e-6)
    empty = metrics.MaskIoU()
    empty.update_state(np.zeros((1, 4, 4, 1)), np.zeros((1, 4, 4, 1)))
    assert float(empty.result()) == 1.0


@pytest.mark.parametrize(
    "variant, activation",
    [("2s-S", "leaky_relu"), ("1s-S", "relu"), ("1s-S-deep", "leaky_relu")],
)
def test_saved_generator_loads_in_safe_mode(tmp_path, variant, activation):
    config = chairs_generator.GeneratorConfig(
        4, 32, variant, width=0.125, activation=activation
    )
    model = chairs_generator.build_generator(config)
    path = tmp_path / "g.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    x = {
        "class": np.eye(4, dtype="float32")[[1, 2]],
        "view": np.random.default_rng(0).normal(size=(2, 4)).astype("float32"),
        "transform": np.zeros((2, 8), "float32"),
    }
    for key in ("rgb", "mask"):
        np.testing.assert_allclose(loaded(x)[key], model(x)[key], rtol=1e-5, atol=1e-6)


def test_deep_variants_convolutions_are_keras_conv2d_with_whole_bias_sums():
    """1s-S-deep's 3x3 convolutions compute and save as `keras.layers.Conv2D`
    does, and in bfloat16 their bias's gradient is the whole sum (Keras'
    own summed bfloat16 in bfloat16 on TensorFlow's CPU, stopping at 256)."""
    model = chairs_generator.build_generator(
        chairs_generator.GeneratorConfig(3, 32, "1s-S-deep", width=0.125)
    )
    conv = model.get_layer("conv1")
    assert isinstance(conv, chairs_generator.AccurateBiasConv2D)
    plain = keras.layers.Conv2D.from_config(conv.get_config())
    x = np.random.default_rng(2).normal(size=(2, 16, 16, conv.input.shape[-1]))
    plain.build(x.shape)
    plain.set_weights([w + 0.1 for w in conv.get_weights()])
    conv.set_weights(plain.get_weights())
    np.testing.assert_allclose(conv(x), plain(x), rtol=1e-6, atol=1e-6)

    low = chairs_generator.AccurateBiasConv2D(
        2, 3, padding="same", dtype="mixed_bfloat16"
    )
    x = tf.zeros((16, 64, 64, 1))
    low.build(x.shape)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.cast(low(x), tf.float32) * 0.5)
    np.testing.assert_array_equal(tape.gradient(loss, low.bias), [32768] * 2)


def test_dense_layers_compute_as_keras_dense_with_the_same_gradients():
    """The generator's FC layers save and compute as `keras.layers.Dense`,
    their gradients the same in float32 (the input's taken in another
    form, `layers.backends.matmul`)."""
    model = chairs_generator.build_generator(
        chairs_generator.GeneratorConfig(3, 32, width=0.125)
    )
    dense = model.get_layer("joint_fc1")
    assert isinstance(dense, chairs_generator.FastGradientDense)
    plain = keras.layers.Dense.from_config(dense.get_config())
    rng = np.random.default_rng(4)
    x = tf.constant(rng.normal(size=(5, dense.input.shape[-1])), tf.float32)
    plain.build(x.shape)
    plain.set_weights([rng.normal(size=w.shape) for w in dense.get_weights()])
    dense.set_weights(plain.get_weights())
    grads = []
    for layer in (dense, plain):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(layer(x) * tf.range(1.0, 1.0 + layer.units))
        grads.append(tape.gradient(loss, [x, *layer.trainable_variables]))
    np.testing.assert_allclose(dense(x), plain(x), rtol=1e-6, atol=1e-5)
    for mine, keras_own in zip(*grads):
        # float32 rounding of sums over 1,024 outputs, against their scale.
        scale = np.abs(keras_own).max()
        np.testing.assert_allclose(mine, keras_own, rtol=0, atol=1e-6 * scale)


def test_mixed_precision_outputs_float32():
    model = chairs_generator.build_generator(
        chairs_generator.GeneratorConfig(3, 32, width=0.125), dtype="mixed_bfloat16"
    )
    out = model(
        {
            "class": np.eye(3, dtype="float32"),
            "view": np.zeros((3, 4), "float32"),
            "transform": np.zeros((3, 8), "float32"),
        }
    )
    assert out["rgb"].dtype == "float32" and out["mask"].dtype == "float32"
    assert model.get_layer("rgb_uconv1").compute_dtype == "bfloat16"


def test_uconv_initialisation_starts_free_of_checkerboards():
    init = chairs_generator.NearestUpsamplingInitializer(2, seed=3)
    kernel = np.asarray(init((5, 5, 3, 4)))
    uconv = layers.UnpoolConv2D(4, 5, use_bias=False)
    uconv.build((None, 6, 6, 3))
    uconv.set_weights([kernel])
    # A constant input gives the same value at all four output phases
    # (the interior, away from the zero padding).
    y = np.asarray(uconv(np.ones((1, 6, 6, 3), "float32")))[0, 4:8, 4:8]
    np.testing.assert_allclose(y[0::2, 0::2], y[1::2, 1::2], rtol=1e-5)
    np.testing.assert_allclose(y[0::2, 1::2], y[1::2, 0::2], rtol=1e-5)
    np.testing.assert_allclose(y[0::2, 0::2], y[0::2, 1::2], rtol=1e-5)
    # It is a 4x4 kernel convolved with a 2x2 box: undo the box and compare.
    small = np.zeros((4, 4, 3, 4))
    for i in range(4):
        for j in range(4):
            small[i, j] = (
                kernel[i, j]
                - small[i - 1, j] * (i > 0)
                - small[i, j - 1] * (j > 0)
                - small[i - 1, j - 1] * (i > 0 and j > 0)
            )
    boxed = sum(
        np.pad(small, [[dy, 1 - dy], [dx, 1 - dx], [0, 0], [0, 0]])
        for dy in (0, 1)
        for dx in (0, 1)
    )
    np.testing.assert_allclose(boxed, kernel, rtol=1e-4, atol=1e-5)
    assert (
        chairs_generator.NearestUpsamplingInitializer.from_config(
            init.get_config()
        ).get_config()
        == init.get_config()
    )
    generator = chairs_generator.build_generator(
        chairs_generator.GeneratorConfig(3, 32, width=0.125)
    )
    assert isinstance(
        generator.get_layer("rgb_uconv1").kernel_initializer,
        chairs_generator.NearestUpsamplingInitializer,
    )
