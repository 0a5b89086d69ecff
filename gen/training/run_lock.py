"""One run per folder: the lock a training run holds on its workdir.

A run takes ``run.lock`` in its workdir before it writes anything, keeps
it fresh while it trains (a heartbeat: the file's modification time, set
every `HEARTBEAT_SECONDS` by a background thread) and removes it when it
ends, however it ends short of SIGKILL or a power loss. The file holds
who took it: host, process id, the process's start time and the machine's
boot id (so that a reused process id is not mistaken for the run), when,
the folder's path, and the run it belongs to (`run_id`).

A lock is stale, and is taken over with one line saying so, when

- it was taken on this host and its process is gone (or is another
  process with the same id, or the machine has rebooted since), or
- it was taken on another host (a shared file system) and its heartbeat is
  older than `STALE_SECONDS`; a run that is alive refreshes it every
  `HEARTBEAT_SECONDS`, so only a run that died, or a host that lost the
  file system for that long, leaves one that old. The two hosts' clocks
  are compared through the file's time, as the file server sets it.
- it is a copy: it names this host and a live process, but that process
  locked another folder (a run folder copied while it trained).

Taking the lock is atomic: the record is written to a file of its own and
hard-linked to ``run.lock``, which fails when the name exists, so two runs
started at the same instant cannot both win, on NFS too.

The workers of one multi-worker run share a `run_id` (a digest of their
TF_CONFIG cluster): the chief takes the lock, the other workers only check
that the folder is free or held by their own run.

Imports no TensorFlow: `experiments.train` and the explore scripts read
locks before it loads.
"""

import contextlib
import dataclasses
import datetime
import functools
import hashlib
import json
import os
import socket
import threading
import time

from gen.errors import UserError

LOCK_FILE = "run.lock"
HEARTBEAT_SECONDS = 30.0
STALE_SECONDS = 300.0  # 10 missed heartbeats


def _boot_id():
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            return f.read().strip()
    except OSError:
        return None


def _process_start(pid):
    """The start time of process `pid` in clock ticks since boot (Linux),
    or None where /proc does not say."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            # The command name (field 2) may hold spaces: fields after ")".
            return int(f.read().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def run_id_of(tf_config=None):
    """The id shared by every process of one run: a digest of a multi-worker
    run's cluster (the parsed TF_CONFIG), else None (one process)."""
    if not tf_config:
        return None
    text = json.dumps(tf_config.get("cluster"), sort_keys=True)
    return "cluster-" + hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclasses.dataclass(frozen=True)
class Holder:
    """What a lock file says about the run holding it.

    Attributes:
        host, pid: where the run's (chief) process runs.
        started: when it took the lock (ISO 8601, UTC).
        workdir: the folder it locked (its real path then).
        run_id: the run it belongs to (`run_id_of`), or None.
        heartbeat_age: seconds since the lock was last refreshed.
        stale: why the lock no longer holds (a phrase), or None while its
            run is alive.
    """

    host: str
    pid: int
    started: str
    workdir: str
    run_id: str
    heartbeat_age: float
    stale: str = None

    def describe(self):
        return f"process {self.pid} on host {self.host}, started {self.started}"


def _staleness(record, path, age):
    if record.get("host") != socket.gethostname():
        if age > STALE_SECONDS:
            return (
                f"its heartbeat is {age:.0f} s old (a live run refreshes it "
                f"every {HEARTBEAT_SECONDS:.0f} s; stale after "
                f"{STALE_SECONDS:.0f} s)"
            )
        return None
    pid = record.get("pid")
    if not isinstance(pid, int) or not _alive(pid):
        return "its process is gone"
    if record.get("boot_id") and record["boot_id"] != _boot_id():
        return "the machine has restarted since"
    start = record.get("process_start")
    if start is not None and start != _process_start(pid):
        return "its process is gone (the id now names another process)"
    locked = os.path.join(record.get("workdir") or "", LOCK_FILE)
    try:
        same = os.path.samefile(locked, path)
    except OSError:
        same = False
    if not same:
        return f"it was copied from {record.get('workdir')}, where that run trains"
    return None


def read(workdir):
    """The `Holder` of the workdir's lock, or None when there is none (or
    it cannot be read: a half-written lock cannot exist, see `acquire`)."""
    path = os.path.join(workdir, LOCK_FILE)
    try:
        with open(path) as f:
            record = json.load(f)
        age = time.time() - os.stat(path).st_mtime
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict):
        return None
    return Holder(
        host=str(record.get("host")),
        pid=record.get("pid"),
        started=str(record.get("started")),
        workdir=str(record.get("workdir")),
        run_id=record.get("run_id"),
        heartbeat_age=max(age, 0.0),
        stale=_staleness(record, path, max(age, 0.0)),
    )


def live_holder(workdir):
    """The `Holder` of a live run holding the workdir, or None."""
    holder = read(workdir)
    return holder if holder is not None and holder.stale is None else None


def _refusal(workdir, holder, step):
    progress = f"its last checkpoint is step {step}" if step else "no checkpoint yet"
    return UserError(
        f"--workdir {workdir} is in use by a run that is training: "
        f"{holder.describe()} ({progress}). Nothing was written. Wait for it "
        f"to end, or stop it (Ctrl-C, or kill {holder.pid} on {holder.host}: "
        "it saves a checkpoint) and run this command again to resume it; to "
        "train another run, choose another --workdir. (The lock is "
        f"{os.path.join(workdir, LOCK_FILE)}; a run that died leaves one "
        "that the next start takes over by itself.)"
    )


