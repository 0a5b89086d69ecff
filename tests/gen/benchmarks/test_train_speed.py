"""`experiments.bench_train`'s measure of the limit: the step's FLOPs
against TensorFlow's own profiler, the peak convolutions of the
generator's shapes, the lines printed for each precision (from given
times: timings are never asserted), the op-by-op profile of `--profile`,
and the script as a user runs it."""

import json
import re

import numpy as np
import pytest
import tensorflow as tf

import layers
from gen.benchmarks import op_profile, step_limit, train_speed
from gen.models import chairs_generator
from tests.scripts import run_script


def _profiled_flops(model, op_types):
    """FLOPs of `op_types` in one image's forward pass, as counted by
    TensorFlow's profiler on the model's concrete function."""
    specs = {
        name: tf.TensorSpec((1,) + tuple(x.shape[1:]), tf.float32)
        for name, x in model.input.items()
    }
    graph = tf.function(model).get_concrete_function(specs).graph
    options = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    options.update(output="none", account_type_regexes=list(op_types))
    return tf.compat.v1.profiler.profile(graph, options=options).total_float_ops


@pytest.fixture(scope="module")
def small_generator():
    config = chairs_generator.GeneratorConfig(
        num_classes=10, resolution=32, num_transform=3, width=0.25
    )
    model = chairs_generator.build_generator(config)
    for layer in model.layers:
        if isinstance(layer, layers.UnpoolConv2D):
            # The exact sub-kernels: "subpixel" adds zero taps the profiler
            # would count.
            layer.implementation = "phases"
    return model


def test_forward_flops_are_what_tensorflows_profiler_counts(small_generator):
    macs = train_speed.generator_forward_macs(small_generator)
    # By hand: the FC layers' in * out, each uconv's 25 taps per input pixel.
    dense = (10 + 512) * 512 + (4 + 512) * 512 + (3 + 512) * 512
    dense += 1536 * 1024 + 1024 * 1024 + 1024 * 64 * (64 + 32)
    uconvs = 64 * 25 * (64 * 23 + 32 * 8) + 256 * 25 * (23 * 3 + 8 * 1)
    assert macs == dense + uconvs
    assert _profiled_flops(small_generator, ["MatMul", "Conv2D"]) == 2 * macs
    # Everything else the profiler counts (bias additions) is under 0.1%.
    everything = _profiled_flops(small_generator, [".*"])
    assert 2 * macs < everything < 1.001 * 2 * macs
    assert train_speed.step_flops(small_generator, 64) == 2 * 3 * 64 * macs


def test_the_paper_networks_step_is_126_8_gflop():
    """The issue's count for the 64x64 2s-E at batch 64 (809 classes, 8
    transform parameters), from the layer sizes without building it."""
    fc = (809 + 512) * 512 + (4 + 512) * 512 + (8 + 512) * 512
    fc += 1536 * 1024 + 1024 * 1024 + 1024 * 64 * (256 + 128)
    uconvs = 25 * (64 * 256 * 256 + 256 * 256 * 92 + 1024 * 92 * 3)
    uconvs += 25 * (64 * 128 * 92 + 256 * 92 * 32 + 1024 * 32 * 1)
    forward = 2 * (fc + uconvs)
    assert round(forward / 1e6, 1) == 660.3
    assert step_limit.flops_line(forward, 64) == (
        "one step: 126.8 GFLOP (660.3 MFLOP forward per image x 3 (forward, "
        "input and weight gradients) x batch 64)"
    )


def test_peak_convolutions_are_the_uconvs_on_their_input_grids(small_generator):
    shapes = train_speed.uconv_convolutions(small_generator, batch=2)
    assert shapes == [
        ((2, 8, 8, 32), (5, 5, 32, 8)),
        ((2, 8, 8, 64), (5, 5, 64, 23)),
        ((2, 16, 16, 8), (5, 5, 8, 1)),
        ((2, 16, 16, 23), (5, 5, 23, 3)),
    ]
    variants = train_speed.conv_peak_variants(shapes[1:2], tf.bfloat16)
    ((name, (fn, flops)),) = variants.items()
    assert name == "bfloat16 5x5 conv 8x8x64->23"
    assert flops == 2 * 2 * 8 * 8 * 25 * 64 * 23
    y = fn()
    assert y.dtype == tf.bfloat16 and tuple(y.shape) == (2, 8, 8, 23)


