r"""The held-out table of a trained generator and its checkerboard measure.

    python -m experiments.evaluate --workdir=runs/chairs
    python -m experiments.evaluate --generator=chairs.keras --data_dir=data \
        --num_chairs=100 --holdout=views

Per-pixel MSE (the papers' measure), PSNR, SSIM and mask IoU on the
training views and the held-out views (the latter also by azimuth), or on
training and held-out chairs, and, for every uconv layer, the variance of
its output over the s x s output phases on a constant input. Writes
under --out (default <workdir>/evaluate):

    evaluation.json   the table's numbers, and the checkerboard measures
    evaluation.md     the same as Markdown tables, with what they mean
    checkerboard.png  each uconv layer's most uneven channels on a constant
                      input
"""

import os

from experiments import _run_flags
from gen import cli
from gen.explore import explore_config, run_files

_EVALUATE = _run_flags.define(explore_config.EvaluateConfig)


def main(argv):
    cli.check_no_arguments(argv)
    config = _EVALUATE.config()  # checks the values before TensorFlow loads
    info = _run_flags.locate(config)
    source = run_files.require_data(
        _run_flags.data_source(config, info), "experiments.evaluate"
    )
    out = _run_flags.out_dir(config, info, "evaluate")

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
    _run_flags.wrote(path, "held-out table and checkerboard measures")
    path = atomic_files.write_text(
        os.path.join(out, "evaluation.md"),
        "## Held-out evaluation\n\n"
        + heldout_table.markdown(table)
        + "\n## Checkerboard artifacts of the uconv layers\n\n"
        + checkerboard.markdown(uneven),
    )
    _run_flags.wrote(path, "the same as Markdown tables")
    print(heldout_table.markdown(table))
    path = checkerboard.write_figure(
        os.path.join(out, "checkerboard.png"), model, uneven
    )
    _run_flags.wrote(path, "constant-input responses of the uconv layers")


if __name__ == "__main__":
    cli.run(main)
