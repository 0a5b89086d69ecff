"""Running a benchmark script once per Keras backend, each in its own process.

Keras fixes its backend when it is first imported, so a script that
compares backends starts itself again for each: ``KERAS_BACKEND=<name>
python -m <module> <its flags> --backends=<name>`` (absl keeps a flag's last
value). Each child's output is passed through as it comes; the lines that
start with `SUMMARY` are collected so that they can be repeated together at
the end. Nothing here imports a backend.
"""

import importlib.util
import os
import subprocess
import sys

from gen.errors import UserError

SUPPORTED = ("tensorflow", "jax", "torch")
SUMMARY = "summary"


def check_backends(names):
    """The backends named in a ``--backends`` list, checked: known,
    installed, each once. A one-paragraph `UserError` otherwise."""
    names = [n.strip() for n in names if n.strip()]
    if not names:
        raise UserError(
            "--backends is empty; name one or more of "
            f"{', '.join(SUPPORTED)}, separated by commas."
        )
    unknown = [n for n in names if n not in SUPPORTED]
    if unknown:
        raise UserError(
            f"Unknown backend {unknown[0]!r} in --backends; the layers run on "
            f"{', '.join(SUPPORTED)} (a comma-separated list, e.g. "
            "--backends=tensorflow,jax)."
        )
    if len(set(names)) != len(names):
        raise UserError(f"--backends names a backend twice: {','.join(names)}.")
    missing = [n for n in names if importlib.util.find_spec(n) is None]
    if missing:
        raise UserError(
            f"The {missing[0]} backend is not installed in this Python "
            f"({sys.executable}); install it or leave it out of --backends."
        )
    return tuple(names)


def running():
    """The backend this process's Keras uses or will use (`gen.cli` sets
    ``KERAS_BACKEND`` before Keras is imported)."""
    return os.environ.get("KERAS_BACKEND", "tensorflow")


def run_each(module, backends, argv):
    """Runs ``python -m module *argv --backends=<name>`` under each backend in
    turn, its output passed through.

    Returns ``(returncode, summaries)``: the first non-zero exit status (the
    remaining backends are not run) or 0, and each child's summary lines.
    """
    summaries = []
    for backend in backends:
        env = dict(os.environ, KERAS_BACKEND=backend)
        command = [sys.executable, "-m", module, *argv, f"--backends={backend}"]
        with subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, text=True, bufsize=1
        ) as child:
            for line in child.stdout:
                print(line, end="", flush=True)
                if line.startswith(SUMMARY):
                    summaries.append(line.rstrip("\n"))
        if child.returncode:
            return child.returncode, summaries
    return 0, summaries
