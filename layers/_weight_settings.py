"""The initializer/regularizer/constraint arguments of layers with a kernel
and a bias, set and serialized in one place."""

import keras

_KINDS = {
    "initializer": (keras.initializers.get, keras.initializers.serialize),
    "regularizer": (keras.regularizers.get, keras.regularizers.serialize),
    "constraint": (keras.constraints.get, keras.constraints.serialize),
}
NAMES = tuple(f"{weight}_{kind}" for kind in _KINDS for weight in ("kernel", "bias"))


def assign(layer, **settings):
    """Sets ``layer.kernel_initializer`` ... ``layer.bias_constraint``."""
    for name in NAMES:
        get, _ = _KINDS[name.split("_", 1)[1]]
        setattr(layer, name, get(settings[name]))


def config(layer):
    """The serialized settings, for `get_config`."""
    out = {}
    for name in NAMES:
        _, serialize = _KINDS[name.split("_", 1)[1]]
        out[name] = serialize(getattr(layer, name))
    out["activity_regularizer"] = keras.regularizers.serialize(
        layer.activity_regularizer
    )
    return out
