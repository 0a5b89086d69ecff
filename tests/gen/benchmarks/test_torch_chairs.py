"""The PyTorch peer of `experiments.bench_train` is the project's 2s-E
generator: the same parameters, and with the project's weights copied in,
the same outputs and loss; its optimiser has the project's settings."""

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from gen.benchmarks.peers import torch_chairs  # noqa: E402
from gen.models import chairs_generator, losses  # noqa: E402
from gen.training import train_config  # noqa: E402

AUTHORS_PARAMETERS = 31_627_120  # 809 classes, 8 transform parameters


def _keras_generator(num_classes, num_transform):
    config = chairs_generator.GeneratorConfig(
        num_classes=num_classes,
        resolution=64,
        variant="2s-E",
        num_transform=num_transform,
    )
    return config, chairs_generator.build_generator(config)


def _copy_weights(keras_model, peer):
    """Keras' weights into the peer: Dense kernels transposed; the FC layers
    before the maps reordered from (8, 8, C) to (C, 8, 8) units; uconv
    kernels (5, 5, in, out) to the transposed convolution's (in, out, 5, 5),
    flipped in both spatial axes."""

    def linear(module, name, maps_channels=None):
        kernel, bias = (w.numpy() for w in keras_model.get_layer(name).weights)
        if maps_channels:
            size = torch_chairs.BASE_SIZE
            kernel = kernel.reshape(-1, size, size, maps_channels)
            kernel = kernel.transpose(0, 3, 1, 2).reshape(kernel.shape[0], -1)
            bias = bias.reshape(size, size, maps_channels).transpose(2, 0, 1).ravel()
        module.weight.copy_(torch.from_numpy(kernel.T.copy()))
        module.bias.copy_(torch.from_numpy(bias))

    def uconv(module, name):
        kernel, bias = (w.numpy() for w in keras_model.get_layer(name).weights)
        kernel = kernel[::-1, ::-1].transpose(2, 3, 0, 1)
        module.weight.copy_(torch.from_numpy(kernel.copy()))
        module.bias.copy_(torch.from_numpy(bias))

    with torch.no_grad():
        for stream in ("class", "view", "transform"):
            sequential = getattr(peer, f"{stream}_stream")
            linear(sequential[0], f"{stream}_fc1")
            linear(sequential[2], f"{stream}_fc2")
        linear(peer.joint[0], "joint_fc1")
        linear(peer.joint[2], "joint_fc2")
        for branch, channels in (
            ("rgb", torch_chairs.RGB_CHANNELS),
            ("mask", torch_chairs.MASK_CHANNELS),
        ):
            linear(getattr(peer, f"{branch}_fc")[0], f"{branch}_fc", channels[0])
            convs = getattr(peer, f"{branch}_uconvs")[::2]
            for i, module in enumerate(convs, start=1):
                uconv(module, f"{branch}_uconv{i}")


@pytest.mark.slow(seconds=5)
def test_the_peer_computes_the_projects_2s_e_generator_and_loss():
    config, model = _keras_generator(809, 8)
    torch.manual_seed(0)
    peer = torch_chairs.ChairsGenerator(809, 8)
    assert model.count_params() == AUTHORS_PARAMETERS
    assert sum(p.numel() for p in peer.parameters()) == AUTHORS_PARAMETERS
    _copy_weights(model, peer)

    (class_, view, transform), (target_rgb, target_mask) = torch_chairs.synthetic_batch(
        809, 8, batch=2
    )
    with torch.no_grad():
        rgb, mask = peer(class_, view, transform)
    assert tuple(rgb.shape) == (2, 3, 64, 64) and tuple(mask.shape) == (2, 1, 64, 64)
    expected = model(
        {"class": class_.numpy(), "view": view.numpy(), "transform": transform.numpy()}
    )
    channels_last = {
        "rgb": rgb.numpy().transpose(0, 2, 3, 1),
        "mask": mask.numpy().transpose(0, 2, 3, 1),
    }
    for name in ("rgb", "mask"):
        want = expected[name].numpy()
        assert channels_last[name].shape == want.shape
        scale = np.abs(want).max()
        assert scale > 0.1  # a real signal, not zeros on both sides
        np.testing.assert_allclose(channels_last[name], want, atol=1e-4 * scale)

    loss_fns, weights = losses.generator_losses(config)
    targets = {
        "rgb": target_rgb.numpy().transpose(0, 2, 3, 1),
        "mask": target_mask.numpy().transpose(0, 2, 3, 1),
    }
    project_loss = sum(
        weights[name] * float(loss_fns[name](targets[name], expected[name]))
        for name in ("rgb", "mask")
    )
    peer_loss = float(torch_chairs.generator_loss(rgb, mask, target_rgb, target_mask))
    np.testing.assert_allclose(peer_loss, project_loss, rtol=1e-4)


def test_the_peers_optimizer_has_the_projects_adam_settings():
    defaults = train_config.TrainConfig()
    optimizer = torch_chairs.make_optimizer(torch.nn.Linear(2, 2))
    settings = optimizer.defaults
    assert settings["lr"] == defaults.learning_rate
    assert settings["betas"] == (defaults.beta1, defaults.beta2)
    assert settings["eps"] == defaults.epsilon
    assert settings["weight_decay"] == defaults.weight_decay == 0
    assert settings["fused"]  # one kernel, as FusedAdam's
    assert torch_chairs.MASK_WEIGHT == losses.EUCLIDEAN_MASK_WEIGHT


@pytest.mark.slow(seconds=5)
def test_the_peer_script_prints_its_step_time_as_one_json_line(capsys, monkeypatch):
    monkeypatch.setattr(torch_chairs, "WARMUP_STEPS", 0)  # a full-size step is slow
    torch_chairs.main(["--batch=2", "--classes=5", "--transform=0", "--steps=1"])
    record = json.loads(capsys.readouterr().out)
    _, model = _keras_generator(5, 0)
    assert record["params"] == model.count_params()
    assert (record["peer"], record["batch"], record["bf16"]) == ("pytorch", 2, False)
    assert record["images_per_s"] == pytest.approx(
        2 / record["step_s"], rel=0.01, abs=0.06
    )
