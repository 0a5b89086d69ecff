"""Feature-space arithmetic (Dosovitskiy et al., TPAMI 2017): A - B + C.

Take the activations of one layer for chairs A, B and C at the same view,
form ``h(A) - h(B) + h(C)`` and decode it (`gen.explore.latent`: everything
downstream of the layer is recomputed, the other inputs fixed). With B and
C of one kind and A of another, the result shows what the difference B -> C
does to A ("A with C's armrests instead of B's").

The inputs the layer does not depend on are A's: for ``class_fc2`` the view
and the transformation are shared by all three anyway; for a layer of the
view stream the class input stays A's.
"""

import numpy as np

from gen.explore import latent
from gen.models import generator_io
from gen.pictures import atomic_files, figures, grids

COLUMNS = ("A", "B", "C", "A - B + C")


def arithmetic(model, layer_name, a, b, c, azimuths, elevations):
    """Decodes ``h(a) - h(b) + h(c)`` at each view.

    Args:
        model: a chairs generator.
        layer_name: the layer whose activations are combined (any of
            `gen.explore.latent.cut_layer_names`).
        a, b, c: chair ids.
        azimuths, elevations: the V views (degrees, broadcast together).

    Returns:
        (V, 4, R, R, 3) on-white images: A, B, C and the result per view.
    """
    cut = latent.cut(model, layer_name)
    azimuths, elevations = np.broadcast_arrays(
        np.asarray(azimuths, np.float32), np.asarray(elevations, np.float32)
    )
    views = azimuths.size
    ids = np.repeat([a, b, c], views)
    inputs = generator_io.generator_inputs(
        model,
        classes=ids,
        azimuths=np.tile(azimuths.ravel(), 3),
        elevations=np.tile(elevations.ravel(), 3),
    )
    h = cut.activations(inputs).reshape((3, views) + cut.shape)
    combined = h[0] - h[1] + h[2]
    first = {k: v[:views] for k, v in inputs.items()}  # A's inputs
    originals = grids.on_white(*cut.decode(h.reshape((-1,) + cut.shape), inputs))
    result = grids.on_white(*cut.decode(combined, first))
    originals = originals.reshape((3, views) + originals.shape[1:])
    return np.concatenate([originals.transpose(1, 0, 2, 3, 4), result[:, None]], axis=1)


def figure(images, layer_name, a, b, c, azimuths, elevations):
    """A labelled picture of `arithmetic`'s images: rows views, columns A, B,
    C and A - B + C."""
    azimuths, elevations = np.broadcast_arrays(azimuths, elevations)
    return figures.labelled_grid(
        images.reshape((-1,) + images.shape[2:]),
        images.shape[0],
        len(COLUMNS),
        row_labels=[
            figures.angle_label(az, el)
            for az, el in zip(azimuths.ravel(), elevations.ravel())
        ],
        col_labels=[f"A: {a}", f"B: {b}", f"C: {c}", COLUMNS[-1]],
        title=f"{layer_name}: A - B + C",
    )


def write_figure(path, model, layer_name, a, b, c, azimuths, elevations):
    """Computes `arithmetic` and writes its `figure` as a PNG; returns the
    path."""
    images = arithmetic(model, layer_name, a, b, c, azimuths, elevations)
    return atomic_files.write_png(
        path, figure(images, layer_name, a, b, c, azimuths, elevations)
    )
