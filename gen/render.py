"""Render with a trained chairs generator: inputs, images, grids, turntables.

The generator draws the chair times its mask (black outside). For people the
images are shown on white, as the training renders are: a pixel becomes
``rgb + (1 - mask)``, with both outputs clipped to [0, 1].
"""

import numpy as np

from gen import image_files

DEFAULT_ELEVATION = 20.0


def view_vectors(azimuths, elevations):
    """[sin az, cos az, sin el, cos el] of angles in degrees: (N, 4) float32."""
    az = np.deg2rad(np.asarray(azimuths, np.float64))
    el = np.deg2rad(np.asarray(elevations, np.float64))
    az, el = np.broadcast_arrays(az, el)
    return np.stack([np.sin(az), np.cos(az), np.sin(el), np.cos(el)],
                    axis=-1).astype(np.float32)


def one_hot(chair_ids, num_classes):
    ids = np.asarray(chair_ids, np.int64)
    if ids.size and (ids.min() < 0 or ids.max() >= num_classes):
        from gen.errors import UserError
        raise UserError(f"Chair ids must be in 0..{num_classes - 1}, got "
                        f"{sorted(set(ids[(ids < 0) | (ids >= num_classes)].tolist()))}.")
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
    views = view_vectors(np.broadcast_to(azimuths, (n,)),
                         np.broadcast_to(elevations, (n,)))
    inputs = {"class": classes.astype(np.float32), "view": views}
    if "transform" in model.input:
        width = model.input["transform"].shape[-1]
        inputs["transform"] = (np.zeros((n, width), np.float32)
                               if transforms is None
                               else np.asarray(transforms, np.float32))
    return inputs


def generate(model, inputs, batch_size=64):
    """Runs the generator; returns (rgb (N, R, R, 3), mask (N, R, R, 1)) in
    [0, 1] as float32 numpy arrays."""
    out = model.predict(inputs, batch_size=batch_size, verbose=0)
    return (np.clip(np.asarray(out["rgb"], np.float32), 0, 1),
            np.clip(np.asarray(out["mask"], np.float32), 0, 1))


def on_white(rgb, mask):
    """Masked RGB in [0, 1] shown on a white background."""
    return np.clip(np.asarray(rgb) + (1.0 - np.asarray(mask)), 0.0, 1.0)


def turntable_azimuths(frames):
    """`frames` azimuths covering the full circle, in degrees."""
    return np.arange(frames) * (360.0 / frames)


def turntable_frames(model, chair_ids, frames, elevation=DEFAULT_ELEVATION):
    """Images (len(chair_ids), frames, R, R, 3) of chairs spinning once."""
    azimuths = turntable_azimuths(frames)
    ids = np.repeat(np.asarray(chair_ids), frames)
    inputs = generator_inputs(model, classes=ids,
                              azimuths=np.tile(azimuths, len(chair_ids)),
                              elevations=elevation)
    rgb, mask = generate(model, inputs)
    images = on_white(rgb, mask)
    return images.reshape((len(chair_ids), frames) + images.shape[1:])


def write_turntable_gif(path, model, chair_ids, frames=124,
                        elevation=DEFAULT_ELEVATION, frame_ms=60):
    """A GIF with the given chairs side by side, spinning once."""
    spins = turntable_frames(model, chair_ids, frames, elevation)
    strip = [image_files.grid(spins[:, t], 1, len(chair_ids))
             for t in range(frames)]
    return image_files.write_gif(path, np.stack(strip), frame_ms=frame_ms)


def comparison_grid(generated, real, rows, cols):
    """Pairs (generated, real) side by side: ``rows`` x ``2 * cols`` tiles.

    `generated` and `real` are (rows * cols, R, R, 3) in row-major order.
    """
    pairs = np.stack([generated, real], axis=1)
    pairs = pairs.reshape((rows, cols * 2) + generated.shape[1:])
    return image_files.grid(pairs.reshape((-1,) + generated.shape[1:]), rows,
                            cols * 2)
