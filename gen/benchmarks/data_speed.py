"""Throughput of the chairs renderers and of the input pipeline.

The mesh renderer (`mesh_renders`) is measured on a real model: the oak
chair of Sweet Home 3D's libraries (31,786 triangles, textured) where the
furniture is cached (`make furniture-cache`, or `DECONVNET_FURNITURE`);
views per second on every core, each view's share of loading the model
included, as a dataset build pays it.

`python -m experiments.bench_data` prints these side by side with the images
per second that one training step consumes: the pipeline must deliver many
times that, so that it is never what training waits for.
"""

import os
import time

from gen import choices
from gen.data import (
    chair_family,
    chair_views,
    chairs_data,
    furniture_catalog,
    input_pipeline,
    mesh_render_jobs,
    ray_caster,
)

FURNITURE = os.environ.get("DECONVNET_FURNITURE") or os.path.expanduser(
    "~/.cache/deconvnet/sweethome3d-furniture"
)
BENCH_MODEL = "blendswap-cc-0/oakChair/oakChair.obj"


def renderer_images_per_s(resolution, *, num_chairs=2, seed=0):
    """Images per second of `render_chair` at the 62 standard views."""
    azimuths, elevations = chair_views.standard_views()
    styles = [chair_family.chair_style(seed, i) for i in range(num_chairs)]
    start = time.perf_counter()
    for style in styles:
        ray_caster.render_chair(style, azimuths, elevations, resolution=resolution)
    return num_chairs * len(azimuths) / (time.perf_counter() - start)


def mesh_views_per_s(resolution, folder, model_file, *, workers=None, rounds=2):
    """Views per second of the mesh renderer on `workers` processes (default:
    every core), each rendering `model_file` of `folder` at the 62 standard
    views `rounds` times (loading it each time); after one warm-up call per
    worker (process start, OpenGL context)."""
    entries, _ = furniture_catalog.list_models(folder)
    entry = next(e for e in entries if e.file == model_file)
    azimuths, elevations = chair_views.standard_views()
    workers = workers or mesh_render_jobs.default_workers()
    job = mesh_render_jobs.render_file_entry
    with mesh_render_jobs.worker_pool(workers) as pool:
        warm = [
            pool.submit(job, entry, azimuths[:1], elevations[:1], resolution)
            for _ in range(workers)
        ]
        for future in warm:
            future.result()
        start = time.perf_counter()
        calls = [
            pool.submit(job, entry, azimuths, elevations, resolution)
            for _ in range(rounds * workers)
        ]
        for future in calls:
            future.result()
        elapsed = time.perf_counter() - start
    return len(calls) * len(azimuths) / elapsed


def mesh_renderer_rates(
    furniture, resolutions, report, *, model_file=BENCH_MODEL, workers=None, rounds=2
):
    """[(name, views/s)] of the mesh renderer at `resolutions` on `workers`
    processes (default every core); one line through `report` instead where
    `furniture` is not a folder."""
    if not resolutions:
        return []
    if not os.path.isdir(furniture):
        report(
            f"mesh renderer: not measured, no furniture in {furniture} "
            "(`make furniture-cache`, or set DECONVNET_FURNITURE)"
        )
        return []
    workers = workers or mesh_render_jobs.default_workers()
    return [
        (
            f"mesh renderer {r}x{r}, {workers} procs",
            mesh_views_per_s(r, furniture, model_file, workers=workers, rounds=rounds),
        )
        for r in resolutions
    ]


def pipeline_images_per_s(data, *, augment, batch_size=64, batches=100, warmup=10):
    """Images per second of `training_batches`, after `warmup` batches (which
    include tracing and XLA compilation)."""
    iterator = iter(
        input_pipeline.training_batches(
            data, batch_size=batch_size, seed=0, augment=augment
        )
    )
    for _ in range(warmup):
        next(iterator)
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return batches * batch_size / (time.perf_counter() - start)


def run(
    *,
    resolutions=choices.RESOLUTIONS,
    pipeline_resolution=64,
    num_chairs=8,
    batch_size=64,
    batches=100,
    train_images_per_s=110.0,
    mesh_resolutions=(64, 128),
    furniture=FURNITURE,
    report=print,
):
    """Measures everything, calling `report(line)` as each figure comes in.

    Returns {name: images per second}.
    """
    results = {}

    def record(name, rate, compare=False):
        results[name] = rate
        line = f"{name:<36} {rate:10.0f} images/s"
        if compare:
            line += f"  = {rate / train_images_per_s:6.1f} x the training step"
        report(line)

    report(f"training step: {train_images_per_s:.0f} images/s (--train_images_per_s)")
    for resolution in resolutions:
        record(f"renderer {resolution}x{resolution}", renderer_images_per_s(resolution))
    for name, rate in mesh_renderer_rates(furniture, mesh_resolutions, report):
        record(name, rate)
    data = chairs_data.render_chairs(num_chairs, resolution=pipeline_resolution)
    r = pipeline_resolution
    for augment in (False, True):
        name = f"pipeline {r}x{r} " + (
            "with augmentation" if augment else "no augmentation"
        )
        rate = pipeline_images_per_s(
            data, augment=augment, batch_size=batch_size, batches=batches
        )
        record(name, rate, compare=True)
    return results
