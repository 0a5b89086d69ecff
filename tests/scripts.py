"""Running the experiment scripts as a person does, and checking their
one-paragraph errors."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_script(name, *args, timeout=300, cwd=ROOT):
    """`python -m experiments.<name> args` from `cwd` (the repository root
    by default), output captured."""
    return subprocess.run([sys.executable, "-m", f"experiments.{name}",
                           *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


def assert_user_error(result, message):
    """The script exited 2 with `message` on stderr (line breaks folded)
    and no traceback."""
    stderr = " ".join(result.stderr.split())
    assert result.returncode == 2, (result.args, result.stderr)
    assert message in stderr, (message, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
