"""`experiments.bench_train`'s comparison: one Adam step of the 64x64 2s-E
chairs generator with the default precision and with float32 (and XLA),
against the machine's convolution peak in each precision and the PyTorch
peer in float32 and with bfloat16 autocast, in interleaved rounds; one JSON
line per variant, then each precision's share of the peak and the
ratios."""

import json
import os
import statistics

import tensorflow as tf

from gen.benchmarks import op_profile, step_limit, timing, train_speed
from gen.training import runtime, train_config


def _keras_variants(bench, config, default_policy):
    """``{name: (step, model, dtype)}``: the Keras steps, traced and warm."""
    settings = [("default", default_policy, False), ("float32", "float32", False)]
    if bench.xla:
        settings += [
            ("default+xla", default_policy, True),
            ("float32+xla", "float32", True),
        ]
    variants = {}
    for name, policy, jit in settings:
        step, model = train_speed.keras_train_step(
            config, bench.classes, bench.transform, bench.batch, policy, jit
        )
        for _ in range(3):  # trace, compile, warm up
            step()
        dtype = "bfloat16" if policy == "mixed_bfloat16" else "float32"
        variants[name] = (step, model, dtype)
    return variants


def _peak_convolutions(model, batch, dtypes):
    """``{name: (fn, flops, dtype)}``: the generator's uconv convolutions in
    each compute dtype the steps use, warm."""
    shapes = train_speed.uconv_convolutions(model, batch)
    convolutions = {}
    for dtype in dtypes:
        for name, (fn, flops) in train_speed.conv_peak_variants(
            shapes, tf.as_dtype(dtype)
        ).items():
            fn()
            convolutions[name] = (fn, flops, dtype)
    return convolutions


def _median_time(fn, calls):
    return timing.interleaved_medians({"fn": fn}, rounds=calls, warmup=0)["fn"]


def compare(bench):
    """Times the variants of a `bench_config.TrainBenchConfig` and prints
    their JSON lines, each precision's share of the convolution peak and
    the ratios."""
    config = train_config.TrainConfig(
        resolution=64, variant="2s-E", num_transform=bench.transform
    )
    if bench.profile:
        # Ops one at a time: a profiled op's time is then its own, and the
        # ops' times add up to the step's. Set before TensorFlow starts.
        tf.config.threading.set_inter_op_parallelism_threads(1)
        print("ops run one at a time (--profile): one inter-op thread", flush=True)
    default_policy, reason = runtime.resolve_precision("auto")
    print(f"default precision: {default_policy} ({reason})", flush=True)
    variants = _keras_variants(bench, config, default_policy)
    model = variants["default"][1]
    convolutions = _peak_convolutions(
        model, bench.batch, sorted({dtype for _, _, dtype in variants.values()})
    )
    peer_args = [
        "--batch",
        str(bench.batch),
        "--classes",
        str(bench.classes),
        "--transform",
        str(bench.transform),
        "--steps",
        str(bench.steps),
    ]
    times = {name: [] for name in list(variants) + list(convolutions)}
    peers = {}
    for _ in range(bench.rounds):
        # Each round: every step `steps` times, every peak convolution as
        # often, then the peers; medians per round.
        for name, (step, _, _) in variants.items():
            times[name].append(_median_time(step, bench.steps))
        for name, (fn, _, _) in convolutions.items():
            times[name].append(_median_time(fn, bench.steps))
        if bench.torch_python:
            for name, extra in (
                ("pytorch float32", []),
                ("pytorch bf16 autocast", ["--bf16"]),
            ):
                line = timing.run_peer(
                    bench.torch_python, bench.peer_script, peer_args + extra
                )
                peers.setdefault(name, []).append(line)
                times.setdefault(name, []).append(line["step_s"])
    forward_flops = 2 * train_speed.generator_forward_macs(model)
    step_flops = train_speed.step_flops(model, bench.batch)
    peak = {
        name: step_limit.PeakConvolution(dtype, flops, times[name])
        for name, (_, flops, dtype) in convolutions.items()
    }
    peer_times = {name: times[name] for name in peers}
    figures = {
        name: step_limit.figures(name, dtype, times[name], step_flops, peak, peer_times)
        for name, (_, _, dtype) in variants.items()
    }
    medians = {
        name: statistics.median(times[name]) for name in list(variants) + list(peers)
    }
    for name, seconds in medians.items():
        if name in peers:
            record = dict(peers[name][0])
            record["step_s"] = round(seconds, 4)
            record["images_per_s"] = round(bench.batch / seconds, 1)
        else:
            fig = figures[name]
            record = {
                "peer": "keras",
                "tensorflow": tf.__version__,
                "batch": bench.batch,
                "bf16": fig.dtype == "bfloat16",
                "compile": name.endswith("xla"),
                "threads": tf.config.threading.get_intra_op_parallelism_threads()
                or os.cpu_count(),
                "params": model.count_params(),
                "step_s": round(seconds, 4),
                "images_per_s": round(bench.batch / seconds, 1),
                "gflops": round(fig.gflops, 1),
                "conv_peak_gflops": round(fig.peak_gflops, 1),
                "share_of_conv_peak": round(fig.share_of_peak, 3),
                "share_range": [round(v, 3) for v in fig.share_range],
            }
        record["variant"] = name
        record["flops_per_step"] = step_flops
        print(json.dumps(record), flush=True)
    print(step_limit.flops_line(forward_flops, bench.batch))
    for fig in figures.values():
        print(step_limit.line(fig))
    if bench.profile:
        for name, (step, _, _) in variants.items():
            if not name.endswith("xla"):  # XLA runs the step as one op
                ms = op_profile.op_times(step, bench.steps).ms
                for text in step_limit.breakdown_lines(figures[name], ms, step_flops):
                    print(text, flush=True)
    if "pytorch float32" in medians:
        torch32 = medians["pytorch float32"]
        print(
            f"default step vs PyTorch float32: {torch32 / medians['default']:.2f}x "
            "faster (target >= 1.5x)"
        )
        print(
            f"default step vs PyTorch bf16 autocast: "
            f"{medians['pytorch bf16 autocast'] / medians['default']:.2f}x "
            "faster (target > 1x)"
        )
        print(
            f"float32 step vs PyTorch float32: "
            f"{torch32 / medians['float32']:.2f}x (target >= 1x)"
        )
