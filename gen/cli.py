"""Glue shared by the `experiments/` scripts: quiet logs and clean errors."""

import logging
import os
import sys
import textwrap

# TensorFlow reads these when it is first imported; scripts import this module
# before anything that imports TensorFlow.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
# TensorFlow's Python logger prints INFO lines (checkpoint sharding, ...) that
# drown the scripts' own progress.
logging.getLogger("tensorflow").setLevel(logging.WARNING)

from absl import app  # noqa: E402
from absl import flags  # noqa: E402
from absl import logging as absl_logging  # noqa: E402

from gen.errors import UserError  # noqa: E402

EXIT_USER_ERROR = 2


def fail(message):
    """Prints `message` as one wrapped paragraph on stderr and exits with 2.

    Lines break only at spaces, so that paths and names (which may hold
    hyphens, or be longer than a line) can be copied whole.
    """
    text = " ".join(str(message).split())
    print(textwrap.fill("error: " + text, width=100, break_long_words=False,
                        break_on_hyphens=False), file=sys.stderr)
    sys.exit(EXIT_USER_ERROR)


def run(main):
    """`absl.app.run(main)`, turning `UserError` into a message and exit 2.

    Any other exception is a bug and keeps its traceback.
    """

    def guarded(argv):
        # TensorFlow and TFDS log INFO lines through absl; a person running a
        # script wants its own progress lines (--verbosity=0 brings them back).
        if not flags.FLAGS["verbosity"].present:
            absl_logging.set_verbosity(absl_logging.WARNING)
        try:
            return main(argv)
        except UserError as e:
            fail(e)
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            sys.exit(130)

    app.run(guarded)
