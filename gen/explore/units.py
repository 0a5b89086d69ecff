"""Single units of a generator: what one unit draws alone, and what a chair
loses without some (Dosovitskiy et al., TPAMI 2017).

- Single-unit images: the activations of one layer are all zero except one
  unit, set to `value`, and decoded (`gen.explore.latent`: the layers downstream are
  recomputed, the inputs the layer does not replace are given). A unit of a
  fully connected layer is one neuron; a unit of a convolutional layer is
  one channel at one position, by default the centre of its maps, so the
  image shows that channel's pattern as the layers above spread it out.
  The picture is what the unit adds to the RGB output (the mask output for
  layers of the mask branch) compared with the whole layer at zero, shown
  around mid-grey and stretched per image: a lone unit draws faintly, and
  the rest of the output (the biases' picture, or for a branch layer the
  other branch's chair) would hide it.
- Knock-outs: a chair's activations with chosen units set to zero (for a
  convolutional layer the whole channel, everywhere) and decoded beside the
  chair as drawn normally.

Which units to look at: `rank_units` orders them by their mean activation
over some inputs (the chairs of a run), since many units of a trained ReLU
network never fire and draw nothing.
"""

import os

import numpy as np

from gen.errors import UserError
from gen.explore import latent
from gen.models import generator_io
from gen.pictures import atomic_files, figures, grids


def check_units(units, num_units, layer_name):
    """`units` as a list of ints; UserError for indices out of range."""
    units = [int(u) for u in units]
    bad = sorted({u for u in units if not 0 <= u < num_units})
    if bad:
        raise UserError(
            f"Unit index {', '.join(map(str, bad))} out of "
            f"range: layer {layer_name} has {num_units} units "
            f"(0..{num_units - 1})."
        )
    return units


def mean_activations(cut, inputs):
    """(units,) mean activation of every unit over `inputs` (and positions)."""
    h = cut.activations(inputs)
    return h.reshape(-1, h.shape[-1]).mean(axis=0)


def rank_units(cut, inputs, count):
    """The `count` units with the largest mean activation over `inputs`."""
    means = mean_activations(cut, inputs)
    return [int(u) for u in np.argsort(-means, kind="stable")[:count]]


def largest_activation(cut, inputs):
    """The largest activation of the layer over `inputs`: a value at which a
    single unit is as strong as it gets on real chairs."""
    return float(cut.activations(inputs).max())


