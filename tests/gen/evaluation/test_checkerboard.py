"""The checkerboard measure against the kernel's phase sums, computed by
hand."""

import numpy as np
import pytest
from PIL import Image

import layers
from gen.evaluation import checkerboard
from gen.models import chairs_generator
from gen.pictures import figures
from layers import unpool_conv


def _uconv(filters, kernel_size=5, size=2, channels=3, seed=0):
    layer = layers.UnpoolConv2D(
        filters, kernel_size, size=size, activation="relu", dtype="float32"
    )
    layer.build((None, 4, 4, channels))
    rng = np.random.default_rng(seed)
    layer.kernel.assign(rng.normal(size=layer.kernel.shape).astype("float32"))
    layer.bias.assign(rng.normal(size=(filters,)).astype("float32"))
    return layer


def _phase_sums(kernel, size):
    """Interior output of fixed-corner unpooling + "same" convolution on an
    all-ones input, per phase: the sum of the taps that meet that phase."""
    k = kernel.shape[0]
    taps = unpool_conv.phase_taps(k, size, 0)
    sums = np.zeros((size, size, kernel.shape[-1]))
    for a, (t0y, _, _) in enumerate(taps):
        for b, (t0x, _, _) in enumerate(taps):
            sums[a, b] = kernel[t0y::size, t0x::size].sum(axis=(0, 1, 2))
    return sums


def test_phase_means_are_the_kernels_phase_sums_by_hand():
    for kernel_size, size in ((5, 2), (3, 2), (4, 2), (5, 3)):
        layer = _uconv(4, kernel_size, size)
        response = checkerboard.constant_response(layer)
        means = checkerboard.phase_means(response, layer.size, kernel_size)
        expected = _phase_sums(np.asarray(layer.kernel), size)
        np.testing.assert_allclose(means, expected, rtol=1e-5, atol=1e-5)
        variance, relative = checkerboard.phase_statistics(means)
        flat = expected.reshape(-1, 4)
        assert variance == pytest.approx(flat.var(axis=0).mean(), rel=1e-5)
        assert relative == pytest.approx(
            np.sqrt(flat.var(axis=0).mean()) / np.abs(flat.mean(axis=0)).mean(),
            rel=1e-5,
        )
    layer = _uconv(1, channels=1)
    stats = checkerboard.measure_layer(layer, np.ones((5, 5, 1, 1), "float32"))
    # Phase sums 9, 6, 6, 4 (3x3, 3x2, 2x3 and 2x2 taps).
    assert stats["phase_variance"] == pytest.approx(np.var([9, 6, 6, 4]))
    assert stats["relative_spread"] == pytest.approx(np.std([9, 6, 6, 4]) / 6.25)
    assert stats["relative_spread"] == pytest.approx(0.2857, abs=1e-4)
    kernel = np.zeros((5, 5, 1, 1), "float32")
    kernel[1:3, 1:3] = 1.0  # a 2x2 box: every phase meets one tap
    stats = checkerboard.measure_layer(_uconv(1, channels=1), kernel)
    assert stats["phase_variance"] == pytest.approx(0.0, abs=1e-12)
    assert stats["relative_spread"] == pytest.approx(0.0, abs=1e-6)


def test_every_uconv_layer_of_a_generator_and_the_figure(tmp_path):
    model = chairs_generator.build_generator(
        chairs_generator.GeneratorConfig(num_classes=2, resolution=32, width=0.125)
    )
    names = checkerboard.uconv_layer_names(model)
    assert names == ["mask_uconv1", "rgb_uconv1", "mask_uconv2", "rgb_uconv2"]
    # Freshly built, the uconv kernels start checkerboard-free (nearest-
    # upsampling initialiser): equal phase sums up to float32 rounding, so
    # the relative spread is rounding-sized, not the 0.29 of a uniform kernel.
    initial = checkerboard.measure(model)
    for name in names:
        assert initial[name]["relative_spread"] < 1e-4
    assert initial["uniform_kernel_reference"]["relative_spread"] == (
        pytest.approx(0.2857, abs=1e-4)
    )
    # Random kernels (seeded) give phase variances far from zero, so the
    # comparison with the numpy phase sums is a relative one that can fail.
    rng = np.random.default_rng(0)
    for name in names:
        kernel = model.get_layer(name).kernel
        kernel.assign(rng.normal(size=kernel.shape).astype(kernel.dtype))
    results = checkerboard.measure(model)
    assert set(results) == set(names) | {"uniform_kernel_reference"}
    for name in names:
        layer = model.get_layer(name)
        expected = _phase_sums(np.asarray(layer.kernel), 2).reshape(-1, layer.filters)
        assert expected.var(axis=0).mean() > 1.0
        assert results[name]["phase_variance"] == pytest.approx(
            expected.var(axis=0).mean(), rel=1e-4
        )
        assert results[name]["channels"] == layer.filters
    path = checkerboard.write_figure(str(tmp_path / "c.png"), model, results)
    with Image.open(path) as picture:
        assert picture.size[::-1] == figures.figure_size(
            4,
            checkerboard.SHOWN_CHANNELS,
            checkerboard.CROP * 8,
            row_labels=True,
            title=True,
        )
    table = checkerboard.markdown(results)
    assert "| `rgb_uconv1` | 5x5 / 2x2 | 12 |" in table
    assert "uniform kernel (reference)" in table
