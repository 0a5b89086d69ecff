r"""New chairs, not in the training set: activations of a class-stream layer
sampled from a Gaussian fitted to the training styles' activations (the
TPAMI paper's method), decoded at several views.

    python -m experiments.sample --workdir=runs/chairs
    python -m experiments.sample --workdir=runs/chairs --layer=class_fc1 \
        --num_samples=16 --seed=3

Writes under --out (default <workdir>/sample):

    samples_<layer>.png   rows: samples ("~ chair N": the nearest training
                          chair); columns: --azimuths views, then that
                          nearest chair
    samples_<layer>.json  nearest training chair and distance per sample,
                          and the median distance between training chairs
"""

from experiments import _run_flags
from gen import cli
from gen.explore import explore_config, run_files

_SAMPLE = _run_flags.define(explore_config.SampleConfig)


def main(argv):
    cli.check_no_arguments(argv)
    config = _SAMPLE.config()  # checks the values before TensorFlow loads
    info = _run_flags.locate(config)
    azimuths = list(config.azimuths)
    _run_flags.cut_layer(info, config.layer)
    out = _run_flags.out_dir(config, info, "sample")

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
    _run_flags.wrote(
        picture,
        f"{config.num_samples} new chairs x "
        f"{len(azimuths)} views, from a Gaussian fitted to "
        f"{config.layer} of {len(train_chairs)} training chairs",
    )
    _run_flags.wrote(summary, "the nearest training chair of every sample")


if __name__ == "__main__":
    cli.run(main)
