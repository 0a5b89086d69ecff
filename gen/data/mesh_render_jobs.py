"""Rendering many models at the 62 views on every core.

`render_entries(entries, resolution)` yields one `Rendered` per
`gen.data.furniture_catalog.ModelEntry`, in order: its images and masks, or
why it was skipped, and what was degraded. Each worker process makes its
own OpenGL context (`gen.data.mesh_renderer`), reads its model from the
library into a temporary folder of its own, and returns arrays; a model that
fails is reported, never raised. Workers are always separate processes
started with "spawn" (never forked from a parent that may have loaded
TensorFlow, in whose process Mesa's rasteriser crashes).
"""

import concurrent.futures
import dataclasses
import multiprocessing
import os
import tempfile

import numpy as np

from gen.data import chair_views, furniture_catalog, mesh_models, mesh_renderer


@dataclasses.dataclass(frozen=True)
class Rendered:
    """One model's views, or the reason it has none.

    Attributes:
      entry: the `ModelEntry`.
      images: (62, R, R, 3) uint8, or None when skipped.
      masks: (62, R, R, 1) uint8, or None when skipped.
      skipped: "" or why the model was skipped.
      notes: what was degraded (e.g. a missing texture).
    """

    entry: object
    images: np.ndarray = None
    masks: np.ndarray = None
    skipped: str = ""
    notes: tuple = ()


def render_entry(entry, resolution):
    """The `Rendered` views of one model at the standard views."""
    azimuths, elevations = chair_views.standard_views()
    with tempfile.TemporaryDirectory(prefix="mesh-") as scratch:
        try:
            path = furniture_catalog.materialise(entry, scratch)
            rotation = None
            if entry.rotation is not None:
                rotation = np.asarray(entry.rotation, float).reshape(3, 3)
            model = mesh_models.load_model(path, rotation=rotation, size=entry.size)
        except mesh_models.ModelError as e:
            return Rendered(entry, skipped=str(e))
        except (OSError, KeyError, ValueError) as e:
            return Rendered(entry, skipped=f"it cannot be read ({e})")
    try:
        images, masks = mesh_renderer.render_model(
            model, azimuths, elevations, resolution
        )
    except Exception as e:  # a GL error on one model must not stop a build
        return Rendered(entry, skipped=f"it cannot be drawn ({type(e).__name__}: {e})")
    if not masks.any():
        return Rendered(entry, skipped="it covers no pixel in any view")
    return Rendered(entry, images, masks, notes=tuple(model.notes))


def default_workers():
    """One worker per core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def worker_pool(workers):
    """A pool of `workers` fresh processes for rendering."""
    context = multiprocessing.get_context("spawn")
    return concurrent.futures.ProcessPoolExecutor(workers, mp_context=context)


def render_file(obj_path, azimuths, elevations, resolution, rotation=None, size=None):
    """(images, masks, notes) of one OBJ file at the given views; run it in a
    `worker_pool` (`mesh_models.load_model` for the arguments)."""
    model = mesh_models.load_model(obj_path, rotation=rotation, size=size)
    images, masks = mesh_renderer.render_model(model, azimuths, elevations, resolution)
    return images, masks, list(model.notes)


def render_entries(entries, resolution, workers=None):
    """`Rendered` of every entry, in order, on `workers` processes (default:
    one per core)."""
    entries = list(entries)
    workers = max(1, min(workers or default_workers(), len(entries)))
    with worker_pool(workers) as pool:
        # At most two models per worker in flight: a model's views are a few
        # MB, and the results are consumed in order.
        pending = []
        for entry in entries:
            pending.append(pool.submit(render_entry, entry, resolution))
            if len(pending) >= 2 * workers:
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()
