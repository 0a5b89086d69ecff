"""Fused fixed-corner unpooling + convolution: the "uconv" of the chairs paper.

Why it is fused
---------------
Fixed-corner unpooling by ``s`` followed by a ``k x k`` "same" convolution
spends ``(s^2 - 1) / s^2`` of its multiply-adds on the zeros the unpooling
inserted. Output pixel ``p = s*i + r`` (phase ``r``) only ever meets the taps
``t = t0, t0 + s, ...`` with ``t0 = (c + d - r) mod s`` (``c = (k - 1) // 2``
the kernel's centre, ``d`` the corner), which read input rows ``i + o_r``,
``i + o_r + 1``, ... with ``o_r = (r + t0 - c - d) / s``. So every phase is an
ordinary stride-1 convolution of the small input with a sub-kernel
``w[t0::s]``, and the output interleaves the ``s x s`` phases. Three exact
formulations follow:

* ``"phases"``: ``s^2`` convolutions with the exact sub-kernels, then
  depth-to-space; no wasted multiply-adds.
* ``"subpixel"``: one stride-1 convolution whose ``s^2 * filters`` output
  channels are the zero-padded sub-kernels side by side, then depth-to-space
  (Shi et al. 2016); a few wasted taps, one large op.
* ``"transpose"``: one stride-``s`` transposed convolution with the flipped
  kernel and padding ``(k - 1 - c - d, k - s - (k - 1 - c - d))``, the way the
  authors' Caffe files run it. It needs both paddings to be non-negative.

``"auto"`` runs ``"phases"`` for wide outputs and ``"subpixel"`` for
narrow ones, where one wide convolution beats ``s^2`` thin ones; the width
at which it switches depends on the backend and the compute dtype
(`layers.backends.UCONV_PHASES_FROM`). ``"transpose"`` is never chosen
automatically. `experiments.bench_layers` measures all three against the
explicit pair on each backend; docs/benchmarks.md has the figures.
"""

import keras
from keras import ops

from layers import _backend, _checks, _spatial, _weight_settings, arithmetic, backends

IMPLEMENTATIONS = ("auto", "phases", "subpixel", "transpose")


def auto_implementation(filters, dtype, backend=None):
    """The formulation "auto" runs for `filters` outputs in `dtype` on
    `backend` (None: the running one): ``"phases"`` or ``"subpixel"``."""
    return backends.uconv_implementation(filters, dtype, backend)


