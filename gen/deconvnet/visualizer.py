"""The deconvnet visualiser end to end: a model, its images, one picture per
layer (what `python -m experiments.visualize` runs).

Given a saved Keras model (or none: then the small chairs convnet of
`gen.models.small_convnet` is trained first), a source of images (a folder of
PNG/JPEG files or a dataset name, `gen.data.image_sources`) and layer names, it
writes, for every layer, Zeiler & Fergus' top-9 grids of the layer's
strongest feature maps (`gen.deconvnet.feature_sheets`).

Example:

>>> config = VisualizeConfig(out_dir="runs/vis", model_path="convnet.keras",
...                          layers=("conv2",), images="photos/")
>>> summary = visualize(config)
"""

import dataclasses
import os
import time

from gen import settings
from gen.data import image_sources
from gen.deconvnet import convnet_config
from gen.errors import UserError
from gen.pictures import atomic_files
from gen.settings import setting

# TensorFlow loads in the functions that need it, so that a config with a
# missing file or folder is refused at once.


@dataclasses.dataclass(frozen=True)
class VisualizeConfig:
    """What to visualise and where to write it; each field's help says what
    it is (`python -m experiments.visualize --helpfull`).

    `convnet` is the `gen.deconvnet.convnet_config.ConvnetConfig` to train
    when `model_path` is None (default: its defaults with this config's
    data settings).
    """

    out_dir: str = setting(dataclasses.MISSING, "Output folder.", flag="out")
    model_path: str | None = setting(
        None,
        "A .keras model to look into; none: train the small chairs convnet first.",
        flag="model",
    )
    layers: tuple[str, ...] = setting(
        (), "Layer names (default: every Conv2D).", flag="layer"
    )
    images: str = setting(
        "synthetic_chairs",
        "A folder of PNG/JPEG files, or a dataset name: "
        "synthetic_chairs (built offline) or a prepared TFDS dataset.",
    )
    features: tuple[int, ...] = setting(
        (), "Feature map indices to show (default: the strongest --num_features)."
    )
    num_features: int = setting(16, "Feature maps to show per layer.")
    max_images: int = setting(1000, "Look at most at this many images.")
    input_range: tuple[float, ...] = setting(
        (0.0, 1.0),
        "low,high: the model takes pixels scaled to this range "
        "(0,255 for models that rescale inside).",
    )
    batch_size: int = setting(64, "Images per forward pass.")
    data_dir: str | None = setting(None, "TFDS data directory.")
    num_chairs: int = setting(50, "Chairs datasets: number of styles.")
    columns: int = setting(4, "Feature maps per row of the pictures.")
    convnet: convnet_config.ConvnetConfig | None = None

    def __post_init__(self):
        settings.check_folder_path(self.out_dir, "out", "the sheets are written into")
        settings.check_positive_ints(
            self, "num_features", "max_images", "batch_size", "columns", "num_chairs"
        )
        if len(self.input_range) != 2 or not (
            self.input_range[1] > self.input_range[0]
        ):
            raise UserError(
                f"--input_range must be two numbers low,high "
                f"with high > low, got {self.input_range}."
            )
        if self.model_path is not None and not os.path.isfile(self.model_path):
            raise UserError(f"No model file at {self.model_path}.")
        if image_sources.is_folder_source(self.images):
            image_sources.list_folder(self.images)


def load_model(path):
    """A saved Keras model; a UserError if it cannot be read."""
    import keras

    import layers  # noqa: F401  (registers the project's layers)

    try:
        return keras.models.load_model(path, safe_mode=True)
    except (OSError, ValueError, TypeError) as e:
        raise UserError(f"Cannot load the Keras model {path}: {e}") from None


def conv_layer_names(model):
    """The names of the model's Conv2D layers, input first."""
    import keras

    return [layer.name for layer in model.layers if type(layer) is keras.layers.Conv2D]


def _deconvnets(model, names):
    """A `DeconvNet` for each named layer (default: every Conv2D)."""
    from gen.deconvnet import network

    names = list(names) or conv_layer_names(model)
    if not names:
        raise UserError(
            f"Model '{model.name}' has no Conv2D layer: name the layers to visualise."
        )
    return [network.DeconvNet(model, name) for name in names]


def visualize(config):
    """Runs the visualiser of `config`; writes under ``config.out_dir``:

    - ``<layer>.png`` and ``<layer>.json`` for every layer (see
      `gen.deconvnet.feature_sheets.write_layer_grids`);
    - ``index.json``: the model, the images and every layer's picture;
    - without a model: ``model.keras`` (the trained convnet) and
      ``training.json`` (its accuracy).

    Returns:
        The dict written to ``index.json``.
    """
    from gen.deconvnet import feature_sheets, top_activations, train_small_convnet

    summary = {"images": config.images}
    if config.model_path:
        model = load_model(config.model_path)
        # Every layer is checked before anything is written.
        deconvs = _deconvnets(model, config.layers)
        os.makedirs(config.out_dir, exist_ok=True)
        summary["model"] = config.model_path
    else:
        os.makedirs(config.out_dir, exist_ok=True)
        convnet = config.convnet or convnet_config.ConvnetConfig(
            data_dir=config.data_dir, num_chairs=config.num_chairs
        )
        model_path = os.path.join(config.out_dir, "model.keras")
        model, metrics = train_small_convnet.train_small_convnet(
            convnet, save_path=model_path
        )
        atomic_files.write_json(
            os.path.join(config.out_dir, "training.json"),
            {"config": dataclasses.asdict(convnet), **metrics},
        )
        print(
            f"{convnet.task} accuracy: {metrics['heldout_accuracy']:.3f} on "
            f"{metrics['num_heldout']} held-out images (training "
            f"{metrics['train_accuracy']:.3f}, chance "
            f"{metrics['chance_accuracy']:.3f}); saved {model_path}"
        )
        summary.update(model=model_path, training=metrics)
        deconvs = _deconvnets(model, config.layers)
    rows, cols, channels = deconvs[0].input_shape
    if rows is None or cols is None:
        raise UserError(
            f"Model '{model.name}' takes images of any size; the "
            "visualiser needs a fixed input size."
        )
    images, image_names = image_sources.load_images(
        config.images,
        (rows, cols),
        channels,
        config.max_images,
        config.data_dir,
        config.num_chairs,
    )
    low, high = config.input_range

    def to_model(x):
        return low + x * (high - low)

    print(f"{len(images)} images from {config.images}")
    summary["num_images"] = len(images)
    summary["layers"] = {}
    for deconv in deconvs:
        start = time.perf_counter()
        top = top_activations.find_top_activations(
            deconv,
            top_activations.batches(images, image_names, config.batch_size),
            features=list(config.features) or None,
            to_model=to_model,
        )
        if not config.features:
            top = top_activations.choose_features(top, config.num_features)
        layer_summary = feature_sheets.write_layer_grids(
            deconv, top, config.out_dir, to_model=to_model, columns=config.columns
        )
        png = os.path.join(config.out_dir, layer_summary["png"])
        print(
            f"{deconv.layer_name}: {len(top.features)} feature maps -> "
            f"{png} ({time.perf_counter() - start:.1f} s)"
        )
        summary["layers"][deconv.layer_name] = {
            "png": layer_summary["png"],
            "json": f"{deconv.layer_name}.json",
            "features": [int(f) for f in top.features],
        }
    atomic_files.write_json(os.path.join(config.out_dir, "index.json"), summary)
    return summary
