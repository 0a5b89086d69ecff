"""How close a training step comes to the machine's limit: what
`experiments.bench_train` prints for each precision.

The limit is the convolution peak: the FLOP/s that oneDNN's forward
convolution reaches on the generator's own uconv shapes, in the step's
compute dtype, timed in the same interleaved rounds as the steps
(`gen.benchmarks.timing`). A step's share of it is taken round by round
(the step's FLOP/s over the best convolution's in that round), so that the
drift of a shared machine between rounds cancels; the figures printed are
medians over rounds. Pure arithmetic on times: no TensorFlow.
"""

import dataclasses
import statistics

from gen.benchmarks import timing

# The PyTorch peer variant that runs in each precision.
PEER_OF = {"bfloat16": "pytorch bf16 autocast", "float32": "pytorch float32"}


@dataclasses.dataclass(frozen=True)
class PeakConvolution:
    """One convolution of the peak: its dtype ("bfloat16", "float32"), its
    FLOPs per call and its seconds in each round."""

    dtype: str
    flops: int
    times: list


@dataclasses.dataclass(frozen=True)
class PrecisionFigures:
    """A step variant against its precision's peak (medians over rounds;
    `share_range`: the lowest and highest share in one round)."""

    variant: str
    dtype: str
    step_s: float
    gflops: float
    peak_gflops: float
    peak_convolution: str
    share_of_peak: float
    share_range: tuple
    peer: str | None
    speedup_over_peer: float | None


def peak_per_round(convolutions, dtype):
    """FLOP/s of the best `dtype` convolution in each round, and the name
    of the convolution that is best in most rounds."""
    chosen = {n: c for n, c in convolutions.items() if c.dtype == dtype}
    rounds = len(next(iter(chosen.values())).times)
    best = [
        max(chosen, key=lambda n, r=r: chosen[n].flops / chosen[n].times[r])
        for r in range(rounds)
    ]
    peaks = [chosen[n].flops / chosen[n].times[r] for r, n in enumerate(best)]
    return peaks, statistics.mode(best)


def figures(variant, dtype, step_times, flops, convolutions, peer_times=None):
    """`PrecisionFigures` of one step variant in `dtype` from its seconds per
    round, its FLOPs per step, the `PeakConvolution`s by name, and the
    PyTorch peer's seconds per round by variant name (if any)."""
    peaks, best = peak_per_round(convolutions, dtype)
    shares = [flops / t / p for t, p in zip(step_times, peaks)]
    peer = PEER_OF[dtype] if peer_times and PEER_OF[dtype] in peer_times else None
    return PrecisionFigures(
        variant=variant,
        dtype=dtype,
        step_s=statistics.median(step_times),
        gflops=flops / statistics.median(step_times) / 1e9,
        peak_gflops=statistics.median(peaks) / 1e9,
        peak_convolution=best,
        share_of_peak=statistics.median(shares),
        share_range=(min(shares), max(shares)),
        peer=peer,
        speedup_over_peer=(
            timing.paired_speedup(peer_times[peer], step_times) if peer else None
        ),
    )


def flops_line(forward_flops_per_image, batch):
    """The step's FLOPs, as counted: forward per image, x3, x batch."""
    step = 3 * forward_flops_per_image * batch
    return (
        f"one step: {step / 1e9:.1f} GFLOP ({forward_flops_per_image / 1e6:.1f} "
        f"MFLOP forward per image x 3 (forward, input and weight gradients) "
        f"x batch {batch})"
    )


def line(fig):
    """One precision's figures in one line."""
    text = (
        f"{fig.variant} ({fig.dtype}): step {fig.step_s * 1e3:.0f} ms, "
        f"{fig.gflops:.1f} GFLOP/s = {fig.share_of_peak:.0%} of the {fig.dtype} "
        f"convolution peak ({fig.peak_gflops:.1f} GFLOP/s, {fig.peak_convolution}; "
        f"rounds {fig.share_range[0]:.0%}-{fig.share_range[1]:.0%})"
    )
    if fig.peer:
        text += f"; {fig.speedup_over_peer:.2f}x {fig.peer}"
    return text


def is_compute(op_type):
    """Whether a TensorFlow op type is a convolution or a matrix product
    (oneDNN's ``_MklNativeConv2D``, ``_MklMatMul``, ...): the ops whose
    FLOPs `train_speed.step_flops` counts."""
    return "Conv2D" in op_type or "MatMul" in op_type


def breakdown_lines(fig, op_ms, flops, shown=8):
    """Where one step variant's time goes, op by op, against its peak.

    `fig`: the variant's `PrecisionFigures`; `op_ms`: milliseconds per op
    type of one step, the ops run one at a time (`op_profile.op_times`);
    `flops`: the step's. The first line gives the share of the peak the
    ops' sum, the convolutions and matrix products alone, and those with
    the optimiser's update (``ResourceApply*``) would reach, each at the
    median peak; the second the other ops, most costly first.
    """
    peak = fig.peak_gflops * 1e9

    def share(ms):
        return f"{flops / (ms / 1e3) / peak:.0%}"

    compute = update = 0.0
    others = []
    for op, t in op_ms.items():
        if is_compute(op):
            compute += t
        elif op.startswith("ResourceApply"):
            update += t
        else:
            others.append((t, op))
    others.sort(reverse=True)
    total = sum(op_ms.values())
    return [
        f"{fig.variant} ({fig.dtype}) op by op: {total:.1f} ms = {share(total)} "
        f"of the peak; convolutions and matrix products {compute:.1f} ms, "
        f"{share(compute)} alone; with the optimiser's update ({update:.1f} "
        f"ms) {share(compute + update)}",
        f"  the other ops, {total - compute - update:.1f} ms: "
        + ", ".join(f"{op} {t:.1f}" for t, op in others[:shown]),
    ]
