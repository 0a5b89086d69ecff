"""Augmentation: geometry against numpy, resampling against TF's kernel, colour
against colorsys, and the stateless draw."""

import colorsys

import numpy as np
import pytest
import tensorflow as tf

from gen.data import augment


def _theta(**values):
    theta = np.zeros((1, augment.NUM_TRANSFORM), np.float32)
    for name, value in values.items():
        theta[0, augment.NAMES.index(name)] = value
    return tf.constant(theta)


def _blob(size=40, center=(14.0, 22.0), radius=5.0, color=(0.2, 0.4, 0.6)):
    """A disc on white (image, mask), centre given as (x, y) = (column, row)."""
    rows, cols = np.mgrid[0:size, 0:size]
    inside = (cols - center[0]) ** 2 + (rows - center[1]) ** 2 <= radius**2
    image = np.where(inside[..., None], np.array(color, np.float32), 1.0).astype(
        np.float32
    )
    return tf.constant(image[None]), tf.constant(
        inside[None, ..., None].astype(np.float32)
    )


def _centroid(mask):
    rows, cols = np.nonzero(np.asarray(mask)[0, ..., 0] > 0.5)
    return np.array([cols.mean(), rows.mean()])


def test_order_and_spreads_are_the_papers():
    assert augment.NUM_TRANSFORM == 8
    assert augment.NAMES == (
        "log_zoom",
        "log_squeeze",
        "translate_x",
        "translate_y",
        "rotation",
        "log_brightness",
        "log_saturation",
        "hue",
    )
    assert augment.SPREADS == (0.3, 0.1, 0.1, 0.1, 0.2, 0.7, 0.7, 1.5)


def test_zero_theta_changes_nothing():
    image, mask = _blob()
    out_image, out_mask = augment.apply(image, mask, _theta())
    np.testing.assert_allclose(out_image, image, atol=1e-5)
    np.testing.assert_array_equal(out_mask, mask)


def test_translation_moves_image_and_mask_by_whole_pixels():
    image, mask = _blob()
    # 0.1 * 0.5 * 40 = 2 pixels right, 0.1 * -1 * 40 = 4 pixels up.
    out_image, out_mask = augment.apply(
        image, mask, _theta(translate_x=0.5, translate_y=-1.0)
    )
    want_mask = np.zeros_like(mask.numpy())
    want_mask[:, :-4, 2:] = mask.numpy()[:, 4:, :-2]
    want_image = np.ones_like(image.numpy())
    want_image[:, :-4, 2:] = image.numpy()[:, 4:, :-2]
    np.testing.assert_array_equal(out_mask, want_mask)
    np.testing.assert_allclose(out_image, want_image, atol=1e-5)


@pytest.mark.parametrize(
    "values",
    [
        {"log_zoom": 1.0, "rotation": 1.0},
        {"log_zoom": -1.0, "log_squeeze": 1.0, "rotation": -1.0, "translate_x": 0.3},
        {"rotation": 1.0, "translate_y": 0.7},
    ],
)
def test_spatial_transform_follows_its_definition(values):
    size, p_in = 40, np.array([14.0, 22.0])
    image, mask = _blob(size, center=tuple(p_in))
    out_image, out_mask = augment.apply(image, mask, _theta(**values))

    # p_out = c + t + rot(angle) diag(z q, z / q) (p_in - c), y pointing down,
    # with the papers' spreads (Dosovitskiy et al., CVPR 2015 and TPAMI 2017).
    spreads = {
        "log_zoom": 0.3,
        "log_squeeze": 0.1,
        "translate_x": 0.1,
        "translate_y": 0.1,
        "rotation": 0.2,
    }

    def get(name):
        return values.get(name, 0.0) * spreads[name]

    zoom, squeeze, angle = (
        np.exp(get("log_zoom")),
        np.exp(get("log_squeeze")),
        get("rotation"),
    )
    rot = np.array([[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]])
    c = np.array([(size - 1) / 2, (size - 1) / 2])
    t = np.array([get("translate_x"), get("translate_y")]) * size
    p_out = c + t + rot @ np.diag([zoom * squeeze, zoom / squeeze]) @ (p_in - c)
    np.testing.assert_allclose(_centroid(out_mask), p_out, atol=0.3)
    # The image moved with the mask: its non-white pixels are the mask's.
    chair = np.asarray(out_image)[0].min(axis=-1) < 0.9
    assert np.mean(chair == (np.asarray(out_mask)[0, ..., 0] > 0)) > 0.98
    # The disc's area scales by zoom^2.
    area = np.asarray(out_mask).sum() / np.asarray(mask).sum()
    np.testing.assert_allclose(area, zoom**2, rtol=0.15)


