"""Feeding a chairs generator and drawing with it: its input dict from chair
ids and angles, running it on numpy arrays in batches, chairs on white at
any views, turntables.

The generator takes ``{"class": (N, num_classes), "view": (N, 4),
"transform": (N, num_transform)}`` (`gen.models.chairs_generator`); these
helpers build that from chair ids (or class mixtures) and view angles in
degrees, and return its outputs as float32 numpy arrays.
"""

import keras
import numpy as np

from gen.errors import UserError
from gen.pictures import atomic_files, grids

DEFAULT_ELEVATION = 20.0


def view_vectors(azimuths, elevations):
    """[sin az, cos az, sin el, cos el] of angles in degrees: (N, 4) float32."""
    az = np.deg2rad(np.asarray(azimuths, np.float64))
    el = np.deg2rad(np.asarray(elevations, np.float64))
    az, el = np.broadcast_arrays(az, el)
    return np.stack([np.sin(az), np.cos(az), np.sin(el), np.cos(el)], axis=-1).astype(
        np.float32
    )


def one_hot(chair_ids, num_classes):
    ids = np.asarray(chair_ids, np.int64)
    if ids.size and (ids.min() < 0 or ids.max() >= num_classes):
        raise UserError(
            f"Chair ids must be in 0..{num_classes - 1}, got "
            f"{sorted(set(ids[(ids < 0) | (ids >= num_classes)].tolist()))}."
        )
    return np.eye(num_classes, dtype=np.float32)[ids]


def generator_inputs(model, *, classes, azimuths, elevations, transforms=None):
    """The input dict of `model` for N images.

    Args:
        model: a chairs generator (its inputs say num_classes and whether it
            takes a transform).
        classes: (N, num_classes) class vectors (one-hot or mixtures) or (N,)
            chair ids.
        azimuths, elevations: degrees, broadcast to N.
        transforms: (N, num_transform) theta, default zeros (no
            transformation).
    """
    num_classes = model.input["class"].shape[-1]
    classes = np.asarray(classes)
    if classes.ndim == 1:
        classes = one_hot(classes, num_classes)
    n = classes.shape[0]
    views = view_vectors(
        np.broadcast_to(azimuths, (n,)), np.broadcast_to(elevations, (n,))
    )
    inputs = {"class": classes.astype(np.float32), "view": views}
    if "transform" in model.input:
        width = model.input["transform"].shape[-1]
        inputs["transform"] = (
            np.zeros((n, width), np.float32)
            if transforms is None
            else np.asarray(transforms, np.float32)
        )
    return inputs


def _numpy(tensor):
    """A backend tensor as float32 numpy (torch's detached from autograd)."""
    return np.asarray(keras.ops.convert_to_numpy(tensor), np.float32)


# The fewest rows of one generator call. TensorFlow's matrix products
# (oneDNN) take another path for a single row and round a last float32 bit
# differently (now and then a step of 1 in uint8); with two rows or more a
# row's output depends on its own inputs only, whatever the batch size and
# whatever sits beside it. So a single row is drawn with a copy beside it:
# an image is the same drawn alone, in a turntable, or batched with other
# visitors' frames by the live explorer
# (tests/gen/models/test_on_every_backend.py). JAX's kernels are the same
# for every batch size; PyTorch's CPU convolutions are not (a last bit
# changes for some batch sizes and not others), so there an image can
# depend on how many were drawn with it.
MIN_ROWS = 2
BATCH_INDEPENDENT_BACKENDS = ("tensorflow", "jax")


def batch_independent():
    """Whether, on the running backend, `generate`'s image of an input is
    the same whatever else the call draws (`MIN_ROWS`)."""
    return keras.backend.backend() in BATCH_INDEPENDENT_BACKENDS


def padded_batches(inputs, batch_size):
    """(batch, rows) for each `batch_size` rows of a dict of arrays: the
    batch as float32 numpy, `rows` real rows, padded to `MIN_ROWS` with
    copies of its last row where it has fewer."""
    n = len(next(iter(inputs.values())))
    for start in range(0, n, batch_size):
        rows = min(batch_size, n - start)
        batch = {}
        for k, v in inputs.items():
            part = np.asarray(v[start : start + rows], np.float32)
            if rows < MIN_ROWS:
                pad = np.repeat(part[-1:], MIN_ROWS - rows, axis=0)
                part = np.concatenate([part, pad])
            batch[k] = part
        yield batch, rows


