"""The chairs papers' augmentation: per-image spatial and colour transforms, as theta.

Dosovitskiy et al. draw a transformation for every training image, apply it to
the image (and its spatial part to the mask) and give its parameters to the
generator as the input "theta", so that the network learns to draw
transformed chairs on request. Here theta has `NUM_TRANSFORM = 8` entries,
each drawn uniformly from [-strength, strength] (strength in [0, 1], ramped up
during training) and scaled so that the transform's parameter is
`SPREADS[k] * theta[k]`; theta is therefore O(1) as a network input and zero
means "no change":

  k  name            parameter                      spread  effect
  0  log_zoom        log z                          0.3     zoom z in [0.74, 1.35]
  1  log_squeeze     log q                          0.1     x scaled by z*q, y by z/q
  2  translate_x     tx as a fraction of the width  0.1     shift right
  3  translate_y     ty as a fraction of the height 0.1     shift down
  4  rotation        angle in radians               0.2     counter-clockwise on screen
  5  log_brightness  log b                          0.7     RGB times b in [0.5, 2]
  6  log_saturation  log s                          0.7     chroma times s in [0.5, 2]
  7  hue             angle in radians               1.5     chroma rotated by the angle

The spatial transform scales and rotates about the image centre, then shifts:
an input pixel at p goes to `c + t + rot(angle) @ diag(z*q, z/q) @ (p - c)`.
The colour transforms are linear in YIQ (brightness scales everything,
saturation scales I and Q, hue rotates the (I, Q) plane), so they are one 3x3
matrix per image; they are applied first, clipped to [0, 1], and the result is
put back on white by the mask. The spatial transform then moves image and mask
together (one bilinear resampling of `[1 - image, mask]`, so that what comes
in from outside is white in the image and 0 in the mask; `resample` is the
sampling of `tf.raw_ops.ImageProjectiveTransformV3`, written so that XLA
compiles it), and the mask is re-binarised at 0.5.

Drawing is stateless: theta of example `index` depends on `(seed, index)`
only, so a training run can be resumed at any step (`gen.data.input_pipeline`).
"""

import numpy as np
import tensorflow as tf

NUM_TRANSFORM = 8
NAMES = (
    "log_zoom",
    "log_squeeze",
    "translate_x",
    "translate_y",
    "rotation",
    "log_brightness",
    "log_saturation",
    "hue",
)
SPREADS = (0.3, 0.1, 0.1, 0.1, 0.2, 0.7, 0.7, 1.5)

# RGB -> YIQ (NTSC).
_RGB_TO_YIQ = np.array(
    [[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]]
)
_YIQ_TO_RGB = np.linalg.inv(_RGB_TO_YIQ)


def draw_theta(seed, index, strength=1.0):
    """theta of example `index`: strength * U(-1, 1)^8, stateless in (seed, index)."""
    key = tf.stack([tf.cast(seed, tf.int64), tf.cast(index, tf.int64)])
    u = tf.random.stateless_uniform([NUM_TRANSFORM], seed=key, minval=-1.0, maxval=1.0)
    return u * tf.cast(strength, tf.float32)


def parameters(theta):
    """The transform parameters `SPREADS * theta` ([..., 8] float32)."""
    return tf.convert_to_tensor(theta, tf.float32) * tf.constant(SPREADS, tf.float32)


def spatial_transforms(theta, height, width):
    """[B, 8] `ImageProjectiveTransformV3` rows: output pixel -> input pixel.

    Pixel (x, y) is column x, row y, with pixel centres on integers, so the
    centre of the image is ((width - 1) / 2, (height - 1) / 2).
    """
    p = parameters(theta)
    zoom, squeeze = tf.exp(p[:, 0]), tf.exp(p[:, 1])
    sx, sy = zoom * squeeze, zoom / squeeze
    tx, ty = p[:, 2] * width, p[:, 3] * height
    cos, sin = tf.cos(p[:, 4]), tf.sin(p[:, 4])
    cx, cy = (width - 1) / 2, (height - 1) / 2
    # Forward: p_out = c + t + M (p_in - c) with M = rot @ diag(sx, sy) and,
    # y pointing down, rot = [[cos, sin], [-sin, cos]] turns counter-clockwise
    # on screen. Inverse: p_in = c + A (p_out - c - t), A = M^-1.
    a00, a01 = cos / sx, -sin / sx
    a10, a11 = sin / sy, cos / sy
    ox, oy = cx + tx, cy + ty
    zeros = tf.zeros_like(a00)
    return tf.stack(
        [
            a00,
            a01,
            cx - a00 * ox - a01 * oy,
            a10,
            a11,
            cy - a10 * ox - a11 * oy,
            zeros,
            zeros,
        ],
        axis=1,
    )


