"""The flags the scripts that explore a trained generator share, and their
checks: which run (--workdir or --generator), where to write (--out), the
real images for the scripts that show or score them, and lists of numbers.

Import after `gen.cli` (which quiets TensorFlow before it loads). Nothing
here loads TensorFlow: flag mistakes and a missing run are reported at once.
"""

import os

from absl import flags

from gen.errors import UserError
from gen.explore import run_files

FLAGS = flags.FLAGS
flags.DEFINE_string(
    "workdir", None, "Folder of a finished training run (experiments.train)."
)
flags.DEFINE_string(
    "generator", None, "A saved generator (.keras), instead of --workdir."
)
flags.DEFINE_string(
    "out",
    None,
    "Output folder (default: a subfolder of the run, or next to the --generator file).",
)


def define_data_flags():
    """--dataset, --data_dir, --num_chairs, --chair_list, --holdout: the real
    images of a bare --generator file (a run knows its own)."""
    flags.DEFINE_string(
        "dataset",
        None,
        "With --generator: synthetic_chairs (default) or rendered_chairs, as trained.",
    )
    flags.DEFINE_string(
        "data_dir",
        None,
        "TFDS data directory of the chairs data (a run's own by default).",
    )
    flags.DEFINE_integer(
        "num_chairs",
        None,
        "With --generator: chairs in the data, as trained "
        "(default: the generator's number of classes).",
    )
    flags.DEFINE_string(
        "chair_list",
        None,
        "With --generator and rendered_chairs: the list file it was trained with.",
    )
    flags.DEFINE_string(
        "holdout",
        None,
        "With --generator: the held-out protocol it was "
        "trained with, views (default), chairs or none.",
    )


def locate():
    """The `RunInfo` of --workdir / --generator (no TensorFlow)."""
    return run_files.locate(FLAGS.workdir, FLAGS.generator)


def data_source(info):
    """The real images of the run (None for a bare file without data
    flags)."""
    return run_files.data_source(
        info,
        dataset=FLAGS.dataset,
        data_dir=FLAGS.data_dir,
        num_chairs=FLAGS.num_chairs,
        chair_list=FLAGS.chair_list,
        holdout=FLAGS.holdout,
    )


def out_dir(info, name):
    """--out, or the default folder `name` of the run."""
    out = FLAGS.out or run_files.default_out(info, name)
    out = os.path.abspath(os.path.expanduser(out))
    if os.path.exists(out) and not os.path.isdir(out):
        raise UserError(
            f"--out {out} is a file; name a folder (it is created if needed)."
        )
    return out


def numbers(text, kind, flag, minimum=None, maximum=None):
    """The comma-separated numbers of a flag, each in [minimum, maximum]."""
    try:
        values = [kind(v) for v in str(text).split(",") if v.strip()]
    except ValueError:
        values = None
    if not values:
        raise UserError(
            f"--{flag} must be {kind.__name__}s separated by commas, got {text!r}."
        )
    for value in values:
        if (minimum is not None and value < minimum) or (
            maximum is not None and value > maximum
        ):
            span = (
                f"in [{minimum}, {maximum}]"
                if maximum is not None
                else f"at least {minimum}"
            )
            raise UserError(f"--{flag} values must be {span}, got {value}.")
    return values


def at_least(value, minimum, flag):
    if value is None or value < minimum:
        raise UserError(f"--{flag} must be at least {minimum}, got {value}.")
    return value


def azimuth(value, flag="azimuth"):
    if not -360 <= value <= 360:
        raise UserError(f"--{flag} must be in [-360, 360] degrees, got {value}.")
    return value


def elevation(value, flag="elevation"):
    if not -90 <= value <= 90:
        raise UserError(f"--{flag} must be in [-90, 90] degrees, got {value}.")
    return value


def chair_ids(text, info, flag="chairs"):
    """The chair ids of a flag, checked against the run's classes when
    config.json says them (else after loading, `checked_chairs`)."""
    ids = numbers(text, int, flag)
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
