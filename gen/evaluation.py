"""How well a chairs generator reproduces a set of chair images.

Computed in numpy from the generator's outputs, independently of Keras'
compiled metrics, so that the same function scores a run during training,
at its end, and from a saved `.keras` file.
"""

import numpy as np

from gen import render


def psnr(mse, max_value=1.0):
    return 10.0 * np.log10(max_value ** 2 / np.maximum(mse, 1e-10))


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
    inputs = render.generator_inputs(model, classes=data.chair_ids,
                                     azimuths=data.azimuths,
                                     elevations=data.elevations)
    return render.generate(model, inputs, batch_size)


def per_image_scores(model, data, batch_size=64):
    """Per-image masked-RGB MSE, PSNR (dB) and mask IoU, as (N,) arrays."""
    rgb, mask = predict(model, data, batch_size)
    target_rgb, target_mask = targets(data)
    mse = ((rgb - target_rgb) ** 2).reshape(len(rgb), -1).mean(axis=1)
    return {"mse": mse, "psnr": psnr(mse),
            "mask_iou": mask_iou(target_mask, mask)}


def summary(model, data, batch_size=64):
    """Means over the images of `data`: mse, psnr, mask_iou, and the count."""
    scores = per_image_scores(model, data, batch_size)
    out = {name: float(np.mean(values)) for name, values in scores.items()}
    out["images"] = int(len(data.images))
    return out
