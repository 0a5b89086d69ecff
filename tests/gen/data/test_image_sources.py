"""gen.image_sources: folders, chairs, TFDS names, and their errors."""

import numpy as np
import pytest
from PIL import Image

from gen.data import image_sources
from gen.errors import UserError


def _stripes(width, height, axis):
    """Red, green, blue thirds along `axis` (1: columns, 0: rows)."""
    picture = np.zeros((height, width, 3), np.uint8)
    third = (width if axis == 1 else height) // 3
    for k in range(3):
        index = [slice(None)] * 2
        index[axis] = slice(k * third, (k + 1) * third)
        picture[tuple(index) + (k,)] = 255
    return Image.fromarray(picture)


def test_fit_crops_the_centre_to_the_aspect_then_resizes():
    green = np.zeros((10, 10, 3), np.float32)
    green[..., 1] = 1
    wide = image_sources.fit(_stripes(30, 10, axis=1), (10, 10))
    np.testing.assert_array_equal(wide, green)
    tall = image_sources.fit(_stripes(10, 30, axis=0), (10, 10))
    np.testing.assert_array_equal(tall, green)
    grey = image_sources.fit(_stripes(30, 10, axis=1), (5, 5), channels=1)
    assert grey.shape == (5, 5, 1) and grey.dtype == np.float32
    np.testing.assert_allclose(grey, round(0.587 * 255) / 255, atol=1 / 255)


def test_folder_images(tmp_path):
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, size=(8, 8, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(tmp_path / "b.png")
    Image.fromarray(pixels).save(tmp_path / "a.JPG")
    (tmp_path / "notes.txt").write_text("not an image")
    images, names = image_sources.load_images(str(tmp_path), (8, 8))
    assert names == ["a.JPG", "b.png"]
    assert images.shape == (2, 8, 8, 3) and images.dtype == np.float32
    np.testing.assert_array_equal(images[1], pixels / np.float32(255))
    images, names = image_sources.load_images(str(tmp_path), (4, 4), max_images=1)
    assert names == ["a.JPG"] and images.shape == (1, 4, 4, 3)


def test_synthetic_chairs_are_the_heldout_views(tmp_path):
    images, names = image_sources.load_images(
        "synthetic_chairs", (32, 32), data_dir=str(tmp_path), num_chairs=2
    )
    # 14 held-out views (every 5th azimuth at two elevations) per chair.
    assert images.shape == (28, 32, 32, 3)
    assert names[:2] == [
        "synthetic_chairs/chair0_view0",
        "synthetic_chairs/chair0_view5",
    ]
    assert 0.0 <= images.min() and images.max() == 1.0
    small, _ = image_sources.load_images(
        "synthetic_chairs", (16, 16), data_dir=str(tmp_path), num_chairs=2, max_images=3
    )
    assert small.shape == (3, 16, 16, 3)


@pytest.mark.parametrize(
    "source, expected",
    [
        ("", "The image folder  does not exist."),
        ("./missing", "The image folder ./missing does not exist."),
        (
            "no_such_dataset_xyz",
            "'no_such_dataset_xyz' is neither a folder nor a TFDS dataset name. "
            "Pass a folder of PNG/JPEG files, synthetic_chairs, or the name of a "
            "TFDS dataset you have prepared.",
        ),
    ],
)
def test_source_errors(source, expected, tmp_path):
    with pytest.raises(UserError) as error:
        image_sources.load_images(source, (8, 8), data_dir=str(tmp_path))
    assert str(error.value) == expected


def test_other_errors(tmp_path):
    with pytest.raises(
        UserError,
        match=f"The folder {tmp_path} has no PNG "
        r"or JPEG files \(\.png, \.jpg, \.jpeg\)\.",
    ):
        image_sources.load_images(str(tmp_path), (8, 8))
    (tmp_path / "broken.png").write_bytes(b"not a png")
    with pytest.raises(UserError, match="Cannot read the image .*broken.png"):
        image_sources.load_images(str(tmp_path), (8, 8))
    with pytest.raises(UserError, match="max_images must be at least 1, got 0."):
        image_sources.load_images(str(tmp_path), (8, 8), max_images=0)
    with pytest.raises(UserError, match="The model takes 2-channel images"):
        image_sources.load_images(str(tmp_path), (8, 8), channels=2)
    with pytest.raises(
        UserError,
        match="The TFDS dataset 'mnist' is not "
        "prepared in .*: nothing is downloaded here.",
    ):
        image_sources.load_images("mnist", (8, 8), data_dir=str(tmp_path))
    assert image_sources.is_folder_source("photos/")
    assert image_sources.is_folder_source("My Photos")
    assert not image_sources.is_folder_source("mnist:3.0.1")
    assert not image_sources.is_folder_source("synthetic_chairs/32px_2chairs")
