"""The chairs generator builds and runs on every Keras backend.

The TensorFlow run (``make test``) checks it here, and
`tests/layers/test_backends.py` reruns this module with
``KERAS_BACKEND=jax`` and ``torch`` beside the layer tests.
"""

import keras
import numpy as np
import pytest

from gen.models import chairs_generator, generator_io


@pytest.mark.parametrize("variant", ["2s-S", "1s-S"])  # softmax mask; sliced channels
def test_the_generator_builds_and_runs(variant):
    config = chairs_generator.GeneratorConfig(
        num_classes=4, resolution=32, variant=variant, width=0.125
    )
    model = chairs_generator.build_generator(config)
    inputs = generator_io.generator_inputs(
        model, classes=[0, 3], azimuths=[0, 90], elevations=20
    )
    rgb, mask = generator_io.generate(model, inputs)
    assert rgb.shape == (2, 32, 32, 3) and mask.shape == (2, 32, 32, 1)
    # The same as calling the model (on JAX, `generate` runs a jitted
    # function): the drawing helpers add nothing of their own.
    direct = model(inputs, training=False)
    np.testing.assert_allclose(
        rgb, np.clip(keras.ops.convert_to_numpy(direct["rgb"]), 0, 1), atol=1e-5
    )
    assert np.isfinite(rgb).all() and rgb.std() > 0


def test_an_image_does_not_depend_on_what_is_drawn_with_it():
    """Each image is bit for bit the same drawn alone (padded to
    `MIN_ROWS`), among others in any order, or in calls of any size; not
    on PyTorch, where the explorer draws one frame per call."""
    if not generator_io.batch_independent():
        assert keras.backend.backend() == "torch"
        pytest.skip("PyTorch's CPU kernels round differently by batch size")
    config = chairs_generator.GeneratorConfig(
        num_classes=6, resolution=32, variant="1s-S-deep", width=0.125
    )
    model = chairs_generator.build_generator(config)
    rng = np.random.default_rng(3)
    n = 21
    inputs = generator_io.generator_inputs(
        model,
        classes=rng.integers(0, 6, n),
        azimuths=rng.uniform(0, 360, n),
        elevations=rng.uniform(15, 35, n),
    )
    together, _ = generator_io.generate(model, inputs)
    order = rng.permutation(n)
    for batch_size in (2, 3, 4, 5, 8, 10):  # 3, 5 and 10 end in a single row
        shuffled, _ = generator_io.generate(
            model, {k: v[order] for k, v in inputs.items()}, batch_size
        )
        np.testing.assert_array_equal(shuffled, together[order])
    for i in (0, 5, n - 1):
        alone, _ = generator_io.generate(
            model, {k: v[i : i + 1] for k, v in inputs.items()}
        )
        np.testing.assert_array_equal(alone[0], together[i])


def test_a_single_row_is_padded_and_the_padding_dropped():
    inputs = {"a": np.arange(10, dtype=np.float32)[:, None], "b": np.ones((10, 2))}
    batches = list(generator_io.padded_batches(inputs, 3))
    assert [rows for _, rows in batches] == [3, 3, 3, 1]
    assert [len(b["a"]) for b, _ in batches] == [3, 3, 3, generator_io.MIN_ROWS]
    assert batches[3][0]["b"].shape == (2, 2)
    np.testing.assert_array_equal(batches[3][0]["a"][:, 0], [9, 9])
    outputs = [({"x": b["a"] * 2}, rows) for b, rows in batches]
    joined = generator_io.concatenate_outputs(outputs)
    np.testing.assert_array_equal(joined["x"][:, 0], np.arange(10) * 2)
    arrays = [(b["a"], rows) for b, rows in batches]
    np.testing.assert_array_equal(
        generator_io.concatenate_outputs(arrays)[:, 0], np.arange(10)
    )
