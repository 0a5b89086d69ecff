"""Convolution arithmetic: output sizes, paddings and the transposed `a` term.

The relationships of Dumoulin & Visin, "A guide to convolution arithmetic for
deep learning" (2016), for one spatial axis. Every function takes an input
size `i`, a kernel size `k`, a stride `s`, a dilation `d` and a padding that is
either a Keras padding string (``"valid"``, ``"same"``) or explicit zero
padding: an int `p` (both sides) or a pair ``(before, after)``.

Sizes may be ``None`` (unknown); the result is then ``None``.

Example:

>>> conv_output_size(5, 3, strides=2, padding=1)          # relationship 6
3
>>> transposed_conv_output_size(3, 3, strides=2, padding=1,
...                             output_padding=0)         # relationship 14
5
>>> transposed_output_padding(6, 3, strides=2, padding=1) # the `a` term
1
"""

PADDING_STRINGS = ("valid", "same")


def _check_positive(value, name):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"`{name}` must be a positive int, got {value!r}.")


def _check_size(value, name):
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"`{name}` must be a non-negative int or None, got {value!r}.")


def effective_kernel_size(kernel_size, dilation_rate=1):
    """Size a dilated kernel spans: k + (k - 1)(d - 1) (relationship 15)."""
    _check_positive(kernel_size, "kernel_size")
    _check_positive(dilation_rate, "dilation_rate")
    return kernel_size + (kernel_size - 1) * (dilation_rate - 1)


