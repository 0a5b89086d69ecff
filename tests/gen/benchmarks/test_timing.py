"""Side-by-side timing: same-round ratios and interleaved rounds."""

from gen.benchmarks import timing


def test_paired_speedup_is_the_median_of_same_round_ratios():
    # Round 2 ran on a slowed-down machine: both variants took 10x longer.
    base = [4.0, 40.0, 3.0]
    fast = [1.0, 10.0, 2.0]
    # Ratios 4, 4, 1.5 -> median 4; the ratio of medians would be 4 / 2 = 2.
    assert timing.paired_speedup(base, fast) == 4.0


def test_interleaved_times_calls_every_variant_once_per_round_in_turn():
    calls = []
    variants = {"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}
    times = timing.interleaved_times(variants, rounds=3, warmup=1)
    assert calls == ["a", "b"] + ["a", "b"] * 3
    assert {name: len(ts) for name, ts in times.items()} == {"a": 3, "b": 3}
    assert all(t >= 0 for ts in times.values() for t in ts)
