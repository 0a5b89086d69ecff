"""The side-by-side timing helpers behind `experiments.bench_layers`."""

import os
import re
import subprocess
import sys

import pytest

from gen import benchmarks

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_paired_speedup_is_the_median_of_same_round_ratios():
    # Round 2 ran on a slowed-down machine: both variants took 10x longer.
    base = [4.0, 40.0, 3.0]
    fast = [1.0, 10.0, 2.0]
    # Ratios 4, 4, 1.5 -> median 4; the ratio of medians would be 4 / 2 = 2.
    assert benchmarks.paired_speedup(base, fast) == 4.0


def test_interleaved_times_calls_every_variant_once_per_round_in_turn():
    calls = []
    variants = {"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}
    times = benchmarks.interleaved_times(variants, rounds=3, warmup=1)
    assert calls == ["a", "b"] + ["a", "b"] * 3
    assert {name: len(ts) for name, ts in times.items()} == {"a": 3, "b": 3}
    assert all(t >= 0 for ts in times.values() for t in ts)


def test_uconv_benchmark_rows_cover_every_stage_and_the_total():
    config = benchmarks.LayerBenchConfig(
        batch=2, stages=((4, 8, 16), (8, 16, 3)), implementations=("auto", "phases"),
        rounds=2)
    rows = benchmarks.uconv_benchmark(config)
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
    result = subprocess.run([sys.executable, "-m", "experiments.bench_layers", flag],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "must be positive" in result.stderr
    assert "Traceback" not in result.stderr
