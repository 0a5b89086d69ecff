"""One run per folder: the workdir lock, its refusal, stale locks taken
over (dead process, old heartbeat, a copied folder), atomic taking, the
workers of one run."""

import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time

import pytest

from gen.errors import UserError
from gen.training import run_lock
from tests.scripts import ROOT


def _write_lock(folder, age=0.0, **fields):
    record = {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "started": "2026-12-06T21:00:00+00:00",
        "workdir": str(folder),
        "run_id": None,
        **fields,
    }
    path = folder / run_lock.LOCK_FILE
    path.write_text(json.dumps(record))
    stamp = time.time() - age
    os.utime(path, (stamp, stamp))
    return path


def _dead_pid():
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_a_live_run_is_refused_with_its_host_process_and_step(tmp_path):
    workdir = tmp_path / "run"
    (workdir / "checkpoints").mkdir(parents=True)
    (workdir / "checkpoints" / "checkpoint").write_text(
        'model_checkpoint_path: "ckpt-8"\n'
    )
    with run_lock.acquire(str(workdir), echo=print):
        before = sorted(os.listdir(workdir))
        with pytest.raises(UserError) as e:
            run_lock.acquire(str(workdir), step=8)
        assert sorted(os.listdir(workdir)) == before
    message = str(e.value)
    assert f"process {os.getpid()} on host {socket.gethostname()}" in message
    assert "its last checkpoint is step 8" in message
    assert "Nothing was written" in message and "another --workdir" in message
    assert not (workdir / run_lock.LOCK_FILE).exists()


def test_a_folder_the_lock_made_is_removed_with_it_when_empty(tmp_path):
    new = tmp_path / "new"
    with run_lock.acquire(str(new)):
        assert os.listdir(new) == [run_lock.LOCK_FILE]
    assert not new.exists()
    with run_lock.acquire(str(tmp_path)):
        assert (tmp_path / run_lock.LOCK_FILE).exists()
    assert tmp_path.exists() and os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    "fields, age, reason",
    [
        ({"pid": "dead"}, 0.0, "its process is gone"),
        ({"process_start": -1}, 0.0, "the id now names another process"),
        ({"boot_id": "an earlier boot"}, 0.0, "the machine has restarted"),
        ({"host": "elsewhere"}, run_lock.STALE_SECONDS + 60, "heartbeat is"),
        ({"workdir": "/somewhere/else"}, 0.0, "it was copied from /somewhere/else"),
    ],
)
def test_a_stale_lock_is_taken_over_with_one_line(tmp_path, fields, age, reason):
    if fields.get("pid") == "dead":
        fields = {"pid": _dead_pid()}
    if "process_start" in fields and run_lock._process_start(os.getpid()) is None:
        pytest.skip("no /proc here to tell a reused process id")
    if "boot_id" in fields and run_lock._boot_id() is None:
        pytest.skip("no boot id here")
    _write_lock(tmp_path, age=age, **fields)
    lines = []
    with run_lock.acquire(str(tmp_path), echo=lines.append):
        holder = run_lock.read(str(tmp_path))
        assert (holder.pid, holder.stale) == (os.getpid(), None)
    assert len(lines) == 1 and lines[0].startswith("took over the lock"), lines
    assert reason in lines[0]


def test_another_hosts_run_holds_the_folder_while_its_heartbeat_is_fresh(tmp_path):
    _write_lock(tmp_path, age=run_lock.STALE_SECONDS - 60, host="elsewhere", pid=7)
    with pytest.raises(UserError, match="process 7 on host elsewhere"):
        run_lock.acquire(str(tmp_path))


def test_the_heartbeat_keeps_the_lock_fresh(tmp_path, monkeypatch):
    monkeypatch.setattr(run_lock, "HEARTBEAT_SECONDS", 0.05)
    with run_lock.acquire(str(tmp_path)) as lock:
        old = time.time() - 1000
        os.utime(lock.path, (old, old))
        time.sleep(0.5)
        assert run_lock.read(str(tmp_path)).heartbeat_age < 10


def test_the_workers_of_one_run_are_not_rivals(tmp_path):
    cluster = {"cluster": {"worker": ["127.0.0.1:1", "127.0.0.1:2"]}}
    ours = run_lock.run_id_of({**cluster, "task": {"type": "worker", "index": 0}})
    assert ours == run_lock.run_id_of(
        {**cluster, "task": {"type": "worker", "index": 1}}
    )
    other = run_lock.run_id_of({"cluster": {"worker": ["127.0.0.1:3"]}})
    with run_lock.acquire(str(tmp_path), run_id=ours):
        run_lock.check_free(str(tmp_path), run_id=ours)  # a worker of this run
        for rival in (other, None):
            with pytest.raises(UserError, match="in use by a run"):
                run_lock.check_free(str(tmp_path), run_id=rival)
    run_lock.check_free(str(tmp_path), run_id=other)  # released


