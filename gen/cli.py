"""What every `experiments/` script shares: a quiet start and one way to fail.

A script imports nothing that loads TensorFlow at its top (its `main`
does, after the flag checks) and ends with ``cli.run(main)``; importing
this module starts nothing. `run` does, in order:

- `quiet_start`: TensorFlow's native start-up lines (``I0000 ...
  cpu_feature_guard``, ``E0000 ... failed call to cuInit`` on a machine
  without a GPU, ...) are written by its C++ logging before
  `TF_CPP_MIN_LOG_LEVEL` takes effect, so the script's standard error is
  filtered of them; its own lines pass unchanged. ``--verbose`` on the
  command line, or ``DECONVNET_VERBOSE=1`` in the environment, keeps
  everything TensorFlow and TFDS print.
- ``--help`` (``-?``, ``--helpshort``): the script's docstring and every
  flag it takes, grouped by the settings they come from
  (`gen.settings.help_text`); ``--helpfull`` stays absl's list of all
  flags.
- A mistyped flag, a value of the wrong type and every `UserError` print
  one paragraph (``error: ...``) and exit with status 2, without a
  traceback. Ctrl-C (SIGINT) prints one line and exits with 130 (every
  picture and result file is written under a temporary name and renamed,
  `gen.pictures.atomic_files`, so none is left half-written). Any other
  exception is a bug and keeps its traceback.
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


def quiet_start(argv=None):
    """Quiets TensorFlow before it loads, unless --verbose or
    DECONVNET_VERBOSE=1: its log level, its Python logger, and (in a
    script) its native lines filtered out of file descriptor 2. Sets the
    Keras backend to TensorFlow unless KERAS_BACKEND names another.

    `run` calls it first; call it yourself only from a program that does
    not end with `run`.
    """
    global _quiet_started
    if _quiet_started:
        return
    _quiet_started = True
    if not _verbose_requested(sys.argv if argv is None else argv):
        # TensorFlow reads these when it is first imported.
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        # TensorFlow's Python logger prints INFO lines (checkpoint sharding,
        # ...) that drown the scripts' own progress.
        logging.getLogger("tensorflow").setLevel(logging.WARNING)
        _filter_native_stderr()
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")


_quiet_started = False


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
        fail(f"{text} Run `{_command()} --help` to see every flag.")


def _command():
    """How the running script is started: ``python -m experiments.NAME``."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    if spec is not None and spec.name:
        return f"python -m {spec.name}"
    return f"python {sys.argv[0]}"


_HELP_ARGS = ("--help", "-help", "-?", "--helpshort", "-helpshort")


def _wants_help(argv):
    """Whether the command line asks for the short help (absl's spellings;
    ``--helpfull`` is left to absl)."""
    return any(arg in _HELP_ARGS for arg in argv[1:])


def print_help(file=None):
    """The running script's docstring, then every flag it takes, grouped
    (`gen.settings.help_text`), and a pointer to ``--helpfull``."""
    from gen import settings

    doc = (getattr(sys.modules.get("__main__"), "__doc__", None) or "").strip()
    print(
        (doc + "\n\n" if doc else "")
        + settings.help_text()
        + f"\n\n`{_command()} --helpfull` also lists absl's own flags.",
        file=file or sys.stdout,
    )


def interrupted():
    """Ctrl-C: one line, exit 130 (128 + SIGINT, as a shell reports it)."""
    print(
        "interrupted (Ctrl-C): stopped; the files written so far are "
        "complete, none is left half-written.",
        file=sys.stderr,
    )
    sys.exit(130)


def run(main):
    """`absl.app.run(main)` after `quiet_start`, with the grouped
    ``--help``, and flag errors and `UserError` turned into a message and
    exit 2; Ctrl-C prints one line and exits 130.

    Any other exception is a bug and keeps its traceback.
    """
    quiet_start()
    if _wants_help(sys.argv):
        print_help()
        sys.exit(0)

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
            interrupted()

    try:
        app.run(guarded, flags_parser=_parse_flags)
    except KeyboardInterrupt:  # during absl's start, before main
        interrupted()
