"""Opening a finished training run, or a saved generator, to explore it.

A run is the workdir `gen.training.trainer.train` wrote: ``config.json`` (its settings
under "train", what "auto" became and the number of chair styles under
"resolved") and, once training has finished, ``generator.keras``. A bare
``.keras`` file works too; then nothing says which images it was trained on,
and the scripts that need real images take the data settings as flags.

    info = locate(workdir="runs/chairs")       # checks files, no TensorFlow
    model = load_generator(info.generator_path)
    source = data_source(info)                  # None: no images available
    data = load_data(source, model)

`locate` reads only JSON, so a script can refuse a bad chair id before
TensorFlow starts. Every problem a person can fix is a `UserError` that
names the file and the way out.
"""

import dataclasses
import json
import os
import zipfile

from gen import choices
from gen.data import dataset_registry
from gen.errors import UserError
from gen.explore.data_folder import ensure_data_dir
from gen.training import run_lock, train_config
from gen.training.workdir import CONFIG_FILE, GENERATOR_FILE, latest_checkpoint_step

# The members of a Keras 3 .keras archive.
KERAS_MEMBERS = ("metadata.json", "config.json", "model.weights.h5")
# The layers the exploring tools cut a generator at (`gen.explore.latent`):
# fully connected layers and (un)convolutions, by Keras class name (the
# chairs generator's own `Dense` and `Conv2D` subclasses, and Keras' in
# generators saved before them).
CUT_LAYER_CLASSES = (
    "Dense",
    "FastGradientDense",
    "Conv2D",
    "AccurateBiasConv2D",
    "UnpoolConv2D",
)


@dataclasses.dataclass(frozen=True)
class RunInfo:
    """Where a generator and what is known about its training.

    Attributes:
        generator_path: the ``.keras`` file.
        workdir: the run's folder, or None for a bare generator file.
        train: the run's `TrainConfig`, or None for a bare generator file.
        num_classes: the number of chair styles: config.json's, or for a bare
            generator file the size of its "class" input read from the file
            (None if it has none: not a chairs generator, which loading
            reports).
        cut_layers: the names of the layers the exploring tools can cut the
            generator at (`CUT_LAYER_CLASSES`), in the model's order, read
            from the file without loading it.
    """

    generator_path: str
    workdir: str = None
    train: train_config.TrainConfig = None
    num_classes: int = None
    cut_layers: tuple = ()


def locate(workdir=None, generator=None):
    """Checks the files of a run (`workdir`) or of a saved `generator`.

    Exactly one of the two must be given. Reads config.json but does not load
    the model (nor TensorFlow).
    """
    if (workdir is None) == (generator is None):
        raise UserError(
            "Name the trained generator to explore: --workdir=<folder of a "
            "training run> or --generator=<file.keras> (one of the two)."
        )
    if generator is not None:
        path, cut_layers, num_classes = _check_generator_file(generator)
        return RunInfo(
            generator_path=path, num_classes=num_classes, cut_layers=cut_layers
        )
    workdir = os.path.abspath(os.path.expanduser(workdir))
    if not os.path.isdir(workdir):
        raise UserError(
            f"--workdir {workdir} does not exist or is not a "
            "folder; name the folder a training run wrote "
            "(python -m experiments.train --workdir=...)."
        )
    config, num_classes = read_run_config(workdir)
    path = os.path.join(workdir, GENERATOR_FILE)
    if not os.path.isfile(path):
        raise UserError(_unfinished(workdir, config))
    path, cut_layers, _ = _check_generator_file(path)
    return RunInfo(
        generator_path=path,
        workdir=workdir,
        train=config,
        num_classes=num_classes,
        cut_layers=cut_layers,
    )


def read_run_config(workdir):
    """(`TrainConfig`, number of classes) from the config.json of the run
    in `workdir` (an existing folder); a UserError when it has none or it
    cannot be read."""
    config_path = os.path.join(workdir, CONFIG_FILE)
    if not os.path.isfile(config_path):
        raise UserError(
            f"--workdir {workdir} holds no {CONFIG_FILE}, so it is not a "
            "training run. Name the folder given to experiments.train as "
            "--workdir, or a saved generator with --generator=<file.keras>."
        )
    try:
        with open(config_path) as f:
            stored = json.load(f)
        config = train_config.TrainConfig.from_dict(stored["train"])
        num_classes = int(stored["resolved"]["num_classes"])
    except UserError as e:
        raise UserError(
            f"{config_path} is not a readable run configuration: {e}"
        ) from e
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise UserError(
            f"{config_path} is not a readable run configuration "
            f"({type(e).__name__}: {e}); the run's files are "
            "damaged."
        ) from e
    return config, num_classes


