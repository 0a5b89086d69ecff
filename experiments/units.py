r"""Single units of a trained generator: the image one unit draws with the
rest of its layer at zero, and what a chair loses when units are knocked out
(set to zero).

    python -m experiments.units --workdir=runs/chairs
    python -m experiments.units --workdir=runs/chairs \
        --layers=joint_fc2,rgb_uconv1 --units=0,5,17 --knockout=3,8 --chair=4

Writes under --out (default <workdir>/units):

    units.png     rows: --layers; tiles: single units ("#u"), the most active
                  over all chairs first, or --units
    knockout.png  rows: --layers; columns: --chair as drawn, then without
                  its 1, 2, 4, ... most active units (or each of --knockout
                  and all of them)
    units.json    the units shown, the value they were set to, and each
                  knock-out's mean absolute change of the image
"""

from experiments import _run_flags
from gen import cli
from gen.explore import explore_config, run_files

_UNITS = _run_flags.define(explore_config.UnitsConfig)


def main(argv):
    cli.check_no_arguments(argv)
    config = _UNITS.config()  # checks the values before TensorFlow loads
    info = _run_flags.locate(config)
    (chair,) = _run_flags.chair_ids([config.chair], info, "chair")
    units = list(config.units) if config.units else None
    knockout = list(config.knockout) if config.knockout else None
    layer_names = (
        [
            _run_flags.cut_layer(info, name.strip())
            for name in config.layers
            if name.strip()
        ]
        if config.layers
        else None
    )
    out = _run_flags.out_dir(config, info, "units")

    from gen.explore import latent
    from gen.explore import units as unit_tools

    model = run_files.load_generator(info.generator_path)
    (chair,) = _run_flags.checked_chairs([chair], model, "chair")
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
        _run_flags.wrote(path, what)


if __name__ == "__main__":
    cli.run(main)
