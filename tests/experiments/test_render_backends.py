"""A generator trained on TensorFlow (`experiments.train` writes
`generator.keras`) renders the same images under JAX and PyTorch: the same
`python -m experiments.render` command, with KERAS_BACKEND set, gives the
same picture; and the generator builds and runs on every backend."""

import os
import textwrap

import numpy as np
import pytest
from PIL import Image

from gen.data import chair_views
from gen.models import generator_io
from gen.pictures import figures, grids
from tests.experiments.test_render import _tile
from tests.scripts import run_script


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_the_same_pictures_on_every_backend(backend, tiny_run,
                                            tiny_generator_and_data, tmp_path,
                                            monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", backend)
    chairs, views = (0, 2), (0, 4, 35)
    result = run_script("render", f"--workdir={tiny_run}",
                        f"--out={tmp_path}", "--chairs=0,2", "--views=0,4,35",
                        "--frames=8", timeout=600)
    assert result.returncode == 0, result.stderr
    with Image.open(tmp_path / "chairs_views.png") as grid:
        picture = np.asarray(grid.convert("RGB")).astype(int)
    # What TensorFlow draws with the same file, in this process.
    model, _ = tiny_generator_and_data
    expected = generator_io.chairs_by_views(
        model, list(chairs), chair_views.azimuth_of_view(np.array(views)),
        chair_views.elevation_of_view(np.array(views)))
    assert expected.std() > 0.05  # chairs, not a blank sheet
    assert picture.shape[:2] == figures.figure_size(
        2, 3, 64, row_labels=True, col_labels=True, title=True)
    for row in range(2):
        for col in range(3):
            tile = grids.enlarge(grids.to_uint8(expected[row, col]), 2)
            # uint8 pixels: float32 rounding moves one by a step at most.
            assert np.abs(_tile(picture, row, col) - tile).max() <= 1


BUILD = textwrap.dedent("""
    import keras, numpy as np
    from gen.models import chairs_generator, generator_io
    for variant in ("2s-S",):  # softmax mask, sliced channels
        config = chairs_generator.GeneratorConfig(
            num_classes=4, resolution=32, variant=variant, width=0.125)
        model = chairs_generator.build_generator(config)
        inputs = generator_io.generator_inputs(model, classes=[0, 3],
                                               azimuths=[0, 90], elevations=20)
        rgb, mask = generator_io.generate(model, inputs)
        assert rgb.shape == (2, 32, 32, 3) and mask.shape == (2, 32, 32, 1)
        assert np.isfinite(rgb).all() and rgb.std() > 0
    print(keras.backend.backend(), "ok")
""")


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_the_generator_builds_and_runs(backend, tmp_path):
    import subprocess
    import sys

    from tests.scripts import ROOT

    result = subprocess.run([sys.executable, "-c", BUILD], cwd=ROOT,
                            env={**os.environ, "KERAS_BACKEND": backend},
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(f"{backend} ok")
