"""Training the chairs generator: ``train(config, workdir)``.

A run writes everything under its workdir (layout in WORKSPACE.md):

    config.json             the settings and what "auto" resolved to
    log.txt                 the progress lines printed on the terminal
    checkpoints/            tf.train.CheckpointManager: model + optimizer
    tensorboard/train/      losses, metrics, learning rate, images/s
    tensorboard/heldout/    held-out metrics and generated-vs-target grids
    samples/step_NNNNNNN.png  generated | target pairs on held-out views
    generator.keras         the trained generator (float32), at the end
    metrics.json            held-out and training-view metrics, at the end
    heldout_views.png       generated | real on held-out views, at the end
    turntable.gif           a few chairs spinning, at the end

Resuming: running again with the same settings continues from the latest
checkpoint, after a clean stop or a SIGKILL at any moment. Checkpoints hold
the model's and the optimiser's variables (with the step count);
tf.train.CheckpointManager writes each one under a temporary name and
publishes it by rewriting its index file atomically, so a kill leaves the
previous one intact. The input pipeline is a pure function of (seed, step)
(`gen.input_pipeline.training_batches`), so the data position and the
augmentation's random draws are restored by the step alone; nothing else in
the network is random.
"""

import dataclasses
import math
import os
import time

import keras
import numpy as np
import tensorflow as tf

from gen import chairs
from gen import evaluation
from gen import image_files
from gen import input_pipeline
from gen import losses
from gen import metrics
from gen import optimizers
from gen import render
from gen import train_config
from gen.errors import UserError

CONFIG_FILE = "config.json"
LOG_FILE = "log.txt"
CHECKPOINT_DIR = "checkpoints"
GENERATOR_FILE = "generator.keras"
METRICS_FILE = "metrics.json"
SAMPLE_CHAIRS = 6
SAMPLE_VIEWS = 4
HELDOUT_EVAL_LIMIT = 512  # held-out images scored at each sample step
STEP_DROP_AT = 5 / 6  # CVPR schedule: 2e-4 -> 1e-4 at 250k of 300k steps
STEP_DROP_FACTOR = 0.5


# --- what "auto" means on this machine ------------------------------------


def _cpu_flags():
    """The CPU's feature flags; empty where /proc/cpuinfo is unreadable."""
    try:
        with open("/proc/cpuinfo") as f:
            lines = f.readlines()
    except OSError:
        return set()
    for line in lines:
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def resolve_precision(choice):
    """``(policy name, reason)`` for --precision."""
    if choice != "auto":
        return choice, "set by --precision"
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        details = tf.config.experimental.get_device_details(gpus[0])
        major = (details.get("compute_capability") or (0, 0))[0]
        if major >= 8:
            return "mixed_bfloat16", "GPU with bfloat16 tensor cores"
        return "float32", "GPU without bfloat16 tensor cores"
    flags = _cpu_flags()
    if flags & {"amx_bf16", "avx512_bf16"}:
        return "mixed_bfloat16", (
            "CPU has " + "/".join(sorted(flags & {"amx_bf16", "avx512_bf16"}))
            + ": bfloat16 matmuls and convolutions run 2.5-3x faster")
    return "float32", "CPU without bfloat16 instructions"


def resolve_jit(choice):
    """``(jit_compile, reason)`` for --jit_compile."""
    if choice != "auto":
        return choice == "true", "set by --jit_compile"
    if tf.config.list_physical_devices("GPU"):
        return True, "GPU: XLA fuses the elementwise work"
    return False, ("CPU: TensorFlow's oneDNN kernels (AMX bfloat16) beat "
                   "XLA's CPU code for this network (experiments.bench_train)")


def make_strategy(name):
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multi_worker":
        if "TF_CONFIG" not in os.environ:
            raise UserError(
                "--strategy=multi_worker reads the cluster from the TF_CONFIG "
                "environment variable, which is not set. Set it on every "
                "worker (see tf.distribute.MultiWorkerMirroredStrategy) or use "
                "--strategy=default or mirrored.")
        return tf.distribute.MultiWorkerMirroredStrategy()
    return tf.distribute.get_strategy()


def _is_chief(strategy):
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return True
    if resolver.task_type == "chief":
        return True
    cluster = resolver.cluster_spec().as_dict()
    return (resolver.task_type == "worker" and resolver.task_id == 0
            and "chief" not in cluster)


