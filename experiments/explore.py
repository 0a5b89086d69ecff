"""A live explorer page for a trained generator: drag sliders, the generator
draws.

    python -m experiments.explore --workdir=runs/demo
    python -m experiments.explore --generator=FILE.keras [--data_dir=...]
    python -m experiments.explore --workdir=runs/demo --export=runs/demo/explorer

Serves the page on 127.0.0.1 (--port, --host) and prints its address;
Ctrl-C stops it. A run still training is shown at its last checkpoint.
--export writes a folder that works opened from disk instead
(docs/exploring.md#the-live-explorer). Every setting is a field of
`gen.explore.live.explore_config.ExploreConfig`.
"""

from gen import cli, settings
from gen.explore.live import explore_config

_EXPLORE = settings.define_flags(explore_config.ExploreConfig)


def main(argv):
    cli.check_no_arguments(argv)
    config = _EXPLORE.config()  # every check that needs no TensorFlow
    from gen.explore.live import explorer

    explorer.explore(config)


if __name__ == "__main__":
    cli.run(main)
