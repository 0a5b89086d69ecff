"""The "chairs" generator of Dosovitskiy, Springenberg & Brox.

"Learning to Generate Chairs with Convolutional Neural Networks" (CVPR 2015)
and its TPAMI 2017 version: an up-convolutional network that draws a chair
of a given style (one-hot class), seen from a given view ([sin az, cos az,
sin el, cos el]) and transformed by given parameters theta (zoom, squeeze,
translation, rotation, colour), as an RGB image and a segmentation mask.

Architecture (the authors' 64x64 Caffe net, "2s-E")::

    class  (num_classes) -> FC 512 -> FC 512 --+
    view   (4)           -> FC 512 -> FC 512 --+-> concat -> FC 1024 -> FC 1024
    theta  (num_transform)-> FC 512 -> FC 512 --+                     |
       +--------------------------------------------------------------+
       +-> FC 16384 -> 8x8x256 -> uconv 256 -> uconv 92 -> uconv 3   = rgb
       +-> FC  8192 -> 8x8x128 -> uconv  92 -> uconv 32 -> uconv 1   = mask

where every "uconv" is `layers.UnpoolConv2D` (2x2 fixed-corner unpooling +
5x5 convolution, run fused) and every layer but the two outputs is followed
by the activation. With 809 classes and 8 transform parameters this has
31,627,120 parameters, as the authors' network.

Variants (TPAMI): ``"2s-E"`` two streams, Euclidean mask loss; ``"2s-S"`` two
streams, softmax mask (2 channels, negative log-likelihood); ``"1s-S"`` one
stream whose last uconv emits RGB and the two mask channels from shared
maps; ``"1s-S-deep"`` 1s-S with an extra 3x3 convolution after each hidden
uconv. Resolution 32 drops the first uconv stage of each branch and 128
adds a stage at 64 (RGB: 92 @64 -> 3 @128; mask: 32 @64 -> 1 @128), as in the
paper. `width` scales the channel counts of the convolutional maps (the FC
layers of the streams and trunk keep the paper's sizes).

Initialisation: He-normal kernels (fan-in) in every layer followed by a
rectifier and Glorot-uniform in the linear output layers, zero biases. The
authors' fixed Gaussians (std 1e-4 to 1e-2, FC biases 0.1) were tuned for
SGD with momentum on their layer sizes; He initialisation keeps activations
at unit scale through the stack, so training starts at once under Adam for
every width and resolution.

Layer names (used by `gen` tools that cut the network): ``class_fc1``,
``class_fc2``, ``view_fc1``, ``view_fc2``, ``transform_fc1``,
``transform_fc2``, ``joint_fc1``, ``joint_fc2``, ``rgb_fc`` / ``mask_fc``
(``maps_fc`` in one-stream variants), ``rgb_uconv1`` ... / ``mask_uconv1``
... (``uconv1`` ... in one-stream variants), ``conv1`` ... for the extra
convolutions of ``1s-S-deep``.
"""

import dataclasses

import keras
from keras import ops

import layers
from gen import choices
from gen.errors import UserError

LEAKY_SLOPE = 0.1  # the later version of the authors' files

STREAM_UNITS = 512
JOINT_UNITS = 1024
BASE_SIZE = 8  # the FC layers reshape to 8x8 maps
KERNEL_SIZE = 5

# Channels of the 8x8 maps and after each uconv, per branch and resolution;
# the last entry is the branch's output.
RGB_CHANNELS = {32: (256, 92, 3), 64: (256, 256, 92, 3), 128: (256, 256, 92, 92, 3)}
MASK_CHANNELS = {32: (128, 32, 1), 64: (128, 92, 32, 1), 128: (128, 92, 32, 32, 1)}


