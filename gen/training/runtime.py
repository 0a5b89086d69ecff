"""What "auto" means on this machine: `resolve_precision` and
`resolve_jit` turn --precision and --jit_compile into a choice and the
reason for it (logged at the start of every run)."""

import tensorflow as tf


def _cpu_flags():
    """The CPU's feature flags; empty where /proc/cpuinfo is unreadable."""
    try:
        with open("/proc/cpuinfo") as f:
            lines = f.readlines()
    except OSError:
        return set()
    for line in lines:
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def resolve_precision(choice):
    """``(policy name, reason)`` for --precision."""
    if choice != "auto":
        return choice, "set by --precision"
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        details = tf.config.experimental.get_device_details(gpus[0])
        major = (details.get("compute_capability") or (0, 0))[0]
        if major >= 8:
            return "mixed_bfloat16", "GPU with bfloat16 tensor cores"
        return "float32", "GPU without bfloat16 tensor cores"
    flags = _cpu_flags()
    if flags & {"amx_bf16", "avx512_bf16"}:
        return "mixed_bfloat16", (
            "CPU has "
            + "/".join(sorted(flags & {"amx_bf16", "avx512_bf16"}))
            + ": bfloat16 matmuls and convolutions run faster than float32"
        )
    return "float32", "CPU without bfloat16 instructions"


def resolve_jit(choice):
    """``(jit_compile, reason)`` for --jit_compile."""
    if choice != "auto":
        return choice == "true", "set by --jit_compile"
    if tf.config.list_physical_devices("GPU"):
        return True, "GPU: XLA fuses the elementwise work"
    return False, (
        "CPU: TensorFlow's oneDNN kernels beat XLA's CPU code "
        "for this network (experiments.bench_train)"
    )
