"""`gen.cli.fail`: one paragraph on stderr, exit 2, paths never split."""

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
    assert " ".join(lines) == (f"error: No model file at {path}. Check the "
                               f"path. {words}")