def same_padding(input_size, kernel_size, strides=1, dilation_rate=1):
    """The explicit ``(before, after)`` padding that ``"same"`` stands for.

    TensorFlow's rule: the output has ``ceil(i / s)`` positions and the total
    padding ``max((o - 1) s + k_eff - i, 0)`` is split with the smaller half
    before. Returns None for an unknown input size.
    """
    _check_size(input_size, "input_size")
    _check_positive(strides, "strides")
    k = effective_kernel_size(kernel_size, dilation_rate)
    if input_size is None:
        return None
    out = -(-input_size // strides)
    total = max((out - 1) * strides + k - input_size, 0)
    return (total // 2, total - total // 2)


def explicit_padding(padding, input_size, kernel_size, strides=1, dilation_rate=1):
    """Resolves `padding` (string, int or pair) to ``(before, after)``.

    Returns None when `padding` is ``"same"`` and the input size is unknown.
    """
    if isinstance(padding, str):
        mode = padding.lower()
        if mode == "valid":
            return (0, 0)
        if mode == "same":
            return same_padding(input_size, kernel_size, strides, dilation_rate)
        raise ValueError(
            f"`padding` must be one of {PADDING_STRINGS}, a non-negative int "
            f"or a pair of them, got {padding!r}."
        )
    if isinstance(padding, int) and not isinstance(padding, bool):
        pair = (padding, padding)
    elif isinstance(padding, (tuple, list)) and len(padding) == 2:
        pair = tuple(padding)
    else:
        raise ValueError(
            f"`padding` must be one of {PADDING_STRINGS}, a non-negative int "
            f"or a pair of them, got {padding!r}."
        )
    for p in pair:
        if isinstance(p, bool) or not isinstance(p, int) or p < 0:
            raise ValueError(
                f"Explicit `padding` must be non-negative ints, got {padding!r}."
            )
    return pair


def conv_output_size(
    input_size, kernel_size, strides=1, padding="valid", dilation_rate=1
):
    """Output size of a convolution.

    Relationship 6, ``o = floor((i + 2p - k) / s) + 1``, generalised to
    asymmetric padding and to dilation (relationship 15, with
    ``k_eff = k + (k - 1)(d - 1)``). ``"same"`` gives ``ceil(i / s)``.
    """
    _check_size(input_size, "input_size")
    _check_positive(strides, "strides")
    k = effective_kernel_size(kernel_size, dilation_rate)
    if input_size is None:
        return None
    if isinstance(padding, str) and padding.lower() == "same":
        return -(-input_size // strides)
    before, after = explicit_padding(
        padding, input_size, kernel_size, strides, dilation_rate
    )
    span = input_size + before + after - k
    if span < 0:
        return 0
    return span // strides + 1


def pool_output_size(input_size, pool_size, strides=None, padding="valid"):
    """Output size of pooling: relationship 7, ``o = floor((i - k) / s) + 1``.

    `strides` defaults to `pool_size`, as in Keras. ``"same"`` gives
    ``ceil(i / s)`` (TensorFlow pads with -inf, never chosen by a max).
    """
    strides = pool_size if strides is None else strides
    return conv_output_size(input_size, pool_size, strides, padding)


def pooling_canvas(input_size, pool_size, strides, padding):
    """``(before, output_size, canvas_size)`` of pooling along one axis.

    The canvas is the input padded (or cropped) to whole stride cells, just
    enough of them to hold every window: ``output_size + ceil(k / s) - 1``
    cells of `strides` positions, starting `before` positions ahead of the
    input (the ``"same"`` padding before it, else 0).

    >>> pooling_canvas(7, 3, 2, "same")  # 4 windows, 2 + 1 cells of 2
    (1, 4, 10)
    """
    output_size = pool_output_size(input_size, pool_size, strides, padding)
    before = 0
    if padding == "same":
        before = same_padding(input_size, pool_size, strides)[0]
    cells = output_size - 1 + -(-pool_size // strides)
    return before, output_size, cells * strides


def transposed_conv_output_size(
    input_size,
    kernel_size,
    strides=1,
    padding="valid",
    output_padding=None,
    dilation_rate=1,
):
    """Output size of a transposed convolution, as Keras' Conv2DTranspose.

    With explicit padding ``(p_b, p_a)`` (or an int) and ``a`` =
    `output_padding` this is relationship 14 (13 and 12 are its special
    cases): ``o' = s (i' - 1) + a + k - p_b - p_a``. ``"valid"`` means
    ``p = 0`` and ``"same"`` means ``p = k // 2`` on both sides. When
    `output_padding` is None, Keras' default applies: ``"same"`` gives
    ``i' s`` and ``"valid"`` gives ``i' s + max(k - s, 0)``.
    """
    _check_size(input_size, "input_size")
    _check_positive(strides, "strides")
    k = effective_kernel_size(kernel_size, dilation_rate)
    if output_padding is not None:
        if (
            isinstance(output_padding, bool)
            or not isinstance(output_padding, int)
            or not 0 <= output_padding < max(strides, dilation_rate)
        ):
            raise ValueError(
                "`output_padding` must be an int in [0, strides) (the `a` "
                f"term of relationship 14), got {output_padding!r} with "
                f"strides={strides}."
            )
    if input_size is None:
        return None
    mode = padding.lower() if isinstance(padding, str) else None
    if output_padding is None and mode is not None:
        if mode == "same":
            return input_size * strides
        if mode == "valid":
            return input_size * strides + max(k - strides, 0)
    if mode == "same":
        before = after = k // 2
    else:
        before, after = explicit_padding(
            padding, None, kernel_size, strides, dilation_rate
        )
    a = output_padding or 0
    return strides * (input_size - 1) + a + k - before - after


def transposed_output_padding(
    forward_input_size, kernel_size, strides=1, padding="valid", dilation_rate=1
):
    """The `a` (`output_padding`) that makes a transposed conv restore a size.

    A convolution maps sizes ``i`` in a range of ``s`` values onto the same
    output size, so its transpose needs ``a = (i + p_b + p_a - k) mod s``
    (relationship 14) to give back exactly `forward_input_size`. Pass the
    result as `output_padding` to `keras.layers.Conv2DTranspose` with the same
    `kernel_size`, `strides` and `padding` as the forward convolution.

    Raises ValueError when no `output_padding` in ``[0, s)`` restores the
    size, which happens for ``"same"`` with an even kernel: Keras'
    transposed "same" pads ``k // 2`` on both sides while TensorFlow's forward
    "same" pads ``k - 1`` in total.
    """
    _check_positive(strides, "strides")
    if forward_input_size is None:
        raise ValueError(
            "`forward_input_size` must be known (not None) to "
            "compute the output padding that restores it."
        )
    out = conv_output_size(
        forward_input_size, kernel_size, strides, padding, dilation_rate
    )
    base = transposed_conv_output_size(
        out,
        kernel_size,
        strides,
        padding,
        output_padding=0,
        dilation_rate=dilation_rate,
    )
    a = forward_input_size - base
    if not 0 <= a < strides:
        raise ValueError(
            f"No output_padding in [0, {strides}) restores size "
            f"{forward_input_size} for kernel_size={kernel_size}, "
            f"strides={strides}, padding={padding!r}: the transpose of a "
            f"size-{out} output is {base} + a. Use an odd kernel or explicit "
            "padding."
        )
    return a


def unpooled_size(input_size, size):
    """Output size of unpooling by a factor `size`: ``i * size``."""
    _check_size(input_size, "input_size")
    _check_positive(size, "size")
    return None if input_size is None else input_size * size