@dataclasses.dataclass(frozen=True)
class GeneratorConfig:
    """What defines a chairs generator.

    Attributes:
        num_classes: number of chair styles (size of the one-hot class input).
        resolution: output size, 32, 64 or 128.
        variant: "2s-E", "2s-S", "1s-S" or "1s-S-deep".
        num_transform: size of the transformation input theta (0: no such
            input).
        width: multiplier of the convolutional maps' channel counts.
        activation: "relu" or "leaky_relu" (slope 0.1).
    """

    num_classes: int
    resolution: int = 64
    variant: str = "2s-E"
    num_transform: int = 8
    width: float = 1.0
    activation: str = "relu"

    def __post_init__(self):
        if (
            isinstance(self.num_classes, bool)
            or not isinstance(self.num_classes, int)
            or self.num_classes < 1
        ):
            raise UserError(
                f"num_classes must be a positive integer, got {self.num_classes!r}."
            )
        if self.resolution not in choices.RESOLUTIONS:
            raise UserError(
                f"resolution must be one of {choices.RESOLUTIONS}, got "
                f"{self.resolution!r}."
            )
        if self.variant not in choices.VARIANTS:
            raise UserError(
                f"variant must be one of {', '.join(choices.VARIANTS)}, "
                f"got {self.variant!r}."
            )
        if (
            isinstance(self.num_transform, bool)
            or not isinstance(self.num_transform, int)
            or self.num_transform < 0
        ):
            raise UserError(
                f"num_transform must be a non-negative integer, "
                f"got {self.num_transform!r}."
            )
        if not isinstance(self.width, (int, float)) or not self.width > 0:
            raise UserError(f"width must be a positive number, got {self.width!r}.")
        if self.activation not in choices.ACTIVATIONS:
            raise UserError(
                f"activation must be one of {choices.ACTIVATIONS}, got "
                f"{self.activation!r}."
            )

    @property
    def two_streams(self):
        return self.variant.startswith("2s")

    @property
    def softmax_mask(self):
        return self.variant.endswith("-S") or "-S-" in self.variant

    def scaled(self, channels):
        return max(1, round(channels * self.width))


@keras.saving.register_keras_serializable(package="gen")
def leaky_relu_01(x):
    """Leaky ReLU with slope 0.1, as in the later version of the authors' files.

    A registered function (not a lambda), so that models using it load from
    `.keras` files with ``safe_mode=True``.
    """
    return keras.activations.leaky_relu(x, LEAKY_SLOPE)


@keras.saving.register_keras_serializable(package="gen")
class SliceChannels(keras.layers.Layer):
    """Channels ``[start, stop)`` of a channels-last tensor."""

    def __init__(self, start, stop, **kwargs):
        super().__init__(**kwargs)
        self.start, self.stop = start, stop

    def call(self, inputs):
        # A split, not a strided slice: TensorFlow's gradient of a slice
        # along the last axis (StridedSliceGrad) is an elementwise scatter;
        # a split's gradient is a concatenation (docs/benchmarks.md).
        return ops.split(inputs, [self.start, self.stop], axis=-1)[1]

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.stop - self.start,)

    def get_config(self):
        return {**super().get_config(), "start": self.start, "stop": self.stop}


@keras.saving.register_keras_serializable(package="gen")
class ForegroundProbability(keras.layers.Layer):
    """The foreground probability of two-channel (background, foreground)
    logits: channel 1 of their softmax, computed as the sigmoid of their
    difference (the same value).

    Shapes: ``(..., 2)`` -> ``(..., 1)``. One elementwise sigmoid instead of
    a softmax over a last axis of 2 and a slice of its output, both slow on
    TensorFlow's CPU kernels (docs/benchmarks.md).
    """

    def call(self, logits):
        background, foreground = ops.split(logits, 2, axis=-1)
        return ops.sigmoid(foreground - background)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (1,)


@keras.saving.register_keras_serializable(package="gen")
class AccurateBiasConv2D(keras.layers.Conv2D):
    """`keras.layers.Conv2D` (channels last) whose bias is added by
    `layers.backends.add_bias`: in bfloat16 on TensorFlow, Keras' bias add
    takes its gradient from a kernel that sums in bfloat16 and stops
    growing at 256, which left the extra convolutions' bias gradients of
    ``1s-S-deep`` up to 96% off. Same weights, outputs and config as
    `keras.layers.Conv2D`."""

    def call(self, inputs):
        if self.data_format != "channels_last":
            return super().call(inputs)
        outputs = self.convolution_op(inputs, self.kernel)
        if self.use_bias:
            outputs = layers.backends.add_bias(outputs, self.bias)
        return self.activation(outputs) if self.activation is not None else outputs


