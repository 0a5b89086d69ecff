"""The models and what is saved with them: the chairs generator, its losses,
metrics, optimiser and learning-rate schedule, the small convnet, the
weight-tied autoencoder, and reading a model's layer graph.

Importing the package registers every Keras object the project defines
(with ``import layers`` for the layers), so that any `.keras` file the
project wrote loads with ``keras.models.load_model(path, safe_mode=True)``.
"""

from gen.models import chairs_generator, losses, metrics, optimizers  # noqa: F401
