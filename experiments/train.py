"""Train a "Learning to Generate Chairs" generator.

    python -m experiments.train --workdir=runs/chairs [--dataset=...] ...

Run the same command again to resume from the last checkpoint. Everything
the run writes goes under --workdir (see WORKSPACE.md). `--flagfile=FILE`
reads flags from a file, one per line.
"""

from gen import cli

from absl import flags

from gen import train_config
from gen.errors import UserError

FLAGS = flags.FLAGS
_WORKDIR = flags.DEFINE_string("workdir", None, "Folder of the run (required).")
_DATASET = flags.DEFINE_string(
    "dataset", "synthetic_chairs", "synthetic_chairs | rendered_chairs.")
_DATA_DIR = flags.DEFINE_string("data_dir", None,
                                "TFDS data directory (default ~/tensorflow_datasets).")
_NUM_CHAIRS = flags.DEFINE_integer(
    "num_chairs", None, "Chair styles (synthetic default 100; rendered: first N).")
_CHAIR_LIST = flags.DEFINE_string("chair_list", None,
                                  "rendered_chairs: file listing the chairs to keep.")
_RESOLUTION = flags.DEFINE_integer("resolution", 64, "32, 64 or 128.")
_VARIANT = flags.DEFINE_string("variant", "2s-E", "2s-E | 2s-S | 1s-S | 1s-S-deep.")
_WIDTH = flags.DEFINE_float("width", 1.0, "Channel multiplier of the conv maps.")
_ACTIVATION = flags.DEFINE_string("activation", "relu", "relu | leaky_relu.")
_NUM_TRANSFORM = flags.DEFINE_integer("num_transform", 8,
                                      "Transformation inputs (8, or 0 for none).")
_BATCH = flags.DEFINE_integer("batch_size", 64, "Images per step.")
_STEPS = flags.DEFINE_integer("steps", 100_000, "Optimisation steps.")
_LR = flags.DEFINE_float("learning_rate", 5e-4, "Adam's peak learning rate.")
_SCHEDULE = flags.DEFINE_string("schedule", "constant", "constant | step | cosine.")
_WARMUP = flags.DEFINE_integer("warmup_steps", 0, "Linear warm-up steps.")
_BETA1 = flags.DEFINE_float("beta1", 0.9, "Adam beta1.")
_BETA2 = flags.DEFINE_float("beta2", 0.999, "Adam beta2.")
_EPSILON = flags.DEFINE_float("epsilon", 1e-6, "Adam epsilon.")
_AUGMENT = flags.DEFINE_bool("augment", False,
                             "The paper's augmentation, fed to the network as theta.")
_RAMP = flags.DEFINE_integer("augment_ramp_steps", None,
                             "Steps to ramp augmentation to full strength "
                             "(default: a quarter of --steps).")
_HOLDOUT = flags.DEFINE_string("holdout", "views", "views | chairs | none.")
_PRECISION = flags.DEFINE_string("precision", "auto",
                                 "auto | float32 | mixed_bfloat16.")
_JIT = flags.DEFINE_string("jit_compile", "auto", "auto | true | false.")
_SEED = flags.DEFINE_integer("seed", 0, "Random seed.")
_CKPT = flags.DEFINE_integer("checkpoint_every", 1000, "Steps between checkpoints.")
_SAMPLE = flags.DEFINE_integer("sample_every", 1000, "Steps between sample grids.")
_LOG = flags.DEFINE_integer("log_every", 100, "Steps between progress lines.")
_KEEP = flags.DEFINE_integer("keep_checkpoints", 3, "Checkpoints kept.")
_STRATEGY = flags.DEFINE_string("strategy", "default",
                                "default | mirrored | multi_worker (TF_CONFIG).")
_MAX_MINUTES = flags.DEFINE_float(
    "max_train_minutes", None,
    "Stop after this much training wall time (checkpoint, results; run again "
    "to continue).")


def config_from_flags():
    return train_config.TrainConfig(
        dataset=_DATASET.value, data_dir=_DATA_DIR.value,
        num_chairs=_NUM_CHAIRS.value, chair_list=_CHAIR_LIST.value,
        resolution=_RESOLUTION.value, variant=_VARIANT.value,
        width=_WIDTH.value, activation=_ACTIVATION.value,
        num_transform=_NUM_TRANSFORM.value, batch_size=_BATCH.value,
        steps=_STEPS.value, learning_rate=_LR.value, schedule=_SCHEDULE.value,
        warmup_steps=_WARMUP.value, beta1=_BETA1.value, beta2=_BETA2.value,
        epsilon=_EPSILON.value, augment=_AUGMENT.value,
        augment_ramp_steps=_RAMP.value, holdout=_HOLDOUT.value,
        precision=_PRECISION.value, jit_compile=_JIT.value, seed=_SEED.value,
        checkpoint_every=_CKPT.value, sample_every=_SAMPLE.value,
        log_every=_LOG.value, keep_checkpoints=_KEEP.value,
        strategy=_STRATEGY.value, max_train_minutes=_MAX_MINUTES.value)


def main(argv):
    if len(argv) > 1:
        raise UserError(f"Unexpected arguments {argv[1:]}; flags look like "
                        "--name=value.")
    if not _WORKDIR.value:
        raise UserError("--workdir is required: the folder where the run "
                        "writes its checkpoints, logs and pictures.")
    config = config_from_flags()  # validates before TensorFlow loads
    from gen import train
    train.train(config, _WORKDIR.value)


if __name__ == "__main__":
    cli.run(main)
