"""The pictures of `experiments.render`: a labelled grid of chairs x views
(with the real images beside, where the data are at hand) and one turntable
GIF per chair, enlarged like the figures' tiles.

The generator draws the chair times its mask (black outside); the pictures
show it on white, as the training renders are
(`gen.models.generator_io.draw`).
"""

import numpy as np

from gen.models import generator_io
from gen.pictures import atomic_files, grids


def real_views(data, chair_ids, view_indices):
    """The real images (len(chair_ids), V, R, R, 3) in [0, 1] of a
    `gen.data.chairs_data.ChairsData`, on white as stored."""
    from gen.errors import UserError

    rows = []
    for chair in chair_ids:
        for view in view_indices:
            hit = np.flatnonzero(
                (data.chair_ids == chair) & (data.view_indices == view)
            )
            if not hit.size:
                raise UserError(
                    f"The data hold no image of chair {chair} at view {view}."
                )
            rows.append(hit[0])
    images = data.images[np.asarray(rows)].astype(np.float32) / 255.0
    return images.reshape((len(chair_ids), len(view_indices)) + images.shape[1:])


def view_grid_figure(model, chair_ids, view_indices, data=None, holdout=None):
    """Chairs (rows) x standard views (columns) as a labelled picture.

    With `data` (a `ChairsData`), every chair's row is followed by its real
    images. With ``holdout="views"`` the held-out views' labels carry a "*";
    with ``holdout="target_views"`` the target chairs' labels carry one too
    (those chairs did not see the starred views).
    """
    from gen.data import chair_views, splits
    from gen.pictures import figures

    view_indices = np.asarray(view_indices)
    azimuths = chair_views.azimuth_of_view(view_indices)
    elevations = chair_views.elevation_of_view(view_indices)
    generated = generator_io.chairs_by_views(model, chair_ids, azimuths, elevations)
    targets = (
        splits.is_target_chair(np.asarray(chair_ids))
        if holdout == "target_views"
        else np.zeros(len(chair_ids), bool)
    )
    names = [f"chair {c}" + ("*" if t else "") for c, t in zip(chair_ids, targets)]
    row_labels = names
    if data is not None:
        real = real_views(data, chair_ids, view_indices)
        generated = np.stack([generated, real], axis=1).reshape(
            (-1,) + generated.shape[1:]
        )
        row_labels = [label for name in names for label in (name, f"{name} real")]
    marks = (
        chair_views.is_heldout_view(view_indices)
        if holdout == "views" or targets.any()
        else np.zeros(len(view_indices), bool)
    )
    col_labels = [
        figures.angle_label(a, e) + ("*" if m else "")
        for a, e, m in zip(azimuths, elevations, marks)
    ]
    title = "azimuth/elevation"
    if holdout == "views" and marks.any():
        title += "; * held out in training"
    elif marks.any():
        title += "; * views held out for the * chairs in training"
    rows, cols = len(row_labels), len(view_indices)
    return figures.labelled_grid(
        generated.reshape((-1,) + generated.shape[2:]),
        rows,
        cols,
        row_labels=row_labels,
        col_labels=col_labels,
        title=title,
    )


def write_view_grid(path, model, chair_ids, view_indices, data=None, holdout=None):
    """Writes `view_grid_figure` as a PNG; returns the path."""
    return atomic_files.write_png(
        path, view_grid_figure(model, chair_ids, view_indices, data, holdout)
    )


def write_turntable(
    path,
    model,
    chair_id,
    frames=124,
    elevation=generator_io.DEFAULT_ELEVATION,
    frame_ms=60,
):
    """One chair spinning once, `frames` frames, enlarged like the figures'
    tiles; returns the path."""

    spin = generator_io.chairs_by_views(
        model, [chair_id], generator_io.turntable_azimuths(frames), elevation
    )[0]
    spin = grids.enlarge(spin, grids.tile_scale(spin.shape[1]))
    return atomic_files.write_gif(path, spin, frame_ms=frame_ms)
