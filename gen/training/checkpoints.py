"""A damaged checkpoint costs one checkpoint: finding the newest readable
checkpoint of a run to resume from.

A checkpoint (``ckpt-N.index`` + ``ckpt-N.data-*``) can be left damaged
by a full disk, a file system's crash or a bad copy: its data file
truncated, its index missing or corrupt. Before a run resumes, every
checkpoint it has (those the ``checkpoint`` index lists, and any others
on disk) is read in full, newest first; the damaged ones are named with
why in one line, and the run resumes from the newest readable one. The
index is rewritten to list only readable checkpoints, so that
`tf.train.CheckpointManager` carries on from there; the damaged files
stay until the run saves that step again (it writes over them).
"""

import os
import re

import tensorflow as tf

from gen.errors import UserError

_FILE = re.compile(r"^ckpt-(\d+)\.(index|data-\d+-of-\d+)$")
_LISTED = re.compile(r'^all_model_checkpoint_paths: "(?:.*/)?ckpt-(\d+)"', re.M)
_LATEST = re.compile(r'^model_checkpoint_path: "(?:.*/)?ckpt-(\d+)"', re.M)


def steps_present(directory):
    """The steps of every checkpoint the index lists or whose files are in
    `directory`, newest first."""
    steps = set()
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    for name in names:
        match = _FILE.match(name)
        if match:
            steps.add(int(match.group(1)))
    try:
        with open(os.path.join(directory, "checkpoint")) as f:
            text = f.read()
    except OSError:
        text = ""
    steps.update(int(s) for s in _LISTED.findall(text) + _LATEST.findall(text))
    return sorted(steps, reverse=True)


def problem(prefix):
    """Why the checkpoint at `prefix` (``.../ckpt-N``) cannot be read, in a
    few words; None when every tensor in it reads."""
    folder, name = os.path.split(prefix)
    index = prefix + ".index"
    if not os.path.exists(index):
        return "its .index file is missing"
    data = [f for f in os.listdir(folder) if f.startswith(name + ".data-")]
    if not data:
        return "its .data file is missing"
    try:
        reader = tf.train.load_checkpoint(prefix)
        for tensor in reader.get_variable_to_shape_map():
            reader.get_tensor(tensor)
    except IndexError:  # what TensorFlow raises for a short read
        sizes = ", ".join(
            f"{f}: {os.path.getsize(os.path.join(folder, f)):,} bytes" for f in data
        )
        return f"its .data file is truncated ({sizes})"
    except (tf.errors.OpError, OSError, ValueError) as e:
        text = " ".join(str(getattr(e, "message", e)).split())
        if "Failed to find any matching files" in text:
            return "its .data file is missing"
        return f"it is unreadable: {text[:200]}"
    return None


def _rewrite_index(directory, readable):
    """Lists only the `readable` checkpoints (oldest first) in the index."""
    tf.compat.v1.train.update_checkpoint_state(
        directory,
        readable[-1],
        all_model_checkpoint_paths=readable,
    )


def newest_readable(directory, log, rewrite_index=True):
    """The prefix of the newest checkpoint in `directory` that reads in
    full, or None when the run has none yet.

    Damaged ones newer than it are named in one line through `log`; with
    `rewrite_index` (the chief) the index is rewritten to list only the
    readable ones. Raises `UserError` when the run has checkpoints but none
    reads.
    """
    damaged = []
    found = None
    steps = steps_present(directory)
    for step in steps:
        prefix = os.path.join(directory, f"ckpt-{step}")
        why = problem(prefix)
        if why is None:
            found = prefix
            break
        damaged.append(f"ckpt-{step} ({why})")
    if not steps:
        return None
    if found is None:
        raise UserError(
            f"No checkpoint of the run in {os.path.dirname(directory)} can be "
            f"read: {'; '.join(damaged)}. Nothing was changed. Start the run "
            "afresh in another folder (the same command with another "
            "--workdir), or, to start over in this folder, remove its "
            f"{os.path.basename(directory)} folder first."
        )
    if damaged:
        log(
            f"checkpoint{'s' if len(damaged) > 1 else ''} "
            f"{', '.join(damaged)} cannot be read; resuming from "
            f"{os.path.basename(found)}, the newest readable one"
        )
        if rewrite_index:
            older = [
                os.path.join(directory, f"ckpt-{s}")
                for s in sorted(steps)
                if s <= int(found.rsplit("-", 1)[1])
                and problem(os.path.join(directory, f"ckpt-{s}")) is None
            ]
            _rewrite_index(directory, older)
    return found
