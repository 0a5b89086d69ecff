"""What each way of ending a training run badly costs.

    python -m experiments.bench_reliability [--faults=sigkill,sigint,...]

Trains a small run (3 synthetic chairs at 32x32) without interruption,
then once per fault: SIGKILL, SIGINT, SIGTERM, a second trainer on the
live run, a damaged last checkpoint, a full disk (a tmpfs; needs root),
each followed by the same command again. Prints one table: the steps lost,
the exit status of each process, whether a traceback appeared, and whether
the resumed run equals the uninterrupted one. Logic in
`gen.benchmarks.reliability`.
"""

import os
import shutil
import tempfile

from gen import cli, settings
from gen.benchmarks import reliability_config

_BENCH = settings.define_flags(reliability_config.ReliabilityBenchConfig)


def main(argv):
    cli.check_no_arguments(argv)
    bench = _BENCH.config()  # checks the values before anything runs
    from gen.benchmarks import reliability

    root = bench.out or tempfile.mkdtemp(prefix="bench-reliability-")
    os.makedirs(root, exist_ok=True)
    try:
        outcomes = reliability.run_bench(bench, os.path.abspath(root))
    finally:
        if bench.out is None:
            shutil.rmtree(root, ignore_errors=True)
    print(reliability.table(outcomes))


if __name__ == "__main__":
    cli.run(main)