@keras.saving.register_keras_serializable(package="gen")
class FastGradientDense(keras.layers.Dense):
    """`keras.layers.Dense` whose product is `layers.backends.matmul`: on
    TensorFlow in float32 the input's gradient is taken as
    ``(kernel @ dy^T)^T``, which oneDNN runs 2.3x as fast as Keras'
    ``dy @ kernel^T`` on the 1024 -> 16,384 layer. Same weights, outputs,
    gradients and config as `keras.layers.Dense`."""

    def call(self, inputs, training=None):
        if len(inputs.shape) != 2:
            return super().call(inputs, training)
        outputs = layers.backends.matmul(inputs, self.kernel)
        if self.bias is not None:
            outputs = ops.add(outputs, self.bias)
        return self.activation(outputs) if self.activation is not None else outputs


@keras.saving.register_keras_serializable(package="gen")
class NearestUpsamplingInitializer(keras.initializers.Initializer):
    """Draws uconv kernels that start as nearest-neighbour upsampling + conv.

    A kernel ``k_small * box`` (a random ``(k - s + 1)``-wide kernel
    convolved with an ``s x s`` box) makes fixed-corner unpooling followed
    by the convolution equal nearest-neighbour upsampling followed by
    ``k_small``: every output phase starts with the same filter, so the
    network starts free of checkerboard artifacts (Aitken et al. 2017, "ICNR";
    Odena et al. 2016). `k_small` is He-normal (ReLU layers) or Glorot-uniform
    (linear outputs) for its own fan-in and fan-out.
    """

    def __init__(self, size=2, relu=True, seed=None):
        self.size, self.relu, self.seed = size, relu, seed

    def __call__(self, shape, dtype=None):
        kh, kw, cin, cout = shape
        s = self.size
        small = (kh - s + 1, kw - s + 1, cin, cout)
        base = (
            keras.initializers.HeNormal(self.seed)
            if self.relu
            else keras.initializers.GlorotUniform(self.seed)
        )(small, dtype)
        # Full 2-D convolution of `small` with an s x s box of ones.
        kernel = 0.0
        for dy in range(s):
            for dx in range(s):
                kernel = kernel + keras.ops.pad(
                    base, [[dy, s - 1 - dy], [dx, s - 1 - dx], [0, 0], [0, 0]]
                )
        return kernel

    def get_config(self):
        return {"size": self.size, "relu": self.relu, "seed": self.seed}


def _activation(config):
    return leaky_relu_01 if config.activation == "leaky_relu" else "relu"


class _Builder:
    """Creates the layers of one generator with consistent settings."""

    def __init__(self, config, dtype):
        self.config = config
        self.dtype = dtype
        self.act = _activation(config)

    def dense(self, units, name, activation=True):
        return FastGradientDense(
            units,
            activation=self.act if activation else None,
            kernel_initializer="he_normal" if activation else "glorot_uniform",
            name=name,
            dtype=self.dtype,
        )

    def uconv(self, filters, name, activation=True):
        return layers.UnpoolConv2D(
            filters,
            KERNEL_SIZE,
            activation=self.act if activation else None,
            kernel_initializer=NearestUpsamplingInitializer(2, relu=activation),
            name=name,
            dtype=self.dtype,
        )

    def conv(self, filters, name):
        return AccurateBiasConv2D(
            filters,
            3,
            padding="same",
            activation=self.act,
            kernel_initializer="he_normal",
            name=name,
            dtype=self.dtype,
        )

    def branch(self, h, channels, prefix, deep=False):
        """FC -> 8x8 maps -> uconvs; the last uconv is linear."""
        maps = [self.config.scaled(c) for c in channels[:-1]] + [channels[-1]]
        h = self.dense(
            BASE_SIZE * BASE_SIZE * maps[0], f"{prefix}fc" if prefix else "maps_fc"
        )(h)
        h = keras.layers.Reshape(
            (BASE_SIZE, BASE_SIZE, maps[0]), name=f"{prefix}maps", dtype=self.dtype
        )(h)
        uconv_prefix = f"{prefix}uconv" if prefix else "uconv"
        for i, filters in enumerate(maps[1:], start=1):
            last = i == len(maps) - 1
            h = self.uconv(filters, f"{uconv_prefix}{i}", activation=not last)(h)
            if deep and not last:
                h = self.conv(filters, f"{prefix}conv{i}")(h)
        return h


