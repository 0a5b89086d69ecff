"""The end-to-end runs of the scripts that explore a trained generator.

Each script spends most of its few seconds importing TensorFlow, so the
tests of the six scripts share one session fixture (`explore_runs` in this
folder's conftest.py): on first use it starts every script's run on the
tiny trained run, `PARALLEL` at a time in the background, and each test
waits only for its own. Each run is made once for all pytest-xdist workers:
the first to reach a script runs it (under a file lock) and records its
result; the others wait for it and read the record (running them once per
worker would double the runs when the workers share the tests). `ARGS` are
the flags of each run; the tests check what those flags ask for.

The runs see the tiny run as a person who moved it sees it: copied to
another folder, opened by a relative --workdir from another working
directory, its recorded data directory gone (as on another machine). The
scripts that need no images must not look for them; render is given
--data_dir, which overrides the recorded one; evaluate is not, and
rebuilds the synthetic chairs in the default data folder (TFDS_DATA_DIR,
`DEFAULT_DATA_DIR` here), leaving the recorded path alone.
"""

import concurrent.futures
import json
import os
import shutil
import subprocess

from filelock import FileLock

from tests.scripts import run_script

# The scripts that show or score real images and are given --data_dir.
GIVEN_DATA_DIR = ("render",)
# The run's recorded data folder, under the fixture's folder: not there
# when the scripts start.
RECORDED_DATA_DIR = ("machine_a", "tensorflow_datasets")
# TFDS' default data folder (TFDS_DATA_DIR) of the scripts' runs.
DEFAULT_DATA_DIR = ("default_tfds",)

PARALLEL = 2  # the machine has 2 cores, shared

# render runs on a copy of the run without --out: its files must land in the
# run's own render/ folder.
ARGS = {
    "render": ["--chairs=0,2", "--views=0,4,35", "--real"],
    "interpolate": [
        "--chairs=0,2,1",
        "--steps=3",
        "--mixture=0.2,0.3,0.5",
        "--azimuths=30,200",
        "--view_steps=4",
        "--sweep_steps=3",
    ],
    "arithmetic": ["--chairs=2,1,1", "--azimuths=30,150"],
    "sample": ["--num_samples=3", "--azimuths=0,90,180,270"],
    "units": [
        "--layers=joint_fc2,rgb_uconv1",
        "--units=0,3,11",
        "--knockout=2,5",
        "--chair=1",
    ],
    "evaluate": [],
}


class ExploreRuns:
    """The scripts' runs, started in the background on creation; `root` is
    shared by every worker of the test session."""

    def __init__(self, tiny_run, root, data_dir):
        self.root = root
        self.run_copy = os.path.join(root, "moved", "run")
        self.recorded_data_dir = os.path.join(root, *RECORDED_DATA_DIR)
        self.default_data_dir = os.path.join(root, *DEFAULT_DATA_DIR)
        self._data_dir = data_dir
        with FileLock(os.path.join(root, "moved.lock")):
            if not os.path.exists(os.path.join(root, "moved.done")):
                self._move(tiny_run)
        self._pool = concurrent.futures.ThreadPoolExecutor(PARALLEL)
        self._runs = {name: self._pool.submit(self._run_once, name) for name in ARGS}

    def _move(self, tiny_run):
        """The tiny run copied to another folder, its recorded data folder
        one that is not there."""
        shutil.rmtree(os.path.dirname(self.run_copy), ignore_errors=True)
        shutil.copytree(tiny_run, self.run_copy)
        path = os.path.join(self.run_copy, "config.json")
        with open(path) as f:
            record = json.load(f)
        record["train"]["data_dir"] = self.recorded_data_dir
        with open(path, "w") as f:
            json.dump(record, f)
        open(os.path.join(self.root, "moved.done"), "w").close()

    def _out(self, name):
        if name == "render":  # no --out: into the run's render/ folder
            return os.path.join(self.run_copy, name)
        return os.path.join(self.root, name)

    def _run_once(self, name):
        """The script's CompletedProcess: run here, or read from the record
        of the worker that ran it."""
        record = os.path.join(self.root, f"{name}.json")
        with FileLock(record + ".lock"):
            if not os.path.exists(record):
                result = self._run(name)
                with open(record + ".partial", "w") as f:
                    json.dump(
                        {
                            "args": result.args,
                            "returncode": result.returncode,
                            "stdout": result.stdout,
                            "stderr": result.stderr,
                        },
                        f,
                    )
                os.replace(record + ".partial", record)
            with open(record) as f:
                return subprocess.CompletedProcess(**json.load(f))

    def _run(self, name):
        out = self._out(name)
        shutil.rmtree(out, ignore_errors=True)  # from a worker that died
        flags = ["--workdir=run"]
        if name in GIVEN_DATA_DIR:
            flags.append(f"--data_dir={self._data_dir}")
        if name != "render":
            flags.append(f"--out={out}")
        cwd = os.path.dirname(self.run_copy)
        env = {**os.environ, "TFDS_DATA_DIR": self.default_data_dir}
        return run_script(name, *flags, *ARGS[name], cwd=cwd, env=env)

    def result(self, name):
        """(CompletedProcess, output folder) of the script's run."""
        return self._runs[name].result(), self._out(name)

    def close(self):
        self._pool.shutdown(wait=True, cancel_futures=True)
