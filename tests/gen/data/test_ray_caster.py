"""The ray caster, against a textbook slab-test renderer and analytic cases."""

import numpy as np
import pytest

from gen import choices
from gen.data import chair_family, chair_solids, chair_views, ray_caster


def _camera(center, distance, azimuth, elevation):
    """Camera of the renderer's docstring, from its definition."""
    a, e = np.radians(azimuth), np.radians(elevation)
    back = np.array([np.sin(a) * np.cos(e), np.sin(e), np.cos(a) * np.cos(e)])
    forward = -back
    right = np.cross(forward, [0, 1, 0])
    right /= np.linalg.norm(right)
    return center + distance * back, right, np.cross(right, forward), forward


def _slabs(solid):
    rot, half = solid.rotation, solid.half_extents
    if not solid.round:
        return [(rot[:, k], half[k]) for k in range(3)]
    slabs = [(rot[:, 1], half[1])]
    for angle in np.arange(4) * np.pi / 4:
        slabs.append((rot @ np.array([np.cos(angle), 0, np.sin(angle)]), half[0]))
    return slabs


def _shade(albedo, normal):
    light = ray_caster.AMBIENT
    for direction, intensity in ray_caster.LIGHTS:
        direction = np.asarray(direction) / np.linalg.norm(direction)
        light += intensity * max(0.0, normal @ direction)
    return np.minimum(1.0, np.asarray(albedo) * light)


def reference_render(solids, framing, azimuth, elevation, resolution):
    """One ray per pixel centre, every solid against every pixel (no culling),
    Kay-Kajiya slab test with min/max, nearest hit wins; float64."""
    position, right, up, forward = _camera(
        framing.center, framing.distance, azimuth, elevation
    )
    x0, y0, width = framing.window
    centres = (np.arange(resolution) + 0.5) / resolution * width
    xs, ys = np.meshgrid(x0 + centres, y0 + width - centres)
    d = forward + xs[..., None] * right + ys[..., None] * up
    best = np.full(xs.shape, np.inf)
    image = np.ones(xs.shape + (3,))
    for solid in solids:
        o = position - solid.center
        near = np.full(xs.shape, -np.inf)
        far = np.full(xs.shape, np.inf)
        normal = np.zeros(xs.shape + (3,))
        for n, h in _slabs(solid):
            n_d = d @ n
            with np.errstate(divide="ignore", invalid="ignore"):
                t1, t2 = (-h - o @ n) / n_d, (h - o @ n) / n_d
            enter = np.minimum(t1, t2)
            later = enter > near
            normal[later] = -np.sign(n_d[later])[:, None] * n
            near = np.maximum(near, enter)
            far = np.minimum(far, np.maximum(t1, t2))
        hit = (near < far) & (near > 0) & (near < best)
        best[hit] = near[hit]
        for r, c in zip(*np.nonzero(hit)):
            image[r, c] = _shade(solid.color, normal[r, c])
    return np.rint(image * 255).astype(np.uint8), np.isfinite(best)


@pytest.mark.parametrize("index", [0, 1, 6, 11])
def test_matches_the_textbook_renderer(index):
    solids = chair_solids.chair_solids(chair_family.chair_style(0, index))
    framing = ray_caster.chair_framing(solids)
    views = [(0, 20), (123, 30), (250, 20), (348, 30)]
    images, masks = ray_caster.render_solids(
        solids,
        [a for a, _ in views],
        [e for _, e in views],
        resolution=32,
        supersample=1,
        framing=framing,
    )
    for (azimuth, elevation), image, mask in zip(views, images, masks):
        want_image, want_mask = reference_render(
            solids, framing, azimuth, elevation, 32
        )
        np.testing.assert_array_equal(mask[..., 0].astype(bool), want_mask)
        assert np.abs(image.astype(int) - want_image).max() <= 1
        assert want_mask.sum() > 50  # the chair is in the picture


def test_supersampled_pixels_are_the_textbook_subpixels_averaged():
    """At supersample 3, a pixel is the mean of the textbook renderer's 3 x 3
    pixels at three times the resolution, and in the mask when at least 5 of
    them hit the chair; outside the mask it is white."""
    solids = chair_solids.chair_solids(chair_family.chair_style(0, 4))
    framing = ray_caster.chair_framing(solids)
    images, masks = ray_caster.render_solids(
        solids, [57.0], [30.0], resolution=24, supersample=3, framing=framing
    )
    fine_image, fine_mask = reference_render(solids, framing, 57.0, 30.0, 72)
    hits = fine_mask.reshape(24, 3, 24, 3).sum(axis=(1, 3))
    mean = fine_image.reshape(24, 3, 24, 3, 3).astype(float).mean(axis=(1, 3))
    mask = hits >= 5
    assert (mask & (hits < 9)).any() and ((hits > 0) & ~mask).any()
    np.testing.assert_array_equal(masks[0, ..., 0], mask)
    assert np.abs(images[0][mask] - mean[mask]).max() <= 1.0
    assert np.all(images[0][~mask] == 255)