def build_generator(config, dtype=None, name="chairs_generator"):
    """Builds the generator as a functional `keras.Model`.

    Args:
        config: a `GeneratorConfig`.
        dtype: dtype policy of every layer (e.g. "mixed_bfloat16"); None for
            Keras' global policy. The outputs are float32 in every policy.
        name: the model's name.

    Returns:
        A model taking ``{"class": (B, num_classes), "view": (B, 4),
        "transform": (B, num_transform)}`` (no "transform" when num_transform
        is 0) and returning ``{"rgb": (B, R, R, 3), "mask": (B, R, R, 1)}``.
        "rgb" is linear (trained towards the image times its mask, in
        [0, 1]); "mask" is linear for "-E" variants and the foreground
        probability (softmax over two channels) for "-S" variants.
    """
    b = _Builder(config, dtype)
    inputs = {
        "class": keras.Input((config.num_classes,), name="class"),
        "view": keras.Input((4,), name="view"),
    }
    streams = ["class", "view"]
    if config.num_transform:
        inputs["transform"] = keras.Input((config.num_transform,), name="transform")
        streams.append("transform")
    features = []
    for stream in streams:
        h = b.dense(STREAM_UNITS, f"{stream}_fc1")(inputs[stream])
        features.append(b.dense(STREAM_UNITS, f"{stream}_fc2")(h))
    h = keras.layers.Concatenate(name="streams", dtype=dtype)(features)
    h = b.dense(JOINT_UNITS, "joint_fc1")(h)
    h = b.dense(JOINT_UNITS, "joint_fc2")(h)

    res = config.resolution
    deep = config.variant == "1s-S-deep"
    mask_channels = 2 if config.softmax_mask else 1
    if config.two_streams:
        rgb = b.branch(h, RGB_CHANNELS[res], "rgb_")
        mask = b.branch(h, MASK_CHANNELS[res][:-1] + (mask_channels,), "mask_")
    else:
        maps = b.branch(h, RGB_CHANNELS[res][:-1] + (3 + mask_channels,), "", deep=deep)
        rgb = SliceChannels(0, 3, name="rgb_maps", dtype=dtype)(maps)
        mask = SliceChannels(3, 3 + mask_channels, name="mask_maps", dtype=dtype)(maps)
    if config.softmax_mask:
        mask = ForegroundProbability(name="mask_fg", dtype="float32")(mask)
    # Outputs in float32 under every policy: losses and metrics need the
    # precision, and users get images they can save.
    outputs = {
        "rgb": keras.layers.Activation("linear", dtype="float32", name="rgb")(rgb),
        "mask": keras.layers.Activation("linear", dtype="float32", name="mask")(mask),
    }
    return keras.Model(inputs, outputs, name=name)


def load_generator(path):
    """The chairs generator saved at `path` (a `.keras` file), float32 and
    ready to predict; a `UserError` for a file that cannot be loaded or is
    not a generator (inputs "class" and "view", outputs "rgb" and "mask")."""
    import zipfile

    import gen.models  # noqa: F401  (registers the project's Keras objects)

    try:
        model = keras.models.load_model(path, safe_mode=True, compile=False)
    except (
        ValueError,
        OSError,
        KeyError,
        TypeError,
        AttributeError,
        zipfile.BadZipFile,
    ) as e:
        reason = " ".join(str(e).split())[:300]
        raise UserError(
            f"{path} could not be loaded as a Keras model "
            f"({type(e).__name__}: {reason})."
            " The file is damaged or not a chairs generator; "
            "train again or use another copy."
        ) from e
    try:
        inputs, outputs = model.input, model.output
    except (AttributeError, ValueError):  # a model that was never called
        inputs = outputs = None
    if not (
        isinstance(inputs, dict)
        and {"class", "view"} <= set(inputs)
        and isinstance(outputs, dict)
        and {"rgb", "mask"} <= set(outputs)
    ):
        raise UserError(
            f"{path} is a Keras model but not a chairs generator "
            "(it needs inputs 'class' and 'view' and outputs "
            "'rgb' and 'mask'; see gen.models.chairs_generator)."
        )
    return model
