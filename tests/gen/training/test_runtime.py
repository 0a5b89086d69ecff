"""What "auto" resolves to, with the device list patched (the same answers
on a machine with or without a GPU)."""

import tensorflow as tf

from gen.training import runtime


class _Gpu:
    """What tf.config.list_physical_devices("GPU") returns, for the tests."""

    name = "/physical_device:GPU:0"
    device_type = "GPU"


def _devices(monkeypatch, gpus, capability=(9, 0)):
    real = tf.config.list_physical_devices

    def listed(kind=None):
        return (
            list(gpus)
            if kind == "GPU"
            else [d for d in real(kind) if d.device_type != "GPU"]
        )

    monkeypatch.setattr(tf.config, "list_physical_devices", listed)
    monkeypatch.setattr(
        tf.config.experimental,
        "get_device_details",
        lambda device: {"compute_capability": capability},
    )


def test_auto_precision_on_cpus(monkeypatch):
    _devices(monkeypatch, [])
    monkeypatch.setattr(runtime, "_cpu_flags", lambda: {"avx512f", "amx_bf16"})
    assert runtime.resolve_precision("auto")[0] == "mixed_bfloat16"
    monkeypatch.setattr(runtime, "_cpu_flags", lambda: {"avx2"})
    assert runtime.resolve_precision("auto") == (
        "float32",
        "CPU without bfloat16 instructions",
    )
    assert runtime.resolve_precision("float32") == ("float32", "set by --precision")


def test_auto_precision_on_gpus(monkeypatch):
    _devices(monkeypatch, [_Gpu()], capability=(8, 0))
    assert runtime.resolve_precision("auto") == (
        "mixed_bfloat16",
        "GPU with bfloat16 tensor cores",
    )
    _devices(monkeypatch, [_Gpu()], capability=(7, 5))
    assert runtime.resolve_precision("auto") == (
        "float32",
        "GPU without bfloat16 tensor cores",
    )


def test_auto_jit(monkeypatch):
    _devices(monkeypatch, [])
    assert runtime.resolve_jit("auto")[0] is False
    _devices(monkeypatch, [_Gpu()])
    assert runtime.resolve_jit("auto") == (True, "GPU: XLA fuses the elementwise work")
    assert runtime.resolve_jit("true") == (True, "set by --jit_compile")
    assert runtime.resolve_jit("false") == (False, "set by --jit_compile")
