"""The held-out samples a run draws while it trains and at its end: a few
chairs at views spread over the circle, generated beside the real image."""

import numpy as np

from gen.evaluation import scoring
from gen.pictures import grids

SAMPLE_CHAIRS = 6
SAMPLE_VIEWS = 4


def sample_set(data, chairs_count=SAMPLE_CHAIRS, views=SAMPLE_VIEWS):
    """A fixed subset: the first `chairs_count` chairs of `data`, each at
    `views` of its views spread over the circle (rows chairs, cols views)."""
    picks = []
    for chair in np.unique(data.chair_ids)[:chairs_count]:
        index = np.flatnonzero(data.chair_ids == chair)
        index = index[np.argsort(data.view_indices[index], kind="stable")]
        spread = np.linspace(0, len(index), views, endpoint=False).astype(int)
        picks.extend(index[spread])
    return data.rows(np.asarray(picks))


def sample_grid(model, samples):
    """Generated | target (both on white) for each sample, one chair a row."""
    rgb, mask = scoring.predict(model, samples)
    target_rgb, target_mask = scoring.targets(samples)
    rows = len(np.unique(samples.chair_ids))
    cols = len(samples.images) // rows
    return grids.comparison_grid(
        grids.on_white(rgb, mask), grids.on_white(target_rgb, target_mask), rows, cols
    )