def test_each_precisions_line_from_times_of_the_same_rounds():
    convolutions = {
        "bfloat16 5x5 conv A": step_limit.PeakConvolution(
            "bfloat16", 10e9, [0.1, 0.05, 0.4]
        ),
        "bfloat16 5x5 conv B": step_limit.PeakConvolution(
            "bfloat16", 6e9, [0.1, 0.1, 0.1]
        ),
        "float32 5x5 conv A": step_limit.PeakConvolution(
            "float32", 10e9, [1.0, 1.0, 1.0]
        ),
    }
    # Peaks per round (GFLOP/s): 100 (A), 200 (A), 60 (B).
    peaks, best = step_limit.peak_per_round(convolutions, "bfloat16")
    assert np.allclose(peaks, [100e9, 200e9, 60e9]) and best == "bfloat16 5x5 conv A"
    peer = {"pytorch bf16 autocast": [3.0, 1.0, 6.0], "pytorch float32": [9.0] * 3}
    fig = step_limit.figures(
        "default", "bfloat16", [2.0, 1.0, 4.0], 100e9, convolutions, peer
    )
    # Shares per round: 50/100, 100/200, 25/60; PyTorch/this: 1.5, 1, 1.5.
    assert fig.step_s == 2.0 and fig.gflops == 50.0 and fig.peak_gflops == 100.0
    assert fig.share_of_peak == pytest.approx(0.5)
    assert fig.share_range == pytest.approx((25 / 60, 0.5))
    assert fig.speedup_over_peer == pytest.approx(1.5)
    assert step_limit.line(fig) == (
        "default (bfloat16): step 2000 ms, 50.0 GFLOP/s = 50% of the bfloat16 "
        "convolution peak (100.0 GFLOP/s, bfloat16 5x5 conv A; rounds 42%-50%); "
        "1.50x pytorch bf16 autocast"
    )
    alone = step_limit.figures("float32", "float32", [0.5] * 3, 4e9, convolutions)
    assert alone.peer is None and alone.share_of_peak == pytest.approx(0.8)
    assert re.fullmatch(
        r"float32 \(float32\): step 500 ms, 8\.0 GFLOP/s = 80% of the float32 "
        r"convolution peak \(10\.0 GFLOP/s, float32 5x5 conv A; rounds 80%-80%\)",
        step_limit.line(alone),
    )


def test_op_profile_counts_each_op_the_function_runs():
    a = tf.random.stateless_normal((128, 128), (1, 2))
    k = tf.random.stateless_normal((3, 3, 8, 4), (3, 4))
    x = tf.random.stateless_normal((2, 8, 8, 8), (5, 6))

    @tf.function
    def fn():
        product = tf.matmul(tf.matmul(a, a), a) + a
        return product, tf.nn.conv2d(x, k, 1, "SAME")

    fn()
    times = op_profile.op_times(fn, calls=3)
    # Per call: two products, one addition, one convolution (as oneDNN's
    # rewrites of MatMul and Conv2D), and none of the runtime's own spans.
    assert times.counts == {"_MklMatMul": 2, "AddV2": 1, "_MklNativeConv2D": 1}
    assert set(times.ms) == set(times.counts)
    assert all(ms > 0 for ms in times.ms.values())
    assert list(times.ms.values()) == sorted(times.ms.values(), reverse=True)


def test_breakdown_lines_from_a_steps_op_times():
    convolutions = {"c": step_limit.PeakConvolution("bfloat16", 100e9, [0.5])}
    fig = step_limit.figures("default", "bfloat16", [0.8], 40e9, convolutions)
    op_ms = {
        "_MklNativeConv2D": 100.0,
        "_MklNativeConv2DBackpropInput": 60.0,
        "_MklMatMul": 40.0,
        "ResourceApplyAdam": 50.0,
        "Cast": 30.0,
        "Slice": 10.0,
        "AddN": 20.0,
    }
    # Peak 200 GFLOP/s; 40 GFLOP in 310 ms, 200 ms, 250 ms: 65%, 100%, 80%.
    assert step_limit.breakdown_lines(fig, op_ms, 40e9, shown=2) == [
        "default (bfloat16) op by op: 310.0 ms = 65% of the peak; convolutions "
        "and matrix products 200.0 ms, 100% alone; with the optimiser's update "
        "(50.0 ms) 80%",
        "  the other ops, 60.0 ms: Cast 30.0, AddN 20.0",
    ]


def test_bench_train_with_profile_as_a_user_runs_it():
    """`python -m experiments.bench_train --profile` on a tiny batch: one
    JSON line per variant with the step's FLOPs, each precision's line,
    and each step's profile."""
    result = run_script(
        "bench_train",
        "--profile",
        "--batch=2",
        "--classes=3",
        "--steps=1",
        "--rounds=1",
        timeout=240,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    records = [json.loads(line) for line in lines if line.startswith("{")]
    assert [r["variant"] for r in records] == ["default", "float32"]
    # The 64x64 2s-E with 3 classes: 28,581,376 dense and 301,158,400
    # uconv multiply-adds per image, 2 FLOPs each, x3, x batch 2.
    assert {r["flops_per_step"] for r in records} == {3_956_877_312}
    assert "ops run one at a time (--profile): one inter-op thread" in lines
    for variant in ("default", "float32"):
        (profile,) = [
            line
            for line in lines
            if line.startswith(f"{variant} (") and " op by op: " in line
        ]
        total, compute = (
            float(v)
            for v in re.search(
                r"op by op: ([\d.]+) ms .* matrix products ([\d.]+) ms", profile
            ).groups()
        )
        assert 0 < compute < total
        following = lines[lines.index(profile) + 1]
        assert following.startswith("  the other ops, ")
