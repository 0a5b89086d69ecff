"""Cutting the generator at a layer: decoding a layer's own activations
gives the generator's output, and replacing them changes exactly what is
downstream."""

import numpy as np
import pytest

from gen.errors import UserError
from gen.explore import latent
from gen.models import chairs_generator, generator_io


def _build(variant):
    return chairs_generator.build_generator(
        chairs_generator.GeneratorConfig(
            num_classes=4, resolution=32, width=0.125, variant=variant
        )
    )


def _inputs(model, classes=(0, 1, 2, 3)):
    rng = np.random.default_rng(0)
    n = len(classes)
    return generator_io.generator_inputs(
        model,
        classes=list(classes),
        azimuths=rng.uniform(0, 360, n),
        elevations=rng.uniform(10, 40, n),
        transforms=rng.uniform(-1, 1, (n, 8)),
    )


def test_decoding_a_layers_own_activations_gives_the_generator_output():
    for variant in ("2s-E", "1s-S-deep"):
        model = _build(variant)
        x = _inputs(model)
        expected = model(x)
        names = latent.cut_layer_names(model)
        assert names[:2] == ["class_fc1", "view_fc1"]
        assert {"joint_fc1", "joint_fc2"} <= set(names)
        for name in names:
            cut = latent.Cut(model, name)
            h = cut.activations(x)
            assert h.shape == (4,) + cut.shape
            rgb, mask = cut.decode(h, x)
            np.testing.assert_allclose(
                rgb, np.clip(expected["rgb"], 0, 1), atol=1e-5, err_msg=name
            )
            np.testing.assert_allclose(
                mask, np.clip(expected["mask"], 0, 1), atol=1e-5, err_msg=name
            )


def test_replacing_a_layer_keeps_every_other_input():
    model = _build("2s-E")
    assert latent.input_dependencies(model, "class_fc2") == ["class"]
    assert latent.input_dependencies(model, "view_fc1") == ["view"]
    assert latent.input_dependencies(model, "joint_fc1") == [
        "class",
        "view",
        "transform",
    ]
    # Cut at a stream: the other streams still come from their inputs.
    assert list(latent.decoder_from(model, "class_fc2").input) == [
        "class_fc2",
        "view",
        "transform",
    ]
    # Cut at the trunk: nothing else is needed.
    assert list(latent.decoder_from(model, "joint_fc2").input) == ["joint_fc2"]
    # Cut at one branch: the other branch is computed from the inputs.
    assert list(latent.decoder_from(model, "rgb_fc").input) == [
        "rgb_fc",
        "class",
        "view",
        "transform",
    ]
    assert latent.outputs_depending_on(model, "rgb_fc") == ["rgb"]
    assert latent.outputs_depending_on(model, "mask_uconv1") == ["mask"]
    assert latent.outputs_depending_on(model, "joint_fc1") == ["rgb", "mask"]

    x = _inputs(model)
    cut = latent.Cut(model, "class_fc2")
    h = cut.activations(x)
    # Chair 1's style code with chair 0's view and transform...
    swapped = {k: v[:1] for k, v in x.items()}
    rgb, _ = cut.decode(h[1:2], swapped)
    # ...draws chair 1 at chair 0's view: the class input itself is ignored.
    wanted = dict(swapped, **{"class": x["class"][1:2]})
    np.testing.assert_allclose(rgb, np.clip(model(wanted)["rgb"], 0, 1), atol=1e-5)
    # Zeroing one branch's layer leaves the other branch as it was.
    cut = latent.Cut(model, "rgb_fc")
    _, mask = cut.decode(np.zeros((4,) + cut.shape, np.float32), x)
    np.testing.assert_allclose(mask, np.clip(model(x)["mask"], 0, 1), atol=1e-6)

    # One cut per model and layer for code that cuts many times.
    assert latent.cut(model, "joint_fc1") is latent.cut(model, "joint_fc1")
    assert latent.cut(model, "joint_fc1").layer_name == "joint_fc1"

    with pytest.raises(
        UserError,
        match=r"Unknown layer 'fc9'; this "
        r"generator's fully connected and "
        r"uconv layers are class_fc1, ",
    ):
        latent.Cut(model, "fc9")
    with pytest.raises(UserError, match="Unknown layer 'streams'"):
        latent.encoder_to(model, "streams")