def single_unit_activations(shape, units, value, position=None):
    """(len(units), *shape) activations, each zero but for one unit.

    For maps (shape (H, W, C)) the unit is channel `unit` at `position`
    (row, column), default the centre.
    """
    h = np.zeros((len(units),) + tuple(shape), np.float32)
    if len(shape) == 1:
        h[np.arange(len(units)), units] = value
        return h
    rows, cols = shape[0], shape[1]
    y, x = (rows // 2, cols // 2) if position is None else position
    if not (0 <= y < rows and 0 <= x < cols):
        raise UserError(f"Position {(y, x)} is outside the {rows}x{cols} maps.")
    h[np.arange(len(units)), y, x, units] = value
    return h


def shown_output(model, layer_name):
    """The output whose change single-unit images show: "rgb" when the layer
    feeds it, else "mask" (layers of the mask branch)."""
    feeds = latent.outputs_depending_on(model, layer_name)
    return "rgb" if "rgb" in feeds else "mask"


def around_grey(changes):
    """Changes (N, R, R, C) shown around mid-grey, each image stretched on
    its own: ``0.5 + d / (2 max |d|)``, as RGB."""
    changes = np.asarray(changes, np.float32)
    peak = np.abs(changes).reshape(len(changes), -1).max(axis=1)
    shown = 0.5 + changes / (2.0 * np.maximum(peak, 1e-12))[:, None, None, None]
    return np.repeat(shown, 3, axis=-1) if shown.shape[-1] == 1 else shown


def unit_changes(model, layer_name, units, value, inputs, position=None):
    """What each unit alone draws: the output (`shown_output`) with the layer
    zero but for that unit (= `value`), minus the output with the whole
    layer zero (the biases' picture).

    `inputs` is one example's generator inputs (arrays of length 1): the
    inputs the layer does not replace (for a stream layer, the other
    streams; for a branch layer, the other branch) come from it.

    Returns (len(units), R, R, C) float32 differences (C = 3 for "rgb",
    1 for "mask").
    """
    cut = latent.cut(model, layer_name)
    units = check_units(units, cut.num_units, layer_name)
    h = single_unit_activations(cut.shape, units, value, position)
    h = np.concatenate([np.zeros((1,) + cut.shape, np.float32), h])
    repeated = {
        k: np.repeat(np.asarray(v)[:1], len(h), axis=0) for k, v in inputs.items()
    }
    rgb, mask = cut.decode(h, repeated)
    drawn = rgb if shown_output(model, layer_name) == "rgb" else mask
    return drawn[1:] - drawn[:1]


def unit_images(model, layer_name, units, value, inputs, position=None):
    """`unit_changes` as pictures (`around_grey`): (len(units), R, R, 3)."""
    return around_grey(unit_changes(model, layer_name, units, value, inputs, position))


def knockout_images(model, layer_name, inputs, unit_sets):
    """Each example of `inputs` as drawn, then with each set of units zeroed.

    Args:
        model: a chairs generator.
        layer_name: the layer whose units are knocked out.
        inputs: generator inputs of N examples.
        unit_sets: K lists of unit indices.

    Returns:
        (images (N, K + 1, R, R, 3) on white, the original first;
        change (N, K) mean absolute change of the image in [0, 1]).
    """
    cut = latent.cut(model, layer_name)
    sets = [check_units(s, cut.num_units, layer_name) for s in unit_sets]
    h = cut.activations(inputs)
    n = len(h)
    variants = [h]
    for units in sets:
        knocked = h.copy()
        knocked[..., units] = 0.0
        variants.append(knocked)
    repeated = {
        k: np.tile(np.asarray(v), (len(variants),) + (1,) * (np.asarray(v).ndim - 1))
        for k, v in inputs.items()
    }
    images = grids.on_white(*cut.decode(np.concatenate(variants), repeated))
    images = images.reshape((len(variants), n) + images.shape[1:])
    images = images.transpose((1, 0) + tuple(range(2, images.ndim)))
    change = np.abs(images[:, 1:] - images[:, :1]).reshape(n, len(sets), -1)
    return images, change.mean(axis=-1)


def default_layers(model):
    """The layers shown by default: those after the streams meet (they see
    every input) that are followed by an activation; the linear output
    layers' units are just output channels."""
    names = []
    everything = list(model.input)
    for name in latent.cut_layer_names(model):
        activation = getattr(model.get_layer(name), "activation", None)
        linear = activation is None or getattr(activation, "__name__", "") == "linear"
        if not linear and latent.input_dependencies(model, name) == everything:
            names.append(name)
    return names


def knockout_sets(ranked, num_units, explicit=None):
    """(labels, unit sets) of the knock-outs: each `explicit` unit alone and
    all of them together, or else the top 1, 2, 4, ... units of `ranked`
    (most active first), up to half the layer."""
    if explicit:
        sets = [[u] for u in explicit]
        labels = [f"-#{u}" for u in explicit]
        if len(explicit) > 1:
            sets.append(list(explicit))
            labels.append("-all")
        return labels, sets
    counts, k = [], 1
    while k <= max(1, num_units // 2):
        counts.append(k)
        k *= 2
    return [f"-top {k}" for k in counts], [list(ranked[:k]) for k in counts]


def write_figures(
    out,
    model,
    layer_names,
    *,
    chair,
    azimuth,
    elevation,
    units=None,
    num_units=16,
    value=None,
    knockout=None,
):
    """Writes ``units.png`` (rows: layers; tiles: single units, the most
    active first unless `units` are given), ``knockout.png`` (rows: layers;
    columns: the chair, then with units knocked out) and ``units.json``.

    Units are ranked by their mean activation over every chair at the view;
    `value` (default: each layer's largest activation there) is what a
    single unit is set to. The inputs the layers do not replace are
    `chair`'s at the view. Returns [(path, description)].
    """
    classes = model.input["class"].shape[-1]
    probe = generator_io.generator_inputs(
        model, classes=np.arange(classes), azimuths=azimuth, elevations=elevation
    )
    own = generator_io.generator_inputs(
        model, classes=[chair], azimuths=azimuth, elevations=elevation
    )
    single_tiles, single_labels, knock_tiles, row_labels = [], [], [], []
    summary = {
        "chair": int(chair),
        "azimuth": float(azimuth),
        "elevation": float(elevation),
        "layers": {},
    }
    knock_labels = None
    count = len(units) if units else num_units
    for name in layer_names:
        cut = latent.cut(model, name)
        chosen = (
            check_units(units, cut.num_units, name)
            if units
            else rank_units(cut, probe, min(num_units, cut.num_units))
        )
        strength = value if value is not None else largest_activation(cut, probe)
        tiles = unit_images(model, name, chosen, strength, own)
        pad = np.ones((count - len(chosen),) + tiles.shape[1:], np.float32)
        single_tiles.append(np.concatenate([tiles, pad]))
        single_labels += [f"#{u}" for u in chosen] + [""] * len(pad)
        ranked_for_chair = rank_units(cut, own, cut.num_units)
        labels, sets = knockout_sets(
            ranked_for_chair,
            cut.num_units,
            check_units(knockout, cut.num_units, name) if knockout else None,
        )
        if knock_labels is None or len(labels) > len(knock_labels):
            knock_labels = labels
        images, change = knockout_images(model, name, own, sets)
        knock_tiles.append(images[0])
        row_labels.append(name)
        summary["layers"][name] = {
            "units": chosen,
            "value": float(strength),
            "knockout": [
                {"label": label, "units": s, "mean_abs_change": float(d)}
                for label, s, d in zip(labels, sets, change[0])
            ],
        }
    written = []
    path = atomic_files.write_png(
        os.path.join(out, "units.png"),
        figures.labelled_grid(
            np.concatenate(single_tiles),
            len(layer_names),
            count,
            row_labels=row_labels,
            tile_labels=single_labels,
            title="what one unit draws (the rest of its layer zero): change "
            "of the RGB output (mask for mask layers), grey = 0; other "
            f"inputs: chair {chair} at "
            f"{figures.angle_label(azimuth, elevation)}",
        ),
    )
    written.append((path, f"{count} single units of each of {', '.join(layer_names)}"))
    width = len(knock_labels) + 1
    rows = []
    for tiles in knock_tiles:
        pad = np.ones((width - len(tiles),) + tiles.shape[1:], np.float32)
        rows.append(np.concatenate([tiles, pad]))
    path = atomic_files.write_png(
        os.path.join(out, "knockout.png"),
        figures.labelled_grid(
            np.concatenate(rows),
            len(layer_names),
            width,
            row_labels=row_labels,
            col_labels=["original"] + knock_labels,
            title=f"chair {chair} at {figures.angle_label(azimuth, elevation)}"
            " with units set to zero (top: its most active units)",
        ),
    )
    written.append((path, f"chair {chair} with units of each layer knocked out"))
    written.append(
        (
            atomic_files.write_json(os.path.join(out, "units.json"), summary),
            "the units shown, their value and the knock-outs' mean change",
        )
    )
    return written
