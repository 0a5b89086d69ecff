"""Glue shared by the `experiments/` scripts: quiet logs and clean errors."""

import os
import sys
import textwrap

# TensorFlow reads these when it is first imported; scripts import this module
# before anything that imports TensorFlow.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from absl import app  # noqa: E402

from gen.errors import UserError  # noqa: E402

EXIT_USER_ERROR = 2


def fail(message):
    """Prints `message` as one wrapped paragraph on stderr and exits with 2."""
    text = " ".join(str(message).split())
    print(textwrap.fill("error: " + text, width=100), file=sys.stderr)
    sys.exit(EXIT_USER_ERROR)


def run(main):
    """`absl.app.run(main)`, turning `UserError` into a message and exit 2.

    Any other exception is a bug and keeps its traceback.
    """

    def guarded(argv):
        try:
            return main(argv)
        except UserError as e:
            fail(e)
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            sys.exit(130)

    app.run(guarded)