RACER = textwrap.dedent("""
    import os, sys, time
    from gen.errors import UserError
    from gen.training import run_lock
    workdir, start, racers, tried = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    time.sleep(max(0.0, start - time.time()))  # every racer starts at once
    try:
        lock = run_lock.acquire(workdir, echo=lambda line: None)
    except UserError:
        outcome = "refused"
    else:
        outcome = "won"
    open(os.path.join(tried, str(os.getpid())), "w").close()
    if outcome == "won":  # held until every racer has tried (a loaded machine)
        deadline = time.time() + 60
        while len(os.listdir(tried)) < racers and time.time() < deadline:
            time.sleep(0.01)
        lock.release()
    print(outcome)
""")


def test_starts_at_the_same_instant_have_one_winner(tmp_path):
    start = time.time() + 2.0
    (tmp_path / "tried").mkdir()
    racers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                RACER,
                str(tmp_path / "run"),
                str(start),
                "6",
                str(tmp_path / "tried"),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    outcomes = sorted(p.communicate(timeout=90)[0].strip() for p in racers)
    assert outcomes == ["refused"] * 5 + ["won"], outcomes
    # Left empty (or removed, when the winner made it).
    assert not (tmp_path / "run").exists() or not os.listdir(tmp_path / "run")


def test_a_copied_folder_is_not_held_by_the_original_run(tmp_path):
    (tmp_path / "run").mkdir()
    with run_lock.acquire(str(tmp_path / "run")):
        shutil.copytree(tmp_path / "run", tmp_path / "copy")
        assert run_lock.live_holder(str(tmp_path / "run")) is not None
        assert run_lock.live_holder(str(tmp_path / "copy")) is None


def test_opening_a_run_tells_a_live_run_from_a_stopped_one(tiny_run, tmp_path):
    """Issue 31: exploring a run without generator.keras names the process
    training it (and its last checkpoint), and advises a rerun only when
    none does."""
    from gen.explore import run_files

    copy = tmp_path / "run"
    shutil.copytree(tiny_run, copy, ignore=shutil.ignore_patterns("generator.keras"))
    with run_lock.acquire(str(copy)):
        with pytest.raises(UserError) as e:
            run_files.locate(workdir=str(copy))
    live = " ".join(str(e.value).split())
    assert f"it is still training (process {os.getpid()} on host " in live
    assert "last checkpoint: step 12 of 12" in live
    assert "Run the same experiments.train command again" not in live
    with pytest.raises(UserError) as e:
        run_files.locate(workdir=str(copy))
    stopped = " ".join(str(e.value).split())
    assert "has not finished, and no process trains it now" in stopped
    assert "Run the same experiments.train command again" in stopped


def test_a_second_trainer_on_a_live_run_is_refused_before_it_writes(
    tiny_run, chairs_data_dir, tmp_path
):
    from gen.training import train_config, trainer
    from tests.conftest import TINY_RUN_FLAGS

    copy = tmp_path / "run"
    shutil.copytree(tiny_run, copy)
    before = {p: p.stat().st_mtime_ns for p in copy.rglob("*")}
    config = train_config.TrainConfig(data_dir=chairs_data_dir, **TINY_RUN_FLAGS)
    with run_lock.acquire(str(copy)):
        with pytest.raises(UserError) as e:
            trainer.train(config, str(copy))
    message = " ".join(str(e.value).split())
    assert message.startswith(
        f"--workdir {copy} is in use by a run that is training: process "
        f"{os.getpid()} on host {socket.gethostname()}, started "
    )
    assert "(its last checkpoint is step 12). Nothing was written." in message
    assert {p: p.stat().st_mtime_ns for p in copy.rglob("*")} == before


def test_a_new_folder_a_starting_run_holds_is_refused_as_in_use(tmp_path):
    """The first run has the lock but no config.json yet (it loads its
    data): the second is told the folder is in use, not that it holds
    something other than a run; a stale lock alone does not count."""
    from gen.training import train_config, workdir

    config = train_config.TrainConfig()
    with run_lock.acquire(str(tmp_path / "run")):
        with pytest.raises(UserError, match="is in use by a run that is training"):
            workdir.check_workdir(config, str(tmp_path / "run"))
    (tmp_path / "run").mkdir()
    _write_lock(tmp_path / "run", pid=_dead_pid())
    assert workdir.check_workdir(config, str(tmp_path / "run")) is None
