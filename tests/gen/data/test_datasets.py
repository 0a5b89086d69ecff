"""Both TFDS builders, built offline into temporary data dirs."""

import hashlib
import logging
import os
import socket
import tarfile

import numpy as np
import pytest
import tensorflow_datasets as tfds
from PIL import Image
from tensorflow_datasets.core.utils import gcs_utils

import gen.data.datasets  # noqa: F401  (registers the builders)
from gen.data import chair_views, chairs_data
from gen.data.datasets import rendered_chairs_files, synthetic_chairs
from gen.errors import UserError


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """Any attempt to reach the network, or TFDS's bucket, fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(gcs_utils, "exists", refuse)


# ---------------------------------------------------------------- synthetic


def test_synthetic_builds_offline_and_holds_the_renders(tmp_path):
    data = chairs_data.load_chairs(
        "synthetic_chairs", data_dir=str(tmp_path), resolution=32, num_chairs=3
    )
    rendered = chairs_data.render_chairs(3, resolution=32)
    for name in (
        "images",
        "masks",
        "chair_ids",
        "azimuths",
        "elevations",
        "view_indices",
    ):
        np.testing.assert_array_equal(
            getattr(data, name), getattr(rendered, name), err_msg=name
        )
    assert data.num_classes == 3 and data.chair_names == rendered.chair_names
    assert (tmp_path / "synthetic_chairs" / "32px_3chairs" / "1.1.0").is_dir()

    builder = tfds.builder("synthetic_chairs/32px_3chairs", data_dir=str(tmp_path))
    features = builder.info.features
    assert features["image"].shape == (32, 32, 3) and features["mask"].shape == (
        32,
        32,
        1,
    )
    assert features["chair_id"].num_classes == 3
    assert builder.info.splits["train"].num_examples == 186
    example = next(iter(tfds.as_numpy(builder.as_dataset(split="train").take(1))))
    assert example["image"].dtype == np.uint8 and example["mask"].max() <= 1
    assert example["view_index"].dtype == np.int32
    assert example["azimuth"] == chair_views.azimuth_of_view(example["view_index"])


def _shard_digest(data_dir, config):
    folder = os.path.join(data_dir, "synthetic_chairs", config, "1.1.0")
    shards = sorted(f for f in os.listdir(folder) if ".tfrecord" in f)
    return [
        hashlib.sha256(open(os.path.join(folder, f), "rb").read()).hexdigest()
        for f in shards
    ]


def test_synthetic_build_is_deterministic(tmp_path):
    for run in ("a", "b"):
        (tmp_path / run).mkdir()
        chairs_data.prepare(
            synthetic_chairs.SyntheticChairs(
                data_dir=str(tmp_path / run), config="32px_2chairs"
            )
        )
    assert _shard_digest(str(tmp_path / "a"), "32px_2chairs") == _shard_digest(
        str(tmp_path / "b"), "32px_2chairs"
    )


def test_synthetic_config_names_identify_the_data(tmp_path):
    def make(**kwargs):
        return synthetic_chairs.SyntheticChairs(data_dir=str(tmp_path), **kwargs)

    assert make().builder_config.name == "64px_100chairs"
    assert make(config="128px_100chairs").builder_config.resolution == 128
    small = make(config="32px_100chairs", num_chairs=10)
    assert small.builder_config.name == "32px_10chairs"
    assert (
        small.builder_config.num_chairs == 10 and small.builder_config.resolution == 32
    )
    assert make(num_chairs=10, seed=2).builder_config.name == "64px_10chairs_seed2"
    assert make(config="64px_5chairs_seed1").builder_config.seed == 1
    assert "10chairs" in str(small.data_path) and "100chairs" not in str(
        small.data_path
    )
    with pytest.raises(ValueError, match="not found"):
        make(config="64px_5chairs_seed0")  # not the canonical spelling
    with pytest.raises(UserError, match="at least one chair"):
        make(config="64px_100chairs", num_chairs=0)
    with pytest.raises(UserError, match="32, 64, 128"):
        make(config="48px_100chairs", num_chairs=3)


# ------------------------------------------------------------ rendered chairs

SIZE = 72
COLORS = {0: (200, 30, 30), 1: (30, 160, 40), 2: (40, 60, 220)}
# Folder names sort differently from the chair numbers k.
NAMES = {
    "f3a1c0de00000000000000000000000a": 0,
    "0b7e1d2c00000000000000000000000b": 1,
    "9c5d3e4f00000000000000000000000c": 2,
}


def fixture_view(k, view):
    """Chair k at a view: a coloured rectangle on white; it moves right with
    the azimuth index and is taller at elevation 30."""
    j, elevation = view % 31, int(chair_views.elevation_of_view(view))
    image = np.full((SIZE, SIZE, 3), 255, np.uint8)
    top, height = 10 + 3 * k, 20 if elevation == 20 else 30
    image[top : top + height, 4 + j : 4 + j + 34] = COLORS[k]
    return image


def reference(k, resolution=32):
    """Crop to the union box (30 x 64 at rows 10+3k.., cols 4..67), pad to a
    64 x 64 square with white, 2 x 2 box average to 32; mask = at least 2 of
    the 4 full-size pixels non-white, white outside the mask."""
    views = np.stack([fixture_view(k, v) for v in range(62)]).astype(np.float64)
    top = 10 + 3 * k
    square = np.full((62, 64, 64, 3), 255.0)
    square[:, 17:47] = views[:, top : top + 30, 4:68]
    small = np.rint(square.reshape(62, 32, 2, 32, 2, 3).mean(axis=(2, 4)))
    chair = np.any(square < 252, axis=-1).reshape(62, 32, 2, 32, 2).sum(axis=(2, 4))
    masks = chair >= 2
    small[~masks] = 255
    return small.astype(np.uint8), masks[..., None].astype(np.uint8)


def file_name(view):
    nnn = int(chair_views.nnn_of_view(view))
    elevation = int(chair_views.elevation_of_view(view))
    azimuth = int(chair_views.azimuth_of_view(view))
    return f"image_{nnn:03d}_p{elevation:03d}_t{azimuth:03d}_r096.png"


def write_fixture(manual_dir, names=NAMES, *, views=range(62), rgba=None, tar=False):
    """The real layout: rendered_chairs/<id>/renders/image_NNN_pEEE_tAAA_r096.png."""
    root = manual_dir / "rendered_chairs"
    for name, k in names.items():
        renders = root / name / "renders"
        renders.mkdir(parents=True)
        for view in views:
            image = fixture_view(k, view)
            if name == rgba:
                # Transparent, black background: must come out white.
                alpha = np.where(np.all(image == 255, axis=-1), 0, 255).astype(np.uint8)
                rgb = np.where(alpha[..., None] == 0, 0, image).astype(np.uint8)
                image = np.concatenate([rgb, alpha[..., None]], axis=-1)
            Image.fromarray(image).save(renders / file_name(view))
    (root / "all_chair_names.mat").write_bytes(b"MATLAB 5.0 MAT-file, not read")
    if tar:
        with tarfile.open(manual_dir / "rendered_chairs.tar", "w") as archive:
            archive.add(root, arcname="rendered_chairs")
        for path in sorted(root.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        root.rmdir()
    return manual_dir


@pytest.fixture
def data_dir(tmp_path):
    manual = tmp_path / "data" / "downloads" / "manual"
    manual.mkdir(parents=True)
    return tmp_path / "data"


def _manual(data_dir):
    return data_dir / "downloads" / "manual"


def _check_against_reference(data, names):
    ordered = sorted(names)
    assert data.chair_names == ordered and data.num_classes == len(ordered)
    for chair_id, name in enumerate(ordered):
        rows = data.chair_ids == chair_id
        np.testing.assert_array_equal(data.view_indices[rows], np.arange(62))
        images, masks = reference(names[name])
        np.testing.assert_array_equal(data.masks[rows], masks)
        assert np.abs(data.images[rows].astype(int) - images).max() <= 1
    np.testing.assert_array_equal(
        data.azimuths, chair_views.azimuth_of_view(data.view_indices)
    )
    np.testing.assert_array_equal(
        data.elevations, chair_views.elevation_of_view(data.view_indices)
    )


def test_rendered_builds_from_the_extracted_folder(data_dir):
    write_fixture(_manual(data_dir), rgba="0b7e1d2c00000000000000000000000b")
    data = chairs_data.load_chairs(
        "rendered_chairs", data_dir=str(data_dir), resolution=32
    )
    _check_against_reference(data, NAMES)
    builder = tfds.builder("rendered_chairs/32px", data_dir=str(data_dir))
    names = {
        (int(e["chair_id"]), e["chair_name"].decode())
        for e in tfds.as_numpy(builder.as_dataset(split="train"))
    }
    assert names == {(i, n) for i, n in enumerate(sorted(NAMES))}
    assert builder.info.metadata["skipped_chairs"] == {}


def test_rendered_builds_from_the_tar(data_dir):
    write_fixture(_manual(data_dir), tar=True)
    data = chairs_data.load_chairs(
        "rendered_chairs", data_dir=str(data_dir), resolution=32
    )
    _check_against_reference(data, NAMES)


def test_a_chair_list_selects_chairs(data_dir, tmp_path):
    write_fixture(_manual(data_dir))
    keep = sorted(NAMES)[1:]
    listing = tmp_path / "chairs.txt"
    listing.write_text(
        f"# the chairs to keep\n{keep[1]}\n\nrendered_chairs/{keep[0]}/\n"
    )
    data = chairs_data.load_chairs(
        "rendered_chairs",
        data_dir=str(data_dir),
        resolution=32,
        chair_list=str(listing),
    )
    _check_against_reference(data, {name: NAMES[name] for name in keep})
    assert any("_list-" in p.name for p in (data_dir / "rendered_chairs").iterdir())
    first = chairs_data.load_chairs(
        "rendered_chairs", data_dir=str(data_dir), resolution=32, num_chairs=1
    )
    assert first.chair_names == sorted(NAMES)[:1] and set(first.chair_ids) == {0}


def test_a_chair_with_missing_views_is_reported_and_skipped(data_dir, caplog):
    manual = _manual(data_dir)
    write_fixture(manual)
    incomplete = "9c5d3e4f00000000000000000000000c"
    for view in (3, 40):
        (manual / "rendered_chairs" / incomplete / "renders" / file_name(view)).unlink()
    with caplog.at_level(logging.WARNING):
        data = chairs_data.load_chairs(
            "rendered_chairs", data_dir=str(data_dir), resolution=32
        )
    assert f"chair {incomplete} has 60 of 62 views; skipped" in caplog.text
    kept = {n: k for n, k in NAMES.items() if n != incomplete}
    _check_against_reference(data, kept)
    builder = tfds.builder("rendered_chairs/32px", data_dir=str(data_dir))
    assert builder.info.metadata["skipped_chairs"] == {incomplete: 60}


def _build(data_dir, **kwargs):
    chairs_data.load_chairs(
        "rendered_chairs", data_dir=str(data_dir), resolution=32, **kwargs
    )


def test_no_manual_dir(tmp_path):
    with pytest.raises(UserError) as error:
        _build(tmp_path)
    message = str(error.value)
    assert str(tmp_path / "downloads" / "manual") in message
    assert "does not exist or is empty" in message and "rendered_chairs.tar" in message


def test_neither_archive_nor_folder(data_dir):
    (_manual(data_dir) / "notes.txt").write_text("nothing here")
    with pytest.raises(UserError, match="Neither .*rendered_chairs.tar nor the folder"):
        _build(data_dir)


def test_no_chair_folder_found(data_dir):
    (_manual(data_dir) / "rendered_chairs" / "somechair" / "images").mkdir(parents=True)
    with pytest.raises(UserError) as error:
        _build(data_dir)
    assert "No chair folder found in" in str(error.value)
    assert (
        "looked for rendered_chairs/<id>/renders/image_NNN_pEEE_tAAA_r096.png"
        in str(error.value)
    )


@pytest.mark.parametrize(
    "bad_name, reason",
    [
        ("image_005_p020_t099_r096.png", "view 005 is p020_t058, not p020_t099"),
        ("image_031_p020_t000_r096.png", "000..030 or 032..062"),
        ("image_5.png", "expected image_NNN_pEEE_tAAA_r096.png"),
    ],
)
def test_a_file_name_that_does_not_parse(data_dir, bad_name, reason):
    manual = write_fixture(_manual(data_dir), {"c0": 0})
    bad = manual / "rendered_chairs" / "c0" / "renders" / bad_name
    bad.write_bytes(b"")
    with pytest.raises(UserError) as error:
        _build(data_dir)
    assert str(bad) in str(error.value)
    assert "does not parse" in str(error.value) and reason in str(error.value)


def test_a_png_that_does_not_decode(data_dir):
    manual = write_fixture(_manual(data_dir), {"c0": 0})
    broken = manual / "rendered_chairs" / "c0" / "renders" / file_name(17)
    broken.write_bytes(b"\x89PNG\r\n\x1a\n this is not an image")
    with pytest.raises(UserError, match="does not decode as a PNG") as error:
        _build(data_dir)
    assert str(broken) in str(error.value)


def test_a_damaged_tar(data_dir):
    (_manual(data_dir) / "rendered_chairs.tar").write_bytes(b"no tar " * 200)
    with pytest.raises(UserError, match="is not a readable tar archive"):
        _build(data_dir)


def test_bad_chair_lists(data_dir, tmp_path):
    write_fixture(_manual(data_dir), {"c0": 0})
    listing = tmp_path / "chairs.txt"
    listing.write_text("c0\nnot_a_chair\n")
    with pytest.raises(UserError, match="names 1 chair.*not_a_chair"):
        _build(data_dir, chair_list=str(listing))
    with pytest.raises(UserError, match="Cannot read the chair list"):
        _build(data_dir, chair_list=str(tmp_path / "missing.txt"))
    listing.write_text("# nothing\n\n")
    with pytest.raises(UserError, match="names no chair"):
        _build(data_dir, chair_list=str(listing))


def test_parse_file_name_numbering():
    for view in range(62):
        assert rendered_chairs_files.parse_file_name(file_name(view)) == view
    assert file_name(31) == "image_032_p030_t000_r096.png"
    assert file_name(61) == "image_062_p030_t348_r096.png"