def _unfinished(workdir, config):
    """Why a run has no generator yet: it is training (the process holding
    its lock, how far it got), or it stopped (run it again)."""
    step = latest_checkpoint_step(workdir)
    got = (
        f"last checkpoint: step {step} of {config.steps}"
        if step
        else "no checkpoint yet"
    )
    holder = run_lock.live_holder(workdir)
    if holder is not None:
        return (
            f"The run in {workdir} has no {GENERATOR_FILE} yet: it is still "
            f"training ({holder.describe()}; {got}). It writes "
            f"{GENERATOR_FILE} when it ends: wait for it, or stop it (Ctrl-C, "
            f"or kill {holder.pid} on {holder.host}: it saves a checkpoint) "
            "and open it then. Do not start experiments.train on it while it "
            "trains."
        )
    return (
        f"The run in {workdir} has no {GENERATOR_FILE} yet: its training "
        f"has not finished, and no process trains it now ({got}). Run the "
        "same experiments.train "
        "command again to finish it (it resumes from the last checkpoint), "
        "or pass --max_train_minutes to stop early with a generator."
    )


def check_cut_layer(name, names):
    """`name`, or a UserError naming the layers it can be."""
    if name not in names:
        raise UserError(
            f"Unknown layer {name!r}; this generator's fully "
            f"connected and uconv layers are {', '.join(names)}."
        )
    return name


def _check_generator_file(path):
    path = os.path.abspath(os.path.expanduser(path))
    if not os.path.isfile(path):
        raise UserError(f"The generator file {path} does not exist.")
    if not path.endswith(".keras"):
        raise UserError(
            f"The generator file {path} is not a .keras file "
            "(the format experiments.train saves)."
        )
    if not zipfile.is_zipfile(path):
        raise UserError(
            f"{path} is damaged or not a Keras model: a .keras "
            "file is a zip archive and this one is not. Train "
            "again or use another copy."
        )
    # What Keras reads first, checked without loading TensorFlow, so that a
    # damaged file is reported at once.
    try:
        with zipfile.ZipFile(path) as archive:
            missing = [name for name in KERAS_MEMBERS if name not in archive.namelist()]
            if not missing:
                config = json.loads(archive.read("config.json"))
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise UserError(
            f"{path} is damaged ({type(e).__name__}: {e}); train "
            "again or use another copy."
        ) from e
    if missing:
        raise UserError(
            f"{path} is damaged or not a Keras model: it lacks "
            f"{', '.join(missing)}. Train again or use another "
            "copy."
        )
    layers = (config.get("config") or {}).get("layers") or []
    cut_layers = tuple(
        layer.get("name") or layer["config"]["name"]
        for layer in layers
        if layer.get("class_name") in CUT_LAYER_CLASSES
    )
    return path, cut_layers, _class_input_size(layers)


def _class_input_size(layers):
    """The size of the "class" input (the one-hot chair id) in a functional
    model's layer configs, or None."""
    for layer in layers:
        config = layer.get("config") or {}
        if layer.get("class_name") == "InputLayer" and config.get("name") == "class":
            shape = config.get("batch_shape") or config.get("batch_input_shape")
            if shape and isinstance(shape[-1], int):
                return shape[-1]
    return None


def load_generator(path):
    """The chairs generator saved at `path` (float32, ready to predict),
    after the file checks of `locate`."""
    from gen.models import chairs_generator

    path, _, _ = _check_generator_file(path)
    return chairs_generator.load_generator(path)


def num_classes_of(model):
    """The number of chair styles a generator draws (its one-hot size)."""
    return int(model.input["class"].shape[-1])


def resolution_of(model):
    return int(model.output["rgb"].shape[1])


def check_chair_ids(ids, num_classes, flag="--chairs"):
    """`ids` as a list of ints; UserError for ids outside 0..num_classes-1."""
    ids = [int(i) for i in ids]
    bad = sorted({i for i in ids if not 0 <= i < num_classes})
    if bad:
        raise UserError(
            f"{flag}: unknown chair id{'s' if len(bad) > 1 else ''} "
            f"{', '.join(map(str, bad))}; this generator draws {num_classes} "
            f"chairs, ids 0..{num_classes - 1}."
        )
    return ids


def default_out(info, name):
    """Where a script writes by default: ``<workdir>/<name>``, or for a bare
    generator file ``<its folder>/<its stem>_<name>``."""
    if info.workdir is not None:
        return os.path.join(info.workdir, name)
    folder, file_name = os.path.split(info.generator_path)
    return os.path.join(folder, f"{os.path.splitext(file_name)[0]}_{name}")


