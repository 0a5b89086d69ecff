"""The strongest activations of a layer's feature maps over a stream of
images (Zeiler & Fergus' "top 9"), and the deconvnet projection of each.

For a layer of a trained convnet and a set of its feature maps, stream a
dataset through the network and keep, for every feature map, the 9 images
whose strongest activation of that map is largest (one entry per image);
then project each of those single activations to pixel space with the
deconvnet (`gen.deconvnet.network`). `gen.deconvnet.feature_sheets` draws
them.

Example:

>>> deconv = DeconvNet(model, "conv2")
>>> top = find_top_activations(deconv, batches(images, names, 64))
>>> projections = project_top(deconv, choose_features(top, 16))
"""

import dataclasses

import numpy as np

from gen.errors import UserError

TOP = 9  # images per feature map, shown 3x3


@dataclasses.dataclass
class TopActivations:
    """The strongest activations of some feature maps over a set of images.

    Attributes:
        layer_name: the layer.
        features: (F,) indices of the feature maps.
        scores: (F, k) activations, largest first; -inf where fewer than k
            images were seen.
        image_ids: (F, k) position of each image in the stream; -1 if none.
        positions: (F, k, 2) (row, col) of the activation in its feature
            map ((0, 0) for a Dense layer).
        images: (F, k, H, W, C) the images, as streamed (float, [0, 1]).
        names: (F, k) their names ("" if none).
        num_images: how many images were streamed.
    """

    layer_name: str
    features: np.ndarray
    scores: np.ndarray
    image_ids: np.ndarray
    positions: np.ndarray
    images: np.ndarray
    names: np.ndarray
    num_images: int


def batches(images, names=None, batch_size=64):
    """(images, names) batches of an in-memory array, for
    `find_top_activations`."""
    names = [str(i) for i in range(len(images))] if names is None else names
    for start in range(0, len(images), batch_size):
        yield (
            images[start : start + batch_size],
            list(names[start : start + batch_size]),
        )


def _identity(images):
    return images


def find_top_activations(deconv, image_batches, features=None, k=TOP, to_model=None):
    """The `k` images that activate each feature map most, in one pass.

    Args:
        deconv: a `gen.deconvnet.network.DeconvNet` for the layer.
        image_batches: iterable of (images, names): float (B, H, W, C) in
            [0, 1] and B names.
        features: feature map indices (default: all of them).
        k: images to keep per feature map.
        to_model: maps [0, 1] images to the model's input range (default:
            unchanged).

    Returns:
        A `TopActivations`. Ties keep the earlier image.
    """
    to_model = to_model or _identity
    features = (
        np.arange(deconv.num_features)
        if features is None
        else (np.asarray(features, int))
    )
    if (
        features.size == 0
        or features.min() < 0
        or (features.max() >= deconv.num_features)
    ):
        raise UserError(
            f"Feature indices must be in 0..{deconv.num_features - 1}"
            f" (layer '{deconv.layer_name}' has "
            f"{deconv.num_features} feature maps), got "
            f"{features.tolist()}."
        )
    n = len(features)
    scores = np.full((n, k), -np.inf, np.float32)
    ids = np.full((n, k), -1, np.int64)
    positions = np.zeros((n, k, 2), np.int64)
    kept = {}  # image id -> (image, name), only for ids in `ids`
    seen = 0
    for images, names in image_batches:
        images = np.asarray(images, np.float32)
        acts = deconv.activations(to_model(images))
        b = len(images)
        maps = acts.reshape(b, -1, acts.shape[-1])[:, :, features]  # (B, P, n)
        where = maps.argmax(axis=1)  # first maximum in row-major order
        best = np.take_along_axis(maps, where[:, None, :], axis=1)[:, 0]
        width = acts.shape[2] if acts.ndim == 4 else 1
        rows, cols = np.divmod(where, width)
        all_scores = np.concatenate([scores, best.T], axis=1)
        all_ids = np.concatenate(
            [ids, np.broadcast_to(np.arange(seen, seen + b), (n, b))], axis=1
        )
        all_positions = np.concatenate(
            [positions, np.stack([rows.T, cols.T], axis=-1)], axis=1
        )
        order = np.argsort(-all_scores, axis=1, kind="stable")[:, :k]
        scores = np.take_along_axis(all_scores, order, axis=1)
        ids = np.take_along_axis(all_ids, order, axis=1)
        positions = np.take_along_axis(all_positions, order[..., None], axis=1)
        for i, (image, name) in enumerate(zip(images, names)):
            kept[seen + i] = (image, name)
        wanted = set(ids[ids >= 0].tolist())
        kept = {i: v for i, v in kept.items() if i in wanted}
        seen += b
    if seen == 0:
        raise UserError("There were no images to look for activations in.")
    shape = next(iter(kept.values()))[0].shape
    images = np.zeros((n, k) + shape, np.float32)
    names = np.full((n, k), "", object)
    for (j, slot), i in np.ndenumerate(ids):
        if i >= 0:
            images[j, slot], names[j, slot] = kept[i]
    return TopActivations(
        deconv.layer_name, features, scores, ids, positions, images, names, seen
    )


def project_top(deconv, top, to_model=None):
    """The deconvnet projection of each kept activation on its own.

    Returns:
        float32 (F, k, H, W, C): for feature map `top.features[j]` and image
        slot s, the projection of that single activation (position
        `top.positions[j, s]`), every other activation of the layer zeroed.
        Zeros for empty slots.
    """
    to_model = to_model or _identity
    projections = np.zeros(top.images.shape, np.float32)
    for j, feature in enumerate(top.features):
        slots = np.flatnonzero(top.image_ids[j] >= 0)
        if slots.size == 0:
            continue
        inputs = to_model(top.images[j, slots])
        keep = np.zeros((len(slots),) + deconv.output_shape, np.float32)
        for row, slot in enumerate(slots):
            y, x = top.positions[j, slot]
            if deconv.is_spatial:
                keep[row, y, x, feature] = 1.0
            else:
                keep[row, feature] = 1.0
        projections[j, slots] = deconv.project_masked(inputs, keep)
    return projections


def choose_features(top, num_features):
    """The `num_features` feature maps with the largest top activations
    (dead maps, never above zero, left out), in index order: a
    `TopActivations` with only those."""
    alive = np.flatnonzero(top.scores[:, 0] > 0)
    strongest = alive[np.argsort(-top.scores[alive, 0], kind="stable")]
    chosen = np.sort(strongest[:num_features])
    return dataclasses.replace(
        top,
        features=top.features[chosen],
        scores=top.scores[chosen],
        image_ids=top.image_ids[chosen],
        positions=top.positions[chosen],
        images=top.images[chosen],
        names=top.names[chosen],
    )
