"""What each explore script does, one function per script, from its config
(`gen.explore.explore_config`): the checks against the run first (which
run, chair ids, layer names, the output folder), without TensorFlow, then
the generator loaded and the pictures written, each file announced in one
line.

    commands.render(explore_config.RenderConfig(workdir="runs/demo"))
"""

import os

from gen import settings
from gen.data import contact_sheet
from gen.explore import run_files

DEFAULT_CHAIRS = 4  # experiments.render without --chairs


def _locate(config):
    """The `RunInfo` of --workdir / --generator (no TensorFlow)."""
    return run_files.locate(config.workdir, config.generator)


def _data_source(config, info):
    """The real images of the run (None for a bare file without data
    flags)."""
    return run_files.data_source(info, **config.data_settings())


def _out_dir(config, info, name):
    """--out, or the default folder `name` of the run."""
    out = config.out or run_files.default_out(info, name)
    out = os.path.abspath(os.path.expanduser(out))
    settings.check_folder_path(out, "out", "the pictures are written into")
    return out


def _chair_ids(ids, info, flag="chairs"):
    """The chair ids of a flag, checked against the run's classes when
    config.json says them (else after loading, `_checked_chairs`)."""
    ids = list(ids)
    if info.num_classes is not None:
        run_files.check_chair_ids(ids, info.num_classes, f"--{flag}")
    return ids


def _cut_layer(info, name):
    """`name`, checked against the generator's layers before it loads."""
    return run_files.check_cut_layer(name, info.cut_layers)


def _checked_chairs(ids, model, flag="chairs"):
    return run_files.check_chair_ids(ids, run_files.num_classes_of(model), f"--{flag}")


def _wrote(path, what):
    print(f"wrote {path}: {what}")


def render(config):
    """The chairs x views grid (with --real the real images under it) and one turntable GIF per chair, under --out. Every check that needs no TensorFlow comes first."""
    views = contact_sheet.parse_views(config.views)
    info = _locate(config)
    chairs = _chair_ids(config.chairs, info) if config.chairs else None
    source = _data_source(config, info)
    if config.real:
        run_files.require_data(source, "--real")
    out = _out_dir(config, info, "render")

    from gen.explore import render  # loads Keras: after the flag checks

    model = run_files.load_generator(info.generator_path)
    if chairs is None:
        chairs = list(range(min(DEFAULT_CHAIRS, run_files.num_classes_of(model))))
    chairs = _checked_chairs(chairs, model)
    data = None
    if config.real:
        data = run_files.load_data(source, model)
    holdout = source.holdout if source else None
    grid = render.write_view_grid(
        os.path.join(out, "chairs_views.png"),
        model,
        chairs,
        views,
        data=data,
        holdout=holdout,
    )
    _wrote(
        grid,
        f"{len(chairs)} chairs x {len(views)} views"
        + (", real images under the generated" if data else ""),
    )
    for chair in chairs:
        path = render.write_turntable(
            os.path.join(out, f"turntable_chair{chair}.gif"),
            model,
            chair,
            config.frames,
            config.elevation,
            config.frame_ms,
        )
        _wrote(
            path,
            f"chair {chair}, {config.frames} frames over "
            f"360 degrees at elevation {config.elevation:g}",
        )


def evaluate(config):
    """The held-out table (JSON and Markdown, printed too) and the checkerboard figure, under --out. Every check that needs no TensorFlow comes first."""
    info = _locate(config)
    source = run_files.require_data(_data_source(config, info), "experiments.evaluate")
    out = _out_dir(config, info, "evaluate")

    from gen.evaluation import checkerboard, heldout_table
    from gen.pictures import atomic_files

    model = run_files.load_generator(info.generator_path)
    data = run_files.load_data(source, model)
    table = heldout_table.evaluate(model, data, source.holdout, config.batch_size)
    uneven = checkerboard.measure(model)
    path = atomic_files.write_json(
        os.path.join(out, "evaluation.json"),
        {**table, "checkerboard": uneven, "generator": info.generator_path},
    )
    _wrote(path, "held-out table and checkerboard measures")
    path = atomic_files.write_text(
        os.path.join(out, "evaluation.md"),
        "## Held-out evaluation\n\n"
        + heldout_table.markdown(table)
        + "\n## Checkerboard artifacts of the uconv layers\n\n"
        + checkerboard.markdown(uneven),
    )
    _wrote(path, "the same as Markdown tables")
    print(heldout_table.markdown(table))
    path = checkerboard.write_figure(
        os.path.join(out, "checkerboard.png"), model, uneven
    )
    _wrote(path, "constant-input responses of the uconv layers")


