"""`experiments.bench_train`'s comparison: one Adam step of the 64x64 2s-E
chairs generator with the default precision and with float32 (and XLA),
against the PyTorch peer in float32 and with bfloat16 autocast, in
interleaved rounds; one JSON line per variant, then the ratios."""

import json
import os
import statistics

import tensorflow as tf

from gen.benchmarks import timing, train_speed
from gen.training import runtime, train_config


def compare(bench):
    """Times the variants of a `bench_config.TrainBenchConfig` and prints
    their JSON lines and ratios."""
    config = train_config.TrainConfig(
        resolution=64, variant="2s-E", num_transform=bench.transform
    )
    default_policy, reason = runtime.resolve_precision("auto")
    print(f"default precision: {default_policy} ({reason})", flush=True)
    variants = {}
    keras_settings = [("default", default_policy, False), ("float32", "float32", False)]
    if bench.xla:
        keras_settings += [
            ("default+xla", default_policy, True),
            ("float32+xla", "float32", True),
        ]
    models = {}
    for name, policy, jit in keras_settings:
        step, models[name] = train_speed.keras_train_step(
            config, bench.classes, bench.transform, bench.batch, policy, jit
        )
        for _ in range(3):  # trace, compile, warm up
            step()
        variants[name] = step
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
    times = {name: [] for name in variants}
    peers = {}
    for _ in range(bench.rounds):
        for name, step in variants.items():
            times[name].append(
                statistics.median(
                    timing.interleaved_medians(
                        {name: step}, rounds=bench.steps, warmup=1
                    )[name]
                    for _ in range(1)
                )
            )
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
    macs = train_speed.generator_forward_macs(models["default"])
    step_flops = 2 * 3 * macs * bench.batch
    peak = {
        "bfloat16": train_speed.matmul_flops_per_second(tf.bfloat16),
        "float32": train_speed.matmul_flops_per_second(tf.float32),
    }
    medians = {name: statistics.median(ts) for name, ts in times.items()}
    for name, seconds in medians.items():
        bf16 = name.startswith("pytorch bf16") or (
            name.startswith("default") and default_policy == "mixed_bfloat16"
        )
        if name in peers:
            record = dict(peers[name][0])
            record["step_s"] = round(seconds, 4)
            record["images_per_s"] = round(bench.batch / seconds, 1)
        else:
            record = {
                "peer": "keras",
                "tensorflow": tf.__version__,
                "batch": bench.batch,
                "bf16": bf16,
                "compile": name.endswith("xla"),
                "threads": tf.config.threading.get_intra_op_parallelism_threads()
                or os.cpu_count(),
                "params": models["default"].count_params(),
                "step_s": round(seconds, 4),
                "images_per_s": round(bench.batch / seconds, 1),
            }
        peak_flops = peak["bfloat16" if bf16 else "float32"]
        record["variant"] = name
        record["flops_per_step"] = step_flops
        record["matmul_peak_gflops"] = round(peak_flops / 1e9, 1)
        record["share_of_matmul_peak"] = round(step_flops / seconds / peak_flops, 3)
        print(json.dumps(record), flush=True)
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