@dataclasses.dataclass(frozen=True)
class DataSource:
    """Which chairs images belong to a generator (see `data_source`)."""

    dataset: str = "synthetic_chairs"
    data_dir: str = None
    num_chairs: int = None
    chair_list: str = None
    holdout: str = "views"
    category: str = None  # mesh_renders: the run's --category
    # The folder the run recorded, when it is not on this machine and the
    # data are rebuilt in the default folder instead (`ensure_data_dir`).
    recorded_data_dir: str = None


def data_source(
    info,
    *,
    dataset=None,
    data_dir=None,
    num_chairs=None,
    chair_list=None,
    holdout=None,
    category=None,
):
    """The images of a run: its own settings, or those given for a bare file.

    For a run, only `data_dir` may be given (the data may have moved since
    training); the rest comes from config.json. For a bare generator file,
    the images are known only when `dataset` or `data_dir` is given; then
    `num_chairs` defaults to the generator's classes and `holdout` to
    "views". Returns None when no images are known.
    """
    if info.train is not None:
        given = [
            f"--{name}"
            for name, value in (
                ("dataset", dataset),
                ("num_chairs", num_chairs),
                ("chair_list", chair_list),
                ("holdout", holdout),
                ("category", category),
            )
            if value is not None
        ]
        if given:
            raise UserError(
                f"{', '.join(given)} cannot be used with --workdir: a run's "
                "images are the ones it was trained on (its config.json). "
                "Only --data_dir may be given, where its data have moved."
            )
        t = info.train
        recorded = None
        if data_dir is None and t.data_dir and not os.path.exists(t.data_dir):
            recorded = t.data_dir  # a copied run: its folder is elsewhere
        return DataSource(
            dataset=t.dataset,
            data_dir=data_dir or (None if recorded else t.data_dir),
            recorded_data_dir=recorded,
            num_chairs=t.num_chairs,
            chair_list=t.chair_list,
            holdout=t.holdout,
            category=getattr(t, "category", None),
        )
    if dataset is None and data_dir is None:
        return None
    if holdout is not None and holdout not in choices.HOLDOUTS:
        raise UserError(
            f"--holdout must be one of {', '.join(choices.HOLDOUTS)}; got {holdout!r}."
        )
    dataset = dataset or "synthetic_chairs"
    if dataset not in choices.DATASETS:
        raise UserError(
            f"--dataset must be one of {', '.join(choices.DATASETS)}; got {dataset!r}."
        )
    if info.num_classes is not None:
        num_chairs = _check_num_chairs(dataset, num_chairs, info.num_classes)
    return DataSource(
        dataset=dataset,
        data_dir=data_dir,
        num_chairs=num_chairs,
        chair_list=chair_list,
        holdout=holdout or "views",
        category=category,
    )


def _check_num_chairs(dataset, num_chairs, num_classes):
    """--num_chairs against the generator's classes, before any data are
    built: synthetic_chairs with N chairs has exactly N classes, and the
    datasets made from the user's files keep at most the first --num_chairs
    (`DatasetKind.keeps_first`). Returns the number of chairs
    (synthetic_chairs: the generator's by default)."""
    keeps_first = dataset_registry.lookup(dataset).keeps_first
    if num_chairs is None:
        return None if keeps_first else num_classes
    if num_chairs != num_classes and (not keeps_first or num_chairs < num_classes):
        raise UserError(
            f"--num_chairs={num_chairs} does not match the generator, which "
            f"draws {num_classes} chairs: give the number of chairs it was "
            f"trained on (--num_chairs={num_classes}), or leave the flag out."
        )
    return num_chairs


def require_data(source, what):
    """`source`, its data folder ready (`ensure_data_dir`), or a UserError
    saying that `what` needs the real images. Reads no data."""
    if source is None:
        raise UserError(
            f"{what} needs the real chair images, and a bare --generator file "
            "does not say which they are. Pass --workdir of the training run "
            "instead, or add --data_dir (with --dataset, --num_chairs, "
            "--chair_list, --category, --holdout as the run was trained)."
        )
    ensure_data_dir(source)
    return source


def load_data(source, model):
    """The `ChairsData` of `source` at the generator's resolution (built
    first if needed, `ensure_data_dir`); checks that it has as many chairs as
    the generator has classes."""
    from gen.data import chairs_data

    ensure_data_dir(source)
    classes = num_classes_of(model)
    data = chairs_data.load_chairs(
        source.dataset,
        data_dir=source.data_dir,
        resolution=resolution_of(model),
        num_chairs=source.num_chairs
        or (classes if source.dataset == "synthetic_chairs" else None),
        chair_list=source.chair_list,
        category=source.category,
    )
    if data.num_classes != classes:
        raise UserError(
            f"The data ({source.dataset}, {data.num_classes} chairs) do not "
            f"match the generator, which draws {classes} chairs; give the "
            "data flags the run was trained with."
        )
    return data
