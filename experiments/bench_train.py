"""Step time of the 64x64 chairs generator, side by side with PyTorch.

    python -m experiments.bench_train --torch_python=.venv/bin/python

Times one Adam training step of the authors' 2s-E network (batch 64, 809
classes, 8 transform parameters) as `experiments.train` runs it, with the
default precision (--precision=auto) and with float32, and, when a Python
with PyTorch is given (`.venv` has it with the test extras), the PyTorch
peer `gen/benchmarks/peers/torch_chairs.py` (the same network, loss and
optimiser) in float32 and with bfloat16 autocast, in interleaved rounds.
Prints one JSON line per variant (the peer's fields, plus the share of the
machine's matmul FLOP/s), then the ratios.
"""

import json
import os
import statistics

from gen import cli, settings
from gen.benchmarks import bench_config
from gen.benchmarks.peers import TORCH_CHAIRS
from gen.errors import UserError

_BENCH = settings.define_flags(bench_config.TrainBenchConfig)


def main(argv):
    cli.check_no_arguments(argv)
    bench = _BENCH.config()  # checks the values before TensorFlow loads
    peer_script = bench.peer or TORCH_CHAIRS
    if bench.torch_python and not os.path.isfile(peer_script):
        raise UserError(
            f"--peer {peer_script!r} is not a file; point it at the "
            "repository's gen/benchmarks/peers/torch_chairs.py or leave it out."
        )
    import tensorflow as tf

    from gen.benchmarks import timing, train_speed
    from gen.training import runtime, train_config

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
                    bench.torch_python, peer_script, peer_args + extra
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


if __name__ == "__main__":
    cli.run(main)
