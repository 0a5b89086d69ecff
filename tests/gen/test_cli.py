"""`gen.cli`: one paragraph on stderr and exit 2 (`fail`, paths never split), the
quiet start (filtered native lines, --verbose), nothing started on import."""

import os

import pytest

from gen import cli


def test_fail_wraps_at_spaces_only_and_exits_2(capsys):
    # A hyphen 90 characters in: textwrap's defaults would break the path
    # there, and a long path would be cut into pieces.
    path = "/tmp/" + "a" * 80 + "/popen-gw1/" + "b" * 120 + "/nope.keras"
    words = " ".join(f"word{i}" for i in range(60))
    with pytest.raises(SystemExit) as exit_info:
        cli.fail(f"No model file at {path}.\n  Check  the path. {words}")
    assert exit_info.value.code == cli.EXIT_USER_ERROR == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "error: No model file at"
    assert lines[1] == f"{path}."  # longer than a line, but whole
    assert all(len(line) <= 100 for line in lines if path not in line)
    assert " ".join(lines) == (
        f"error: No model file at {path}. Check the path. {words}"
    )


NATIVE_LINES = [
    b"WARNING: All log messages before absl::InitializeLog() is called are "
    b"written to STDERR",
    b"I0000 00:00:1796168843.390009    2522 cudart_stub.cc:31] Could not find "
    b"cuda drivers on your machine, GPU will not be used.",
    b"E0000 00:00:1796168844.394287    2522 cuda_platform.cc:52] failed call "
    b"to cuInit: INTERNAL: CUDA error: Failed call to cuInit: UNKNOWN ERROR "
    b"(303)",
    b"W0000 00:00:1796168844.394287    2522 gpu_device.cc:2342] Cannot dlopen "
    b"some GPU libraries.",
]


def test_native_log_lines_are_recognised_and_nothing_else():
    for line in NATIVE_LINES:
        assert cli._NATIVE_LOG_LINE.match(line), line
    for line in (
        b"error: --steps must be a positive integer, got 0.",
        b"Inverted 3 chairs",
        b"E0000 is a name, not a log line",
        b"Traceback (most recent call last):",
    ):
        assert not cli._NATIVE_LOG_LINE.match(line), line


def _native(text):
    return [
        line for line in text.splitlines() if cli._NATIVE_LOG_LINE.match(line.encode())
    ]


# A script written as every script in experiments/ is (ending with
# gen.cli.run), whose main loads TensorFlow and fails with a user error.
SCRIPT = """
import gen.cli
from gen.errors import UserError

def main(argv):
    import tensorflow  # noqa: F401
    raise UserError("--num_chairs must be positive.")

gen.cli.run(main)
"""


@pytest.mark.slow(seconds=17)
def test_scripts_start_quietly_unless_verbose(monkeypatch, tmp_path):
    """A script that imports TensorFlow prints none of its native start-up
    lines; --verbose brings them back."""
    import subprocess
    import sys

    from tests.scripts import ROOT

    monkeypatch.delenv(cli.VERBOSE_ENV, raising=False)

    script = tmp_path / "experiments" / "fails.py"
    script.parent.mkdir()
    script.write_text(SCRIPT)
    monkeypatch.setenv("PYTHONPATH", ROOT)

    def run(*args):
        return subprocess.run(
            [sys.executable, str(script), *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )

    message = "error: --num_chairs must be positive.\n"
    quiet = run()
    assert (quiet.returncode, quiet.stderr) == (2, message)
    loud = run("--verbose")
    assert loud.returncode == 2 and loud.stderr.endswith(message)
    # TensorFlow prints its start-up lines on every machine seen so far
    # (at least absl's notice that logs go to stderr before it starts).
    assert _native(loud.stderr), loud.stderr


def test_verbose_is_asked_on_the_command_line_or_in_the_environment(monkeypatch):
    monkeypatch.delenv(cli.VERBOSE_ENV, raising=False)
    assert not cli._verbose_requested(["prog", "--steps=3"])
    assert cli._verbose_requested(["prog", "--verbose"])
    assert not cli._verbose_requested(["prog", "--noverbose"])
    monkeypatch.setenv(cli.VERBOSE_ENV, "1")
    assert cli._verbose_requested(["prog"])
    monkeypatch.setenv(cli.VERBOSE_ENV, "0")
    assert not cli._verbose_requested(["prog"])


def test_importing_gen_cli_starts_nothing():
    """No thread and no change to file descriptor 2 on import: the quiet
    start is `quiet_start`, called by `run`."""
    import subprocess
    import sys

    from tests.scripts import ROOT

    code = (
        "import os, threading\n"
        "before = os.readlink('/proc/self/fd/2')\n"
        "import gen.cli\n"
        "print(threading.active_count(), os.readlink('/proc/self/fd/2') == before,"
        " 'TF_CPP_MIN_LOG_LEVEL' in os.environ)\n"
        "gen.cli.quiet_start(['prog'])\n"
        "print(threading.active_count(), os.readlink('/proc/self/fd/2') == before)\n"
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in (cli.VERBOSE_ENV, "TF_CPP_MIN_LOG_LEVEL")
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["1 True False", "2 False"]