def check_free(workdir, run_id=None, step=0):
    """Refuses (`UserError`) a workdir held by a live run other than
    `run_id`'s; writes nothing. `step`: how far that run got (for the
    message)."""
    holder = live_holder(workdir)
    if holder is not None and (run_id is None or holder.run_id != run_id):
        raise _refusal(workdir, holder, step)


class RunLock:
    """The lock this process holds on a workdir (`acquire`); `release`
    removes it (and the workdir, if the lock created it and it is still
    empty)."""

    def __init__(self, workdir, path, created_folder):
        self.workdir, self.path = workdir, path
        self._created_folder = created_folder
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._beat, name="run-lock-heartbeat", daemon=True
        )
        self._thread.start()

    def _beat(self):
        while not self._stop.wait(HEARTBEAT_SECONDS):
            # The folder removed or moved: nothing to keep fresh.
            with contextlib.suppress(OSError):
                os.utime(self.path)

    def release(self):
        self._stop.set()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
        if self._created_folder:
            with contextlib.suppress(OSError):
                os.rmdir(self.workdir)  # only if empty

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()


def _record(workdir, run_id):
    pid = os.getpid()
    return {
        "host": socket.gethostname(),
        "pid": pid,
        "process_start": _process_start(pid),
        "boot_id": _boot_id(),
        "started": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"
        ),
        "workdir": os.path.realpath(workdir),
        "run_id": run_id,
    }


def acquire(workdir, run_id=None, step=0, echo=print):
    """Takes the workdir's lock for this process; returns a `RunLock`.

    Refuses (`UserError`, nothing written) a workdir held by a live run
    (whatever its `run_id`: the lock belongs to one process). Takes over a
    stale lock, saying so in one line through `echo`. Creates the workdir
    when it does not exist (`RunLock.release` removes it again if empty).
    """
    os.makedirs(os.path.dirname(workdir) or ".", exist_ok=True)
    try:
        os.mkdir(workdir)
        created = True
    except FileExistsError:
        created = False
    path = os.path.join(workdir, LOCK_FILE)
    mine = f"{path}.{socket.gethostname()}.{os.getpid()}"
    with open(mine, "w") as f:
        json.dump(_record(workdir, run_id), f)
    won = False
    try:
        for _ in range(5):
            with contextlib.suppress(FileExistsError):
                os.link(mine, path)  # atomic: fails if the name exists
                won = True
                return RunLock(workdir, path, created)
            holder = read(workdir)
            if holder is None:
                _remove_unreadable(path)
                continue
            if holder.stale is None:
                raise _refusal(workdir, holder, step)
            if _take_over(path, holder):
                echo(
                    f"took over the lock of a run that ended without removing "
                    f"it ({holder.describe()}): {holder.stale}"
                )
        raise UserError(
            f"Could not take the lock {path}: other runs keep taking it. "
            "Nothing was written; make sure one run trains in this folder."
        )
    finally:
        os.unlink(mine)
        if created and not won:
            with contextlib.suppress(OSError):
                os.rmdir(workdir)  # a refused start leaves nothing behind


def _take_over(path, holder):
    """Removes the stale lock `holder` read at `path`; False when another
    start replaced it meanwhile (then that one is read again)."""
    aside = f"{path}.stale.{socket.gethostname()}.{os.getpid()}"
    try:
        os.rename(path, aside)  # only one of two starts moves a given file
    except FileNotFoundError:
        return False
    with open(aside) as f:
        moved = json.load(f)
    if (moved.get("host"), moved.get("pid"), moved.get("started")) != (
        holder.host,
        holder.pid,
        holder.started,
    ):
        # A fresh lock taken since it was read: put it back.
        with contextlib.suppress(FileExistsError):
            os.link(aside, path)
        os.unlink(aside)
        return False
    os.unlink(aside)
    return True


def _remove_unreadable(path):
    """A lock that exists but cannot be read as a record (emptied by a
    file system's crash) is no one's."""
    try:
        with open(path) as f:
            json.load(f)
    except FileNotFoundError:
        return
    except (OSError, ValueError):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def this_process(strategy):
    """(run id, whether this process takes the lock) for --strategy: the
    chief of a multi-worker run (TF_CONFIG's "chief" task, or worker 0 of a
    cluster without one) takes it, the other workers only check it."""
    if strategy != "multi_worker":
        return None, True
    from gen.training import cluster  # reads TF_CONFIG, no TensorFlow

    tf_config = cluster.from_tf_config()
    task, members = tf_config["task"], tf_config["cluster"]
    chief = task["type"] == "chief" or (
        task["type"] == "worker" and task["index"] == 0 and "chief" not in members
    )
    return run_id_of(tf_config), chief


def holds_the_workdir(train_checked):
    """Decorates ``train_checked(checked, echo)`` (a checked run: its
    `workdir` and `config`) so that it runs holding the workdir's lock (the
    chief), or after checking that no other run holds it (other workers)."""

    @functools.wraps(train_checked)
    def locked(checked, echo=print):
        from gen.training.workdir import latest_checkpoint_step

        run_id, chief = this_process(checked.config.strategy)
        step = latest_checkpoint_step(checked.workdir)
        if not chief:
            check_free(checked.workdir, run_id, step)
            return train_checked(checked, echo)
        with acquire(checked.workdir, run_id, step, echo):
            return train_checked(checked, echo)

    return locked
