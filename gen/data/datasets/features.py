"""The features that `synthetic_chairs` and `rendered_chairs` share.

Both datasets hold one example per (chair, view):

- `image`: (R, R, 3) uint8, the chair on a white background.
- `mask`: (R, R, 1) uint8, 1 on the pixels the chair covers at least half
  of, 0 elsewhere; the image is exactly white where the mask is 0.
- `chair_id`: class label 0..N-1, dense; its names are the chairs' names.
- `azimuth`, `elevation`: float32 degrees (`gen.data.chair_views`).
- `view_index`: int32 0..61, `j` for elevation 20 and `31 + j` for
  elevation 30, where `j` is the azimuth index; the real files' `NNN` is
  `view_index` below 31 and `view_index + 1` from 31 on.
"""

import numpy as np
import tensorflow_datasets as tfds


def chair_features(resolution, chair_names=None, *, with_chair_name=False, extra=None):
    """The `FeaturesDict` of a chairs dataset at `resolution`.

    `chair_names` are the `chair_id` label names; leave them out when they are
    only known once the source data has been listed (set them later through
    `features["chair_id"].names`). `extra` adds a dataset's own features.
    """
    features = {
        "image": tfds.features.Image(
            shape=(resolution, resolution, 3), doc="The chair on white."
        ),
        "mask": tfds.features.Image(
            shape=(resolution, resolution, 1),
            use_colormap=True,
            doc="1 where the chair covers at least half of the pixel, 0 on the white background.",
        ),
        "chair_id": tfds.features.ClassLabel(
            names=chair_names, doc="Chair style, dense 0..N-1."
        ),
        "azimuth": tfds.features.Scalar(np.float32, doc="Azimuth in degrees."),
        "elevation": tfds.features.Scalar(np.float32, doc="Elevation in degrees."),
        "view_index": tfds.features.Scalar(
            np.int32, doc="0..61: j at elevation 20, 31 + j at elevation 30."
        ),
    }
    if with_chair_name:
        features["chair_name"] = tfds.features.Text(doc="The chair's folder name.")
    features.update(extra or {})
    return tfds.features.FeaturesDict(features)