def color_matrices(theta):
    """[B, 3, 3] RGB -> RGB matrices of the brightness, saturation and hue."""
    p = parameters(theta)
    brightness, saturation, hue = tf.exp(p[:, 5]), tf.exp(p[:, 6]), p[:, 7]
    cos, sin = saturation * tf.cos(hue), saturation * tf.sin(hue)
    ones, zeros = tf.ones_like(cos), tf.zeros_like(cos)
    yiq = tf.reshape(
        tf.stack([ones, zeros, zeros, zeros, cos, -sin, zeros, sin, cos], axis=1),
        [-1, 3, 3],
    )
    to_rgb = tf.constant(_YIQ_TO_RGB, tf.float32)
    to_yiq = tf.constant(_RGB_TO_YIQ, tf.float32)
    return brightness[:, None, None] * tf.linalg.matmul(
        to_rgb, tf.linalg.matmul(yiq, to_yiq)
    )


def resample(images, transforms):
    """Bilinear resampling with 0 outside, as `tf.raw_ops.ImageProjectiveTransformV3`
    (interpolation "BILINEAR", fill_mode "CONSTANT", fill_value 0) does it.

    Written with gathers so that XLA compiles and fuses it with the rest of
    the augmentation.

    Args:
      images: [B, H, W, C] float32.
      transforms: [B, 8] affine rows (the last two entries are ignored: 0).
    """
    shape = tf.shape(images)
    batch, height, width, channels = shape[0], shape[1], shape[2], shape[3]
    rows, cols = tf.meshgrid(
        tf.range(height, dtype=tf.float32),
        tf.range(width, dtype=tf.float32),
        indexing="ij",
    )
    t = transforms[:, :, None, None]
    x = t[:, 0] * cols + t[:, 1] * rows + t[:, 2]
    y = t[:, 3] * cols + t[:, 4] * rows + t[:, 5]
    x0, y0 = tf.floor(x), tf.floor(y)
    wx, wy = (x - x0)[..., None], (y - y0)[..., None]
    # A ring of zeros around every image stands for everything outside it:
    # indices are clipped onto the ring, in padded coordinates (+1).
    padded_h, padded_w = height + 2, width + 2
    flat = tf.reshape(tf.pad(images, [[0, 0], [1, 1], [1, 1], [0, 0]]), [-1, channels])
    xi, yi = tf.cast(x0, tf.int32) + 1, tf.cast(y0, tf.int32) + 1
    left, right = (
        tf.clip_by_value(xi, 0, padded_w - 1),
        tf.clip_by_value(xi + 1, 0, padded_w - 1),
    )
    top, bottom = (
        tf.clip_by_value(yi, 0, padded_h - 1),
        tf.clip_by_value(yi + 1, 0, padded_h - 1),
    )
    base = (tf.range(batch) * padded_h * padded_w)[:, None, None]

    def at(row, col):
        return tf.gather(flat, base + row * padded_w + col)

    upper = at(top, left) * (1.0 - wx) + at(top, right) * wx
    lower = at(bottom, left) * (1.0 - wx) + at(bottom, right) * wx
    return upper * (1.0 - wy) + lower * wy


@tf.function(jit_compile=True)
def _transform(images, masks, theta):
    """[B, H, W, 4]: the transformed images and masks in one tensor.

    One output whose every element needs one element of the resampled tensor:
    XLA then resamples once. (With the image and the mask as two outputs, or
    with the colour matrix applied after resampling, it recomputes the gathers
    for every consumer, several times slower.)
    """
    shape = tf.shape(images)
    # Colour first, then compose on white by the mask: the background stays
    # white whatever the colour transform does to it.
    colored = tf.einsum("bhwc,bdc->bhwd", images, color_matrices(theta))
    colored = tf.clip_by_value(colored, 0.0, 1.0) * masks + (1.0 - masks)
    transforms = spatial_transforms(
        theta, tf.cast(shape[1], tf.float32), tf.cast(shape[2], tf.float32)
    )
    # 1 - image is 0 on the white background, as the mask is: one resampling
    # with 0 outside moves both together and brings in white from outside.
    moved = resample(tf.concat([1.0 - colored, masks], axis=-1), transforms)
    is_mask = tf.range(4) == 3
    return tf.where(is_mask, tf.cast(moved > 0.5, tf.float32), 1.0 - moved)


def apply(images, masks, theta):
    """Transforms a batch as theta says (XLA-compiled).

    Args:
      images: [B, H, W, 3] float32 in [0, 1], the chairs on white.
      masks: [B, H, W, 1] float32 in {0, 1}.
      theta: [B, 8] float32.

    Returns:
      (images [B, H, W, 3] in [0, 1], white off the chair; masks [B, H, W, 1]
      in {0, 1}).
    """
    both = _transform(images, masks, theta)
    return both[..., :3], both[..., 3:]
