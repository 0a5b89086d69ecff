"""New chairs: sample a style layer from a Gaussian fitted to the training
styles (Dosovitskiy et al., TPAMI 2017).

The activations of a layer of the class stream (``class_fc1``,
``class_fc2``) depend on the chair style alone, one vector per style. Fit a
Gaussian to the training styles' vectors (their mean and covariance), draw
new vectors from it, and decode each at several views (`gen.explore.latent`: the
view and transformation streams are computed from their own inputs). The
result is a chair the network was never shown, drawn from any view.

With fewer styles than units the covariance is singular; the sample
``mean + z @ D / sqrt(n - 1)``, with D the centred activations and z
standard normal in n dimensions, has exactly the fitted mean and covariance
and needs no factorisation. A layer followed by a rectifier only ever
passes on non-negative values; `rectify` (on by default) sets negative
draws to zero, so the decoder sees the kind of input it was trained on.
"""

import dataclasses
import os

import numpy as np

from gen.errors import UserError
from gen.explore import latent
from gen.models import generator_io
from gen.pictures import atomic_files, figures, grids


@dataclasses.dataclass(frozen=True)
class GaussianFit:
    """A Gaussian fitted to n activation vectors.

    Attributes:
        mean: (units,) their mean.
        centred: (n, units) the vectors minus the mean; the covariance is
            ``centred.T @ centred / (n - 1)``.
    """

    mean: np.ndarray
    centred: np.ndarray

    @property
    def covariance(self):
        n = len(self.centred)
        return self.centred.T @ self.centred / (n - 1)


def style_layer_check(model, layer_name):
    """UserError unless the layer depends on the class input alone."""
    used = latent.input_dependencies(model, layer_name)
    if used != ["class"]:
        style_layers = [
            name
            for name in latent.cut_layer_names(model)
            if latent.input_dependencies(model, name) == ["class"]
        ]
        raise UserError(
            f"Layer {layer_name!r} depends on the {' and '.join(used)} "
            "input(s), not on the chair style alone, so its activations "
            "are not one vector per style. Sample a layer of the class "
            f"stream: {', '.join(style_layers)}."
        )


def style_activations(model, layer_name, chair_ids):
    """(len(chair_ids), units) activations of a class-stream layer."""
    style_layer_check(model, layer_name)
    cut = latent.cut(model, layer_name)
    classes = generator_io.one_hot(chair_ids, model.input["class"].shape[-1])
    return cut.activations({"class": classes})


def fit_gaussian(activations):
    """The mean and covariance of (n, units) activations, n >= 2."""
    activations = np.asarray(activations, np.float64)
    if len(activations) < 2:
        raise UserError(
            "Fitting a Gaussian to the styles needs at least two "
            f"training chairs, got {len(activations)}."
        )
    mean = activations.mean(axis=0)
    return GaussianFit(mean=mean, centred=activations - mean)


def sample(fit, num_samples, seed, rectify=True):
    """(num_samples, units) float32 draws from the fitted Gaussian."""
    rng = np.random.default_rng(seed)
    n = len(fit.centred)
    z = rng.standard_normal((num_samples, n))
    draws = fit.mean + z @ fit.centred / np.sqrt(n - 1)
    if rectify:
        draws = np.maximum(draws, 0.0)
    return draws.astype(np.float32)


def nearest(samples, activations):
    """(index, Euclidean distance) of the nearest row of `activations` for
    every sample."""
    distances = np.linalg.norm(samples[:, None, :] - activations[None], axis=-1)
    index = distances.argmin(axis=1)
    return index, distances[np.arange(len(samples)), index]


@dataclasses.dataclass(frozen=True)
class NewChairs:
    """Sampled chairs and where they came from.

    Attributes:
        images: (S, V, R, R, 3) each sample at each view, on white.
        samples: (S, units) the sampled activations.
        nearest_chairs: (S,) the training chair whose activations are
            nearest to each sample.
        nearest_distances: (S,) that distance.
        nearest_images: (S, R, R, 3) each nearest chair at the first view.
        typical_distance: the median distance between two training styles,
            to compare the nearest distances with.
    """

    images: np.ndarray
    samples: np.ndarray
    nearest_chairs: np.ndarray
    nearest_distances: np.ndarray
    nearest_images: np.ndarray
    typical_distance: float


