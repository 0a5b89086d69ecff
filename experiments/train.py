"""Train a "Learning to Generate Chairs" generator.

    python -m experiments.train --workdir=runs/chairs [--dataset=...] ...

Run the same command again to resume from the last checkpoint. Everything
the run writes goes under --workdir (see WORKSPACE.md). `--flagfile=FILE`
reads flags from a file, one per line; flags after it override it (a
shorter --steps also shortens the file's --warmup_steps to a tenth of the
run, saying so). Every setting is a field of
`gen.training.train_config.TrainConfig`.
"""

import sys

from gen import cli, settings, workdir_setting
from gen.training import flagfile_overrides, train_config
from gen.training import workdir as run_folder

_WORKDIR = settings.define_flags(workdir_setting.WorkdirSetting)
_TRAIN = settings.define_flags(train_config.TrainConfig)


def main(argv):
    cli.check_no_arguments(argv)
    # Every check that needs no TensorFlow, before it loads.
    workdir = _WORKDIR.config().workdir
    values, note = flagfile_overrides.warmup_within_steps(_TRAIN.values(), sys.argv)
    checked = run_folder.check_run(train_config.TrainConfig(**values), workdir)
    if note:
        print(note, flush=True)
    from gen.training import stop_signals, trainer

    try:
        trainer.train_checked(checked)
    except stop_signals.RunStopped as stopped:  # its step is saved
        stop_signals.exit_at_once(stopped.code)


if __name__ == "__main__":
    cli.run(main)
