"""`python -m experiments.visualize`: end to end on tiny settings, and errors."""

import json

import keras
import numpy as np
import pytest
from PIL import Image

from gen.data import image_sources
from gen.deconvnet import network
from tests.scripts import assert_user_error, run_script


def _check_tiles(summary, deconv, images_by_name, to_model):
    """Every tile's activation is the layer's activation at its position."""
    for feature in summary["features"]:
        for tile in feature["tiles"]:
            image = images_by_name[tile["image"]]
            acts = deconv.activations(to_model(image[None]))[0]
            y, x = tile["position"]
            assert acts[y, x, feature["feature"]] == pytest.approx(
                tile["activation"], rel=1e-4, abs=1e-5
            )
            assert acts[..., feature["feature"]].max() == pytest.approx(
                tile["activation"], rel=1e-4, abs=1e-5
            )


@pytest.mark.slow(seconds=19)
def test_trains_a_chairs_convnet_and_shows_its_conv_layers(tmp_path):
    data_dir, out = tmp_path / "data", tmp_path / "vis"
    data_dir.mkdir()
    result = run_script(
        "visualize",
        f"--out={out}",
        f"--data_dir={data_dir}",
        "--num_chairs=2",
        "--resolution=32",
        "--epochs=1",
        "--filters=4,6,8",
        "--num_features=3",
        "--max_images=20",
    )
    assert result.returncode == 0, result.stderr
    assert "style accuracy: " in result.stdout
    assert sorted(p.name for p in out.iterdir()) == [
        "conv1.json",
        "conv1.png",
        "conv2.json",
        "conv2.png",
        "conv3.json",
        "conv3.png",
        "index.json",
        "model.keras",
        "training.json",
    ]
    training = json.loads((out / "training.json").read_text())
    assert training["num_heldout"] == 28 and training["num_train"] == 96
    assert 0 <= training["heldout_accuracy"] <= 1
    index = json.loads((out / "index.json").read_text())
    assert index["num_images"] == 20 and list(index["layers"]) == [
        "conv1",
        "conv2",
        "conv3",
    ]

    model = keras.models.load_model(out / "model.keras")
    images, names = image_sources.load_images(
        "synthetic_chairs",
        (32, 32),
        data_dir=str(data_dir),
        num_chairs=2,
        max_images=20,
    )
    by_name = dict(zip(names, images))
    summary = json.loads((out / "conv2.json").read_text())
    assert 1 <= len(summary["features"]) <= 3
    assert summary["receptive_field"] == {
        "size": [11, 11],
        "stride": [2, 2],
        "start": [-4, -4],
    }
    _check_tiles(summary, network.DeconvNet(model, "conv2"), by_name, lambda x: x)
    picture = Image.open(out / "conv2.png")
    assert picture.mode == "RGB" and min(picture.size) > 100


def test_a_users_model_on_a_folder_of_images(tmp_path):
    inputs = keras.Input((16, 16, 3))
    x = keras.layers.Conv2D(3, 3, activation="relu", name="edges")(inputs)
    x = keras.layers.MaxPooling2D(3, strides=2, name="pool")(x)
    x = keras.layers.Conv2D(2, 3, name="top")(x)
    model = keras.Model(inputs, x)
    model.save(tmp_path / "mine.keras")
    folder = tmp_path / "photos"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(5):
        Image.fromarray(rng.integers(0, 256, (20, 20, 3), np.uint8)).save(
            folder / f"p{i}.png"
        )
    out = tmp_path / "vis"
    result = run_script(
        "visualize",
        f"--model={tmp_path / 'mine.keras'}",
        "--layer=edges,pool",
        f"--images={folder}",
        f"--out={out}",
        "--features=0,2",
        "--input_range=0,255",
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "edges.json",
        "edges.png",
        "index.json",
        "pool.json",
        "pool.png",
    ]
    summary = json.loads((out / "edges.json").read_text())
    assert [f["feature"] for f in summary["features"]] == [0, 2]
    assert len(summary["features"][0]["tiles"]) == 5  # fewer images than 9
    images, names = image_sources.load_images(str(folder), (16, 16))
    _check_tiles(
        summary,
        network.DeconvNet(model, "edges"),
        dict(zip(names, images)),
        lambda x: 255 * x,
    )


def test_errors_are_one_paragraph_and_exit_2(tmp_path):
    empty, photos = tmp_path / "empty", tmp_path / "photos"
    empty.mkdir()
    photos.mkdir()
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(photos / "a.png")
    inputs = keras.Input((8, 8, 3))
    model = keras.Model(inputs, keras.layers.Conv2D(2, 3, name="c")(inputs))
    model.save(tmp_path / "m.keras")
    cases = [
        (
            [f"--model={tmp_path / 'nope.keras'}"],
            f"error: No model file at {tmp_path / 'nope.keras'}.",
        ),
        ([f"--images={empty}"], f"error: The folder {empty} has no PNG or JPEG"),
        (
            ["--input_range=1,0"],
            "error: --input_range must be two numbers "
            "low,high with high > low, got (1.0, 0.0).",
        ),
        (
            ["--layer=c", "--num_features=many"],
            "error: flag --num_features=many: invalid literal for int() with "
            "base 10: 'many'. Run `python -m experiments.visualize --help` "
            "to see every flag.",
        ),
        (
            ["--featurez=3"],
            "error: Unknown command line flag 'featurez'. Did you mean: features ?",
        ),
        (
            [f"--model={tmp_path / 'm.keras'}", "--layer=conv9", f"--images={photos}"],
            "error: Model 'functional' has no layer named 'conv9'. Its layers: "
            "input_layer, c.",
        ),
    ]
    for args, message in cases:
        result = run_script("visualize", f"--out={tmp_path / 'out'}", *args)
        assert_user_error(result, message)
    assert not (tmp_path / "out").exists()
