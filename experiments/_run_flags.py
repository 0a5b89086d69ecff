"""What the scripts that explore a trained generator share: their settings
(`gen.explore.explore_config`) read from the flags, and the checks against
the run: which run (--workdir or --generator), where to write (--out), its
real images, chair ids and layer names.

Nothing here loads TensorFlow: flag mistakes and a missing run are reported
at once.
"""

import os

from gen import settings
from gen.explore import run_files


def define(config_class):
    """The flags of `config_class` (an `explore_config.RunChoice`)."""
    return settings.define_flags(config_class)


def locate(config):
    """The `RunInfo` of --workdir / --generator (no TensorFlow)."""
    return run_files.locate(config.workdir, config.generator)


def data_source(config, info):
    """The real images of the run (None for a bare file without data
    flags)."""
    return run_files.data_source(
        info,
        dataset=config.dataset,
        data_dir=config.data_dir,
        num_chairs=config.num_chairs,
        chair_list=config.chair_list,
        holdout=config.holdout,
    )


def out_dir(config, info, name):
    """--out, or the default folder `name` of the run."""
    out = config.out or run_files.default_out(info, name)
    out = os.path.abspath(os.path.expanduser(out))
    settings.check_folder_path(out, "out", "the pictures are written into")
    return out


def chair_ids(ids, info, flag="chairs"):
    """The chair ids of a flag, checked against the run's classes when
    config.json says them (else after loading, `checked_chairs`)."""
    ids = list(ids)
    if info.num_classes is not None:
        run_files.check_chair_ids(ids, info.num_classes, f"--{flag}")
    return ids


def cut_layer(info, name):
    """`name`, checked against the generator's layers before it loads."""
    return run_files.check_cut_layer(name, info.cut_layers)


def checked_chairs(ids, model, flag="chairs"):
    return run_files.check_chair_ids(ids, run_files.num_classes_of(model), f"--{flag}")


def wrote(path, what):
    """Tells the user about a file written."""
    print(f"wrote {path}: {what}")
