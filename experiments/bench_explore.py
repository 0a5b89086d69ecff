"""The live explorer's speed: server-side time per frame, slider-to-picture
time in headless Chromium, and 8 clients at once (every answer checked).

    python -m experiments.bench_explore
    python -m experiments.bench_explore --workdir=runs/demo --screenshot=shot.png

For the demo's generator (1s-S-deep at quarter width, 64x64) and the
full-width 2s-E at 64x64, built fresh (weights do not change the speed);
with --workdir, that run's generator too. Every setting is a field of
`gen.benchmarks.explore_speed.ExploreBenchConfig`.
"""

from gen import cli, settings
from gen.benchmarks import explore_speed

_BENCH = settings.define_flags(explore_speed.ExploreBenchConfig)


def main(argv):
    cli.check_no_arguments(argv)
    explore_speed.run(_BENCH.config())


if __name__ == "__main__":
    cli.run(main)
