"""Checkerboard artifacts of the uconv layers, measured on a constant input.

A fixed-corner unpooling by s followed by a k x k convolution (the chairs
generator's "uconv") gives output pixels of different phases
``(y mod s, x mod s)`` different sub-kernels: with k = 5 and s = 2 the four
phases meet 3x3, 3x2, 2x3 and 2x2 taps. So even on a perfectly flat input
the output is a checkerboard unless training made the sub-kernels' sums
equal (Odena, Dumoulin & Olah 2016 describe the effect; they give no number).
The measure here:

- feed the layer's linear part (its kernel; the bias is the same for every
  phase and the activation would hide the pattern) a constant input of
  ones, larger than its receptive field;
- away from the borders the output is exactly periodic with period s; take
  the mean of every phase, per output channel;
- ``phase_variance``: the variance over the s x s phase means, averaged over
  channels; ``relative_spread``: its square root over the mean absolute
  phase mean, a scale-free number (0: no checkerboard).

For reference, a uniform 5x5 kernel unpooled by 2 has phase sums 9, 6, 6, 4
(per input channel): phase variance 3.1875 and relative spread 0.286.
"""

import numpy as np

import layers
from gen.pictures import atomic_files, figures

SHOWN_CHANNELS = 8  # channels per layer in the figure
CROP = 8  # output pixels shown per tile side (several periods)


def uconv_layer_names(model):
    """The `layers.UnpoolConv2D` layers of a model, in graph order."""
    return [
        layer.name for layer in model.layers if isinstance(layer, layers.UnpoolConv2D)
    ]


def _linear_copy(layer, kernel=None):
    """A float32 copy of the layer without bias and activation, holding
    `kernel` (default the layer's own)."""
    config = layer.get_config()
    config.update(
        activation=None, use_bias=False, dtype="float32", name=f"{layer.name}_linear"
    )
    copy = type(layer).from_config(config)
    kernel = np.asarray(layer.kernel if kernel is None else kernel, np.float32)
    copy.build((None, None, None, kernel.shape[2]))
    copy.kernel.assign(kernel)
    return copy


def constant_response(layer, input_size=None, kernel=None):
    """The linear part's output (H', W', C) on an all-ones input of
    `input_size` x `input_size` (default: three receptive fields wide)."""
    kernel_size = max(layer.kernel_size)
    if input_size is None:
        input_size = 3 * kernel_size
    copy = _linear_copy(layer, kernel)
    channels = copy.kernel.shape[2]
    ones = np.ones((1, input_size, input_size, channels), np.float32)
    return np.asarray(copy(ones))[0]