def test_cube_seen_head_on_is_a_square_of_the_golden_shade():
    cube = chair_solids.Solid(
        center=np.zeros(3),
        rotation=np.eye(3),
        half_extents=np.full(3, 0.5),
        round=False,
        color=(0.5, 0.5, 0.5),
        part="cube",
    )
    # The window is shifted by one sub-pixel so that the cube's edges cut
    # pixels: 2 of 3 sub-pixel columns (rows) on one side, 1 of 3 on the other.
    x0 = -0.25 + 0.5 / 96
    framing = ray_caster.Framing(center=np.zeros(3), distance=4.0, window=(x0, x0, 0.5))
    images, masks = ray_caster.render_solids(
        [cube], [0.0], [0.0], resolution=32, supersample=3, framing=framing
    )
    # The front face (z = 0.5, 3.5 from the camera) projects to |x|, |y| <= 1/7.
    half = 0.5 / 3.5
    centres = (np.arange(96) + 0.5) / 96 * 0.5
    in_cols = (np.abs(x0 + centres) <= half).reshape(32, 3).sum(axis=1)
    in_rows = (np.abs(x0 + 0.5 - centres) <= half).reshape(32, 3).sum(axis=1)
    assert set(in_cols) == set(in_rows) == {0, 1, 2, 3}
    hits = np.outer(in_rows, in_cols)
    # In the mask: at least 5 of the 9 sub-pixels on the cube (6 = 2 x 3 in,
    # 3 = 1 x 3 and 4 = 2 x 2 out).
    majority = hits >= 5
    np.testing.assert_array_equal(masks[0, ..., 0], majority)
    # Front face normal +z: 0.5 * (0.3 + 0.55 * 0.8 / sqrt(2)) = 0.30556 -> 78.
    full = hits == 9
    assert full.sum() == 17 * 17
    np.testing.assert_array_equal(images[0][full], 78)
    # Mostly covered edge pixels blend with white; outside the mask is white,
    # also where the cube covers less than half of a pixel.
    edge = majority & ~full
    assert edge.any() and ((hits > 0) & ~majority).any()
    shade = 0.5 * (0.3 + 0.55 * 0.8 / np.sqrt(2))
    blend = 255 * (shade * hits[edge] + (9 - hits[edge])) / 9
    assert np.abs(images[0][edge] - blend[:, None]).max() <= 0.5 + 1e-6
    assert np.all(images[0][~majority] == 255)


def test_nearest_solid_wins_in_any_order():
    def box(z, color):
        return chair_solids.Solid(
            center=np.array([0.0, 0.0, z]),
            rotation=np.eye(3),
            half_extents=np.array([0.3, 0.3, 0.1]),
            round=False,
            color=color,
            part="box",
        )

    near, far = box(0.5, (0.8, 0.0, 0.0)), box(-0.5, (0.0, 0.0, 0.8))
    framing = ray_caster.Framing(
        center=np.zeros(3), distance=4.0, window=(-0.2, -0.2, 0.4)
    )
    for solids in ([near, far], [far, near]):
        images, _ = ray_caster.render_solids(
            solids, [0.0], [0.0], resolution=16, framing=framing
        )
        centre = images[0, 8, 8]
        assert centre[0] > 100 and centre[2] == 0  # red, the nearer box


def test_same_style_same_pixels():
    style = chair_family.chair_style(5, 3)
    a = ray_caster.render_chair(style, resolution=32)
    b = ray_caster.render_chair(chair_family.chair_style(5, 3), resolution=32)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert a[0].shape == (62, 32, 32, 3) and a[1].shape == (62, 32, 32, 1)


def test_mask_is_exactly_the_non_white_pixels():
    for index in range(6):
        images, masks = ray_caster.render_chair(
            chair_family.chair_style(0, index), resolution=32
        )
        np.testing.assert_array_equal(masks[..., 0], np.any(images != 255, axis=-1))
        assert set(np.unique(masks)) == {0, 1}


def test_every_view_and_every_style_is_distinct():
    def min_distance(images):
        x = images.reshape(len(images), -1).astype(np.float64)
        d = np.abs(x[:, None] - x[None]).mean(axis=-1)
        np.fill_diagonal(d, np.inf)
        return d.min()

    for index in range(3):
        images, _ = ray_caster.render_chair(
            chair_family.chair_style(0, index), resolution=32
        )
        # Includes mirror pairs (a, 360 - a) and the two elevations.
        assert min_distance(images) > 2.0
    styles = np.stack(
        [
            ray_caster.render_chair(
                chair_family.chair_style(0, i), [30], [20], resolution=32
            )[0][0]
            for i in range(12)
        ]
    )
    assert min_distance(styles) > 8.0


def test_framing_holds_every_standard_view():
    style = chair_family.chair_style(0, 2)
    _, masks = ray_caster.render_chair(style, resolution=128)
    union = masks[..., 0].any(axis=0)
    rows, cols = np.flatnonzero(union.any(1)), np.flatnonzero(union.any(0))
    # The window is the union over the views plus 2% (2.56 pixels) a side:
    # nothing is cut off, and the chair spans the frame's longer side.
    assert rows[0] >= 2 and cols[0] >= 2 and rows[-1] <= 125 and cols[-1] <= 125
    assert max(rows[-1] - rows[0], cols[-1] - cols[0]) >= 120


@pytest.mark.parametrize("resolution", choices.RESOLUTIONS)
def test_resolutions(resolution):
    images, masks = ray_caster.render_chair(
        chair_family.chair_style(0, 1), [0], [20], resolution=resolution
    )
    assert images.shape == (1, resolution, resolution, 3) and images.dtype == np.uint8
    assert masks.shape == (1, resolution, resolution, 1)


def test_bad_views_are_rejected():
    solids = chair_solids.chair_solids(chair_family.chair_style(0, 0))
    with pytest.raises(ValueError, match="between -90 and 90"):
        ray_caster.render_solids(solids, [0.0], [90.0])
    with pytest.raises(ValueError, match="differ in shape"):
        ray_caster.render_solids(solids, [0.0, 10.0], [20.0])
    assert chair_views.NUM_VIEWS == 62