# --- model and optimiser, created in one place -----------------------------


@keras.saving.register_keras_serializable(package="gen")
class LearningRate(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warm-up, then constant, step (halved at 5/6) or cosine decay."""

    def __init__(self, peak, total_steps, kind="constant", warmup_steps=0):
        self.peak = float(peak)
        self.total_steps = int(total_steps)
        self.kind = kind
        self.warmup_steps = int(warmup_steps)

    def __call__(self, step):
        step = tf.cast(step, tf.float32)
        if self.kind == "cosine":
            progress = tf.minimum(step / self.total_steps, 1.0)
            rate = self.peak * 0.5 * (1.0 + tf.cos(math.pi * progress))
        elif self.kind == "step":
            rate = tf.where(step < STEP_DROP_AT * self.total_steps, self.peak,
                            self.peak * STEP_DROP_FACTOR)
        else:
            rate = tf.constant(self.peak)
        if self.warmup_steps:
            rate *= tf.minimum((step + 1.0) / self.warmup_steps, 1.0)
        return rate

    def get_config(self):
        return {"peak": self.peak, "total_steps": self.total_steps,
                "kind": self.kind, "warmup_steps": self.warmup_steps}


def generator_config(config, num_classes):
    return chairs.GeneratorConfig(
        num_classes=num_classes, resolution=config.resolution,
        variant=config.variant, num_transform=config.num_transform,
        width=config.width, activation=config.activation)


def create_model_and_optimizer(config, num_classes, policy, jit_compile):
    """The compiled generator and its Adam optimiser (variables built).

    The optimiser is `gen.optimizers.FusedAdam`: Keras' Adam with TensorFlow's
    fused update kernel (same update and slots, a third of the time).

    Call inside a `tf.distribute` strategy's scope to place them.
    """
    gconfig = generator_config(config, num_classes)
    model = chairs.build_generator(gconfig, dtype=policy)
    optimizer = optimizers.FusedAdam(
        LearningRate(config.learning_rate, config.steps, config.schedule,
                     config.warmup_steps),
        beta_1=config.beta1, beta_2=config.beta2, epsilon=config.epsilon)
    loss, loss_weights = losses.generator_losses(gconfig)
    model.compile(optimizer=optimizer, loss=loss, loss_weights=loss_weights,
                  metrics={"rgb": [metrics.PSNR(name="psnr")],
                           "mask": [metrics.MaskIoU(name="iou")]},
                  jit_compile=jit_compile)
    # Slot variables must exist before a checkpoint is restored into them.
    optimizer.build(model.trainable_variables)
    return model, optimizer


# --- the workdir ------------------------------------------------------------


def _check_workdir(config, workdir):
    """Refuses a workdir that holds something other than this run."""
    path = os.path.join(workdir, CONFIG_FILE)
    if os.path.exists(path):
        try:
            stored = train_config.TrainConfig.from_dict(
                train_config.load_json(path)["train"])
        except (ValueError, KeyError, TypeError) as e:
            raise UserError(f"{path} is not a readable run configuration "
                            f"({e}); use a new --workdir.") from e
        changed = stored.differences(config)
        if changed:
            details = ", ".join(
                f"{name}={getattr(stored, name)!r} there but "
                f"{getattr(config, name)!r} here" for name in changed)
            raise UserError(
                f"--workdir {workdir} holds a run with different settings "
                f"({details}). Nothing was changed. Repeat that run's flags "
                "to resume it, or choose a new --workdir.")
        return True
    if os.path.isdir(workdir) and os.listdir(workdir):
        raise UserError(
            f"--workdir {workdir} is not empty and holds no {CONFIG_FILE}, so "
            "it is not a training run. Nothing was written; choose a new or "
            "empty folder.")
    return False


class _Log:
    """Prints progress and keeps a copy in the workdir's log.txt."""

    def __init__(self, path, echo):
        self.path, self.echo = path, echo

    def __call__(self, line):
        self.echo(line)
        if self.path:
            with open(self.path, "a") as f:
                f.write(line + "\n")


def _duration(seconds):
    seconds = int(max(seconds, 0))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s"


# --- callbacks ---------------------------------------------------------------


class _NanGuard(keras.callbacks.Callback):
    """Stops at the first step whose loss is not finite (before any save)."""

    def __init__(self, start_step):
        super().__init__()
        self.start_step = start_step
        self.bad_step = None

    def on_train_batch_end(self, batch, logs=None):
        loss = float((logs or {}).get("loss", 0.0))
        if not math.isfinite(loss):
            self.bad_step = self.start_step + batch + 1
            self.model.stop_training = True


class _TimeLimit(keras.callbacks.Callback):
    """Stops training once `minutes` of wall time have passed."""

    def __init__(self, minutes):
        super().__init__()
        self.seconds = None if minutes is None else 60.0 * minutes
        self.stopped = False

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        if self.seconds is not None and (
                time.perf_counter() - self.start > self.seconds):
            self.stopped = True
            self.model.stop_training = True


class _Checkpointer(keras.callbacks.Callback):
    def __init__(self, manager, start_step, every, guard):
        super().__init__()
        self.manager, self.start_step, self.every = manager, start_step, every
        self.guard = guard

    def on_train_batch_end(self, batch, logs=None):
        step = self.start_step + batch + 1
        if step % self.every == 0 and self.guard.bad_step is None:
            self.manager.save(checkpoint_number=step)


class _Monitor(keras.callbacks.Callback):
    """Every `every` steps: terminal line and TensorBoard scalars.

    Keras reports running means since the metrics were last reset, so the
    monitor resets them after each report: each line is the mean of its
    window.
    """

    def __init__(self, log, writer, start_step, total_steps, every, batch_size,
                 guard):
        super().__init__()
        self.log, self.writer = log, writer
        self.start_step, self.total = start_step, total_steps
        self.every, self.batch_size, self.guard = every, batch_size, guard

    def on_train_begin(self, logs=None):
        self.window_start = self.run_start = time.perf_counter()
        self.window_steps = 0

    def on_train_batch_end(self, batch, logs=None):
        step = self.start_step + batch + 1
        self.window_steps += 1
        if self.guard.bad_step is not None or not (
                step % self.every == 0 or step == self.total):
            return
        now = time.perf_counter()
        rate = self.window_steps * self.batch_size / (now - self.window_start)
        done = step - self.start_step
        eta = (now - self.run_start) / done * (self.total - step)
        values = {k: float(v) for k, v in (logs or {}).items()}
        lr = float(self.model.optimizer.learning_rate)
        self.log(
            f"step {step:>7d}/{self.total}  loss {values.get('loss', 0):.4f}  "
            f"rgb {values.get('rgb_loss', 0):.4f}  "
            f"mask {values.get('mask_loss', 0):.4f}  "
            f"psnr {values.get('rgb_psnr', 0):5.2f} dB  "
            f"iou {values.get('mask_iou', 0):.3f}  {rate:6.1f} img/s  "
            f"lr {lr:.2e}  ETA {_duration(eta)}")
        if self.writer is not None:
            with self.writer.as_default(step=step):
                for name, value in values.items():
                    tf.summary.scalar(name, value)
                tf.summary.scalar("learning_rate", lr)
                tf.summary.scalar("images_per_second", rate)
        self.model.reset_metrics()
        self.window_start, self.window_steps = time.perf_counter(), 0


class _Sampler(keras.callbacks.Callback):
    """Every `every` steps: a PNG of generated | target pairs on held-out
    views, the same grid in TensorBoard, and held-out metrics."""

    def __init__(self, log, writer, samples_dir, start_step, every, sample_set,
                 score_set, guard):
        super().__init__()
        self.log, self.writer, self.samples_dir = log, writer, samples_dir
        self.start_step, self.every = start_step, every
        self.sample_set, self.score_set, self.guard = sample_set, score_set, guard

    def on_train_batch_end(self, batch, logs=None):
        step = self.start_step + batch + 1
        if step % self.every == 0 and self.guard.bad_step is None:
            self.sample(step)

    def sample(self, step):
        sheet = sample_grid(self.model, self.sample_set)
        if self.samples_dir:
            image_files.write_png(
                os.path.join(self.samples_dir, f"step_{step:07d}.png"), sheet)
        scores = evaluation.summary(self.model, self.score_set)
        self.log(f"  held-out views at step {step}: psnr "
                 f"{scores['psnr']:.2f} dB, mask iou {scores['mask_iou']:.3f}, "
                 f"mse {scores['mse']:.5f} ({scores['images']} images)")
        if self.writer is not None:
            with self.writer.as_default(step=step):
                for name in ("psnr", "mask_iou", "mse"):
                    tf.summary.scalar(name, scores[name])
                tf.summary.image("generated_vs_target", sheet[None], step=step)


# --- pictures ----------------------------------------------------------------


def sample_set(data, chairs_count=SAMPLE_CHAIRS, views=SAMPLE_VIEWS):
    """A fixed subset: the first `chairs_count` chairs of `data`, each at
    `views` of its views spread over the circle (rows chairs, cols views)."""
    picks = []
    for chair in np.unique(data.chair_ids)[:chairs_count]:
        index = np.flatnonzero(data.chair_ids == chair)
        index = index[np.argsort(data.view_indices[index], kind="stable")]
        spread = np.linspace(0, len(index), views, endpoint=False).astype(int)
        picks.extend(index[spread])
    return data.rows(np.asarray(picks))


def sample_grid(model, samples):
    """Generated | target (both on white) for each sample, one chair a row."""
    rgb, mask = evaluation.predict(model, samples)
    target_rgb, target_mask = evaluation.targets(samples)
    rows = len(np.unique(samples.chair_ids))
    cols = len(samples.images) // rows
    return render.comparison_grid(render.on_white(rgb, mask),
                                  render.on_white(target_rgb, target_mask),
                                  rows, cols)


# --- the run -----------------------------------------------------------------


@dataclasses.dataclass
class TrainResult:
    step: int
    workdir: str
    metrics: dict
    files: dict


def _drop_transform(inputs, targets):
    inputs = dict(inputs)
    inputs.pop("transform", None)
    return inputs, targets


def train(config, workdir, echo=print):
    """Trains (or resumes) a chairs generator; returns a `TrainResult`.

    Raises `UserError` for a workdir holding another run, missing data, or a
    loss that stopped being finite (naming the step; the checkpoints written
    before it are kept).
    """
    workdir = os.path.abspath(workdir)
    resuming = _check_workdir(config, workdir)
    strategy = make_strategy(config.strategy)
    chief = _is_chief(strategy)
    os.makedirs(workdir, exist_ok=True)
    log = _Log(os.path.join(workdir, LOG_FILE) if chief else None, echo)

    data = input_pipeline.load_chairs(
        config.dataset, data_dir=config.data_dir, resolution=config.resolution,
        num_chairs=config.num_chairs, chair_list=config.chair_list)
    train_data = input_pipeline.select(data, holdout=config.holdout,
                                       subset="train")
    heldout = input_pipeline.select(data, holdout=config.holdout,
                                    subset="eval")
    policy, policy_reason = resolve_precision(config.precision)
    jit, jit_reason = resolve_jit(config.jit_compile)
    if chief:
        image_files.write_json(os.path.join(workdir, CONFIG_FILE), {
            "train": config.to_dict(),
            "resolved": {"precision": policy, "jit_compile": jit,
                         "num_classes": data.num_classes,
                         "train_images": len(train_data.images),
                         "heldout_images": len(heldout.images),
                         "replicas": strategy.num_replicas_in_sync,
                         "tensorflow": tf.__version__,
                         "keras": keras.__version__},
        })
    log(f"{'Resuming' if resuming else 'Starting'} run in {workdir}")
    log(f"data: {config.dataset}, {data.num_classes} chairs, "
        f"{len(train_data.images)} training / {len(heldout.images)} held-out "
        f"images at {config.resolution}x{config.resolution} "
        f"(holdout={config.holdout})")
    log(f"precision: {policy} ({policy_reason}); jit_compile: {jit} "
        f"({jit_reason}); replicas: {strategy.num_replicas_in_sync}")

    keras.utils.set_random_seed(config.seed)
    with strategy.scope():
        model, optimizer = create_model_and_optimizer(
            config, data.num_classes, policy, jit)
    checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer)
    checkpoint_dir = os.path.join(workdir, CHECKPOINT_DIR)
    if not chief:  # Every worker saves; only the chief's copy is kept.
        checkpoint_dir = os.path.join(workdir, f".worker_{id(strategy)}")
    manager = tf.train.CheckpointManager(checkpoint, checkpoint_dir,
                                         max_to_keep=config.keep_checkpoints)
    if manager.latest_checkpoint:
        checkpoint.restore(manager.latest_checkpoint).assert_existing_objects_matched()
    step = int(optimizer.iterations.numpy())
    log(f"model: {config.variant}, {model.count_params():,} parameters; "
        f"{'restored step ' + str(step) if step else 'fresh initialisation'}")

    writers = (None, None)
    if chief:
        writers = tuple(tf.summary.create_file_writer(
            os.path.join(workdir, "tensorboard", name))
            for name in ("train", "heldout"))
    samples = sample_set(heldout)
    scored = heldout.rows(np.arange(min(len(heldout.images),
                                          HELDOUT_EVAL_LIMIT)))
    guard = _NanGuard(step)
    if step < config.steps:
        dataset = input_pipeline.training_batches(
            train_data, batch_size=config.batch_size, seed=config.seed,
            start_step=step, augment=config.augment,
            ramp_steps=config.ramp_steps)
        if config.num_transform == 0:
            dataset = dataset.map(_drop_transform)
        limit = _TimeLimit(config.max_train_minutes)
        callbacks = [
            guard,
            limit,
            _Checkpointer(manager, step, config.checkpoint_every, guard),
            _Monitor(log, writers[0], step, config.steps, config.log_every,
                     config.batch_size, guard),
            _Sampler(log, writers[1],
                     os.path.join(workdir, "samples") if chief else None,
                     step, config.sample_every, samples, scored, guard),
        ]
        log(f"training steps {step + 1}..{config.steps}, batch "
            f"{config.batch_size}")
        model.fit(dataset, epochs=1, steps_per_epoch=config.steps - step,
                  callbacks=callbacks, verbose=0, shuffle=False)
        if guard.bad_step is not None:
            kept = manager.latest_checkpoint
            raise UserError(
                f"The loss stopped being finite at step {guard.bad_step}; "
                "training stopped there and nothing after the last good "
                f"checkpoint was saved (kept: "
                f"{os.path.basename(kept) if kept else 'none'}). Lower "
                "--learning_rate or add --warmup_steps, and resume or start "
                "a new run.")
        step = int(optimizer.iterations.numpy())
        if limit.stopped:
            log(f"stopped at step {step} after --max_train_minutes="
                f"{config.max_train_minutes}; run again to continue to step "
                f"{config.steps}")
        if manager.latest_checkpoint != os.path.join(
                checkpoint_dir, f"ckpt-{step}"):
            manager.save(checkpoint_number=step)
    else:
        log(f"the run already reached step {step}; writing its results")
    result = _finish(model, config, data, train_data, heldout, workdir, step,
                     log, chief)
    for writer in writers:
        if writer is not None:
            writer.flush()
    return result


