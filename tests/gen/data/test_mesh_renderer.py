"""The OpenGL renderer on a box chair the test writes: masks against the
boxes' projected silhouette, the texture's colour, the front at azimuth 0,
and the loader's missing and broken textures.

This process has loaded TensorFlow, so the views are rendered in a worker
process (`mesh_render_jobs.worker_pool`), as the dataset builder does.
"""

import os

import numpy as np
import pytest

from gen.data import mesh_models, mesh_render_jobs, ray_caster
from tests.gen.data import mesh_fixtures as fx

pytestmark = fx.requires_opengl

RESOLUTION = 32


@pytest.fixture(scope="module")
def chair_path(tmp_path_factory):
    return fx.write_chair(str(tmp_path_factory.mktemp("chair")))


@pytest.fixture(scope="module")
def pool():
    with mesh_render_jobs.worker_pool(1) as pool:
        yield pool


@pytest.fixture(scope="module")
def render(pool):
    def render(path, azimuths, elevations, rotation=None):
        job = mesh_render_jobs.render_file
        return pool.submit(
            job, path, azimuths, elevations, RESOLUTION, rotation
        ).result()

    return render


def _camera(azimuth, elevation):
    corners = np.concatenate([fx.box_corners(lo, hi) for lo, hi, _ in fx.BOXES])
    return fx.camera(
        corners.min(axis=0), corners.max(axis=0), azimuth, elevation, RESOLUTION
    )


def _hull(points):
    """Convex hull (counter-clockwise) of 2-D points, monotone chain."""
    points = sorted(map(tuple, points))

    def half(seq):
        out = []
        for p in seq:
            while (
                len(out) >= 2
                and np.cross(np.subtract(out[-1], out[-2]), np.subtract(p, out[-2]))
                <= 0
            ):
                out.pop()
            out.append(p)
        return out[:-1]

    return np.array(half(points) + half(points[::-1]))


def _coverage(azimuth, elevation, samples=8):
    """(R, R) fraction of each pixel inside the union of the boxes' projections."""
    to_pixels = _camera(azimuth, elevation)
    offsets = (np.arange(samples) + 0.5) / samples
    grid = np.arange(RESOLUTION)[:, None] + offsets[None]  # (R, s)
    xs = grid.reshape(-1)[None, :].repeat(len(grid.reshape(-1)), 0)
    ys = grid.reshape(-1)[:, None].repeat(len(grid.reshape(-1)), 1)
    inside = np.zeros(xs.shape, bool)
    for low, high, _ in fx.BOXES:
        hull = _hull(to_pixels(fx.box_corners(low, high)))
        # Clockwise on screen (y down) is counter-clockwise in the math sense.
        edges = np.roll(hull, -1, axis=0) - hull
        cross = [e[0] * (ys - p[1]) - e[1] * (xs - p[0]) for p, e in zip(hull, edges)]
        inside |= np.all(np.stack(cross) >= 0, axis=0) | np.all(
            np.stack(cross) <= 0, axis=0
        )
    return inside.reshape(RESOLUTION, samples, RESOLUTION, samples).mean(axis=(1, 3))


@pytest.mark.parametrize("azimuth,elevation", [(0, 20), (34, 30), (197, 20)])
def test_mask_matches_the_projected_boxes_within_one_border_pixel(
    render, chair_path, azimuth, elevation
):
    images, masks, _ = render(chair_path, [azimuth], [elevation])
    coverage = _coverage(azimuth, elevation)
    fx.assert_mask_matches(masks[0, ..., 0], coverage, border_share=0.1)
    assert coverage.sum() > 100
    got = masks[0, ..., 0].astype(bool)
    # Outside the mask the image is exactly white.
    assert np.all(images[0][~got] == 255)


def _shade(normal):
    light = ray_caster.AMBIENT
    for direction, intensity in ray_caster.LIGHTS:
        d = np.asarray(direction) / np.linalg.norm(direction)
        light += intensity * max(0.0, float(np.dot(normal, d)))
    return light


def test_textured_front_shows_its_texture_colour_at_azimuth_0(render, chair_path):
    images, _, notes = render(chair_path, [0, 180], [20, 20])
    assert notes == []
    # The middle of the back's upper part, above the seat.
    col, row = np.round(_camera(0, 20)(np.array([[0.0, 80.0, -15.0]]))[0]).astype(int)
    expected = np.array(fx.TEXTURE_RGB) * _shade((0, 0, 1))
    np.testing.assert_allclose(images[0, row, col], expected, atol=4)
    # From behind (azimuth 180) the same spot shows the back's grey rear face.
    col, row = np.round(_camera(180, 20)(np.array([[0.0, 80.0, -20.0]]))[0]).astype(int)
    expected = np.array(fx.BACK_KD) * 255 * _shade((0, 0, -1))
    np.testing.assert_allclose(images[1, row, col], expected, atol=4)


def test_catalogue_rotation_restores_the_front(tmp_path, render, chair_path):
    # The chair turned to face +X; the rotation back (about Y by -90 degrees).
    turn = np.array([[0, 0, 1], [0, 1, 0], [-1, 0, 0]], float)
    path = fx.write_chair(str(tmp_path), rotation=turn)
    views = ([0, 90], [20, 30])
    want, want_masks, _ = render(chair_path, *views)
    got, got_masks, _ = render(path, *views, turn.T)
    np.testing.assert_array_equal(got_masks, want_masks)
    assert np.abs(got.astype(int) - want.astype(int)).max() <= 2
    unrestored, _, _ = render(path, *views)
    assert np.abs(unrestored.astype(int) - want.astype(int)).max() > 50


def test_missing_texture_falls_back_to_the_colour_and_says_so(tmp_path, render):
    path = fx.write_chair(str(tmp_path), with_texture=False)
    images, _, notes = render(path, [0], [20])
    assert notes == ["texture chair.png is missing: the material's colour is used"]
    col, row = np.round(_camera(0, 20)(np.array([[0.0, 80.0, -15.0]]))[0]).astype(int)
    expected = np.array(fx.BACK_KD) * 255 * _shade((0, 0, 1))
    np.testing.assert_allclose(images[0, row, col], expected, atol=4)


def test_broken_texture_and_broken_obj_are_model_errors(tmp_path):
    path = fx.write_chair(str(tmp_path / "a"))
    with open(str(tmp_path / "a" / "chair.png"), "wb") as handle:
        handle.write(b"not a png")
    with pytest.raises(
        mesh_models.ModelError, match="texture chair.png cannot be decoded"
    ):
        mesh_models.load_model(path)
    empty = tmp_path / "empty.obj"
    empty.write_text("v 0 0 0\nv 1 0 0\n")
    with pytest.raises(mesh_models.ModelError, match="no triangles"):
        mesh_models.load_model(str(empty))


def test_a_worker_that_dies_is_reported_and_replaced(pool):
    with pytest.raises(mesh_render_jobs.WorkerDied, match="exit status 3"):
        pool.submit(os._exit, 3).result()
    assert pool.submit(abs, -2).result() == 2


def test_a_transparent_material_is_blended_over_white_and_covers_the_mask(
    tmp_path, render
):
    path = fx.write_pane(str(tmp_path), opacity=0.25)
    images, masks, _ = render(path, [0], [20])
    middle = images[0, RESOLUTION // 2, RESOLUTION // 2]
    lit = np.array([0.0, 0.0, 255.0]) * _shade((0, 0, 1))
    np.testing.assert_allclose(middle, 0.25 * lit + 0.75 * 255, atol=3)
    assert masks[0, RESOLUTION // 2, RESOLUTION // 2, 0] == 1
