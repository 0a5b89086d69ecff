"""The layers' speed behind `experiments.bench_layers`, on the running Keras
backend: `UnpoolConv2D` against the explicit `FixedCornerUnpooling2D` +
`Conv2D` pair on the chairs generator's stages, and switch pooling +
unpooling against the backend's own recipe (`backends.native_switch_recipe`),
forward + backward, timed side by side (`gen.benchmarks.timing`)."""

import dataclasses
import statistics
import sys

from gen.benchmarks import backends, per_backend
from gen.benchmarks.per_backend import SUMMARY
from gen.benchmarks.timing import format_table, interleaved_times, paired_speedup
from gen.errors import UserError

CHAIRS_RGB_STAGES = ((8, 256, 256), (16, 256, 92), (32, 92, 3))
CHAIRS_MASK_STAGES = ((8, 128, 92), (16, 92, 32), (32, 32, 1))

PAIR = "explicit pair"
FUSED = "UnpoolConv2D"
ALL_STAGES = "all stages"
ALL_SHAPES = "all shapes"
SWITCHES = "switch layers"


@dataclasses.dataclass(frozen=True)
class LayerBenchConfig:
    batch: int = 64
    stages: tuple = CHAIRS_RGB_STAGES  # (height, in_channels, filters)
    kernel_size: int = 5
    dtype: str = "float32"
    jit_compile: bool = False
    implementations: tuple = ("auto", "phases", "subpixel", "transpose")
    rounds: int = 7
    switch_pool: bool = True


IMPLEMENTATIONS = LayerBenchConfig.implementations


def bench_config(
    batch,
    rounds,
    dtype="float32",
    jit_compile=False,
    mask_stages=False,
    switch_pool=True,
    implementations=IMPLEMENTATIONS,
    channel_scale=1.0,
):
    """The config of `experiments.bench_layers`' flags, checked (a
    one-paragraph `UserError`): the chairs' RGB stages (and the mask
    branch's), their channels scaled by `channel_scale` (at least 1)."""
    if batch < 1 or rounds < 1:
        raise UserError("--batch and --rounds must be positive integers.")
    unknown = [i for i in implementations if i not in IMPLEMENTATIONS]
    if unknown or not implementations:
        raise UserError(
            f"--implementations must name one or more of "
            f"{', '.join(IMPLEMENTATIONS)}, separated by commas; got "
            f"{','.join(implementations)!r}."
        )
    if not channel_scale > 0:
        raise UserError(f"--channel_scale must be positive, got {channel_scale}.")
    stages = CHAIRS_RGB_STAGES + (CHAIRS_MASK_STAGES if mask_stages else ())
    stages = tuple(
        (h, *(max(1, round(c * channel_scale)) for c in channels))
        for h, *channels in stages
    )
    return LayerBenchConfig(
        batch=batch,
        stages=stages,
        dtype=dtype,
        jit_compile=jit_compile,
        implementations=tuple(implementations),
        rounds=rounds,
        switch_pool=switch_pool,
    )


def _rows(label, times, base_name, rows, totals):
    """Appends one row per variant (median ms, same-round speed-up over
    `base_name`) and adds each round's time to the variant's running total
    (round r of every stage adds up to round r of the whole stack)."""
    base = times[base_name]
    for name, ts in times.items():
        rows.append(
            (
                label,
                name,
                f"{statistics.median(ts) * 1e3:.1f}",
                f"{paired_speedup(base, ts):.2f}x",
            )
        )
        key = name.split(" (auto=")[0]
        totals[key] = [a + b for a, b in zip(totals.get(key, [0.0] * len(ts)), ts)]


def _total_rows(label, totals, base_name, rows):
    base = totals[base_name]
    for name, ts in totals.items():
        rows.append(
            (
                label,
                name,
                f"{statistics.median(ts) * 1e3:.1f}",
                f"{paired_speedup(base, ts):.2f}x",
            )
        )


def uconv_benchmark(config):
    """Rows ``(stage, variant, ms, speed-up over the explicit pair)``.

    Forward + backward (gradients for the input and every weight) of one
    stage at a time; the last rows add the stages up.
    """
    import keras

    import layers

    rows, totals = [], {}
    for height, channels, filters in config.stages:
        x = backends.random_input(
            (config.batch, height, height, channels), height, config.dtype
        )
        unpool = layers.FixedCornerUnpooling2D(2, dtype=config.dtype)
        conv = keras.layers.Conv2D(
            filters, config.kernel_size, padding="same", dtype=config.dtype
        )
        conv.build((None, 2 * height, 2 * height, channels))
        variants = {
            PAIR: backends.grad_step(
                lambda t, conv=conv, unpool=unpool: conv(unpool(t)),
                x,
                conv.trainable_variables,
                config.jit_compile,
            )
        }
        for implementation in config.implementations:
            fused = layers.UnpoolConv2D(
                filters,
                config.kernel_size,
                implementation=implementation,
                dtype=config.dtype,
            )
            fused.build(tuple(x.shape))
            fused.set_weights(conv.get_weights())
            label = implementation
            if implementation == "auto":
                label = f"{FUSED} (auto={fused.resolved_implementation})"
            variants[label] = backends.grad_step(
                fused, x, fused.trainable_variables, config.jit_compile
            )
        times = interleaved_times(variants, rounds=config.rounds)
        _rows(f"{height}x{height}x{channels}->{filters}", times, PAIR, rows, totals)
    _total_rows(ALL_STAGES, totals, PAIR, rows)
    return rows


