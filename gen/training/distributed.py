"""Training on several devices or machines with `tf.distribute`.

- ``--strategy=mirrored``: the GPUs of this machine (or its logical CPU
  devices where there is no GPU), one replica each.
- ``--strategy=multi_worker``: the workers that `TF_CONFIG` names, one
  process each (`MultiWorkerMirroredStrategy`; worker 0 is the chief when
  the cluster has no "chief" task).

Every replica trains on its own part of each global batch: the input
pipeline is a pure function of (seed, step), so each worker computes only
its rows (`worker_batches`), and a step of N replicas equals one step of one
replica on the same global batch. Only the chief writes the run's files;
every worker takes part in saving a checkpoint (saving is a collective), the
others into a temporary folder that they delete at once (TensorFlow's
recipe), and every worker restores the chief's last checkpoint.
"""

import contextlib
import shutil
import tempfile

import tensorflow as tf
from keras.src.backend.tensorflow import trainer as keras_tf_trainer

from gen.errors import UserError
from gen.training import cluster


def make_strategy(name):
    """The `tf.distribute` strategy of --strategy."""
    if name == "mirrored":
        devices = tf.config.list_logical_devices("GPU") or (
            tf.config.list_logical_devices("CPU")
        )
        return tf.distribute.MirroredStrategy(
            devices=[device.name for device in devices]
        )
    if name == "multi_worker":
        cluster.from_tf_config()
        return tf.distribute.MultiWorkerMirroredStrategy()
    return tf.distribute.get_strategy()


def is_chief(strategy):
    """Whether this process writes the run's files (the chief worker)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return True
    if resolver.task_type == "chief":
        return True
    cluster = resolver.cluster_spec().as_dict()
    return (
        resolver.task_type == "worker"
        and resolver.task_id == 0
        and "chief" not in cluster
    )


def worker_count(strategy):
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return 1
    return sum(len(tasks) for tasks in resolver.cluster_spec().as_dict().values())


def barrier(strategy):
    """Returns when every worker has reached it (an all-reduce)."""
    if worker_count(strategy) > 1:
        strategy.reduce("SUM", strategy.run(lambda: tf.constant(1.0)), axis=None)


def any_worker(strategy, flag):
    """Whether `flag` is true on any worker (every worker must ask, at the
    same point: it is an all-reduce)."""
    value = strategy.run(lambda: tf.constant(float(bool(flag))))
    return bool(strategy.reduce("SUM", value, axis=None).numpy() > 0)


def worker_batches(strategy, make_dataset, global_batch):
    """The distributed training batches: each input pipeline (worker) makes
    its share of every global batch, `make_dataset(shard, shards,
    per_replica_batch)` returning per-replica batches."""
    replicas = strategy.num_replicas_in_sync
    if global_batch % replicas:
        raise UserError(
            f"--batch_size={global_batch} does not split evenly over the "
            f"{replicas} replicas of the strategy: use a multiple of "
            f"{replicas}."
        )
    if replicas == 1:
        return make_dataset(0, 1, global_batch)

    def dataset_fn(context):
        return make_dataset(
            context.input_pipeline_id,
            context.num_input_pipelines,
            context.get_per_replica_batch_size(global_batch),
        )

    return strategy.distribute_datasets_from_function(dataset_fn)


class CheckpointSaver:
    """Saves checkpoints the multi-worker way: the chief into the run's
    folder (keeping the last `keep`), every other worker into a temporary
    folder that it deletes right after."""

    def __init__(self, checkpoint, directory, keep, chief):
        self.checkpoint, self.chief = checkpoint, chief
        self.manager = tf.train.CheckpointManager(
            checkpoint, directory, max_to_keep=keep
        )

    @property
    def latest(self):
        """The chief's last checkpoint (every worker restores this one)."""
        return self.manager.latest_checkpoint

    def save(self, step):
        if self.chief:
            return self.manager.save(checkpoint_number=step)
        scratch = tempfile.mkdtemp(prefix="deconvnet-worker-checkpoint-")
        try:
            tf.train.CheckpointManager(self.checkpoint, scratch, max_to_keep=1).save(
                checkpoint_number=step
            )
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        return None


def fix_keras_multi_worker(model):
    """Works around two bugs of Keras 3.15's `fit` under
    `MultiWorkerMirroredStrategy` (keras-team/keras#20329, #20585), for this
    process (one worker):

    - to build the compiled losses and metrics it reduces the first batch
      in one call, which the strategy refuses for nested (dict) inputs:
      reduce it one tensor at a time;
    - it averages each step's logs (scalars) over replicas with
      ``strategy.reduce("MEAN", value, axis=0)``, which fails on a scalar:
      average them over replicas only (``axis=None``), as one process would
      report them.
    """
    original_build = model._maybe_symbolic_build

    def build(iterator=None, data_batch=None):
        strategy = model.distribute_strategy
        if iterator is not None:
            for _, _, batches in iterator:
                data_batch = tf.nest.map_structure(
                    lambda v: (
                        strategy.reduce("MEAN", v, axis=None)
                        if isinstance(v, tf.distribute.DistributedValues)
                        else v
                    ),
                    next(batches),
                )
                break
            iterator = None
        return original_build(iterator=iterator, data_batch=data_batch)

    model._maybe_symbolic_build = build
    if getattr(keras_tf_trainer.reduce_per_replica, "_per_replica_mean", False):
        return model
    original_reduce = keras_tf_trainer.reduce_per_replica

    def reduce_per_replica(values, strategy, reduction):
        if reduction in ("auto", "mean") and worker_count(strategy) > 1:
            return tf.nest.map_structure(
                lambda v: strategy.reduce("MEAN", v, axis=None), values
            )
        return original_reduce(values, strategy, reduction)

    reduce_per_replica._per_replica_mean = True
    keras_tf_trainer.reduce_per_replica = reduce_per_replica
    return model


@contextlib.contextmanager
def peers_alive():
    """Turns a failure of another worker during training into a
    `UserError` that says how to go on."""
    try:
        yield
    except (
        tf.errors.UnavailableError,
        tf.errors.DeadlineExceededError,
        tf.errors.CancelledError,
    ) as e:
        reason = " ".join(str(e).split())[:300]
        raise UserError(
            "Another worker of this run stopped (TensorFlow: "
            f"{reason}). Start every worker again with the same command: "
            "they resume together from the chief's last checkpoint."
        ) from None