def _finish(model, config, data, train_data, heldout, workdir, step, log,
            chief):
    """Exports the generator, scores it, writes the final pictures."""
    export = chairs.build_generator(
        generator_config(config, data.num_classes), dtype="float32")
    export.set_weights(model.get_weights())
    scores = {"step": step,
              "heldout": evaluation.summary(export, heldout),
              "train": evaluation.summary(
                  export, train_data.rows(np.arange(
                      min(len(train_data.images), 4 * HELDOUT_EVAL_LIMIT))))}
    files = {}
    if chief:
        files["generator"] = os.path.join(workdir, GENERATOR_FILE)
        with image_files.atomic_path(files["generator"], ".keras") as tmp:
            export.save(tmp)
        files["metrics"] = image_files.write_json(
            os.path.join(workdir, METRICS_FILE), scores)
        files["heldout_views"] = image_files.write_png(
            os.path.join(workdir, "heldout_views.png"),
            sample_grid(export, sample_set(heldout)))
        chosen = np.unique(heldout.chair_ids)[:4]
        files["turntable"] = render.write_turntable_gif(
            os.path.join(workdir, "turntable.gif"), export, chosen,
            frames=4 * 31)
    h = scores["heldout"]
    log(f"done at step {step}: held-out views psnr {h['psnr']:.2f} dB, mask "
        f"iou {h['mask_iou']:.3f}, mse {h['mse']:.5f}; training views psnr "
        f"{scores['train']['psnr']:.2f} dB, mask iou "
        f"{scores['train']['mask_iou']:.3f}")
    for name, path in files.items():
        log(f"  {name}: {path}")
    return TrainResult(step=step, workdir=workdir, metrics=scores, files=files)
