"""Where a TensorFlow step's time goes, op by op: TensorFlow's profiler
around a few calls, its trace read back into milliseconds per op type.

Run with one inter-op thread (`tf.config.threading`) the ops execute one
after another, so their times add up to the step's and each is what it
costs alone; with more, ops overlap and share the cores.
"""

import collections
import dataclasses
import glob
import os
import tempfile

import tensorflow as tf


@dataclasses.dataclass(frozen=True)
class OpTimes:
    """Per call of the profiled function: milliseconds and executions of
    each op type, most costly first."""

    ms: dict
    counts: dict


def _op_type(event_name):
    # An executed op's event is named "<op name>:<op type>"; the runtime's
    # own spans are "Class::Method" ("ExecutorState::Process", the thread
    # pool's "ThreadpoolListener::StartRegion"), not ops.
    if ":" not in event_name or "::" in event_name:
        return None
    op_type = event_name.rsplit(":", 1)[1]
    # Op types are CamelCase, or oneDNN's rewrites ("_MklMatMul").
    if " " in op_type or not (op_type[:1].isupper() or op_type.startswith("_")):
        return None
    return op_type


def _read_trace(logdir):
    # The profiler's XSpace protocol buffer, as TensorBoard's profile plug-in
    # reads it; TensorFlow ships its Python module.
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    paths = glob.glob(os.path.join(logdir, "**", "*.xplane.pb"), recursive=True)
    if len(paths) != 1:
        raise RuntimeError(f"expected one profiler trace in {logdir}, found {paths}")
    space = xplane_pb2.XSpace()
    with open(paths[0], "rb") as f:
        space.ParseFromString(f.read())
    return space


def op_times(fn, calls):
    """`OpTimes` of `calls` calls of the zero-argument callable `fn` (warm
    it first: tracing and first-call set-up would be counted)."""
    with tempfile.TemporaryDirectory() as logdir:
        tf.profiler.experimental.start(logdir)
        try:
            for _ in range(calls):
                result = fn()
            tf.nest.map_structure(
                lambda t: t.numpy() if hasattr(t, "numpy") else t, result
            )
        finally:
            tf.profiler.experimental.stop()
        space = _read_trace(logdir)
    ms = collections.Counter()
    counts = collections.Counter()
    for plane in space.planes:
        for line in plane.lines:
            for event in line.events:
                op_type = _op_type(plane.event_metadata[event.metadata_id].name)
                if op_type:
                    ms[op_type] += event.duration_ps / 1e9 / calls
                    counts[op_type] += 1
    return OpTimes(
        ms=dict(ms.most_common()),
        counts={op: n / calls for op, n in counts.items()},
    )
