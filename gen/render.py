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


def call_batches(model, inputs, batch_size=64):
    """`model` called on a dict of numpy inputs, `batch_size` rows at a
    time; its output (a dict, or one array) as float32 numpy.

    Calls the model directly: for the few small batches the exploring tools
    draw, `keras.Model.predict`'s per-call set-up costs more than the work.
    """
    n = len(next(iter(inputs.values())))
    parts = []
    for start in range(0, n, batch_size):
        batch = {k: np.asarray(v[start:start + batch_size], np.float32)
                 for k, v in inputs.items()}
        out = model(batch, training=False)
        parts.append({k: np.asarray(v, np.float32) for k, v in out.items()}
                     if isinstance(out, dict) else np.asarray(out, np.float32))
    if isinstance(parts[0], dict):
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    return np.concatenate(parts)


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


def draw(model, *, classes, azimuths, elevations, transforms=None,
         batch_size=64):
    """On-white images (N, R, R, 3) in [0, 1]; arguments as
    `generator_inputs`."""
    inputs = generator_inputs(model, classes=classes, azimuths=azimuths,
                              elevations=elevations, transforms=transforms)
    out = call_batches(model, inputs, batch_size)
    return on_white(np.clip(out["rgb"], 0, 1), np.clip(out["mask"], 0, 1))


def chairs_by_views(model, chair_ids, azimuths, elevations):
    """Every chair at every view: (len(chair_ids), V, R, R, 3) on white.

    `azimuths` and `elevations` (degrees) give the V views, broadcast
    together.
    """
    azimuths, elevations = np.broadcast_arrays(
        np.asarray(azimuths, np.float32), np.asarray(elevations, np.float32))
    chairs_count, views = len(chair_ids), azimuths.size
    images = draw(model, classes=np.repeat(np.asarray(chair_ids), views),
                  azimuths=np.tile(azimuths.ravel(), chairs_count),
                  elevations=np.tile(elevations.ravel(), chairs_count))
    return images.reshape((chairs_count, views) + images.shape[1:])


def real_views(data, chair_ids, view_indices):
    """The real images (len(chair_ids), V, R, R, 3) in [0, 1] of a
    `gen.input_pipeline.ChairsData`, on white as stored."""
    from gen.errors import UserError

    rows = []
    for chair in chair_ids:
        for view in view_indices:
            hit = np.flatnonzero((data.chair_ids == chair)
                                 & (data.view_indices == view))
            if not hit.size:
                raise UserError(f"The data hold no image of chair {chair} at "
                                f"view {view}.")
            rows.append(hit[0])
    images = data.images[np.asarray(rows)].astype(np.float32) / 255.0
    return images.reshape((len(chair_ids), len(view_indices))
                          + images.shape[1:])


def view_grid_figure(model, chair_ids, view_indices, data=None,
                     holdout=None):
    """Chairs (rows) x standard views (columns) as a labelled picture.

    With `data` (a `ChairsData`), every chair's row is followed by its real
    images. With ``holdout="views"`` the held-out views' labels carry a "*".
    """
    from gen import chair_views
    from gen import figures

    view_indices = np.asarray(view_indices)
    azimuths = chair_views.azimuth_of_view(view_indices)
    elevations = chair_views.elevation_of_view(view_indices)
    generated = chairs_by_views(model, chair_ids, azimuths, elevations)
    row_labels = [f"chair {c}" for c in chair_ids]
    if data is not None:
        real = real_views(data, chair_ids, view_indices)
        generated = np.stack([generated, real], axis=1).reshape(
            (-1,) + generated.shape[1:])
        row_labels = [label for c in chair_ids
                      for label in (f"chair {c}", f"chair {c} real")]
    marks = (chair_views.is_heldout_view(view_indices) if holdout == "views"
             else np.zeros(len(view_indices), bool))
    col_labels = [figures.angle_label(a, e) + ("*" if m else "")
                  for a, e, m in zip(azimuths, elevations, marks)]
    title = "azimuth/elevation" + ("; * held out in training"
                                   if marks.any() else "")
    rows, cols = len(row_labels), len(view_indices)
    return figures.labelled_grid(
        generated.reshape((-1,) + generated.shape[2:]), rows, cols,
        row_labels=row_labels, col_labels=col_labels, title=title)


def write_view_grid(path, model, chair_ids, view_indices, data=None,
                    holdout=None):
    """Writes `view_grid_figure` as a PNG; returns the path."""
    return image_files.write_png(path, view_grid_figure(
        model, chair_ids, view_indices, data, holdout))


def write_turntable(path, model, chair_id, frames=124,
                    elevation=DEFAULT_ELEVATION, frame_ms=60):
    """One chair spinning once, `frames` frames, enlarged like the figures'
    tiles; returns the path."""
    from gen import figures

    spin = chairs_by_views(model, [chair_id], turntable_azimuths(frames),
                           elevation)[0]
    spin = figures.enlarge(spin, figures.tile_scale(spin.shape[1]))
    return image_files.write_gif(path, spin, frame_ms=frame_ms)