def phase_means(response, size, border):
    """(sy, sx, C) mean of every output phase, `border` pixels (rounded up to
    whole periods, so that phases stay aligned) left out at each edge."""
    sy, sx = size
    by, bx = -(-border // sy) * sy, -(-border // sx) * sx
    interior = response[by : response.shape[0] - by, bx : response.shape[1] - bx]
    if interior.shape[0] < sy or interior.shape[1] < sx:
        raise ValueError("The response is too small for its border.")
    return np.stack(
        [
            np.stack([interior[a::sy, b::sx].mean(axis=(0, 1)) for b in range(sx)])
            for a in range(sy)
        ]
    )


def phase_statistics(means):
    """``(phase_variance, relative_spread)`` of (sy, sx, C) phase means."""
    flat = means.reshape(-1, means.shape[-1]).astype(np.float64)
    variance = float(flat.var(axis=0).mean())
    scale = float(np.abs(flat.mean(axis=0)).mean())
    return variance, float(np.sqrt(variance) / scale) if scale > 0 else 0.0


def measure_layer(layer, kernel=None):
    """Phase statistics of one uconv layer (or of `kernel` in its place)."""
    response = constant_response(layer, kernel=kernel)
    means = phase_means(response, layer.size, max(layer.kernel_size))
    variance, relative = phase_statistics(means)
    per_channel = np.sqrt(means.reshape(-1, means.shape[-1]).var(axis=0))
    return {
        "phase_variance": variance,
        "relative_spread": relative,
        "size": list(layer.size),
        "kernel_size": list(layer.kernel_size),
        "channels": int(response.shape[-1]),
        "channel_spread": per_channel.tolist(),
    }


def measure(model):
    """{layer name: statistics} for every uconv layer, plus the same
    statistics of a uniform kernel of the first layer's geometry under
    "uniform_kernel_reference"."""
    names = uconv_layer_names(model)
    results = {name: measure_layer(model.get_layer(name)) for name in names}
    if names:
        first = model.get_layer(names[0])
        uniform = np.ones(first.kernel.shape[:2] + (1, 1), np.float32)
        reference = measure_layer(_reference_layer(first), uniform)
        reference.pop("channel_spread")
        results["uniform_kernel_reference"] = reference
    return results


def _reference_layer(layer):
    """A one-channel uconv of the layer's geometry (the caller gives the
    kernel)."""
    return layers.UnpoolConv2D(
        1,
        layer.kernel_size,
        size=layer.size,
        corner=layer.corner,
        use_bias=False,
        dtype="float32",
    )


def figure(model, results=None):
    """One row per uconv layer: its most uneven channels' constant-input
    responses (interior crop, each stretched to black..white), labelled with
    the layer's relative spread. Returns a uint8 picture."""
    results = results or measure(model)
    names = uconv_layer_names(model)
    tiles, labels = [], []
    for name in names:
        layer = model.get_layer(name)
        response = constant_response(layer)
        border = -(-max(layer.kernel_size) // layer.size[0]) * layer.size[0]
        crop = response[border : border + CROP, border : border + CROP]
        spread = np.asarray(results[name]["channel_spread"])
        order = np.argsort(-spread, kind="stable")[:SHOWN_CHANNELS]
        row = np.ones((SHOWN_CHANNELS, CROP, CROP, 3), np.float32)
        for slot, channel in enumerate(order):
            values = crop[..., channel]
            low, high = values.min(), values.max()
            row[slot] = (
                (values - low) / (high - low)
                if high > low
                else np.full_like(values, 0.5)
            )[..., None]
        tiles.append(row)
        labels.append(f"{name}\nspread {results[name]['relative_spread']:.3f}")
    return figures.labelled_grid(
        np.concatenate(tiles),
        len(names),
        SHOWN_CHANNELS,
        row_labels=labels,
        title="each uconv layer's most uneven channels on a constant input "
        "(spread: relative; a uniform kernel gives "
        f"{results['uniform_kernel_reference']['relative_spread']:.3f})",
        scale=8,
    )


def write_figure(path, model, results=None):
    return atomic_files.write_png(path, figure(model, results))


def markdown(results):
    """The measurements as a Markdown table, with the uniform-kernel row."""
    lines = [
        "| uconv layer | kernel / unpooling | channels | phase variance "
        "| relative spread |",
        "|---|---|---:|---:|---:|",
    ]
    for name, entry in results.items():
        title = (
            "uniform kernel (reference)"
            if name == "uniform_kernel_reference"
            else f"`{name}`"
        )
        kernel = "x".join(map(str, entry["kernel_size"]))
        size = "x".join(map(str, entry["size"]))
        lines.append(
            f"| {title} | {kernel} / {size} | {entry['channels']} | "
            f"{entry['phase_variance']:.4g} | "
            f"{entry['relative_spread']:.3f} |"
        )
    lines.append("")
    lines.append(
        "- Each layer's kernel (no bias, no activation) on a constant input "
        "of ones: the variance of its output over the output phases "
        "(y mod s, x mod s) away from the borders, averaged over channels, "
        "and its square root over the mean absolute output (0: no "
        "checkerboard)."
    )
    return "\n".join(lines) + "\n"