def phase_taps(kernel_size, size, corner):
    """For one axis: ``(t0, n_taps, offset)`` of every output phase.

    Phase ``r`` output ``i`` equals ``sum_n w[t0 + size*n] * x[i + offset + n]``
    for ``n < n_taps``; ``n_taps`` is 0 when the kernel is smaller than the
    cell and no tap reaches that phase (its output is the bias alone).
    """
    c = (kernel_size - 1) // 2
    taps = []
    for r in range(size):
        t0 = (c + corner - r) % size
        n = len(range(t0, kernel_size, size))
        taps.append((t0, n, (r + t0 - c - corner) // size))
    return taps


def transpose_padding(kernel_size, size, corner):
    """``(before, after)`` padding of the equivalent transposed convolution."""
    before = kernel_size - 1 - (kernel_size - 1) // 2 - corner
    return before, kernel_size - size - before


@keras.saving.register_keras_serializable(package="layers")
class UnpoolConv2D(keras.layers.Layer):
    """Fixed-corner unpooling followed by a "same" convolution, fused.

    The output equals
    ``Conv2D(filters, kernel_size, padding="same")(FixedCornerUnpooling2D(size,
    corner)(x))`` with the same kernel and bias, computed without
    materialising the unpooled zeros (see the module docstring). The kernel
    has `keras.layers.Conv2D`'s layout ``(kh, kw, in_channels, filters)``, so
    weights move between the fused layer and the explicit pair unchanged.

    Args:
        filters: int, number of output channels.
        kernel_size: int or pair, the convolution window (odd sizes centre
            the window; even sizes follow TensorFlow's "same" convention).
        size: int or pair ``(sy, sx)``, the unpooling factor.
        corner: pair ``(dy, dx)``, where each value sits in its unpooling cell.
        activation: activation applied to the output (None: linear).
        use_bias: whether to add a bias of shape ``(filters,)``.
        kernel_initializer, bias_initializer: initializers.
        kernel_regularizer, bias_regularizer, activity_regularizer:
            regularizers.
        kernel_constraint, bias_constraint: constraints.
        implementation: ``"auto"``, ``"phases"``, ``"subpixel"`` or
            ``"transpose"``; all compute the same function, on every
            backend. ``"auto"`` picks ``"phases"`` or ``"subpixel"`` by
            backend, width and dtype (see the module docstring).
        data_format: only ``"channels_last"``.
        **kwargs: base `keras.layers.Layer` arguments.

    Input shape:
        ``(batch, height, width, in_channels)``.

    Output shape:
        ``(batch, height * sy, width * sx, filters)``.

    Example:

    >>> uconv = layers.UnpoolConv2D(92, 5, activation="relu")
    >>> tuple(uconv(np.zeros((8, 16, 16, 256), "float32")).shape)
    (8, 32, 32, 92)
    """

    def __init__(
        self,
        filters,
        kernel_size,
        size=2,
        corner=(0, 0),
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        implementation="auto",
        data_format=None,
        **kwargs,
    ):
        name = type(self).__name__
        _backend.check_supported(name)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if isinstance(filters, bool) or not isinstance(filters, int) or (filters < 1):
            raise ValueError(f"`filters` must be a positive int, got {filters!r}.")
        self.filters = filters
        self.kernel_size = _checks.positive_pair(kernel_size, "kernel_size")
        self.size = _checks.positive_pair(size, "size")
        self.corner = _checks.corner_in_cell(corner, self.size)
        if implementation not in IMPLEMENTATIONS:
            raise ValueError(
                f"`implementation` must be one of {IMPLEMENTATIONS}, "
                f"got {implementation!r}."
            )
        if implementation == "transpose":
            pads = [
                transpose_padding(k, s, d)
                for k, s, d in zip(self.kernel_size, self.size, self.corner)
            ]
            if min(min(p) for p in pads) < 0:
                raise ValueError(
                    f"{name}: implementation='transpose' needs a kernel at "
                    f"least as large as the unpooling cell and the corner "
                    f"near its centre; kernel_size={self.kernel_size}, "
                    f"size={self.size}, corner={self.corner} would need "
                    f"negative padding {pads}. Use implementation='auto'."
                )
        self.implementation = implementation
        self.activation = keras.activations.get(activation)
        self.use_bias = use_bias
        _weight_settings.assign(
            self,
            kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint,
        )
        self.data_format = _checks.channels_last(data_format, name)
        self.input_spec = keras.layers.InputSpec(ndim=4)
        self._taps = [
            phase_taps(k, s, d)
            for k, s, d in zip(self.kernel_size, self.size, self.corner)
        ]

    @property
    def resolved_implementation(self):
        """The formulation `call` runs ("auto" resolved)."""
        if self.implementation != "auto":
            return self.implementation
        return auto_implementation(self.filters, self.compute_dtype)

    def build(self, input_shape):
        _, _, _, channels = _checks.rank4(input_shape, type(self).__name__)
        self.kernel = self.add_weight(
            name="kernel",
            shape=self.kernel_size + (channels, self.filters),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(self.filters,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        else:
            self.bias = None
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={-1: channels})
        self.built = True

    def call(self, inputs):
        kernel = ops.convert_to_tensor(self.kernel)
        method = self.resolved_implementation
        if method == "phases":
            outputs = self._phases(inputs, kernel)
        elif method == "subpixel":
            outputs = self._subpixel(inputs, kernel)
        else:
            outputs = self._transpose(inputs, kernel)
        if self.use_bias:
            outputs = backends.add_bias(outputs, self.bias)
        return self.activation(outputs) if self.activation else outputs

    def _sub_kernels(self, kernel):
        """``{(t0y, t0x): kernel[t0y::sy, t0x::sx]}`` for every phase with
        taps, as the backend cuts them fastest (`backends.sub_kernels`)."""
        return backends.sub_kernels(
            kernel,
            sorted({t0 for t0, n, _ in self._taps[0] if n}),
            sorted({t0 for t0, n, _ in self._taps[1] if n}),
            self.size,
        )

    def _phases(self, x, kernel):
        if backends.takes_kernel_gradient(kernel.dtype):
            # The convolutions see the kernel with its gradient stopped and
            # the backend's recipe supplies the gradient: same outputs.
            outputs = self._phase_outputs(x, ops.stop_gradient(kernel))
            return backends.with_kernel_gradient(
                outputs, x, kernel, self._taps, self.size
            )
        return self._phase_outputs(x, kernel)

    def _phase_outputs(self, x, kernel):
        subs = self._sub_kernels(kernel)
        outputs = []
        for t0y, ny, oy in self._taps[0]:
            for t0x, nx, ox in self._taps[1]:
                if ny == 0 or nx == 0:
                    # No tap reaches this phase: zeros (B, H, W, filters).
                    outputs.append(
                        ops.zeros_like(x[..., :1])
                        * ops.zeros(
                            (self.filters,), keras.backend.standardize_dtype(x.dtype)
                        )
                    )
                    continue
                outputs.append(
                    _stride1_conv(
                        x, subs[t0y, t0x], (-oy, oy + ny - 1), (-ox, ox + nx - 1)
                    )
                )
        return _spatial.interleave_phases(outputs, self.size)

    def _subpixel(self, x, kernel):
        spans = []
        for axis_taps in self._taps:
            live = [(o, n) for _, n, o in axis_taps if n]
            spans.append((min(o for o, _ in live), max(o + n - 1 for o, n in live)))
        (lo_y, hi_y), (lo_x, hi_x) = spans
        subs = self._sub_kernels(kernel)
        blocks = []
        for t0y, ny, oy in self._taps[0]:
            for t0x, nx, ox in self._taps[1]:
                if ny and nx:
                    # The sub-kernel where its input offsets fall inside
                    # the shared window [lo, hi].
                    pads = [
                        [oy - lo_y, hi_y - (oy + ny - 1)],
                        [ox - lo_x, hi_x - (ox + nx - 1)],
                    ]
                    block = ops.pad(subs[t0y, t0x], pads + [[0, 0], [0, 0]])
                else:  # A tapless phase: zeros of the window's size.
                    block = ops.pad(
                        kernel[:0, :0],
                        [[hi_y - lo_y + 1, 0], [hi_x - lo_x + 1, 0], [0, 0], [0, 0]],
                    )
                blocks.append(block)
        combined = ops.concatenate(blocks, axis=-1)
        y = _stride1_conv(x, combined, (-lo_y, hi_y), (-lo_x, hi_x))
        if self.size[0] == self.size[1]:
            return ops.depth_to_space(y, self.size[0])
        return _spatial.interleave_phases(
            ops.split(y, self.size[0] * self.size[1], axis=-1), self.size
        )

    def _transpose(self, x, kernel):
        # The stride-s transposed convolution of the flipped kernel, laid
        # out (kh, kw, filters, in) as keras.ops.conv_transpose takes it:
        # its full ("valid") output cropped by the padding.
        filters = ops.transpose(ops.flip(kernel, axis=(0, 1)), (0, 1, 3, 2))
        y = ops.conv_transpose(
            x, filters, strides=self.size, padding="valid", output_padding=0
        )
        pads = [
            transpose_padding(k, s, d)
            for k, s, d in zip(self.kernel_size, self.size, self.corner)
        ]
        return _spatial.pad_or_crop(
            y, (-pads[0][0], -pads[0][1]), (-pads[1][0], -pads[1][1])
        )

    def compute_output_shape(self, input_shape):
        b, h, w, _ = _checks.rank4(input_shape, type(self).__name__)
        return (
            b,
            arithmetic.unpooled_size(h, self.size[0]),
            arithmetic.unpooled_size(w, self.size[1]),
            self.filters,
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "kernel_size": self.kernel_size,
                "size": self.size,
                "corner": self.corner,
                "activation": keras.activations.serialize(self.activation),
                "use_bias": self.use_bias,
                **_weight_settings.config(self),
                "implementation": self.implementation,
                "data_format": self.data_format,
            }
        )
        return config


def _stride1_conv(x, kernel, rows, cols):
    """Stride-1 convolution of `x` padded by `rows`/`cols` (negative: cropped).

    Padding that matches the "same" rule goes to the convolution as
    ``"same"``; anything else is an explicit pad or crop followed by
    ``"valid"``, rather than a convolution with explicit padding, which
    oneDNN (TensorFlow's CPU kernels) runs far slower.
    """
    kh, kw = kernel.shape[0], kernel.shape[1]
    if tuple(rows) == ((kh - 1) // 2, kh // 2) and tuple(cols) == (
        (kw - 1) // 2,
        kw // 2,
    ):
        return ops.conv(x, kernel, strides=1, padding="same")
    x = _spatial.pad_or_crop(x, rows, cols)
    return ops.conv(x, kernel, strides=1, padding="valid")
