"""The chairs generator as a run trains it: its `GeneratorConfig` from the
run's settings, the learning-rate schedule, the losses and metrics it is
compiled with, and the Adam optimiser."""

from gen.models import chairs_generator, losses, metrics, optimizers


def generator_config(config, num_classes):
    """The `GeneratorConfig` of a `TrainConfig` for `num_classes` chairs."""
    return chairs_generator.GeneratorConfig(
        num_classes=num_classes,
        resolution=config.resolution,
        variant=config.variant,
        num_transform=config.num_transform,
        width=config.width,
        activation=config.activation,
    )


def learning_rate(config, horizon=None):
    """The run's `LearningRate` schedule, ending at `horizon` (default
    --steps)."""
    return optimizers.LearningRate(
        config.learning_rate,
        horizon or config.steps,
        config.schedule,
        config.warmup_steps,
        config.lr_boundaries,
        config.lr_factors,
    )


def compile_generator(model, optimizer, generator, jit_compile, mask_weight=None):
    """Compiles `model` with the generator's losses (`generator`, its
    `GeneratorConfig`; `mask_weight`, the mask loss's weight, None for the
    variant's default) and its PSNR and mask IoU metrics."""
    loss, loss_weights = losses.generator_losses(generator, mask_weight)
    model.compile(
        optimizer=optimizer,
        loss=loss,
        loss_weights=loss_weights,
        metrics={
            "rgb": [metrics.PSNR(name="psnr")],
            "mask": [metrics.MaskIoU(name="iou")],
        },
        jit_compile=jit_compile,
    )


def create_model_and_optimizer(config, num_classes, policy, jit_compile, schedule=None):
    """The compiled generator of `config` for `num_classes` chairs and its
    Adam optimiser: `build_model_and_optimizer` with its `GeneratorConfig`."""
    return build_model_and_optimizer(
        config, generator_config(config, num_classes), policy, jit_compile, schedule
    )


def build_model_and_optimizer(config, generator, policy, jit_compile, schedule=None):
    """The compiled generator (`generator`, a `GeneratorConfig`) and its Adam
    optimiser (variables built).

    The optimiser is `gen.models.optimizers.FusedAdam`: Keras' Adam with
    TensorFlow's fused update kernel (same update and slots, a third of the
    time), with Keras' decoupled weight decay when `config.weight_decay`
    is set. `schedule`: its learning rate (default `learning_rate(config)`).

    Call inside a `tf.distribute` strategy's scope to place them.
    """
    model = chairs_generator.build_generator(generator, dtype=policy)
    optimizer = optimizers.FusedAdam(
        schedule or learning_rate(config),
        beta_1=config.beta1,
        beta_2=config.beta2,
        epsilon=config.epsilon,
        weight_decay=config.weight_decay or None,
    )
    compile_generator(model, optimizer, generator, jit_compile, config.mask_loss_weight)
    # Slot variables must exist before a checkpoint is restored into them.
    optimizer.build(model.trainable_variables)
    return model, optimizer