def test_resample_is_tensorflows_projective_transform():
    rng = np.random.default_rng(0)
    images = tf.constant(rng.uniform(size=(6, 17, 23, 4)).astype(np.float32))
    theta = tf.constant(rng.uniform(-1, 1, size=(6, 8)).astype(np.float32))
    transforms = augment.spatial_transforms(theta, 17.0, 23.0)
    want = tf.raw_ops.ImageProjectiveTransformV3(
        images=images,
        transforms=transforms,
        output_shape=[17, 23],
        fill_value=0.0,
        interpolation="BILINEAR",
        fill_mode="CONSTANT",
    )
    got = tf.function(augment.resample, jit_compile=True)(images, transforms)
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_colour_matrices_are_brightness_saturation_and_hue_in_yiq():
    rgb = np.array([0.7, 0.3, 0.2])
    values = {"log_brightness": -0.5, "log_saturation": 0.6, "hue": 0.4}
    (matrix,) = augment.color_matrices(_theta(**values)).numpy()
    brightness, saturation = np.exp(-0.5 * 0.7), np.exp(0.6 * 0.7)
    angle = 0.4 * 1.5
    y, i, q = colorsys.rgb_to_yiq(*rgb)
    i, q = (
        saturation * (np.cos(angle) * i - np.sin(angle) * q),
        saturation * (np.sin(angle) * i + np.cos(angle) * q),
    )
    want = brightness * np.array(colorsys.yiq_to_rgb(y, i, q))
    # colorsys uses the FCC 1953 coefficients, a few thousandths away from
    # the NTSC matrix; the wrong direction of hue would be ~0.2 off.
    np.testing.assert_allclose(matrix @ rgb, want, atol=5e-3)
    # Saturation and hue alone keep the luma.
    (keep,) = augment.color_matrices(_theta(log_saturation=0.9, hue=-0.8)).numpy()
    luma = np.array([0.299, 0.587, 0.114])
    for color in np.random.default_rng(1).uniform(size=(5, 3)):
        np.testing.assert_allclose(luma @ (keep @ color), luma @ color, atol=1e-5)


def test_colour_changes_the_chair_not_the_background():
    image, mask = _blob(color=(0.2, 0.4, 0.6))
    out_image, out_mask = augment.apply(image, mask, _theta(log_brightness=1.0))
    np.testing.assert_array_equal(out_mask, mask)
    inside = np.asarray(mask)[0, ..., 0] > 0
    want = np.minimum(1, np.array([0.2, 0.4, 0.6]) * np.exp(0.7))
    np.testing.assert_allclose(
        np.asarray(out_image)[0][inside],
        np.broadcast_to(want, (inside.sum(), 3)),
        atol=1e-5,
    )
    np.testing.assert_array_equal(np.asarray(out_image)[0][~inside], 1.0)


def test_draw_theta_is_stateless_uniform_and_scaled_by_strength():
    a = augment.draw_theta(7, 123, 1.0).numpy()
    np.testing.assert_array_equal(a, augment.draw_theta(7, 123, 1.0).numpy())
    assert not np.array_equal(a, augment.draw_theta(7, 124, 1.0).numpy())
    assert not np.array_equal(a, augment.draw_theta(8, 123, 1.0).numpy())
    np.testing.assert_allclose(
        augment.draw_theta(7, 123, 0.25).numpy(), 0.25 * a, rtol=1e-6
    )
    draws = np.stack([augment.draw_theta(1, i).numpy() for i in range(300)])
    assert draws.min() >= -1 and draws.max() <= 1
    # Uniform on [-1, 1]: mean 0, variance 1/3.
    np.testing.assert_allclose(draws.mean(axis=0), 0, atol=0.12)
    np.testing.assert_allclose(draws.var(axis=0), 1 / 3, atol=0.08)
