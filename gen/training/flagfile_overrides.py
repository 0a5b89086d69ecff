"""Flags given after a flagfile that change what the file's other settings
mean: a shorter --steps shortens the file's warm-up. No TensorFlow."""


def warmup_within_steps(values, argv):
    """`values` (TrainConfig fields by name) with a flagfile's warm-up
    fitted to a shorter run, and the line that says so (or None).

    A --warmup_steps read from a flagfile that is not below a --steps given
    after it (``--flagfile=experiments/configs/demo.flags --steps=30``, a
    quick try) becomes a tenth of --steps, rounded down. A --warmup_steps
    typed on the command line `argv` is kept, and refused as before.
    """
    warmup, steps = values.get("warmup_steps"), values.get("steps")
    typed = any(arg.startswith("--warmup_steps") for arg in argv[1:])
    if (
        typed
        or not isinstance(warmup, int)
        or not isinstance(steps, int)
        or steps < 1
        or warmup < steps
    ):
        return values, None
    shorter = steps // 10
    note = (
        f"note: the flagfile's --warmup_steps={warmup} is not below "
        f"--steps={steps}: warming up for {shorter} steps (a tenth of the run)."
    )
    return {**values, "warmup_steps": shorter}, note
