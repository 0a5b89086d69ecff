"""Rendering many models at the 62 views on every core.

`render_entries(entries, resolution)` yields one `Rendered` per
`gen.data.furniture_catalog.ModelEntry`, in order: its images and masks, or
why it was skipped, and what was degraded. Each worker process makes its
own OpenGL context (`gen.data.mesh_renderer`), reads its model from the
library into a temporary folder of its own, and returns arrays; a model that
fails is reported, never raised. Workers are always fresh Python processes
(`gen.data.mesh_render_worker`), never forked from a parent that may have
loaded TensorFlow, in whose process Mesa's rasteriser crashes, and never
importing the parent's `__main__`.
"""

import concurrent.futures
import dataclasses
import os
import pickle
import subprocess
import sys
import tempfile
import threading

import numpy as np

from gen.data import chair_views, furniture_catalog, mesh_models, mesh_renderer

# The folder that holds the `gen` package, for the workers' import path.
_PROJECT_ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
)


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


def render_file_entry(entry, azimuths, elevations, resolution):
    """(images, masks, notes) of one `ModelEntry` at the given views, read
    from its library or file into a temporary folder; raises
    `mesh_models.ModelError` (and OSError) for a model that cannot be read."""
    with tempfile.TemporaryDirectory(prefix="mesh-") as scratch:
        path = furniture_catalog.materialise(entry, scratch)
        rotation = None
        if entry.rotation is not None:
            rotation = np.asarray(entry.rotation, float).reshape(3, 3)
        model = mesh_models.load_model(path, rotation=rotation, size=entry.size)
    images, masks = mesh_renderer.render_model(model, azimuths, elevations, resolution)
    return images, masks, list(model.notes)


def render_entry(entry, resolution):
    """The `Rendered` views of one model at the 62 standard views."""
    azimuths, elevations = chair_views.standard_views()
    try:
        images, masks, notes = render_file_entry(
            entry, azimuths, elevations, resolution
        )
    except mesh_models.ModelError as e:
        return Rendered(entry, skipped=str(e))
    except (OSError, KeyError, ValueError) as e:
        return Rendered(entry, skipped=f"it cannot be read ({e})")
    except Exception as e:  # a GL error on one model must not stop a build
        return Rendered(entry, skipped=f"it cannot be drawn ({type(e).__name__}: {e})")
    if not masks.any():
        return Rendered(entry, skipped="it covers no pixel in any view")
    return Rendered(entry, images, masks, notes=tuple(notes))


def default_workers():
    """One worker per core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


class WorkerPool:
    """`workers` rendering processes (`gen.data.mesh_render_worker`), each
    driven by a thread of its own: `submit(function, *args)` returns a
    `concurrent.futures.Future` of `function(*args)` run in a worker.

    The workers are fresh Python processes (not forked, and not importing
    the parent's `__main__`). A worker that dies is started again for the
    next call, and the call it died on raises `WorkerDied`.
    """

    def __init__(self, workers):
        self._threads = concurrent.futures.ThreadPoolExecutor(workers)
        self._local = threading.local()
        self._processes = []
        self._lock = threading.Lock()

    def _process(self):
        process = getattr(self._local, "process", None)
        if process is None or process.poll() is not None:
            env = dict(os.environ)
            env["PYTHONPATH"] = os.pathsep.join(
                filter(None, [_PROJECT_ROOT, env.get("PYTHONPATH")])
            )
            process = subprocess.Popen(
                [sys.executable, "-m", "gen.data.mesh_render_worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=env,
            )
            self._local.process = process
            with self._lock:
                self._processes.append(process)
        return process

    def _call(self, function, args):
        process = self._process()
        try:
            pickle.dump((function, args), process.stdin)
            process.stdin.flush()
            status, value = pickle.load(process.stdout)
        except (EOFError, OSError, pickle.UnpicklingError):
            process.kill()
            process.wait()
            raise WorkerDied(
                f"the rendering process died (exit status {process.returncode})"
            ) from None
        if status == "error":
            raise value
        return value

    def submit(self, function, *args):
        return self._threads.submit(self._call, function, args)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        """Waits for the calls in flight, then ends every worker."""
        self._threads.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            for process in self._processes:
                if process.poll() is None:
                    process.stdin.close()
                    try:
                        process.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        process.kill()
                        process.wait()


class WorkerDied(RuntimeError):
    """A rendering process ended in the middle of a call (a crash)."""


def worker_pool(workers):
    """A `WorkerPool` of `workers` rendering processes."""
    return WorkerPool(workers)


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
            pending.append((entry, pool.submit(render_entry, entry, resolution)))
            if len(pending) >= 2 * workers:
                yield _result(*pending.pop(0))
        for entry, future in pending:
            yield _result(entry, future)


def _result(entry, future):
    try:
        return future.result()
    except WorkerDied as e:
        return Rendered(entry, skipped=str(e))
