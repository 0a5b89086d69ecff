"""Throughput of the chairs renderer and of the input pipeline.

`python -m experiments.bench_data` prints these side by side with the images
per second that one training step consumes: the pipeline must deliver many
times that, so that it is never what training waits for.
"""

import time

from gen import choices
from gen.data import chair_family, chair_views, chairs_data, input_pipeline, ray_caster


def renderer_images_per_s(resolution, *, num_chairs=2, seed=0):
    """Images per second of `render_chair` at the 62 standard views."""
    azimuths, elevations = chair_views.standard_views()
    styles = [chair_family.chair_style(seed, i) for i in range(num_chairs)]
    start = time.perf_counter()
    for style in styles:
        ray_caster.render_chair(style, azimuths, elevations, resolution=resolution)
    return num_chairs * len(azimuths) / (time.perf_counter() - start)


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
