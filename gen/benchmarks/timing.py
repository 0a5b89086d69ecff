"""Side-by-side timing: variants measured in interleaved rounds in one process.

A machine shared with other tenants drifts in speed from minute to minute,
so a benchmark never compares timings taken at different moments: every
round runs each variant once, in turn. Times are per-variant medians over
rounds; a speed-up is the median over rounds of the ratio of two variants'
times in the same round, so that drift between rounds cancels.
"""

import json
import statistics
import subprocess
import sys
import time


def _leaves(result):
    if isinstance(result, (list, tuple)):
        for item in result:
            yield from _leaves(item)
    elif isinstance(result, dict):
        for item in result.values():
            yield from _leaves(item)
    elif result is not None:
        yield result


def _block(result):
    """Waits until every array in `result` is computed, on any backend
    (TensorFlow, JAX and PyTorch on a GPU run asynchronously)."""
    for leaf in _leaves(result):
        if hasattr(leaf, "block_until_ready"):  # JAX
            leaf.block_until_ready()
        elif hasattr(leaf, "is_cuda"):  # PyTorch: CPU work is synchronous
            if leaf.is_cuda:
                sys.modules["torch"].cuda.synchronize(leaf.device)
        elif hasattr(leaf, "numpy"):  # TensorFlow
            leaf.numpy()


def interleaved_times(variants, rounds=7, warmup=2):
    """Seconds per call of each zero-argument callable, one list per variant.

    `variants` maps names to callables returning tensors of any backend (or
    nests of them); every round calls each once, in turn, so
    ``times[a][r]`` and ``times[b][r]`` were taken moments apart. Each call
    waits for its results, so that asynchronous work is counted.
    """
    for fn in variants.values():
        for _ in range(warmup):
            _block(fn())
    times = {name: [] for name in variants}
    for _ in range(rounds):
        for name, fn in variants.items():
            start = time.perf_counter()
            _block(fn())
            times[name].append(time.perf_counter() - start)
    return times


def interleaved_medians(variants, rounds=7, warmup=2):
    """Median seconds per call of each variant (see `interleaved_times`)."""
    times = interleaved_times(variants, rounds, warmup)
    return {name: statistics.median(ts) for name, ts in times.items()}


def paired_speedup(base_times, times):
    """Median over rounds of ``base / time``, both taken in the same round."""
    return statistics.median(b / t for b, t in zip(base_times, times))


def format_table(header, rows):
    """Plain-text table; columns sized to their widest cell."""
    cells = [list(map(str, header))] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def run_peer(python, script, args):
    """Runs the PyTorch peer script; returns its JSON line as a dict."""
    out = subprocess.run(
        [python, script] + args, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])
