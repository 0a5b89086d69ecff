"""The end-to-end runs of the scripts that explore a trained generator.

Each script spends most of its few seconds importing TensorFlow, so the
tests of the six scripts share one session fixture (`explore_runs` in this
folder's conftest.py): on first use it starts every script's run on the
tiny trained run, `PARALLEL` at a time in the background, and each test
waits only for its own. `ARGS` are the flags of each run; the tests check
what those flags ask for.

The runs see the tiny run as a person who moved it sees it: copied to
another folder, opened by a relative --workdir from another working
directory, its recorded data directory gone (as on another machine). The
scripts that need no images must not look for them; render is given
--data_dir, which overrides the recorded one; evaluate is not, and makes
the recorded folder and rebuilds the synthetic chairs in it
(`REBUILT_DATA_DIR`).
"""

import concurrent.futures
import json
import os
import shutil

from tests.scripts import run_script

# The scripts that show or score real images and are given --data_dir.
GIVEN_DATA_DIR = ("render",)
# The run's recorded data folder, under the fixture's folder: not there
# when the scripts start.
REBUILT_DATA_DIR = ("machine_a", "tensorflow_datasets")

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
    """The scripts' runs, started in the background on creation."""

    def __init__(self, tiny_run, root, data_dir):
        copy = os.path.join(root, "moved", "run")
        shutil.copytree(tiny_run, copy)
        path = os.path.join(copy, "config.json")
        with open(path) as f:
            record = json.load(f)
        self.recorded_data_dir = os.path.join(root, *REBUILT_DATA_DIR)
        record["train"]["data_dir"] = self.recorded_data_dir
        with open(path, "w") as f:
            json.dump(record, f)
        self.run_copy = copy
        cwd = os.path.join(root, "moved")
        self._pool = concurrent.futures.ThreadPoolExecutor(PARALLEL)
        self._runs = {}
        for name, args in ARGS.items():
            flags = ["--workdir=run"]
            if name in GIVEN_DATA_DIR:
                flags.append(f"--data_dir={data_dir}")
            if name == "render":  # no --out: into the run's render/ folder
                out = os.path.join(copy, name)
            else:
                out = os.path.join(root, name)
                flags.append(f"--out={out}")
            self._runs[name] = (
                self._pool.submit(run_script, name, *flags, *args, cwd=cwd),
                out,
            )

    def result(self, name):
        """(CompletedProcess, output folder) of the script's run."""
        future, out = self._runs[name]
        return future.result(), out

    def close(self):
        self._pool.shutdown(wait=True, cancel_futures=True)
