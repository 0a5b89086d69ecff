"""A full disk is a message: what a run needs on its disk, the warning at
its start, the watch while it trains and the one paragraph when a write
fails for lack of space (or permission).

A checkpoint, a sample grid, TensorBoard's logs or the final export that
cannot be written stops the run with one `UserError` paragraph saying
what was being written, where, how much it needs and how much is free; the
temporary files of the failed write are removed (a checkpoint's
``ckpt-N_temp`` folder, files of a checkpoint it had not yet published),
and the last complete checkpoint and every earlier output stay as they
were, so that the same command resumes once space is freed.

TensorFlow's summary writer drops events silently when the disk is full,
so `DiskWatch` looks at the free space every few steps and stops the run
before a checkpoint could not be written.
"""

import contextlib
import errno
import functools
import os
import re
import shutil

import keras
import numpy as np

from gen.errors import UserError

_NO_SPACE = (errno.ENOSPC, errno.EDQUOT)
_NO_PERMISSION = (errno.EACCES, errno.EPERM, errno.EROFS)
_MESSAGES = (
    ("No space left on device", "no space left on the device"),
    ("Disk quota exceeded", "the disk quota is exceeded"),
    ("Read-only file system", "the file system is read-only"),
    ("Permission denied", "permission denied"),
)
_PATH = re.compile(r"(/[^\s;:'\"\]]+)")
_UNPUBLISHED = re.compile(r"^ckpt-(\d+)(\.index|\.data-\d+-of-\d+)$")


def megabytes(count):
    return f"{count / 1e6:,.1f} MB"


def free_bytes(path):
    """The free bytes on the disk holding `path` (or its nearest existing
    parent folder)."""
    path = os.path.abspath(path)
    while not os.path.exists(path):
        path = os.path.dirname(path)
    return shutil.disk_usage(path).free


def failure_reason(error):
    """Why `error` (or an exception it was raised from) says a write
    failed for lack of space or permission, in a few words; None for any
    other error."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        number = getattr(error, "errno", None)
        if isinstance(error, OSError) and number in _NO_SPACE:
            return "no space left on the device"
        if isinstance(error, OSError) and number in _NO_PERMISSION:
            return os.strerror(number).lower()
        text = str(error)
        for found, reason in _MESSAGES:
            if found in text and (
                type(error).__name__.endswith("Error") or isinstance(error, OSError)
            ):
                return reason
        error = error.__cause__ or error.__context__
    return None


def _paths_in_frames(error, workdir):
    """The destination paths under `workdir` that the failed write's
    functions held (a writer that opened a file object leaves no name in
    the error), innermost first."""
    found = []
    frames = []
    tb = error.__traceback__
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    for frame in reversed(frames):
        for name in ("path", "filepath", "filename"):
            value = frame.f_locals.get(name)
            if isinstance(value, str) and value.startswith(workdir + os.sep):
                found.append(value)
    return found


def _what(error, workdir):
    """(what was being written, where) from the failed write's error."""
    text = str(error)
    # The destination the writer was given, then the file that failed
    # (often a temporary name beside it), then any path in the message.
    paths = _paths_in_frames(error, workdir)
    filename = getattr(error, "filename", None)
    if isinstance(filename, str):
        paths.append(os.path.abspath(filename))
    paths += [p for p in _PATH.findall(text) if p.startswith(workdir)]
    where = paths[0] if paths else workdir
    relative = os.path.relpath(where, workdir)
    if "SaveV2" in text or "MergeV2" in text or relative.startswith("checkpoints"):
        return "a checkpoint", os.path.join(workdir, "checkpoints")
    for start, what in (
        ("samples", "a sample grid"),
        ("tensorboard", "TensorBoard's logs"),
        ("log.txt", "the log"),
        ("run.lock", "the run's lock (run.lock)"),
        ("config.json", "the run's settings (config.json)"),
    ):
        if relative.startswith(start):
            return what, where
    if (
        relative.startswith(".")
        and where.endswith(".keras")
        or (os.path.basename(where) == "generator.keras")
    ):
        return "the exported generator", os.path.join(workdir, "generator.keras")
    return "the run's results", where


