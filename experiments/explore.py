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

import gen.cli  # noqa: I001  (first: quiets TensorFlow before it loads)

from gen import settings
from gen.explore.live import explore_config

_EXPLORE = settings.define_flags(explore_config.ExploreConfig)


def main(argv):
    gen.cli.check_no_arguments(argv)
    config = _EXPLORE.config()  # every check that needs no TensorFlow
    from gen.explore.live import explorer

    explorer.explore(config)


if __name__ == "__main__":
    gen.cli.run(main)
