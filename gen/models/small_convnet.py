"""A small convnet trained on the synthetic chairs, to look inside with the
deconvnet.

Three convolution blocks in the style of Zeiler & Fergus' network, scaled
down to minutes on two CPU cores: conv1 (5x5) -> bn1 (BatchNormalization)
-> relu1 -> pool1 (3x3 max pooling with stride 2: overlapping windows, as
in their net), then conv2 and conv3 (3x3 with fused ReLU) each followed by
2x2 max pooling, and a Dense head (fc -> dropout -> logits, softmax). It
classifies the chair style or the azimuth bin of a chairs image; every layer
is one `gen.deconvnet.network.DeconvNet` supports.

`gen.deconvnet.train_small_convnet` trains it.

Example:

>>> model = build_small_convnet(num_classes=20, resolution=64)
>>> model.output.shape
(None, 20)
"""

import keras

CONV_LAYERS = ("conv1", "conv2", "conv3")


def build_small_convnet(
    num_classes, resolution=64, filters=(32, 64, 96), dense_units=128, weight_decay=0.0
):
    """The classifier: (B, R, R, 3) images in [0, 1] -> (B, num_classes)
    class probabilities. Layer names: conv1, bn1, relu1, pool1, conv2,
    pool2, conv3, pool3, flatten, fc, dropout, logits."""
    f1, f2, f3 = filters
    decay = keras.regularizers.L2(weight_decay) if weight_decay else None
    inputs = keras.Input((resolution, resolution, 3), name="image")
    # A small start (Zeiler & Fergus: 1e-2) so that what conv1 learns, not
    # its random start, shapes the layer-1 projections; bn1 rescales.
    x = keras.layers.Conv2D(
        f1,
        5,
        padding="same",
        use_bias=False,
        kernel_regularizer=decay,
        kernel_initializer=keras.initializers.RandomNormal(stddev=0.01),
        name="conv1",
    )(inputs)
    x = keras.layers.BatchNormalization(name="bn1")(x)
    x = keras.layers.ReLU(name="relu1")(x)
    x = keras.layers.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)
    x = keras.layers.Conv2D(
        f2, 3, padding="same", activation="relu", kernel_regularizer=decay, name="conv2"
    )(x)
    x = keras.layers.MaxPooling2D(2, name="pool2")(x)
    x = keras.layers.Conv2D(
        f3, 3, padding="same", activation="relu", kernel_regularizer=decay, name="conv3"
    )(x)
    x = keras.layers.MaxPooling2D(2, name="pool3")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Dense(dense_units, activation="relu", name="fc")(x)
    x = keras.layers.Dropout(0.3, name="dropout")(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="logits")(x)
    return keras.Model(inputs, outputs, name="small_convnet")
