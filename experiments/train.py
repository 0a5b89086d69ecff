"""Train a "Learning to Generate Chairs" generator.

    python -m experiments.train --workdir=runs/chairs [--dataset=...] ...

Run the same command again to resume from the last checkpoint. Everything
the run writes goes under --workdir (see WORKSPACE.md). `--flagfile=FILE`
reads flags from a file, one per line. Every setting is a field of
`gen.training.train_config.TrainConfig`; `--helpfull` lists them.
"""

import os

from absl import flags

from gen import cli, settings
from gen.errors import UserError
from gen.training import cluster, train_config
from gen.training import workdir as run_folder

_WORKDIR = flags.DEFINE_string("workdir", None, "Folder of the run (required).")
_TRAIN = settings.define_flags(train_config.TrainConfig)


def main(argv):
    cli.check_no_arguments(argv)
    if not _WORKDIR.value:
        raise UserError(
            "--workdir is required: the folder where the run "
            "writes its checkpoints, logs and pictures."
        )
    # Every check that needs no TensorFlow, before it loads.
    config = _TRAIN.config().with_absolute_paths()
    config.check_paths()
    run_folder.check_workdir(config, os.path.abspath(_WORKDIR.value))
    if config.strategy == "multi_worker":
        cluster.from_tf_config()
    from gen.training import trainer

    trainer.train(config, _WORKDIR.value)


if __name__ == "__main__":
    cli.run(main)
