"""What every script shares, tried on each the way a user types it: --help
names every flag of its settings; a wrong kind of --out/--workdir path and
a value of the wrong type are one paragraph and exit 2, answered before
TensorFlow loads; Ctrl-C stops an explore script cleanly."""

import concurrent.futures
import os
import signal
import subprocess
import sys
import time

import pytest

from gen.benchmarks import bench_config
from gen.data import contact_sheet_config
from gen.deconvnet import autoencoder_config, convnet_config, visualizer
from gen.explore import explore_config
from gen.training import train_config
from tests.scripts import ROOT, assert_user_error, run_script

EXPLORE = {
    "render": explore_config.RenderConfig,
    "evaluate": explore_config.EvaluateConfig,
    "interpolate": explore_config.InterpolateConfig,
    "arithmetic": explore_config.ArithmeticConfig,
    "sample": explore_config.SampleConfig,
    "units": explore_config.UnitsConfig,
}


def _flags(config_class, only=None):
    from gen import settings

    names = []
    for field in config_class.__dataclass_fields__.values():
        meta = settings.info(field)
        if meta and (only is None or field.name in only):
            names.append(meta["flag"] or field.name)
    return names


# Every script and the flags of its settings.
SCRIPT_FLAGS = {
    **{name: _flags(config) for name, config in EXPLORE.items()},
    "train": ["workdir", *_flags(train_config.TrainConfig)],
    "train_autoencoder": [
        "workdir",
        *_flags(autoencoder_config.AutoencoderConfig),
    ],
    "visualize": [
        *_flags(visualizer.VisualizeConfig),
        *_flags(
            convnet_config.ConvnetConfig,
            only=("task", "epochs", "resolution", "filters", "seed"),
        ),
    ],
    "render_dataset": _flags(contact_sheet_config.ContactSheetConfig),
    "bench_data": _flags(bench_config.DataBenchConfig),
    "bench_layers": _flags(bench_config.LayersBenchConfig),
    "bench_train": _flags(bench_config.TrainBenchConfig),
}
if os.path.exists(os.path.join(ROOT, "experiments", "explore.py")):  # issue 28
    from gen.explore.live import explore_config as live_config

    SCRIPT_FLAGS["explore"] = _flags(live_config.ExploreConfig)


def test_every_script_is_listed():
    scripts = {
        name[:-3]
        for name in os.listdir(os.path.join(ROOT, "experiments"))
        if name.endswith(".py") and not name.startswith("_")
    }
    assert scripts == set(SCRIPT_FLAGS)


@pytest.mark.parametrize("script", sorted(SCRIPT_FLAGS))
def test_help_names_every_flag_with_its_default(script):
    result = run_script(script, "--help", timeout=60)
    assert result.returncode == 0, result.stderr
    listed = {
        line.split()[0].split("=")[0].replace("--[no]", "--")
        for line in result.stdout.splitlines()
        if line.startswith("  --")
    }
    expected = {f"--{name}" for name in SCRIPT_FLAGS[script]}
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
        "explore": [(["--port=x"], wrong_type)],
    }


@pytest.mark.slow(seconds=6)
def test_wrong_kinds_of_paths_and_values_are_one_paragraph(paths):
    """Answered before TensorFlow loads (tests/test_layout.py), so the
    tries run two at a time, a fraction of a second each."""
    cases = _mistakes(paths)
    tries = [
        (script, args, message)
        for script in SCRIPT_FLAGS
        for args, message in cases[script]
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
