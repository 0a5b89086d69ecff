"""The chairs generator's training step in PyTorch: the peer of
`experiments.bench_train`.

    python gen/benchmarks/peers/torch_chairs.py [--batch=64] [--classes=809]
        [--transform=8] [--steps=10] [--threads=N] [--bf16] [--compile]

The network is the authors' 64x64 "2s-E" (Dosovitskiy, Springenberg & Brox,
CVPR 2015; Dosovitskiy et al., TPAMI 2017; their Caffe file
``1_64x64_train.prototxt``), layer for layer as
`gen.models.chairs_generator.build_generator` makes it:

    class     (classes)   -> FC 512 -> FC 512 --+
    view      (4)         -> FC 512 -> FC 512 --+-> concat -> FC 1024 -> FC 1024
    transform (transform) -> FC 512 -> FC 512 --+                     |
       +--------------------------------------------------------------+
       +-> FC 16384 -> 256x8x8 -> uconv 256 -> uconv 92 -> uconv 3   = rgb
       +-> FC  8192 -> 128x8x8 -> uconv  92 -> uconv 32 -> uconv 1   = mask

with ReLU after every layer but the two outputs. A "uconv" (2x2
fixed-corner unpooling, then a 5x5 convolution with "same" padding) is run
as the authors' Caffe files run it: one 5x5 transposed convolution with
stride 2, padding 2 and output padding 1, the same linear map with the
kernel flipped in both spatial axes. With 809 classes and 8 transform
parameters it has 31,627,120 parameters, as the project's.

Layout: PyTorch's channels-first, so the images are ``(B, 3, 64, 64)`` and
``(B, 1, 64, 64)`` where the project's are ``(B, 64, 64, 3)`` and
``(B, 64, 64, 1)``, and the FC layers before the maps are reshaped to
``(B, C, 8, 8)``.

Loss (`gen.models.losses`): Caffe's ``EuclideanLoss``, half the sum of
squares over an image averaged over the batch, of the RGB output against
the image times its mask, plus 0.1 times that of the mask output against the
mask. Optimiser: Adam with the project's defaults (learning rate 5e-4,
betas 0.9 and 0.999, epsilon 1e-6, TPAMI), updated by PyTorch's fused
kernel (``fused=True``, as `gen.models.optimizers.FusedAdam` uses
TensorFlow's; PyTorch's default per-tensor loop is several times slower
on a CPU), or its default where that PyTorch has no fused CPU kernel.
PyTorch adds epsilon to the
bias-corrected root of the second moment, Keras and TensorFlow's fused
kernel to the uncorrected one: the same work per step, updates that differ
only where that root is near epsilon.

Initialisation as the project's (He-normal before a ReLU, Glorot-uniform
in the outputs, zero biases), except that the uconv kernels are not drawn
as nearest-neighbour upsampling; a step's work does not depend on it.

The inputs and targets are random, of the generator's shapes (a one-hot
class, a view and transform of normal draws, an image and a 0/1 mask). The
script runs three steps to warm up, times `--steps` more and prints one JSON
line: ``peer``, ``torch`` (version), ``batch``, ``bf16``, ``compile``,
``threads``, ``params``, ``step_s`` (the median seconds per step) and
``images_per_s``.

This file imports only PyTorch and the standard library, so that any Python
with PyTorch runs it by path.
"""

import argparse
import json
import statistics
import time

import torch
from torch import nn

STREAM_UNITS = 512
JOINT_UNITS = 1024
BASE_SIZE = 8  # the FC layers reshape to 8x8 maps
KERNEL_SIZE = 5
# Channels of the 8x8 maps and after each uconv; the last is the output.
RGB_CHANNELS = (256, 256, 92, 3)
MASK_CHANNELS = (128, 92, 32, 1)
MASK_WEIGHT = 0.1  # the "-E" variants' mask loss weight
LEARNING_RATE = 5e-4
BETAS = (0.9, 0.999)
EPSILON = 1e-6
WARMUP_STEPS = 3  # untimed steps: allocation, and compilation with --compile


def uconv(in_channels, out_channels):
    """Fixed-corner unpooling by 2 and a 5x5 "same" convolution, as one
    transposed convolution: ``(B, in, H, W)`` -> ``(B, out, 2H, 2W)``."""
    return nn.ConvTranspose2d(
        in_channels,
        out_channels,
        KERNEL_SIZE,
        stride=2,
        padding=KERNEL_SIZE // 2,
        output_padding=1,
    )


def _stream(in_features):
    return nn.Sequential(
        nn.Linear(in_features, STREAM_UNITS),
        nn.ReLU(),
        nn.Linear(STREAM_UNITS, STREAM_UNITS),
        nn.ReLU(),
    )


def _branch(channels):
    """FC -> (C, 8, 8) maps -> uconvs, ReLU after all but the last."""
    fc = nn.Sequential(
        nn.Linear(JOINT_UNITS, BASE_SIZE * BASE_SIZE * channels[0]), nn.ReLU()
    )
    uconvs = []
    for in_channels, out_channels in zip(channels[:-1], channels[1:]):
        uconvs += [uconv(in_channels, out_channels), nn.ReLU()]
    return fc, nn.Sequential(*uconvs[:-1])