def remove_temporaries(checkpoint_dir, unpublished=True):
    """Removes what a failed checkpoint left: ``ckpt-N_temp`` folders and,
    with `unpublished`, files of checkpoints newer than the last one the
    index published. Returns the names removed."""
    removed = []
    try:
        names = os.listdir(checkpoint_dir)
    except OSError:
        return removed
    latest = None
    with contextlib.suppress(OSError):
        with open(os.path.join(checkpoint_dir, "checkpoint")) as f:
            match = re.search(
                r'^model_checkpoint_path: "(?:.*/)?ckpt-(\d+)"', f.read(), re.M
            )
        latest = int(match.group(1)) if match else None
    for name in names:
        path = os.path.join(checkpoint_dir, name)
        match = _UNPUBLISHED.match(name)
        if "_temp" in name:
            if os.path.isdir(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.remove(path)
            removed.append(name)
        elif (
            unpublished
            and match
            and latest is not None
            and int(match.group(1)) > latest
        ):
            os.remove(path)
            removed.append(name)
    return sorted(removed)


class Room:
    """What the run needs on its disk: `checkpoint_bytes` (the model's and
    the optimiser's variables) and `export_bytes` (the float32 generator)."""

    def __init__(self, workdir, model):
        self.workdir = workdir
        variables = list(model.variables) + list(model.optimizer.variables)
        self.checkpoint_bytes = sum(
            int(np.prod(v.shape)) * np.dtype(v.dtype).itemsize for v in variables
        )
        self.export_bytes = 4 * model.count_params()

    def needs(self, what):
        if what == "a checkpoint":
            return self.checkpoint_bytes
        if what == "the exported generator":
            return self.export_bytes
        return None

    def warn_if_short(self, log):
        """One line when the disk has less free space than two checkpoints
        and the export."""
        need = 2 * self.checkpoint_bytes + self.export_bytes
        free = free_bytes(self.workdir)
        if free < need:
            log(
                f"warning: the disk holding {self.workdir} has "
                f"{megabytes(free)} free, less than this run needs "
                f"({megabytes(need)}: two checkpoints of "
                f"{megabytes(self.checkpoint_bytes)} and the exported "
                f"generator); it will stop with a message when the disk is full"
            )


def _latest_step(checkpoint_dir):
    from gen.training import workdir as run_folder  # no cycle at import

    return run_folder.latest_checkpoint_step(os.path.dirname(checkpoint_dir))


def stopped_message(head, where, workdir, need=None, removed=()):
    """The paragraph of a run stopped by its disk: `head` (what failed and
    why, one sentence), what it needs and the disk holding `where` has,
    what is kept and how to go on."""
    checkpoint_dir = os.path.join(workdir, "checkpoints")
    step = _latest_step(checkpoint_dir)
    kept = f"its last complete checkpoint (step {step})" if step else "its settings"
    needs = f"it needs about {megabytes(need)}; " if need else ""
    cleaned = (
        f" The temporary files of that write were removed ({', '.join(removed)})."
        if removed
        else ""
    )
    return (
        f"{head} The run stopped; "
        f"{needs}the disk holding it has {megabytes(free_bytes(where))} free. "
        f"{kept[0].upper() + kept[1:]} and every earlier output are intact.{cleaned} "
        "Free some space (or move the run's folder to a larger disk: it can be "
        "moved) and run the same command again: it resumes from "
        f"{'step ' + str(step) if step else 'the start'}."
    )


@contextlib.contextmanager
def failures_stop_the_run(workdir, room=lambda: None):
    """Turns a write that fails for lack of space or permission, anywhere
    in the block, into one `UserError` paragraph (`stopped_message`), after
    removing its temporary files. `room`: returns the run's `Room` (None
    before the model exists)."""
    try:
        yield
    except UserError:
        raise
    except Exception as e:
        reason = failure_reason(e)
        if reason is None:
            raise
        what, where = _what(e, workdir)
        removed = remove_temporaries(os.path.join(workdir, "checkpoints"))
        current = room()
        need = current.needs(what) if current is not None else None
        head = f"Writing {what} to {where} failed: {reason}."
        raise UserError(stopped_message(head, where, workdir, need, removed)) from None


class DiskWatch(keras.callbacks.Callback):
    """Every `every` steps, stops the run (one `UserError` paragraph) when
    its disk has less free space than the next checkpoint needs: a full
    disk would make TensorBoard drop its logs without a word, and the next
    checkpoint fail."""

    def __init__(self, room, start_step, every):
        super().__init__()
        self.room, self.start_step, self.every = room, start_step, every

    def on_train_batch_end(self, batch, logs=None):
        step = self.start_step + batch + 1
        if step % self.every:
            return
        free = free_bytes(self.room.workdir)
        if free < self.room.checkpoint_bytes:
            raise UserError(
                stopped_message(
                    f"At step {step} the disk holding {self.room.workdir} has "
                    "less free space than the next checkpoint needs (and "
                    "TensorBoard drops its logs on a full disk without a "
                    "word).",
                    self.room.workdir,
                    self.room.workdir,
                    self.room.checkpoint_bytes,
                )
            )


# The `Room` of each run this process trains, by workdir (`check_room`).
_ROOMS = {}


def check_room(workdir, model, log):
    """Measures what the run in `workdir` needs (`Room`), says so in one
    line when its disk has less free space, and keeps it for the messages
    and the watch of this run."""
    room = _ROOMS[workdir] = Room(workdir, model)
    room.warn_if_short(log)
    return room


def watch(workdir, start_step, every):
    """[a `DiskWatch`] for the run in `workdir` once `check_room` measured
    it, else []: the callbacks to add to its `fit`."""
    room = _ROOMS.get(workdir)
    return [] if room is None else [DiskWatch(room, start_step, every)]


def stops_on_a_full_disk(train_checked):
    """Decorates ``train_checked(checked, echo)`` so that a write that fails
    for lack of space or permission ends it with one paragraph
    (`failures_stop_the_run`)."""

    @functools.wraps(train_checked)
    def guarded(checked, echo=print):
        workdir = checked.workdir
        try:
            with failures_stop_the_run(workdir, room=lambda: _ROOMS.get(workdir)):
                return train_checked(checked, echo)
        finally:
            _ROOMS.pop(workdir, None)

    return guarded
