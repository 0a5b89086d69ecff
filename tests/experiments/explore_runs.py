"""The end-to-end runs of the scripts that explore a trained generator.

Each script spends most of its few seconds importing TensorFlow, so the
tests of the six scripts share one session fixture (`explore_runs` in this
folder's conftest.py): on first use it starts every script's run on the
tiny trained run, `PARALLEL` at a time in the background, and each test
waits only for its own. `ARGS` are the flags of each run; the tests check
what those flags ask for.
"""

import concurrent.futures
import os
import shutil

from tests.scripts import run_script

PARALLEL = 2  # the machine has 2 cores, shared

# render runs on a copy of the run without --out: its files must land in the
# run's own render/ folder.
ARGS = {
    "render": ["--chairs=0,2", "--views=0,4,35", "--real"],
    "interpolate": ["--chairs=0,2,1", "--steps=3", "--mixture=0.2,0.3,0.5",
                    "--azimuths=30,200", "--view_steps=4", "--sweep_steps=3"],
    "arithmetic": ["--chairs=2,1,1", "--azimuths=30,150"],
    "sample": ["--num_samples=3", "--azimuths=0,90,180,270"],
    "units": ["--layers=joint_fc2,rgb_uconv1", "--units=0,3,11",
              "--knockout=2,5", "--chair=1"],
    "evaluate": [],
}


class ExploreRuns:
    """The scripts' runs, started in the background on creation."""

    def __init__(self, tiny_run, root):
        copy = os.path.join(root, "run")
        os.makedirs(copy)
        for name in ("config.json", "generator.keras"):
            shutil.copy(os.path.join(tiny_run, name), copy)
        self._pool = concurrent.futures.ThreadPoolExecutor(PARALLEL)
        self._runs = {}
        for name, args in ARGS.items():
            if name == "render":
                flags, out = [f"--workdir={copy}"], os.path.join(copy, name)
            else:
                out = os.path.join(root, name)
                flags = [f"--workdir={tiny_run}", f"--out={out}"]
            self._runs[name] = (self._pool.submit(run_script, name, *flags,
                                                  *args), out)

    def result(self, name):
        """(CompletedProcess, output folder) of the script's run."""
        future, out = self._runs[name]
        return future.result(), out

    def close(self):
        self._pool.shutdown(wait=True, cancel_futures=True)
