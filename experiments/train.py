"""Train a "Learning to Generate Chairs" generator.

    python -m experiments.train --workdir=runs/chairs [--dataset=...] ...

Run the same command again to resume from the last checkpoint. Everything
the run writes goes under --workdir (see WORKSPACE.md). `--flagfile=FILE`
reads flags from a file, one per line. Every setting is a field of
`gen.training.train_config.TrainConfig`; `--helpfull` lists them.
"""

from absl import flags

from gen import cli, settings
from gen.errors import UserError
from gen.training import train_config

_WORKDIR = flags.DEFINE_string("workdir", None, "Folder of the run (required).")
_TRAIN = settings.define_flags(train_config.TrainConfig)


def main(argv):
    cli.check_no_arguments(argv)
    if not _WORKDIR.value:
        raise UserError("--workdir is required: the folder where the run "
                        "writes its checkpoints, logs and pictures.")
    config = _TRAIN.config()  # validates before TensorFlow loads
    from gen.training import trainer
    trainer.train(config, _WORKDIR.value)


if __name__ == "__main__":
    cli.run(main)
