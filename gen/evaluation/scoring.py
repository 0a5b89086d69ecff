"""How well a chairs generator reproduces a set of chair images.

Computed in numpy from the generator's outputs, independently of Keras'
compiled metrics, so that the same function scores a run during training,
at its end, and from a saved `.keras` file.
"""

import numpy as np

from gen.models import generator_io

CHUNK = 512  # images scored at a time, so that large datasets fit in memory
MEASURES = ("mse", "psnr", "ssim", "mask_iou")  # with SSIM; `image_scores`


def psnr(mse, max_value=1.0):
    return 10.0 * np.log10(max_value**2 / np.maximum(mse, 1e-10))


def mask_iou(target, predicted, threshold=0.5):
    """Per-image IoU of thresholded masks (1 where both are empty)."""
    t = target > threshold
    p = predicted > threshold
    axes = tuple(range(1, t.ndim))
    inter = (t & p).sum(axes).astype(np.float64)
    union = (t | p).sum(axes).astype(np.float64)
    return np.where(union > 0, inter / np.maximum(union, 1), 1.0)


def targets(data):
    """(masked rgb in [0, 1], mask in {0, 1}) float32 arrays of a ChairsData."""
    mask = data.masks.astype(np.float32)
    return data.images.astype(np.float32) / 255.0 * mask, mask


def predict(model, data, batch_size=64):
    """Generated (rgb, mask) for every example of `data`, no augmentation."""
    inputs = generator_io.generator_inputs(
        model,
        classes=data.chair_ids,
        azimuths=data.azimuths,
        elevations=data.elevations,
    )
    return generator_io.generate(model, inputs, batch_size)


def mse(target, predicted):
    """Per-image mean squared error over pixels and channels, (N,)."""
    diff = np.asarray(predicted, np.float64) - np.asarray(target, np.float64)
    return (diff**2).reshape(len(diff), -1).mean(axis=1)


def ssim(target, predicted, batch_size=256):
    """Per-image SSIM (N,) of images in [0, 1]: `tf.image.ssim` with
    max_val 1 and its defaults (Gaussian window 11, sigma 1.5, K1 0.01,
    K2 0.03, mean over positions and channels). Images need at least
    11 x 11 pixels."""
    import tensorflow as tf

    target = np.asarray(target, np.float32)
    predicted = np.asarray(predicted, np.float32)
    return np.concatenate(
        [
            tf.image.ssim(
                target[i : i + batch_size], predicted[i : i + batch_size], max_val=1.0
            ).numpy()
            for i in range(0, len(target), batch_size)
        ]
    ).astype(np.float64)


def image_scores(rgb, mask, target_rgb, target_mask, with_ssim=False):
    """Per-image masked-RGB MSE, PSNR (dB), mask IoU and, `with_ssim`, the
    masked-RGB SSIM, as (N,) arrays, from generated and target arrays."""
    errors = mse(target_rgb, rgb)
    scores = {
        "mse": errors,
        "psnr": psnr(errors),
        "mask_iou": mask_iou(target_mask, mask),
    }
    if with_ssim:
        scores["ssim"] = ssim(target_rgb, rgb)
    return scores


def per_image_scores(model, data, batch_size=64, with_ssim=False):
    """Per-image masked-RGB MSE, PSNR (dB), mask IoU (and SSIM, `with_ssim`)
    of the generator on `data`, as (N,) arrays, computed `CHUNK` images at a
    time so that large datasets fit in memory."""
    parts = []
    for start in range(0, len(data), CHUNK):
        rows = data.rows(np.arange(start, min(start + CHUNK, len(data))))
        rgb, mask = predict(model, rows, batch_size)
        target_rgb, target_mask = targets(rows)
        parts.append(image_scores(rgb, mask, target_rgb, target_mask, with_ssim))
    return {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}


def summary(model, data, batch_size=64):
    """Means over the images of `data`: mse, psnr, mask_iou, and the count."""
    scores = per_image_scores(model, data, batch_size)
    out = {name: float(np.mean(values)) for name, values in scores.items()}
    out["images"] = int(len(data.images))
    return out
