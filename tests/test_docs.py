"""Every Python example in README.md and docs/*.md runs and prints what it
says it prints; the README stays a short front door; links lead somewhere.

The output convention of the examples (README.md, "The parts", and the top
of every guide tell readers the same): comment lines that directly follow a statement that
calls ``print`` -- a ``print(...)`` line, or a ``for``/``try``/``with``
statement whose body prints -- show exactly what the example has printed
since the previous such comment block, one comment line per printed line,
after ``# `` (a bare ``#`` is an empty line). Two wildcards keep long output
short: a comment line that is only ``...`` stands for any number of lines,
and ``...`` inside a line for any text within that line. Everything an
example prints must be shown: output where no comment block says what it is
fails the test. Comments anywhere else (after a statement that does not
print, or after a blank line) are ordinary comments.

Each block runs in a fresh namespace, with a new empty temporary folder as
the working directory; it is cut into segments that end after each output
comment block, and the segments run in order with their standard output
captured and compared with the comment lines. A block whose first line is
``# KERAS_BACKEND=<name> ...`` (how a reader runs it on another Keras
backend) runs the same way in a Python process with that backend.
"""

import ast
import contextlib
import io
import json
import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
GUIDES = ("layers", "data", "training", "exploring", "deconvnet")
DOC_FILES = [README] + sorted((ROOT / "docs").glob("*.md"))
README_LIMIT = 10_000

_BLOCK = re.compile(r"^```python\n(.*?)^```", re.M | re.S)
_FENCE = re.compile(r"^```.*?^```", re.M | re.S)
_BACKEND = re.compile(r"^# KERAS_BACKEND=(\w+)")
_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def python_blocks(path):
    return _BLOCK.findall(path.read_text())


BLOCKS = [
    (path, index, source)
    for path in DOC_FILES
    for index, source in enumerate(python_blocks(path))
]


def _prints(statement):
    return any(
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "print"
        for node in ast.walk(statement)
    )


def segments(source):
    """[(statements, expected output lines or [])] of one example.

    A segment ends after each statement that prints and is directly
    followed by comment lines; the last segment (the rest) must print
    nothing.
    """
    lines = source.splitlines()
    out, current = [], []
    for statement in ast.parse(source).body:
        current.append(statement)
        if not _prints(statement):
            continue
        expected = []
        for line in lines[statement.end_lineno :]:
            if line != "#" and not line.startswith("# "):
                break
            expected.append(line[2:])
        if expected:
            out.append((current, expected))
            current = []
    out.append((current, []))
    return out


def _line_matches(expected, actual):
    pattern = ".*".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, actual) is not None


def output_matches(expected, actual):
    """Whether printed lines `actual` are what the comment lines `expected`
    say, with the two `...` wildcards (module docstring)."""
    if not expected:
        return not actual
    if expected[0] == "...":
        return any(
            output_matches(expected[1:], actual[i:]) for i in range(len(actual) + 1)
        )
    return (
        bool(actual)
        and _line_matches(expected[0], actual[0])
        and output_matches(expected[1:], actual[1:])
    )


def test_the_guides_exist_with_examples():
    for name in GUIDES:
        guide = ROOT / "docs" / f"{name}.md"
        assert guide.is_file(), guide
        assert python_blocks(guide), f"{guide.name} has no Python example"


def test_readme_is_a_short_front_door():
    text = README.read_text()
    assert len(text) <= README_LIMIT, (
        f"README.md has {len(text)} characters; keep it under "
        f"{README_LIMIT} and move detail into docs/."
    )
    lines = [line for line in text.splitlines() if line.strip()]
    # The title, then the two set-up commands before anything else.
    assert lines[0].startswith("# ")
    assert lines[1] == "```sh", lines[1]
    assert lines[2].startswith("make demo"), lines[2]
    assert lines[3].startswith("make test"), lines[3]
    assert lines[4] == "```", lines[4]
    for name in GUIDES:
        assert f"](docs/{name}.md)" in text, f"README.md does not link docs/{name}.md"


