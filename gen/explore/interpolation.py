"""Between and beyond what a generator was shown: morphs, views, transforms.

Three of the chairs papers' experiments, on any chairs generator:

- Morphing between styles: the class input is a mixture of one-hot vectors,
  ``w_1 e_a + w_2 e_b + ...`` with weights in [0, 1] that sum to 1; a path
  through two or more chairs moves the weight from each chair to the next.
- Views between (and beyond) the training views: any azimuth and elevation,
  not only the 62 rendered ones.
- Sweeps of each transformation parameter theta_k (`gen.data.augment.NAMES`),
  the others zero, the view fixed.

Every function returns images on white in [0, 1] (`gen.pictures.grids.on_white`);
`write_figures` writes the pictures of `experiments.interpolate`.
"""

import os

import numpy as np

from gen.errors import UserError
from gen.models import generator_io
from gen.pictures import atomic_files, figures, grids

WEIGHT_TOLERANCE = 1e-6


def check_weights(weights, count):
    """`weights` as float64; UserError unless there are `count` of them, in
    [0, 1], summing to 1."""
    weights = np.asarray(weights, np.float64)
    if len(weights) != count:
        raise UserError(
            f"{len(weights)} mixture weights for {count} chairs; "
            "give one weight per chair."
        )
    if not np.all(np.isfinite(weights)) or np.any(weights < 0) or np.any(weights > 1):
        raise UserError(f"Mixture weights must be in [0, 1], got {weights.tolist()}.")
    if abs(weights.sum() - 1.0) > WEIGHT_TOLERANCE:
        raise UserError(
            f"Mixture weights must sum to 1, got "
            f"{weights.tolist()} (sum {weights.sum():g})."
        )
    return weights


def mixture(chair_ids, weights, num_classes):
    """The class vector ``sum_i weights[i] * one_hot(chair_ids[i])``.

    UserError unless the weights are in [0, 1], sum to 1 and match the ids.
    """
    weights = check_weights(weights, len(chair_ids))
    vectors = generator_io.one_hot(chair_ids, num_classes)
    return (weights @ vectors).astype(np.float32)


def morph_weights(num_chairs, steps):
    """Mixture weights (T, num_chairs) of a path through the chairs in order:
    `steps` mixtures per leg, both ends included, the legs sharing their
    ends; T = (num_chairs - 1) * (steps - 1) + 1."""
    if num_chairs < 2:
        raise UserError(f"Morphing needs at least two chairs, got {num_chairs}.")
    if steps < 2:
        raise UserError(
            f"A morph needs at least 2 steps per pair of chairs "
            f"(the two chairs), got {steps}."
        )
    t = np.linspace(0.0, 1.0, steps)
    weights = [np.eye(num_chairs)[:1]]
    for leg in range(num_chairs - 1):
        w = np.zeros((steps, num_chairs))
        w[:, leg], w[:, leg + 1] = 1.0 - t, t
        weights.append(w[1:])
    return np.concatenate(weights)


def morph_classes(chair_ids, steps, num_classes):
    """(class vectors (T, num_classes), weights (T, len(chair_ids))) of the
    path through `chair_ids`."""
    weights = morph_weights(len(chair_ids), steps)
    vectors = generator_io.one_hot(chair_ids, num_classes)
    return (weights @ vectors).astype(np.float32), weights


def morph(model, chair_ids, steps, azimuths, elevations):
    """The morph through `chair_ids` at each of V views.

    Returns (images (V, T, R, R, 3), weights (T, len(chair_ids))).
    """
    num_classes = model.input["class"].shape[-1]
    classes, weights = morph_classes(chair_ids, steps, num_classes)
    azimuths, elevations = np.broadcast_arrays(
        np.asarray(azimuths, np.float32), np.asarray(elevations, np.float32)
    )
    views, length = azimuths.size, len(classes)
    images = generator_io.draw(
        model,
        classes=np.tile(classes, (views, 1)),
        azimuths=np.repeat(azimuths.ravel(), length),
        elevations=np.repeat(elevations.ravel(), length),
    )
    return images.reshape((views, length) + images.shape[1:]), weights


def view_sweep(model, chair_ids, azimuths, elevations):
    """Each chair along a path of views: (len(chair_ids), V, R, R, 3).

    Same as `generator_io.chairs_by_views`; named for its use: `azimuths` finer
    than the training views, or `elevations` between and beyond 20 and 30.
    """
    return generator_io.chairs_by_views(model, chair_ids, azimuths, elevations)


def transform_sweep(model, chair_id, values, azimuth, elevation, entries=None):
    """One chair with each theta entry swept over `values`, the others zero.

    Args:
        model: a generator with a "transform" input.
        chair_id: the chair.
        values: theta values (O(1): the parameter is ``SPREADS[k] * theta``;
            training draws theta in [-1, 1]).
        azimuth, elevation: the view, degrees.
        entries: theta indices to sweep (default: all).

    Returns:
        (len(entries), len(values), R, R, 3) images.
    """
    if "transform" not in model.input:
        raise UserError(
            "This generator takes no transformation parameters "
            "(it was trained with --num_transform=0), so there is "
            "nothing to sweep."
        )
    width = model.input["transform"].shape[-1]
    entries = list(range(width)) if entries is None else list(entries)
    bad = [k for k in entries if not 0 <= k < width]
    if bad:
        raise UserError(f"Transformation entries must be in 0..{width - 1}, got {bad}.")
    values = np.asarray(values, np.float32)
    theta = np.zeros((len(entries), len(values), width), np.float32)
    for row, k in enumerate(entries):
        theta[row, :, k] = values
    images = generator_io.draw(
        model,
        classes=np.full(theta.shape[0] * len(values), chair_id),
        azimuths=azimuth,
        elevations=elevation,
        transforms=theta.reshape(-1, width),
    )
    return images.reshape((len(entries), len(values)) + images.shape[1:])


