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
