"""The data folder of a run opened elsewhere: made, when its data can be
built again from settings alone.

A run records the absolute TFDS data folder it was trained with; a copy of
the run on another machine (or a --data_dir typed for a new folder) names
one that does not exist. The synthetic chairs are rendered on this machine
from their settings, so their folder is made and the data rebuilt into it
when they are read (`gen.data.chairs_data.load_chairs`); the other datasets
are made from files only the user has, and a missing folder is a
`UserError` that says so. No TensorFlow.
"""

import os
import sys

from gen.data import dataset_registry
from gen.errors import UserError


def default_data_dir():
    """The folder TFDS reads and builds in when no data_dir is given."""
    return os.path.expanduser(
        os.environ.get("TFDS_DATA_DIR", os.path.join("~", "tensorflow_datasets"))
    )


def _check_rebuildable(source, missing, where=""):
    """A UserError, starting with `missing`, when `source`'s data are made
    from the user's own files and so cannot be built again from settings."""
    users_files = dataset_registry.lookup(source.dataset).users_files
    if users_files is not None:
        raise UserError(
            f"{missing}, and the {source.dataset} data cannot be rebuilt from "
            f"settings: they are made from {users_files}. Pass --data_dir=<the "
            f"folder they were built in{where}>, or one where they can be built "
            "from your copy (docs/data.md)."
        )


def _rebuild_in_default_folder(source):
    """A run whose recorded folder is not on this machine (a copy): its
    synthetic chairs are rebuilt in TFDS' default folder, said in one line;
    the datasets made from the user's files are a UserError."""
    _check_rebuildable(
        source,
        f"The run's data directory {source.recorded_data_dir} does not exist here",
        " on this machine",
    )
    chairs = f"{source.num_chairs} " if source.num_chairs else ""
    print(
        f"The run's data directory {source.recorded_data_dir} is not on this "
        f"machine: the {chairs}synthetic chairs are rebuilt from the run's "
        f"settings in the default data folder {default_data_dir()} "
        "(--data_dir chooses another).",
        file=sys.stderr,
        flush=True,
    )


def ensure_data_dir(source):
    """Makes `source.data_dir` if it does not exist (a run copied from
    another machine names a folder that is not here), when its data can be
    built again from settings alone (`DatasetKind.users_files` is None:
    synthetic_chairs, rendered on this machine when they are read,
    `gen.data.chairs_data.load_chairs`), and says so in one line on stderr.
    A UserError for the datasets made from the user's own files, and for a
    folder that cannot be made."""
    if source.data_dir is None and source.recorded_data_dir is None:
        return  # TFDS' default folder, which TFDS makes
    if source.data_dir is None:
        _rebuild_in_default_folder(source)
        return
    data_dir = os.path.abspath(os.path.expanduser(source.data_dir))
    if os.path.isdir(data_dir):
        return
    if os.path.exists(data_dir):
        raise UserError(
            f"The data directory {data_dir} is a file, not a folder; pass "
            "--data_dir=<a folder> where the chairs data are or may be built."
        )
    _check_rebuildable(source, f"The data directory {data_dir} does not exist")
    try:
        os.makedirs(data_dir)
    except OSError as e:
        raise UserError(
            f"The data directory {data_dir} does not exist and cannot be "
            f"created ({e.strerror or e}); pass --data_dir=<a folder you can "
            "write> and the synthetic chairs are rebuilt there."
        ) from e
    chairs = f"{source.num_chairs} " if source.num_chairs else ""
    print(
        f"The data directory {data_dir} did not exist: created it; the "
        f"{chairs}synthetic chairs are rebuilt there from their settings.",
        file=sys.stderr,
        flush=True,
    )