def transform_labels(width):
    """A readable name for every theta entry (`gen.data.augment.NAMES` when the
    generator takes the papers' 8)."""
    # Imported here: gen.augment loads TensorFlow, which the weight checks
    # above should not wait for.
    from gen.data import augment

    if width == augment.NUM_TRANSFORM:
        return list(augment.NAMES)
    return [f"theta[{k}]" for k in range(width)]


def morph_figure(images, chair_ids, weights, azimuths, elevation):
    """A labelled picture of `morph`'s images: rows views, columns the path.

    A column showing one chair is labelled with its id, the others with the
    weight of the next chair on the path.
    """
    views, length = images.shape[:2]
    steps = (length - 1) // (len(chair_ids) - 1) + 1
    col_labels = []
    for i, w in enumerate(weights):
        if np.isclose(w.max(), 1.0):
            col_labels.append(f"chair {chair_ids[int(np.argmax(w))]}")
        else:
            leg = min(i // (steps - 1), len(chair_ids) - 2)
            col_labels.append(f"{w[leg + 1]:.2f}")
    return figures.labelled_grid(
        images.reshape((-1,) + images.shape[2:]),
        views,
        length,
        row_labels=[figures.angle_label(a, elevation) for a in azimuths],
        col_labels=col_labels,
        title=f"morph {' > '.join(map(str, chair_ids))} (label: weight of "
        "the next chair)",
    )


def write_figures(
    out,
    model,
    chair_ids,
    *,
    steps,
    weights,
    azimuths,
    elevation,
    azimuth_range,
    elevation_range,
    view_steps,
    sweep,
    sweep_steps,
    frame_ms=120,
):
    """Writes the interpolation pictures (`experiments.interpolate` lists
    them) under `out`; returns [(path, description)]."""
    written = []
    num_classes = model.input["class"].shape[-1]

    images, path_weights = morph(model, chair_ids, steps, azimuths, elevation)
    path = atomic_files.write_png(
        os.path.join(out, "morph.png"),
        morph_figure(images, chair_ids, path_weights, azimuths, elevation),
    )
    written.append(
        (
            path,
            f"{images.shape[1]} mixtures through chairs "
            f"{chair_ids} at {len(azimuths)} views",
        )
    )
    frames = grids.enlarge(images[0], grids.tile_scale(images.shape[2]))
    there_and_back = np.concatenate([frames, frames[-2:0:-1]])
    path = atomic_files.write_gif(
        os.path.join(out, "morph.gif"), there_and_back, frame_ms=frame_ms
    )
    written.append((path, f"{len(there_and_back)} frames, the morph there and back"))

    if weights is not None:
        classes = np.concatenate(
            [
                generator_io.one_hot(chair_ids, num_classes),
                mixture(chair_ids, weights, num_classes)[None],
            ]
        )
        tiles = np.stack(
            [
                generator_io.draw(
                    model, classes=classes, azimuths=a, elevations=elevation
                )
                for a in azimuths
            ],
            axis=1,
        )
        labels = [f"chair {c}" for c in chair_ids] + ["mixture"]
        path = atomic_files.write_png(
            os.path.join(out, "mixture.png"),
            figures.labelled_grid(
                tiles.reshape((-1,) + tiles.shape[2:]),
                len(labels),
                len(azimuths),
                row_labels=labels,
                col_labels=[figures.angle_label(a, elevation) for a in azimuths],
                title="mixture "
                + " + ".join(f"{w:g} x chair {c}" for w, c in zip(weights, chair_ids)),
            ),
        )
        written.append((path, f"chairs {chair_ids} and their mixture {weights}"))

    for name, values, fixed in (
        ("azimuth", np.linspace(*azimuth_range, view_steps), elevation),
        ("elevation", np.linspace(*elevation_range, view_steps), azimuths[0]),
    ):
        if name == "azimuth":
            tiles = view_sweep(model, chair_ids, values, fixed)
            labels = [figures.degrees(v) for v in values]
            title = f"azimuth at elevation {figures.degrees(fixed)}"
        else:
            tiles = view_sweep(model, chair_ids, fixed, values)
            labels = [figures.degrees(v) for v in values]
            title = (
                f"elevation at azimuth {figures.degrees(fixed)} "
                "(trained at 20° and 30° only)"
            )
        path = atomic_files.write_png(
            os.path.join(out, f"view_{name}.png"),
            figures.labelled_grid(
                tiles.reshape((-1,) + tiles.shape[2:]),
                len(chair_ids),
                len(values),
                row_labels=[f"chair {c}" for c in chair_ids],
                col_labels=labels,
                title=title,
            ),
        )
        written.append(
            (
                path,
                f"{len(chair_ids)} chairs x {len(values)} "
                f"{name}s from {values[0]:g} to {values[-1]:g}",
            )
        )

    if "transform" in model.input:
        values = np.linspace(-sweep, sweep, sweep_steps)
        tiles = transform_sweep(model, chair_ids[0], values, azimuths[0], elevation)
        names = transform_labels(model.input["transform"].shape[-1])
        path = atomic_files.write_png(
            os.path.join(out, "transforms.png"),
            figures.labelled_grid(
                tiles.reshape((-1,) + tiles.shape[2:]),
                len(names),
                len(values),
                row_labels=names,
                col_labels=[f"{v:+.2f}" for v in values],
                title=f"chair {chair_ids[0]}, one transformation input theta "
                "at a time (columns: theta; parameter = spread x "
                "theta)",
            ),
        )
        written.append(
            (path, f"{len(names)} transformation parameters x {len(values)} values")
        )
    return written
