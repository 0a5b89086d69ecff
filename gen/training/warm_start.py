"""Starting a run from another generator's weights (``--init_from``).

The source is a run's workdir (its ``generator.keras``) or a `.keras`
generator. Every layer of the new generator that has a layer of the same
name, with weights of the same shapes, in the source gets its weights; the
others start fresh. That is how the authors grow their 64x64 network to
128x128: the streams, the trunk and the first uconv stages keep their
weights, the last stages (whose shapes change) and the new ones start fresh
(`gen.training.train_config.TrainConfig.train_only_new_steps` then trains
only those for a while).
"""

import os

from gen.errors import UserError
from gen.models import chairs_generator
from gen.training import workdir as run_folder


def source_path(init_from):
    """The `.keras` file `init_from` names: a file, or a workdir's
    generator; a UserError naming what is missing."""
    path = os.path.abspath(os.path.expanduser(init_from))
    if os.path.isdir(path):
        generator = os.path.join(path, run_folder.GENERATOR_FILE)
        if not os.path.isfile(generator):
            raise UserError(
                f"--init_from {path} holds no {run_folder.GENERATOR_FILE}: "
                "it is not a finished training run. Finish that run (run its "
                "command again) or name a .keras generator."
            )
        return generator
    if not os.path.isfile(path):
        raise UserError(
            f"--init_from {path} does not exist: name a training "
            "run's workdir or a .keras generator."
        )
    if not path.endswith(".keras"):
        raise UserError(f"--init_from {path} is not a .keras file or a run's workdir.")
    return path


def transfer_weights(source, target):
    """Copies into `target` the weights of every layer of `source` with the
    same name and weight shapes.

    Returns:
        (loaded, fresh): the names of `target`'s layers with weights that
        were loaded, and of those that start fresh, in `target`'s order.
    """
    loaded, fresh = [], []
    for layer in target.layers:
        if not layer.weights:
            continue
        try:
            other = source.get_layer(layer.name)
        except ValueError:
            other = None
        if other is not None and [tuple(w.shape) for w in other.weights] == [
            tuple(w.shape) for w in layer.weights
        ]:
            layer.set_weights(other.get_weights())
            loaded.append(layer.name)
        else:
            fresh.append(layer.name)
    return loaded, fresh


def init_from(target, init_from_path):
    """Loads what `target` shares with the generator at `init_from_path`.

    Returns:
        {"from": the .keras file, "loaded": [...], "fresh": [...]}, as
        config.json records it.

    Raises:
        UserError: for a path that is not a generator, or one that shares
            no layer (same name and shapes) with `target`.
    """
    path = source_path(init_from_path)
    source = chairs_generator.load_generator(path)
    loaded, fresh = transfer_weights(source, target)
    if not loaded:
        raise UserError(
            f"--init_from {path} shares no layer with this generator (same "
            "name and weight shapes): nothing would be loaded. Check the "
            "run's --variant, --num_transform and --width against the "
            "source's."
        )
    return {"from": path, "loaded": loaded, "fresh": fresh}
