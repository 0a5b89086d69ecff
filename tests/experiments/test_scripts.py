"""What every script shares, tried on each the way a user types it: --help
names every flag of its settings; a wrong kind of --out/--workdir path and
a value of the wrong type are one paragraph and exit 2, answered before
TensorFlow loads; Ctrl-C stops an explore script cleanly."""

import ast
import concurrent.futures
import dataclasses
import importlib
import os
import signal
import subprocess
import sys
import time
import typing

import pytest

from gen import settings
from tests.scripts import ROOT, assert_user_error, run_script

SCRIPTS = sorted(
    name[:-3]
    for name in os.listdir(os.path.join(ROOT, "experiments"))
    if name.endswith(".py") and not name.startswith("_")
)


def _settings_flags(script):
    """(name, type) of the flags a script makes with
    `settings.define_flags`, read from its source: each call's config class
    (found through the script's imports) and its ``only=`` fields."""
    path = os.path.join(ROOT, "experiments", f"{script}.py")
    tree = ast.parse(open(path).read())
    modules = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    names = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "define_flags"
        ):
            target = node.args[0]  # module.ConfigClass
            module = importlib.import_module(modules[target.value.id])
            config_class = getattr(module, target.attr)
            only = next(
                (ast.literal_eval(k.value) for k in node.keywords if k.arg == "only"),
                None,
            )
            hints = typing.get_type_hints(config_class)
            for field in dataclasses.fields(config_class):
                meta = settings.info(field)
                if meta and (only is None or field.name in only):
                    names.append((meta["flag"] or field.name, hints[field.name]))
    return names


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_flag_comes_from_settings(script):
    """No raw absl flags: every script's flags are made from a settings
    dataclass (same help, choices, checks and exit 2 everywhere)."""
    source = open(os.path.join(ROOT, "experiments", f"{script}.py")).read()
    assert "DEFINE_" not in source and "from absl import flags" not in source
    assert _settings_flags(script)


@pytest.mark.parametrize("script", SCRIPTS)
def test_help_names_every_flag_with_its_default(script):
    result = run_script(script, "--help", timeout=60)
    assert result.returncode == 0, result.stderr
    listed = {
        line.split()[0].split("=")[0].replace("--[no]", "--")
        for line in result.stdout.splitlines()
        if line.startswith("  --")
    }
    expected = {f"--{name}" for name, _ in _settings_flags(script)}
    assert expected | {"--flagfile", "--verbose"} == listed, result.stdout
    assert "Try --helpfull" not in result.stdout
    if script == "render":
        # Defaults, choices and the groups (the run, its real images).
        assert "  --frames=124\n" in result.stdout
        assert "One of views, target_views, chairs, none." in " ".join(
            result.stdout.split()
        )
        assert "Which trained generator, and where to write:\n" in result.stdout


@pytest.fixture(scope="module")
def paths(tmp_path_factory):
    root = tmp_path_factory.mktemp("paths")
    a_file = root / "notes.txt"
    a_file.write_text("not a folder")
    keras_file = root / "generator.keras"
    keras_file.write_text("a saved generator")
    folder = root / "folder"
    folder.mkdir()
    return {"file": str(a_file), "keras": str(keras_file), "folder": str(folder)}


# For every script: a wrong kind of path (where it takes one) and a value of
# the wrong type, with the words that name the fix.
def _mistakes(paths):
    wrong_type = "invalid literal for int() with base 10: 'x'"
    out_is_a_file = (
        [f"--out={paths['file']}"],
        "is a file, not a folder; --out names the folder",
    )
    workdir_is_a_generator = (
        [f"--workdir={paths['keras']}"],
        "is a file; --workdir names the folder of a training run "
        f"(experiments.train). For a saved generator use --generator={paths['keras']}.",
    )
    workdir_is_a_file = (
        [f"--workdir={paths['file']}"],
        "is a file, not a folder; --workdir names the folder the run",
    )
    return {
        "render": [out_is_a_file, (["--frames=x"], wrong_type)],
        "evaluate": [workdir_is_a_generator, (["--batch_size=x"], wrong_type)],
        "interpolate": [out_is_a_file, (["--steps=x"], wrong_type)],
        "arithmetic": [workdir_is_a_generator, (["--chairs=a,b,c"], "must be ints")],
        "sample": [out_is_a_file, (["--seed=x"], wrong_type)],
        "units": [workdir_is_a_generator, (["--chair=x"], wrong_type)],
        "train": [workdir_is_a_file, (["--steps=x"], wrong_type)],
        "train_autoencoder": [workdir_is_a_file, (["--epochs=x"], wrong_type)],
        "visualize": [out_is_a_file, (["--num_features=x"], wrong_type)],
        "render_dataset": [
            (
                [f"--out={paths['folder']}/"],
                "is a folder; --out names the file to write: give a file name",
            ),
            ([f"--out={paths['folder']}"], f"--out={paths['folder']}/chairs.png"),
            ([f"--out={paths['folder']}/s.png", "--num_chairs=x"], wrong_type),
        ],
        "bench_data": [(["--batches=x"], wrong_type)],
        "bench_layers": [(["--rounds=x"], wrong_type)],
        "bench_train": [(["--steps=x"], wrong_type)],
    }


def _wrong_type(script):
    """A script's first number flag given a word, for scripts without cases
    above."""
    name = next(
        n
        for n, kind in _settings_flags(script)
        if {int, float} & {kind, *typing.get_args(kind)}
    )
    return ([f"--{name}=x"], f"error: flag --{name}=x: ")


@pytest.mark.slow(seconds=6)
def test_wrong_kinds_of_paths_and_values_are_one_paragraph(paths):
    """Answered before TensorFlow loads (tests/test_layout.py), so the
    tries run two at a time, a fraction of a second each."""
    cases = _mistakes(paths)
    tries = [
        (script, args, message)
        for script in SCRIPTS
        for args, message in cases.get(script, [_wrong_type(script)])
    ]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        results = pool.map(lambda t: run_script(t[0], *t[1], timeout=60), tries)
        for (_, _, message), result in zip(tries, results):
            assert_user_error(result, message)
    assert os.listdir(paths["folder"]) == []


@pytest.mark.slow(seconds=10)
def test_ctrl_c_stops_an_explore_script_with_one_line(tiny_run, tmp_path):
    """A real SIGINT while `render` draws a long turntable: exit 130, one
    line, no traceback, no half-written picture."""
    out = tmp_path / "o"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "experiments.render",
            f"--workdir={tiny_run}",
            f"--out={out}",
            "--chairs=0",
            "--frames=100000",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = process.stdout.readline()  # the grid is written
        assert first.startswith("wrote "), first
        time.sleep(0.5)  # drawing the turntable's frames
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert stderr.strip().splitlines() == [
        "interrupted (Ctrl-C): stopped; the files written so far are complete, "
        "none is left half-written."
    ]
    assert "turntable" not in stdout
    assert sorted(os.listdir(out)) == ["chairs_views.png"]  # no temporary file