@pytest.mark.parametrize("path", DOC_FILES, ids=lambda p: p.name)
def test_relative_links_point_at_files(path):
    """Every relative link names an existing file, and its #anchor, if any,
    a heading of that file (GitHub's anchors)."""
    prose = re.sub(r"`[^`\n]*`", "", _FENCE.sub("", path.read_text()))
    missing = []
    for target in _LINK.findall(prose):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):
            continue  # a URL
        file_part, _, anchor = target.partition("#")
        linked = path.parent / file_part if file_part else path
        if not linked.exists():
            missing.append(target)
        elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
            missing.append(target)
    assert not missing, f"{path.name} links to missing files or headings: {missing}"


def _anchors(path):
    """The anchors GitHub gives the headings of a Markdown file."""
    text = _FENCE.sub("", path.read_text())
    return {
        re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        for heading in re.findall(r"^#+ (.*)$", text, re.M)
    }


def test_the_output_convention():
    source = (
        'x = 2\nprint(x)\n# 2\n\nfor i in range(3):\n    print("row", i)\n'
        '# row 0\n# ...\n\nprint("a long line")\n# a ... line\n'
    )
    parts = segments(source)
    assert [expected for _, expected in parts] == [
        ["2"],
        ["row 0", "..."],
        ["a ... line"],
        [],
    ]
    assert output_matches(["row 0", "..."], ["row 0", "row 1", "row 2"])
    assert output_matches(["a ... line"], ["a long line"])
    assert not output_matches(["2"], ["2", "3"])
    assert not output_matches(["a ... line"], ["a long line!"])
    assert segments("print(1)  # 1\n")[-1][1] == []  # not an output comment


# Runs the segments of one example in another process: each segment's
# output, as a JSON list, on stdout.
_RUN_SEGMENTS = """
import ast, contextlib, io, json, sys
sources = json.loads(sys.stdin.read())
namespace, outputs = {"__name__": "__main__"}, []
for source in sources:
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        exec(compile(source, sys.argv[1], "exec"), namespace)
    outputs.append(captured.getvalue())
print(json.dumps(outputs))
"""


def _run_elsewhere(name, parts, backend, cwd):
    sources = [
        ast.unparse(ast.Module(body=statements, type_ignores=[]))
        for statements, _ in parts
    ]
    result = subprocess.run(
        [sys.executable, "-c", _RUN_SEGMENTS, name],
        input=json.dumps(sources),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        env={
            **os.environ,
            "KERAS_BACKEND": backend,
            "PYTHONPATH": os.pathsep.join(
                [str(ROOT), os.environ.get("PYTHONPATH", "")]
            ),
        },
    )
    assert result.returncode == 0, f"{name} failed:\n{result.stderr[-4000:]}"
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "path, index, source",
    BLOCKS,
    ids=[f"{path.name}-{index}" for path, index, _ in BLOCKS],
)
def test_example(path, index, source, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples that write files write here
    name = f"{path.relative_to(ROOT)} block {index}"
    parts = segments(source)
    backend = _BACKEND.match(source)
    if backend:
        outputs = _run_elsewhere(name, parts, backend.group(1), tmp_path)
    namespace = {"__name__": "__main__"}
    for k, (statements, expected) in enumerate(parts):
        if backend:
            printed = outputs[k]
        else:
            code = compile(ast.Module(body=statements, type_ignores=[]), name, "exec")
            captured = io.StringIO()
            with contextlib.redirect_stdout(captured):
                exec(code, namespace)
            printed = captured.getvalue()
        actual = [line.rstrip() for line in printed.splitlines()]
        where = f"{name}, line {statements[-1].end_lineno}" if statements else name
        assert output_matches([line.rstrip() for line in expected], actual), (
            f"{where} printed:\n"
            + "\n".join(actual)
            + "\n\nbut its comment says:\n"
            + "\n".join(expected)
        )


def test_the_demo_takes_the_same_time_in_every_guide():
    """The README and the training guide give `make demo`'s whole time alike,
    and say what it includes (issue 31: "about 12 minutes in all" against
    "13 to 14")."""
    said = {}
    for path in (README, ROOT / "docs" / "training.md"):
        text = " ".join(path.read_text().split())
        said[path.name] = re.findall(
            r"`make demo`[^.]*?about (\d+) minutes in all from a fresh clone", text
        )
        assert "installing `.venv`, building the 200 chairs" in text, path
        assert "once `.venv` exists" not in text, path
    assert said == {"README.md": ["13"], "training.md": ["13"]}