class ChairsGenerator(nn.Module):
    """The 64x64 2s-E generator.

    Args:
        num_classes: chair styles (the one-hot class input's size).
        num_transform: transformation parameters (0: no such stream).

    `forward(class_, view, transform)` takes ``(B, num_classes)``,
    ``(B, 4)`` and ``(B, num_transform)`` (None without the stream) and
    returns ``(rgb, mask)``: ``(B, 3, 64, 64)`` and ``(B, 1, 64, 64)``.
    """

    def __init__(self, num_classes, num_transform):
        super().__init__()
        self.class_stream = _stream(num_classes)
        self.view_stream = _stream(4)
        self.transform_stream = _stream(num_transform) if num_transform else None
        streams = 3 if num_transform else 2
        self.joint = nn.Sequential(
            nn.Linear(streams * STREAM_UNITS, JOINT_UNITS),
            nn.ReLU(),
            nn.Linear(JOINT_UNITS, JOINT_UNITS),
            nn.ReLU(),
        )
        self.rgb_fc, self.rgb_uconvs = _branch(RGB_CHANNELS)
        self.mask_fc, self.mask_uconvs = _branch(MASK_CHANNELS)
        self._initialise()

    def _initialise(self):
        outputs = {self.rgb_uconvs[-1], self.mask_uconvs[-1]}
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.ConvTranspose2d)):
                if module in outputs:
                    nn.init.xavier_uniform_(module.weight)
                else:
                    nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
                nn.init.zeros_(module.bias)

    def forward(self, class_, view, transform=None):
        features = [self.class_stream(class_), self.view_stream(view)]
        if self.transform_stream is not None:
            features.append(self.transform_stream(transform))
        h = self.joint(torch.cat(features, dim=1))
        rgb = self.rgb_fc(h).view(-1, RGB_CHANNELS[0], BASE_SIZE, BASE_SIZE)
        mask = self.mask_fc(h).view(-1, MASK_CHANNELS[0], BASE_SIZE, BASE_SIZE)
        return self.rgb_uconvs(rgb), self.mask_uconvs(mask)


def euclidean_loss(prediction, target):
    """Caffe's EuclideanLoss: half the sum of squares per example, averaged
    over the batch (a scalar)."""
    per_example = (prediction.float() - target).square().flatten(1).sum(1)
    return 0.5 * per_example.mean()


def generator_loss(rgb, mask, target_rgb, target_mask):
    """The 2s-E loss: RGB against the masked image, plus 0.1 x the mask's."""
    return euclidean_loss(rgb, target_rgb) + MASK_WEIGHT * euclidean_loss(
        mask, target_mask
    )


def make_optimizer(model):
    """Adam with the project's default settings, in PyTorch's fused kernel
    where it has one for the parameters' device."""
    parameters = list(model.parameters())
    try:
        return torch.optim.Adam(
            parameters, LEARNING_RATE, betas=BETAS, eps=EPSILON, fused=True
        )
    except (RuntimeError, TypeError):  # a PyTorch without a fused CPU Adam
        return torch.optim.Adam(parameters, LEARNING_RATE, betas=BETAS, eps=EPSILON)


def synthetic_batch(num_classes, num_transform, batch, resolution=64, seed=0):
    """``(inputs, targets)``: random tensors of the generator's shapes; the
    inputs are ``(class, view, transform)``, the targets ``(image x mask,
    mask)``, channels-first."""
    generator = torch.Generator().manual_seed(seed)
    class_ = torch.eye(num_classes)[
        torch.randint(0, num_classes, (batch,), generator=generator)
    ]
    view = torch.randn(batch, 4, generator=generator)
    transform = (
        torch.randn(batch, num_transform, generator=generator)
        if num_transform
        else None
    )
    image = torch.rand(batch, 3, resolution, resolution, generator=generator)
    mask = torch.rand(batch, 1, resolution, resolution, generator=generator) > 0.5
    mask = mask.float()
    return (class_, view, transform), (image * mask, mask)


def train_step_fn(model, optimizer, inputs, targets, bf16=False):
    """A zero-argument callable running one training step; returns the loss."""

    def step():
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            rgb, mask = model(*inputs)
        loss = generator_loss(rgb, mask, *targets)
        loss.backward()
        optimizer.step()
        return loss

    return step


def _parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Times the 64x64 chairs generator's training step in PyTorch."
    )
    parser.add_argument("--batch", type=int, default=64, help="Images per step.")
    parser.add_argument("--classes", type=int, default=809, help="Chair classes.")
    parser.add_argument(
        "--transform", type=int, default=8, help="Transform parameters (0: none)."
    )
    parser.add_argument("--steps", type=int, default=10, help="Timed steps.")
    parser.add_argument(
        "--threads", type=int, default=0, help="PyTorch's threads (0: its default)."
    )
    parser.add_argument(
        "--bf16", action="store_true", help="Forward pass under bfloat16 autocast."
    )
    parser.add_argument(
        "--compile", action="store_true", help="The step through torch.compile."
    )
    args = parser.parse_args(argv)
    for name in ("batch", "classes", "steps"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1, got {getattr(args, name)}.")
    if args.transform < 0 or args.threads < 0:
        parser.error("--transform and --threads must not be negative.")
    return args


def main(argv=None):
    args = _parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = ChairsGenerator(args.classes, args.transform)
    inputs, targets = synthetic_batch(args.classes, args.transform, args.batch)
    step = train_step_fn(model, make_optimizer(model), inputs, targets, args.bf16)
    if args.compile:
        step = torch.compile(step)
    for _ in range(WARMUP_STEPS):
        step()
    times = []
    for _ in range(args.steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    seconds = statistics.median(times)
    record = {
        "peer": "pytorch",
        "torch": torch.__version__,
        "batch": args.batch,
        "bf16": args.bf16,
        "compile": args.compile,
        "threads": torch.get_num_threads(),
        "params": sum(p.numel() for p in model.parameters()),
        "step_s": round(seconds, 4),
        "images_per_s": round(args.batch / seconds, 1),
    }
    print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