def new_chairs(
    model,
    layer_name,
    train_chairs,
    num_samples,
    seed,
    azimuths,
    elevations,
    rectify=True,
):
    """Samples `num_samples` styles from the Gaussian fitted to the
    `train_chairs`' activations of `layer_name` and draws them at the views
    (`azimuths`, `elevations` in degrees, broadcast together)."""
    train_chairs = np.asarray(train_chairs)
    styles = style_activations(model, layer_name, train_chairs)
    draws = sample(fit_gaussian(styles), num_samples, seed, rectify)
    index, distance = nearest(draws, styles)
    pairwise = np.linalg.norm(styles[:, None] - styles[None], axis=-1)
    typical = float(np.median(pairwise[np.triu_indices(len(styles), 1)]))
    azimuths, elevations = np.broadcast_arrays(
        np.asarray(azimuths, np.float32), np.asarray(elevations, np.float32)
    )
    views = azimuths.size
    # The decoder replaces the class stream, so the class input it is given
    # is never read: any id will do.
    inputs = generator_io.generator_inputs(
        model,
        classes=np.zeros(num_samples * views, np.int64),
        azimuths=np.tile(azimuths.ravel(), num_samples),
        elevations=np.tile(elevations.ravel(), num_samples),
    )
    cut = latent.cut(model, layer_name)
    images = grids.on_white(*cut.decode(np.repeat(draws, views, axis=0), inputs))
    nearest_images = generator_io.draw(
        model,
        classes=train_chairs[index],
        azimuths=azimuths.ravel()[0],
        elevations=elevations.ravel()[0],
    )
    return NewChairs(
        images=images.reshape((num_samples, views) + images.shape[1:]),
        samples=draws,
        nearest_chairs=train_chairs[index],
        nearest_distances=distance,
        nearest_images=nearest_images,
        typical_distance=typical,
    )


def training_chairs(num_classes, holdout=None):
    """The chair ids a run was trained on: all, or without the held-out
    chairs (0, 10, 20, ...) under ``holdout="chairs"``."""
    ids = np.arange(num_classes)
    if holdout == "chairs":
        from gen.data import splits

        ids = ids[ids % splits.HELDOUT_CHAIR_STEP != 0]
    return ids


def figure(result, layer_name, azimuths, elevation):
    """Samples (rows) at each view, then each one's nearest training chair
    (at the first view), labelled."""
    samples, views = result.images.shape[:2]
    tiles = np.concatenate([result.images, result.nearest_images[:, None]], axis=1)
    return figures.labelled_grid(
        tiles.reshape((-1,) + tiles.shape[2:]),
        samples,
        views + 1,
        row_labels=[f"#{i} ~ chair {c}" for i, c in enumerate(result.nearest_chairs)],
        col_labels=[figures.angle_label(a, elevation) for a in azimuths] + ["nearest"],
        title=f"new chairs from a Gaussian fitted to {layer_name}; last: "
        "the nearest training chair",
    )


def write_results(out, result, layer_name, azimuths, elevation, seed):
    """Writes ``samples_<layer>.png`` (the `figure`) and
    ``samples_<layer>.json`` (nearest chairs and distances); returns both
    paths."""
    picture = atomic_files.write_png(
        os.path.join(out, f"samples_{layer_name}.png"),
        figure(result, layer_name, azimuths, elevation),
    )
    summary = atomic_files.write_json(
        os.path.join(out, f"samples_{layer_name}.json"),
        {
            "layer": layer_name,
            "seed": seed,
            "azimuths": [float(a) for a in azimuths],
            "elevation": float(elevation),
            "nearest_training_chair": result.nearest_chairs.tolist(),
            "distance_to_nearest": result.nearest_distances.tolist(),
            "median_distance_between_training_chairs": result.typical_distance,
        },
    )
    return picture, summary