def interpolate(config):
    """Style morphs, one mixture, view interpolations and transformation sweeps, under --out. Every check that needs no TensorFlow comes first."""
    info = _locate(config)
    chairs = _chair_ids(config.chairs, info)
    mixture = config.mixture
    out = _out_dir(config, info, "interpolate")

    from gen.explore import interpolation  # loads Keras: after the checks

    weights = (
        None
        if mixture is None
        else interpolation.check_weights(mixture, len(chairs)).tolist()
    )
    model = run_files.load_generator(info.generator_path)
    chairs = _checked_chairs(chairs, model)
    written = interpolation.write_figures(
        out,
        model,
        chairs,
        steps=config.steps,
        weights=weights,
        azimuths=list(config.azimuths),
        elevation=config.elevation,
        azimuth_range=list(config.azimuth_range),
        elevation_range=list(config.elevation_range),
        view_steps=config.view_steps,
        sweep=config.sweep,
        sweep_steps=config.sweep_steps,
        frame_ms=config.frame_ms,
    )
    for path, what in written:
        _wrote(path, what)
    if (
        "transform" in model.input
        and info.train is not None
        and (not info.train.augment)
    ):
        print(
            "note: this run was trained without --augment, so theta was "
            "always 0 in training; the sweeps show what the untrained "
            "transformation inputs do."
        )


def arithmetic(config):
    """h(A) - h(B) + h(C) at --layer, decoded, next to A, B and C, under --out. Every check that needs no TensorFlow comes first."""
    info = _locate(config)
    chairs = _chair_ids(config.chairs, info)
    azimuths = list(config.azimuths)
    _cut_layer(info, config.layer)
    out = _out_dir(config, info, "arithmetic")

    from gen.explore import feature_arithmetic

    model = run_files.load_generator(info.generator_path)
    a, b, c = _checked_chairs(chairs, model)
    path = feature_arithmetic.write_figure(
        os.path.join(out, f"arithmetic_{a}_{b}_{c}_{config.layer}.png"),
        model,
        config.layer,
        a,
        b,
        c,
        azimuths,
        config.elevation,
    )
    _wrote(path, f"chairs {a} - {b} + {c} at {config.layer}, {len(azimuths)} views")


def sample(config):
    """New chairs sampled from a Gaussian fitted to the training styles' activations at --layer, and their nearest training chairs, under --out. Every check that needs no TensorFlow comes first."""
    info = _locate(config)
    azimuths = list(config.azimuths)
    _cut_layer(info, config.layer)
    out = _out_dir(config, info, "sample")

    from gen.explore import style_sampling

    model = run_files.load_generator(info.generator_path)
    style_sampling.style_layer_check(model, config.layer)
    train_chairs = style_sampling.training_chairs(
        run_files.num_classes_of(model), info.train.holdout if info.train else None
    )
    result = style_sampling.new_chairs(
        model,
        config.layer,
        train_chairs,
        config.num_samples,
        config.seed,
        azimuths,
        config.elevation,
        rectify=config.rectify,
    )
    picture, summary = style_sampling.write_results(
        out, result, config.layer, azimuths, config.elevation, config.seed
    )
    _wrote(
        picture,
        f"{config.num_samples} new chairs x "
        f"{len(azimuths)} views, from a Gaussian fitted to "
        f"{config.layer} of {len(train_chairs)} training chairs",
    )
    _wrote(summary, "the nearest training chair of every sample")


def units(config):
    """Single-unit images and knock-outs of --layers, under --out. Every check that needs no TensorFlow comes first."""
    info = _locate(config)
    (chair,) = _chair_ids([config.chair], info, "chair")
    units = list(config.units) if config.units else None
    knockout = list(config.knockout) if config.knockout else None
    layer_names = (
        [_cut_layer(info, name.strip()) for name in config.layers if name.strip()]
        if config.layers
        else None
    )
    out = _out_dir(config, info, "units")

    from gen.explore import latent
    from gen.explore import units as unit_tools

    model = run_files.load_generator(info.generator_path)
    (chair,) = _checked_chairs([chair], model, "chair")
    layer_names = layer_names or unit_tools.default_layers(model)
    # Every layer and unit checked before anything is written.
    for name in layer_names:
        size = latent.get_cut_layer(model, name).output.shape[-1]
        for given in (units, knockout):
            if given:
                unit_tools.check_units(given, size, name)
    written = unit_tools.write_figures(
        out,
        model,
        layer_names,
        chair=chair,
        azimuth=config.azimuth,
        elevation=config.elevation,
        units=units,
        num_units=config.num_units,
        value=config.value,
        knockout=knockout,
    )
    for path, what in written:
        _wrote(path, what)
