"""The values the project's settings can take, written once.

The data, the models, training and every script's checks read them from
here. This module imports nothing, so a command line with a wrong value is
refused before TensorFlow starts.
"""

# The chairs datasets (`gen.data.datasets`, by name in
# `gen.data.dataset_registry`): built in, the user's copy of Aubry et al.'s
# renders, and the user's CAD models rendered here.
DATASETS = ("synthetic_chairs", "rendered_chairs", "mesh_renders")

# The categories of `mesh_renders`: chairs, tables and sofas by the models'
# names (`gen.data.furniture_catalog.category_of`), every model, or the plain
# OBJ files of the source folder.
MESH_CATEGORIES = ("chairs", "tables", "sofas", "all", "folder")

# Image sizes: the generator's output sizes (8x8 maps doubled by 2, 3 or 4
# uconv stages), at which the datasets are built.
RESOLUTIONS = (32, 64, 128)

# The generator variants of the TPAMI paper (`gen.models.chairs_generator`).
VARIANTS = ("2s-E", "2s-S", "1s-S", "1s-S-deep")

# The activation after every hidden layer: the paper's ReLU, or the leaky
# ReLU (slope 0.1) of a later version of the authors' files.
ACTIVATIONS = ("relu", "leaky_relu")

# What a run holds out for evaluation (`gen.data.splits.select`).
HOLDOUTS = ("views", "target_views", "chairs", "none")