def concatenate_outputs(parts):
    """The outputs of `padded_batches`' calls, ``(output, rows)`` pairs
    (each a dict of arrays or one array), joined without the padding."""
    if isinstance(parts[0][0], dict):
        return {
            k: np.concatenate([out[k][:rows] for out, rows in parts])
            for k in parts[0][0]
        }
    return np.concatenate([out[:rows] for out, rows in parts])


def call_batches(model, inputs, batch_size=64):
    """`model` called on a dict of numpy inputs, `batch_size` rows at a
    time and never one alone (`padded_batches`); its output (a dict, or
    one array) as float32 numpy.

    Not `keras.Model.predict`: its per-call set-up (a data adapter, a
    traced function per batch shape) costs more than the few small batches
    that evaluation and the exploring tools draw. TensorFlow and PyTorch
    call the model eagerly; JAX, which compiles every op of an eager call
    separately, runs `predict_on_batch` (one `jax.jit` of the whole model
    per batch shape).
    """
    jitted = keras.backend.backend() == "jax"
    parts = []
    for batch, rows in padded_batches(inputs, batch_size):
        out = model.predict_on_batch(batch) if jitted else model(batch, training=False)
        out = (
            {k: _numpy(v) for k, v in out.items()}
            if isinstance(out, dict)
            else _numpy(out)
        )
        parts.append((out, rows))
    return concatenate_outputs(parts)


def generate(model, inputs, batch_size=64):
    """Runs the generator; returns (rgb (N, R, R, 3), mask (N, R, R, 1)) in
    [0, 1] as float32 numpy arrays. On TensorFlow and JAX an input's
    pixels are the same however many come with it (`MIN_ROWS`,
    `batch_independent`)."""
    out = call_batches(model, inputs, batch_size)
    return np.clip(out["rgb"], 0, 1), np.clip(out["mask"], 0, 1)


def turntable_azimuths(frames):
    """`frames` azimuths covering the full circle, in degrees."""
    return np.arange(frames) * (360.0 / frames)


def turntable_frames(model, chair_ids, frames, elevation=DEFAULT_ELEVATION):
    """Images (len(chair_ids), frames, R, R, 3) of chairs spinning once."""
    azimuths = turntable_azimuths(frames)
    ids = np.repeat(np.asarray(chair_ids), frames)
    inputs = generator_inputs(
        model,
        classes=ids,
        azimuths=np.tile(azimuths, len(chair_ids)),
        elevations=elevation,
    )
    rgb, mask = generate(model, inputs)
    images = grids.on_white(rgb, mask)
    return images.reshape((len(chair_ids), frames) + images.shape[1:])


def write_turntable_gif(
    path, model, chair_ids, frames=124, elevation=DEFAULT_ELEVATION, frame_ms=60
):
    """A GIF with the given chairs side by side, spinning once."""
    spins = turntable_frames(model, chair_ids, frames, elevation)
    strip = [grids.grid(spins[:, t], 1, len(chair_ids)) for t in range(frames)]
    return atomic_files.write_gif(path, np.stack(strip), frame_ms=frame_ms)


def draw(model, *, classes, azimuths, elevations, transforms=None, batch_size=64):
    """On-white images (N, R, R, 3) in [0, 1]; arguments as
    `generator_inputs`."""
    inputs = generator_inputs(
        model,
        classes=classes,
        azimuths=azimuths,
        elevations=elevations,
        transforms=transforms,
    )
    out = call_batches(model, inputs, batch_size)
    return grids.on_white(np.clip(out["rgb"], 0, 1), np.clip(out["mask"], 0, 1))


def chairs_by_views(model, chair_ids, azimuths, elevations):
    """Every chair at every view: (len(chair_ids), V, R, R, 3) on white.

    `azimuths` and `elevations` (degrees) give the V views, broadcast
    together.
    """
    azimuths, elevations = np.broadcast_arrays(
        np.asarray(azimuths, np.float32), np.asarray(elevations, np.float32)
    )
    chairs_count, views = len(chair_ids), azimuths.size
    images = draw(
        model,
        classes=np.repeat(np.asarray(chair_ids), views),
        azimuths=np.tile(azimuths.ravel(), chairs_count),
        elevations=np.tile(elevations.ravel(), chairs_count),
    )
    return images.reshape((chairs_count, views) + images.shape[1:])
