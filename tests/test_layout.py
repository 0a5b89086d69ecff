"""The layout's rules: imports run one way through `gen/` (data, models,
evaluation, training, then explore and deconvnet), `layers/` imports nothing
of `gen/`, and the modules that scripts read before TensorFlow loads do not
import it."""

import ast
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
# Rank of each part of gen/: a module may import its own rank or lower.
# The modules at gen/'s top and gen.pictures are shared by every part.
RANKS = {
    "errors": 0,
    "cli": 0,
    "progress": 0,
    "choices": 0,
    "settings": 0,
    "workdir_setting": 0,
    "pictures": 0,
    "data": 1,
    "models": 2,
    "evaluation": 3,
    "training": 4,
    "explore": 5,
    "deconvnet": 5,
    "benchmarks": 6,
}


def _part(module):
    """'gen.data.splits' -> 'data'; None outside gen."""
    names = module.split(".")
    return names[1] if names[0] == "gen" and len(names) > 1 else None


def _imports(path):
    """Every module `path` imports (top level and inside functions)."""
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found += [f"{node.module}.{alias.name}" for alias in node.names]
    return found


def _modules(folder):
    return sorted(p for p in (ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize(
    "path", _modules("gen"), ids=lambda p: str(p.relative_to(ROOT))
)
def test_gen_imports_run_one_way(path):
    module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    own = _part(module)
    if own is None or own == "__init__":
        return  # gen/__init__.py imports nothing
    for imported in _imports(path):
        other = _part(imported)
        if other is None or other not in RANKS:
            continue
        assert RANKS[other] <= RANKS[own], (
            f"{module} ({own}) imports {imported} ({other}), which is above it"
        )
        assert not (own == "explore" and other == "deconvnet") and not (
            own == "deconvnet" and other == "explore"
        ), (module, imported)


def test_rank_test_can_fail():
    """The check above sees a violation when there is one."""
    assert RANKS[_part("gen.training.trainer")] > RANKS[_part("gen.data.splits")]
    assert "gen.training.generator_model" in _imports(
        ROOT / "gen" / "benchmarks" / "train_speed.py"
    )


@pytest.mark.parametrize(
    "path", _modules("layers"), ids=lambda p: str(p.relative_to(ROOT))
)
def test_layers_import_nothing_of_gen(path):
    assert not [m for m in _imports(path) if m.split(".")[0] == "gen"]


# What the scripts read before TensorFlow loads: the settings of every
# config, the choices, the run folder's names, opening runs, the visualiser's
# config, the CLI.
TF_FREE = [
    "gen.choices",
    "gen.settings",
    "gen.cli",
    "gen.errors",
    "gen.progress",
    "gen.training.train_config",
    "gen.deconvnet.autoencoder_config",
    "gen.deconvnet.convnet_config",
    "gen.training.workdir",
    "gen.training.cluster",
    "gen.explore.run_files",
    "gen.explore.explore_config",
    "gen.data.contact_sheet_config",
    "gen.benchmarks.bench_config",
    "gen.workdir_setting",
    "gen.training.flagfile_overrides",
    "gen.deconvnet.visualizer",
    "gen.explore.commands",
]


def _heavy_modules_after_importing(*names):
    """The heavy frameworks loaded by importing `names`, in a fresh Python."""
    code = (
        "import sys\n"
        f"for name in {list(names)!r}:\n"
        "    __import__(name)\n"
        "print(sorted(m for m in ('tensorflow', 'keras', 'jax', 'torch') "
        "if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_settings_modules_do_not_import_tensorflow():
    assert _heavy_modules_after_importing(*TF_FREE) == "[]"


SCRIPTS = sorted(
    path.stem
    for path in (ROOT / "experiments").glob("*.py")
    if not path.stem.startswith("_")
)


@pytest.mark.parametrize("script", SCRIPTS)
def test_scripts_check_their_flags_before_loading_tensorflow(script):
    """Every script imports only what its flag checks need: TensorFlow
    (seconds to load) comes after them, so a mistake answers at once."""
    assert _heavy_modules_after_importing(f"experiments.{script}") == "[]"
