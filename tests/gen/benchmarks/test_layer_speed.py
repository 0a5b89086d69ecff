"""The layer benchmark behind `experiments.bench_layers`: its rows, and its
flag errors."""

import re

import pytest

from gen.benchmarks import layer_speed
from tests.scripts import assert_user_error, run_script


def test_uconv_benchmark_rows_cover_every_stage_and_the_total():
    config = layer_speed.LayerBenchConfig(
        batch=2, stages=((4, 8, 16), (8, 16, 3)), implementations=("auto", "phases"),
        rounds=2)
    rows = layer_speed.uconv_benchmark(config)
    stages = [row[0] for row in rows]
    assert stages == ["4x4x8->16"] * 3 + ["8x8x16->3"] * 3 + ["all stages"] * 3
    # The explicit pair is the reference of every speed-up; "auto" picks by
    # width (16 filters: phases, 3: subpixel).
    for row in rows:
        if row[1] == "explicit pair":
            assert row[3] == "1.00x"
        assert re.fullmatch(r"\d+\.\d{2}x", row[3])
        assert float(row[2]) > 0
    assert rows[1][1] == "UnpoolConv2D (auto=phases)"
    assert rows[4][1] == "UnpoolConv2D (auto=subpixel)"


@pytest.mark.parametrize("flag", ["--batch=0", "--rounds=-1"])
def test_bench_layers_refuses_non_positive_sizes(flag):
    assert_user_error(run_script("bench_layers", flag, timeout=120),
                      "--batch and --rounds must be positive integers.")
