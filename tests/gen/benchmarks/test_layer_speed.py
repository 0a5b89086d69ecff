"""The layer benchmark behind `experiments.bench_layers`: its rows on the
running (TensorFlow) backend, one run on each other backend in its own
process, and its flag errors. Timings are never asserted."""

import re

import pytest

from gen.benchmarks import backends, layer_speed
from tests.scripts import assert_user_error, run_script

TINY = ("--batch=2", "--rounds=1", "--channel_scale=0.05", "--implementations=auto")


def _check_speedups(rows, reference):
    for row in rows:
        if row[1] == reference:
            assert row[3] == "1.00x"
        assert re.fullmatch(r"\d+\.\d{2}x", row[3])
        assert float(row[2]) > 0


def test_uconv_benchmark_rows_cover_every_stage_and_the_total():
    config = layer_speed.LayerBenchConfig(
        batch=2,
        stages=((4, 8, 16), (8, 16, 3)),
        implementations=("auto", "phases"),
        rounds=2,
    )
    rows = layer_speed.uconv_benchmark(config)
    stages = [row[0] for row in rows]
    assert stages == ["4x4x8->16"] * 3 + ["8x8x16->3"] * 3 + ["all stages"] * 3
    # The explicit pair is the reference of every speed-up; "auto" picks by
    # width (16 filters: phases, 3: subpixel).
    _check_speedups(rows, "explicit pair")
    assert [row[1] for row in rows[:3]] == [
        "explicit pair",
        "UnpoolConv2D (auto=phases)",
        "phases",
    ]
    assert rows[4][1] == "UnpoolConv2D (auto=subpixel)"
    assert [row[1] for row in rows[6:]] == ["explicit pair", "UnpoolConv2D", "phases"]


def test_switch_benchmark_measures_against_the_backends_native_recipe():
    config = layer_speed.LayerBenchConfig(
        batch=2, stages=((2, 3, 1), (4, 2, 1)), rounds=1
    )
    rows = layer_speed.switch_benchmark(config)
    native = "TF Addons recipe (max_pool_with_argmax + scatter_nd)"
    assert backends.NATIVE_SWITCH_RECIPES["tensorflow"] == native
    variants = [native, "switch layers", "switch layers, XLA"]
    assert [row[1] for row in rows] == variants * 3
    assert [row[0] for row in rows] == (
        ["4x4x3"] * 3 + ["8x8x2"] * 3 + ["all shapes"] * 3
    )
    _check_speedups(rows, native)
    summary = layer_speed.summary(
        [("all stages", "UnpoolConv2D", "1.0", "3.40x")], rows
    )
    assert summary.startswith(
        "summary tensorflow: UnpoolConv2D 3.40x over the explicit pair"
    )
    assert f"over the native recipe, {native}" in summary


def test_bfloat16_leaves_out_what_the_backend_cannot_run():
    config = layer_speed.LayerBenchConfig(
        batch=1, stages=((2, 2, 1),), dtype="bfloat16", rounds=1
    )
    rows = layer_speed.switch_benchmark(config)
    assert "switch layers, XLA" not in [row[1] for row in rows]
    assert backends.skip_reason("switch layers, XLA", "bfloat16")
    assert backends.skip_reason("switch layers, XLA", "float32") is None


@pytest.mark.parametrize(
    "backend, native",
    [
        pytest.param(
            "jax", "gradient of reduce_window max", marks=pytest.mark.slow(seconds=25)
        ),
        pytest.param(
            "torch",
            "max_pool2d(return_indices) + max_unpool2d",
            marks=pytest.mark.slow(seconds=12),
        ),
    ],
)
def test_bench_layers_runs_each_backend_in_its_own_process(backend, native):
    result = run_script("bench_layers", f"--backends={backend}", *TINY, timeout=120)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"== {backend} (Keras " in out
    assert "== tensorflow" not in out
    for stage in ("8x8x13->13", "16x16x13->5", "32x32x5->1", "all stages"):
        assert re.search(rf"{re.escape(stage)} +explicit pair .* 1\.00x", out)
    assert re.search(rf"all shapes +{re.escape(native)} .* 1\.00x", out)
    assert f"summary {backend}: UnpoolConv2D " in out


@pytest.mark.parametrize(
    "flag, message",
    [
        ("--batch=0", "--batch and --rounds must be positive integers."),
        ("--rounds=-1", "--batch and --rounds must be positive integers."),
        ("--backends=tensorflow,mxnet", "Unknown backend 'mxnet' in --backends"),
        ("--backends=", "--backends is empty"),
        (
            "--implementations=phases,fft",
            "--implementations must name one or more of auto, phases, subpixel",
        ),
        ("--dtype=float16", "--dtype must be one of float32, bfloat16; got"),
    ],
)
def test_bench_layers_refuses_bad_flags(flag, message):
    assert_user_error(run_script("bench_layers", flag, timeout=120), message)
