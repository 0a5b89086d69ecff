"""What every `experiments/` script shares: a quiet start and one way to fail.

Import it first (``from gen import cli``), before anything that loads
TensorFlow, and end the script with ``cli.run(main)``:

- TensorFlow's native start-up lines (``I0000 ... cpu_feature_guard``,
  ``E0000 ... failed call to cuInit`` on a machine without a GPU, ...) are
  written by its C++ logging before `TF_CPP_MIN_LOG_LEVEL` takes effect, so
  a script started with ``python -m experiments.NAME`` filters them out of
  its standard error; its own lines pass unchanged. ``--verbose`` on the
  command line, or ``DECONVNET_VERBOSE=1`` in the environment, keeps
  everything TensorFlow and TFDS print.
- A mistyped flag, a value of the wrong type and every `UserError` print
  one paragraph (``error: ...``) and exit with status 2, without a
  traceback. Any other exception is a bug and keeps its traceback.
"""

import atexit
import logging
import os
import re
import sys
import textwrap
import threading

from absl import app, flags
from absl import logging as absl_logging

from gen.errors import UserError

EXIT_USER_ERROR = 2
VERBOSE_ENV = "DECONVNET_VERBOSE"

flags.DEFINE_bool(
    "verbose",
    False,
    f"Show TensorFlow's and TFDS' own start-up and log lines (also: {VERBOSE_ENV}=1).",
)

# A line of TensorFlow's native (C++) logging, or absl's notice that such
# lines go to stderr: "I0000 00:00:1796.06  2522 cudart_stub.cc:31] ...".
_NATIVE_LOG_LINE = re.compile(
    rb"^(?:[IWE]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ [^\]\s]+:\d+\] "
    rb"|WARNING: All log messages before absl::InitializeLog\(\) is called)"
)


def _verbose_requested(argv):
    if os.environ.get(VERBOSE_ENV, "") not in ("", "0"):
        return True
    return any(
        arg in ("--verbose", "--verbose=true", "--verbose=1") for arg in argv[1:]
    )


def _is_project_script():
    """Whether the running program is one of the `experiments/` scripts."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if spec is not None and spec.name:
        return spec.name.startswith("experiments.")
    path = os.path.abspath(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return os.path.basename(os.path.dirname(path)) == "experiments"


def _filter_native_stderr():
    """Routes file descriptor 2 through a thread that drops TensorFlow's
    native log lines and passes every other byte on.

    Native code writes to the descriptor, not to `sys.stderr`, so only a
    pipe in its place can filter it. At exit the real descriptor is put back
    and the thread drains what is left.
    """
    real = os.dup(2)
    read_end, write_end = os.pipe()
    os.dup2(write_end, 2)
    os.close(write_end)

    def forward(data):
        while data:
            data = data[os.write(real, data) :]

    def pump():
        pending = b""
        while True:
            chunk = os.read(read_end, 65536)
            if not chunk:
                break
            pending += chunk
            *lines, pending = pending.split(b"\n")
            forward(
                b"".join(
                    line + b"\n" for line in lines if not _NATIVE_LOG_LINE.match(line)
                )
            )
            # A partial line is held only while it may still become a log
            # line (progress bars without a newline go out at once).
            if pending and pending[:1] not in (b"I", b"W", b"E"):
                forward(pending)
                pending = b""
        if pending and not _NATIVE_LOG_LINE.match(pending):
            forward(pending)
        os.close(read_end)

    thread = threading.Thread(target=pump, name="stderr-filter", daemon=True)
    thread.start()

    def restore():
        sys.stderr.flush()
        os.dup2(real, 2)  # closes the pipe's last write end: the pump ends
        thread.join(timeout=10)

    atexit.register(restore)


def _quiet_start():
    verbose = _verbose_requested(sys.argv)
    if not verbose:
        # TensorFlow reads these when it is first imported.
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        # TensorFlow's Python logger prints INFO lines (checkpoint sharding,
        # ...) that drown the scripts' own progress.
        logging.getLogger("tensorflow").setLevel(logging.WARNING)
        if _is_project_script():
            _filter_native_stderr()
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")


_quiet_start()


def fail(message):
    """Prints `message` as one wrapped paragraph on stderr and exits with 2.

    Lines break only at spaces, so that paths and names (which may hold
    hyphens, or be longer than a line) can be copied whole.
    """
    text = " ".join(str(message).split())
    print(
        textwrap.fill(
            "error: " + text, width=100, break_long_words=False, break_on_hyphens=False
        ),
        file=sys.stderr,
    )
    sys.exit(EXIT_USER_ERROR)


def check_no_arguments(argv):
    """A UserError for words on the command line that are not flags."""
    if len(argv) > 1:
        raise UserError(
            f"Unexpected arguments {argv[1:]}; flags look like --name=value."
        )


def _parse_flags(argv):
    """absl's flag parsing, with its errors as one paragraph and exit 2."""
    try:
        return flags.FLAGS(argv)
    except flags.Error as e:
        text = str(e).strip()
        if not text.endswith((".", "?", "!")):
            text += "."
        fail(f"{text} Run `{_command()} --helpfull` to see every flag.")


def _command():
    """How the running script is started: ``python -m experiments.NAME``."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    if spec is not None and spec.name:
        return f"python -m {spec.name}"
    return f"python {sys.argv[0]}"


def run(main):
    """`absl.app.run(main)`, turning flag errors and `UserError` into a
    message and exit 2.

    Any other exception is a bug and keeps its traceback.
    """

    def guarded(argv):
        # TensorFlow and TFDS log INFO lines through absl; a person running a
        # script wants its own progress lines (--verbose brings them back).
        if not flags.FLAGS.verbose and not flags.FLAGS["verbosity"].present:
            absl_logging.set_verbosity(absl_logging.WARNING)
        try:
            return main(argv)
        except UserError as e:
            fail(e)
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            sys.exit(130)

    app.run(guarded, flags_parser=_parse_flags)
