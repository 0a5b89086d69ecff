"""Max pooling and switch unpooling written in `keras.ops`: the definitions.

Both read the ``kh * kw`` shifted views of the input that the pooling
windows read (`windows`), find each window's first maximum in row-major
order as one mask per view (`first_maxima`), and either sum the masked
views (`pool_by_windows`) or put each value back through its mask, adding
where views land on one position (`unpool_by_windows`). Elementwise ops,
pads and reshapes only: XLA fuses them into one loop. Every backend's
recipe in `layers.backends` computes these same functions.
"""

from keras import ops

from layers import _spatial, arithmetic


def windows(x, pool_size, strides, padding):
    """The ``kh * kw`` shifted views of `x` that pooling windows read.

    Entry ``u * kw + v`` is ``(B, pooled_h, pooled_w, C)``: element
    ``(i, j)`` is row ``i*sh + u - top``, column ``j*sw + v - left`` of `x`
    (``-inf`` outside it), so pooling window ``(i, j)`` is entry ``[i, j]``
    of every view, in row-major order.
    """
    (kh, kw), (sh, sw) = pool_size, strides
    _, h, w, c = _spatial.dims(x)
    top, oh, rows = arithmetic.pooling_canvas(h, kh, sh, padding)
    left, ow, cols = arithmetic.pooling_canvas(w, kw, sw, padding)
    canvas = _spatial.pad_or_crop(
        x, (top, rows - top - h), (left, cols - left - w), constant_values=float("-inf")
    )
    cells = ops.reshape(canvas, (-1, rows // sh, sh, cols // sw, sw, c))
    return [
        cells[:, u // sh : u // sh + oh, u % sh, v // sw : v // sw + ow, v % sw]
        for u in range(kh)
        for v in range(kw)
    ]


def first_maxima(views):
    """One boolean mask per view: where it holds its window's first maximum
    (row-major order). Elementwise ops only, which XLA fuses into a loop."""
    window_max = views[0]
    for view in views[1:]:
        window_max = ops.maximum(window_max, view)
    masks, taken = [], None
    for view in views:
        hit = ops.equal(view, window_max)
        if taken is not None:
            hit = ops.logical_and(hit, ops.logical_not(taken))
        taken = hit if taken is None else ops.logical_or(taken, hit)
        masks.append(hit)
    return masks


def pool_by_windows(inputs, pool_size, strides, padding):
    """Max pooling of NHWC `inputs` whose gradient goes to each window's
    first maximum (row-major order), as TensorFlow's and PyTorch's does.

    Returns ``(B, pooled_h, pooled_w, C)``, equal to
    ``keras.ops.max_pool(inputs, pool_size, strides, padding)``.
    """
    views = windows(inputs, pool_size, strides, padding)
    masks = first_maxima([ops.stop_gradient(v) for v in views])
    zeros = ops.zeros_like(views[0])
    pooled = None
    for view, mask in zip(views, masks):
        part = ops.where(mask, view, zeros)
        pooled = part if pooled is None else pooled + part
    return pooled


def unpool_by_windows(updates, switches, pool_size, strides, padding):
    """Switch unpooling: `updates` ``(B, pooled_h, pooled_w, C)`` into the
    shape of `switches` ``(B, H, W, C)``.

    Every value of `updates` goes to the first maximum (row-major order) of
    its pooling window in `switches`; values landing on one position add.
    Needs the spatial size of `switches` to be known.
    """
    (kh, kw), (sh, sw) = pool_size, strides
    _, h, w, _ = _spatial.dims(switches)
    top, _, rows = arithmetic.pooling_canvas(h, kh, sh, padding)
    left, _, cols = arithmetic.pooling_canvas(w, kw, sw, padding)
    masks = first_maxima(windows(switches, pool_size, strides, padding))
    zeros = ops.zeros_like(updates)
    # View (u, v) = (a*sh + ry, b*sw + rx) lands on output phase (ry, rx),
    # shifted by (a, b) cells; the phases interleave into the canvas.
    qy, qx = -(-kh // sh), -(-kw // sw)
    phases = [None] * (sh * sw)
    for index, mask in enumerate(masks):
        u, v = divmod(index, kw)
        part = _spatial.pad_or_crop(
            ops.where(mask, updates, zeros),
            (u // sh, qy - 1 - u // sh),
            (v // sw, qx - 1 - v // sw),
        )
        phase = (u % sh) * sw + v % sw
        phases[phase] = part if phases[phase] is None else phases[phase] + part
    filler = next(p for p in phases if p is not None)
    phases = [ops.zeros_like(filler) if p is None else p for p in phases]
    unpooled = _spatial.interleave_phases(phases, (sh, sw))
    return _spatial.pad_or_crop(
        unpooled, (-top, h - (rows - top)), (-left, w - (cols - left))
    )
