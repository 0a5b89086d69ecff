"""The deconvnet visualiser end to end: a model, its images, one picture per
layer (what `python -m experiments.visualize` runs).

Given a saved Keras model (or none: then the small chairs convnet of
`gen.small_convnet` is trained first), a source of images (a folder of
PNG/JPEG files or a dataset name, `gen.image_sources`) and layer names, it
writes, for every layer, Zeiler & Fergus' top-9 grids of the layer's
strongest feature maps (`gen.feature_grids`).

Example:

>>> config = VisualizeConfig(out_dir="runs/vis", model_path="convnet.keras",
...                          layers=("conv2",), images="photos/")
>>> summary = visualize(config)
"""

import dataclasses
import os
import time

from gen import image_files, image_sources
from gen.errors import UserError

# TensorFlow loads in the functions that need it, so that a config with a
# missing file or folder is refused at once.


@dataclasses.dataclass(frozen=True)
class VisualizeConfig:
    """What to visualise and where to write it.

    Attributes:
        out_dir: the output folder.
        model_path: a .keras file, or None to train the small chairs convnet
            (`convnet`) and visualise that.
        layers: layer names (default: every Conv2D layer of the model).
        images: a folder of PNG/JPEG files or a dataset name
            ("synthetic_chairs", or a TFDS dataset already prepared).
        features: feature map indices to show (default: the `num_features`
            with the strongest top activations).
        num_features: how many feature maps to show when `features` is None.
        max_images: look at most at this many images.
        input_range: (low, high): the model takes images scaled to it
            (pixel values 0..255 map to low..high).
        batch_size: images per forward pass.
        data_dir: TFDS data directory for dataset names.
        num_chairs: chairs datasets: the number of styles.
        columns: feature maps per row of the pictures.
        convnet: the `small_convnet.ConvnetConfig` to train when
            `model_path` is None.
    """

    out_dir: str
    model_path: str = None
    layers: tuple = ()
    images: str = "synthetic_chairs"
    features: tuple = ()
    num_features: int = 16
    max_images: int = 1000
    input_range: tuple = (0.0, 1.0)
    batch_size: int = 64
    data_dir: str = None
    num_chairs: int = 50
    columns: int = 4
    convnet: "small_convnet.ConvnetConfig" = None

    def __post_init__(self):
        for name in ("num_features", "max_images", "batch_size", "columns",
                     "num_chairs"):
            if getattr(self, name) < 1:
                raise UserError(f"{name} must be at least 1, got "
                                f"{getattr(self, name)}.")
        low, high = self.input_range
        if not high > low:
            raise UserError(f"input_range must be (low, high) with high > "
                            f"low, got {self.input_range}.")
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

    return [layer.name for layer in model.layers
            if type(layer) is keras.layers.Conv2D]


def _deconvnets(model, names):
    """A `DeconvNet` for each named layer (default: every Conv2D)."""
    from gen import deconvnet

    names = list(names) or conv_layer_names(model)
    if not names:
        raise UserError(f"Model '{model.name}' has no Conv2D layer: name the "
                        "layers to visualise.")
    return [deconvnet.DeconvNet(model, name) for name in names]


def visualize(config):
    """Runs the visualiser of `config`; writes under ``config.out_dir``:

    - ``<layer>.png`` and ``<layer>.json`` for every layer (see
      `gen.feature_grids.write_layer_grids`);
    - ``index.json``: the model, the images and every layer's picture;
    - without a model: ``model.keras`` (the trained convnet) and
      ``training.json`` (its accuracy).

    Returns:
        The dict written to ``index.json``.
    """
    from gen import feature_grids, small_convnet

    summary = {"images": config.images}
    if config.model_path:
        model = load_model(config.model_path)
        # Every layer is checked before anything is written.
        deconvs = _deconvnets(model, config.layers)
        os.makedirs(config.out_dir, exist_ok=True)
        summary["model"] = config.model_path
    else:
        os.makedirs(config.out_dir, exist_ok=True)
        convnet = config.convnet or small_convnet.ConvnetConfig(
            data_dir=config.data_dir, num_chairs=config.num_chairs)
        model_path = os.path.join(config.out_dir, "model.keras")
        model, metrics = small_convnet.train_small_convnet(
            convnet, save_path=model_path)
        image_files.write_json(os.path.join(config.out_dir, "training.json"),
                               {"config": dataclasses.asdict(convnet),
                                **metrics})
        print(f"{convnet.task} accuracy: {metrics['heldout_accuracy']:.3f} on "
              f"{metrics['num_heldout']} held-out images (training "
              f"{metrics['train_accuracy']:.3f}, chance "
              f"{metrics['chance_accuracy']:.3f}); saved {model_path}")
        summary.update(model=model_path, training=metrics)
        deconvs = _deconvnets(model, config.layers)
    rows, cols, channels = deconvs[0].input_shape
    if rows is None or cols is None:
        raise UserError(f"Model '{model.name}' takes images of any size; the "
                        "visualiser needs a fixed input size.")
    images, image_names = image_sources.load_images(
        config.images, (rows, cols), channels, config.max_images,
        config.data_dir, config.num_chairs)
    low, high = config.input_range

    def to_model(x):
        return low + x * (high - low)

    print(f"{len(images)} images from {config.images}")
    summary["num_images"] = len(images)
    summary["layers"] = {}
    for deconv in deconvs:
        start = time.perf_counter()
        top = feature_grids.find_top_activations(
            deconv, feature_grids.batches(images, image_names,
                                          config.batch_size),
            features=list(config.features) or None, to_model=to_model)
        if not config.features:
            top = feature_grids.choose_features(top, config.num_features)
        layer_summary = feature_grids.write_layer_grids(
            deconv, top, config.out_dir, to_model=to_model,
            columns=config.columns)
        png = os.path.join(config.out_dir, layer_summary["png"])
        print(f"{deconv.layer_name}: {len(top.features)} feature maps -> "
              f"{png} ({time.perf_counter() - start:.1f} s)")
        summary["layers"][deconv.layer_name] = {
            "png": layer_summary["png"],
            "json": f"{deconv.layer_name}.json",
            "features": [int(f) for f in top.features]}
    image_files.write_json(os.path.join(config.out_dir, "index.json"),
                           summary)
    return summary