def switch_benchmark(config):
    """Rows ``(shape, variant, ms, speed-up over the native recipe)``: 2x2
    max pooling with switches, then switch unpooling, forward + backward,
    against the running backend's own recipe; the last rows add the shapes
    up."""
    import layers

    backend = backends.name()
    rows, totals = [], {}
    native = None
    for height, channels, _ in config.stages:
        shape = (config.batch, 2 * height, 2 * height, channels)
        x = backends.random_input(shape, 1000 + height, config.dtype)
        pool = layers.MaxPoolingWithSwitches2D(2, dtype=config.dtype)
        unpool = pool.matching_unpooling(dtype=config.dtype)

        def ours(t, pool=pool, unpool=unpool):
            return unpool(*pool(t))

        native, recipe = backends.native_switch_recipe(shape)
        # The native recipe runs as the backend runs by default (TensorFlow's
        # max_pool_with_argmax has no XLA kernel).
        variants = {native: backends.grad_step(recipe, x, [], False)}
        for suffix, jit_compile in backends.SWITCH_MODES[backend]:
            if backends.skip_reason(SWITCHES + suffix, config.dtype) is None:
                variants[SWITCHES + suffix] = backends.grad_step(
                    ours, x, [], jit_compile
                )
        times = interleaved_times(variants, rounds=config.rounds)
        _rows("x".join(map(str, shape[1:])), times, native, rows, totals)
    _total_rows(ALL_SHAPES, totals, native, rows)
    return rows


def summary(uconv_rows, switch_rows=None):
    """One line: the fused layer over the explicit pair over all stages, and
    each switch variant over the native recipe over all shapes."""
    backend = backends.name()
    fused = next(r[3] for r in uconv_rows if r[:2] == (ALL_STAGES, FUSED))
    line = f"{SUMMARY} {backend}: {FUSED} {fused} over the explicit pair ({ALL_STAGES})"
    if switch_rows:
        native = backends.NATIVE_SWITCH_RECIPES[backend]
        ours = [
            f"{r[1]} {r[3]}"
            for r in switch_rows
            if r[0] == ALL_SHAPES and r[1] != native
        ]
        line += f"; {', '.join(ours)} over the native recipe, {native} ({ALL_SHAPES})"
    return line


def _versions(backend):
    import importlib

    import keras

    module = importlib.import_module(backend)
    return f"Keras {keras.__version__}, {backend} {module.__version__}"


def report(config, out=print):
    """Prints the tables and the summary line of the running backend."""
    backend = backends.name()
    out(f"== {backend} ({_versions(backend)}) ==", flush=True)
    out(
        f"{FUSED} vs FixedCornerUnpooling2D + Conv2D, "
        f"{config.kernel_size}x{config.kernel_size} kernels, batch "
        f"{config.batch}, {config.dtype}, forward + backward, "
        f"{backends.execution(config.jit_compile)}, median of "
        f"{config.rounds} interleaved rounds",
        flush=True,
    )
    uconv_rows = uconv_benchmark(config)
    out(format_table(("stage", "variant", "ms", "speed-up"), uconv_rows), flush=True)
    switch_rows = None
    if config.switch_pool:
        out(
            f"\nMax pooling 2x2 with switches + switch unpooling vs "
            f"{backends.NATIVE_SWITCH_RECIPES[backend]}, batch "
            f"{config.batch}, {config.dtype}, forward + backward",
            flush=True,
        )
        switch_rows = switch_benchmark(config)
        out(
            format_table(("pooled input", "variant", "ms", "speed-up"), switch_rows),
            flush=True,
        )
        for suffix, _ in backends.SWITCH_MODES[backend]:
            reason = backends.skip_reason(SWITCHES + suffix, config.dtype)
            if reason:
                out(
                    f"({SWITCHES + suffix}: skipped in {config.dtype}: {reason}.)",
                    flush=True,
                )
    out(summary(uconv_rows, switch_rows), flush=True)


def run(settings, argv):
    """`experiments.bench_layers`: the tables of a
    `bench_config.LayersBenchConfig` on this process' backend, or on each
    of its --backends in its own process (`argv`, the script's flags,
    passed on), then their summaries together."""
    chosen = per_backend.check_backends(list(settings.backends))
    config = bench_config(
        batch=settings.batch,
        rounds=settings.rounds,
        dtype=settings.dtype,
        jit_compile=settings.jit_compile,
        mask_stages=settings.mask_stages,
        switch_pool=settings.switches,
        implementations=list(settings.implementations),
        channel_scale=settings.channel_scale,
    )
    if chosen == (per_backend.running(),):
        report(config)
        return
    code, summaries = per_backend.run_each("experiments.bench_layers", chosen, argv)
    if code:
        sys.exit(code)
    if len(summaries) > 1:
        print("\n" + "\n".join(summaries))
