"""What each way of ending a training run badly costs: a small run of
`experiments.train` (the way a person runs it: a process per command) met
with each fault, then the same command again, against a run that was never
interrupted.

Faults (`reliability_config.FAULTS`): SIGKILL, SIGINT (Ctrl-C) and SIGTERM
after `fault_step`; a second trainer started on the live run; the last
checkpoint's data file truncated (after a SIGKILL) before the rerun; the
run's folder on a tmpfs that fills at its second checkpoint, made larger
before the rerun.

For each: the steps lost (the step the faulted run had reached, less the
step its rerun restored), the exit status of each process, whether any
printed a traceback, and whether the resumed run's generator equals the
uninterrupted run's (bitwise, float32 in one process).
"""

import contextlib
import dataclasses
import os
import re
import signal
import subprocess
import sys
import time

from gen.errors import UserError

TRAIN_FLAGS = dict(
    num_chairs=3,
    resolution=32,
    width=0.125,
    batch_size=8,
    log_every=1,
    sample_every=1000,
    precision="float32",
)
_STEP = re.compile(r"^step +(\d+)/", re.M)
_RESTORED = re.compile(r"restored step (\d+)")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@dataclasses.dataclass
class Outcome:
    """One row of the table."""

    fault: str
    lost: str  # steps, or "-" where nothing ran
    status: str  # the exit status of each process, in order
    traceback: bool
    equal: str  # whether the resumed run equals the uninterrupted one
    note: str = ""


def reached_step(log_text):
    """The last step a run's progress lines name (0 before any)."""
    steps = [int(s) for s in _STEP.findall(log_text)]
    return max(steps, default=0)


def restored_step(output):
    """The step a (re)started run restored, from its output (0: none)."""
    match = _RESTORED.search(output)
    return int(match.group(1)) if match else 0


def exit_text(code):
    """An exit status as a shell shows it, naming a signal that killed the
    process: -9 -> "-9 (SIGKILL)"."""
    if code is None:
        return "hung"
    if code < 0:
        return f"{code} ({signal.Signals(-code).name})"
    return str(code)


def table(outcomes):
    """The Markdown table of `outcomes`."""
    lines = [
        "| fault | steps lost | exit status | traceback | resumed = uninterrupted |",
        "|---|---:|---|---|---|",
    ]
    for o in outcomes:
        note = f" ({o.note})" if o.note else ""
        lines.append(
            f"| {o.fault}{note} | {o.lost} | {o.status} | "
            f"{'yes' if o.traceback else 'no'} | {o.equal} |"
        )
    return "\n".join(lines)


def compare_generators(path, reference):
    """ "yes (bitwise)", or "no (...)" with the largest difference."""
    import keras
    import numpy as np

    import gen.models  # noqa: F401  (registers the generator's objects)
    import layers  # noqa: F401

    if not os.path.isfile(path):
        return "no (no generator.keras)"
    got = keras.models.load_model(path, safe_mode=True).get_weights()
    expected = keras.models.load_model(reference, safe_mode=True).get_weights()
    worst = max(float(np.abs(a - b).max()) for a, b in zip(got, expected))
    return "yes (bitwise)" if worst == 0 else f"no (max difference {worst:.2e})"


class Bench:
    """Starts and watches the runs of one benchmark under `root`."""

    def __init__(self, config, root, echo=print):
        self.config, self.root, self.echo = config, root, echo
        self.data_dir = os.path.join(root, "tfds")  # built by the first run
        os.makedirs(self.data_dir, exist_ok=True)
        self.reference = None

    def flags(self, workdir):
        values = {
            **TRAIN_FLAGS,
            "steps": self.config.steps,
            "checkpoint_every": self.config.checkpoint_every,
            "keep_checkpoints": self.config.steps,
        }
        return [f"--workdir={workdir}", f"--data_dir={self.data_dir}"] + [
            f"--{name}={value}" for name, value in values.items()
        ]

    def start(self, workdir, name):
        """`python -m experiments.train` on `workdir`, its output kept in
        ``<root>/<name>.out``."""
        out = open(os.path.join(self.root, name + ".out"), "w")
        process = subprocess.Popen(
            [sys.executable, "-m", "experiments.train", *self.flags(workdir)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        process.out_path = out.name
        out.close()
        return process

    def finish(self, process):
        """(exit status, output) once `process` ends (killed when it hangs)."""
        try:
            code = process.wait(timeout=self.config.timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            code = None
        with open(process.out_path) as f:
            return code, f.read()

    def run(self, workdir, name):
        return self.finish(self.start(workdir, name))

    def wait_for_step(self, process, workdir, step):
        """Returns once the run's log names `step` (False if it ended or
        hung first)."""
        log = os.path.join(workdir, "log.txt")
        deadline = time.time() + self.config.timeout
        while time.time() < deadline and process.poll() is None:
            with contextlib.suppress(OSError):
                with open(log) as f:
                    if reached_step(f.read()) >= step:
                        return True
            time.sleep(0.05)
        return False

    def make_reference(self):
        workdir = os.path.join(self.root, "uninterrupted")
        code, output = self.run(workdir, "uninterrupted")
        if code != 0:
            raise UserError(
                f"The uninterrupted run failed (exit status {code}), so no "
                f"fault can be measured against it; its output:\n{output}"
            )
        self.reference = os.path.join(workdir, "generator.keras")
        return workdir

    def _resumed(self, fault, workdir, reached, statuses, outputs, note=""):
        code, output = self.run(workdir, fault + "_rerun")
        statuses.append(code)
        outputs.append(output)
        return Outcome(
            fault=fault,
            lost=str(reached - restored_step(output)),
            status=", then ".join(exit_text(c) for c in statuses),
            traceback=any("Traceback" in text for text in outputs),
            equal=compare_generators(
                os.path.join(workdir, "generator.keras"), self.reference
            ),
            note=note,
        )

    def signal_fault(self, fault, signum, at_step=None):
        """The run gets `signum` after `at_step` (default `fault_step`); then
        the same command again."""
        workdir = os.path.join(self.root, fault)
        process = self.start(workdir, fault)
        self.wait_for_step(process, workdir, at_step or self.config.fault_step)
        process.send_signal(signum)
        code, output = self.finish(process)
        with open(os.path.join(workdir, "log.txt")) as f:
            reached = reached_step(f.read())
        return workdir, reached, [code], [output]

    def sigkill(self):
        return self._resumed("sigkill", *self.signal_fault("sigkill", signal.SIGKILL))

    def sigint(self):
        return self._resumed("sigint", *self.signal_fault("sigint", signal.SIGINT))

    def sigterm(self):
        return self._resumed("sigterm", *self.signal_fault("sigterm", signal.SIGTERM))

    def second_trainer(self):
        workdir = os.path.join(self.root, "second_trainer")
        first = self.start(workdir, "second_trainer_first")
        self.wait_for_step(first, workdir, self.config.fault_step)
        second_code, second_output = self.run(workdir, "second_trainer_second")
        first_code, first_output = self.finish(first)
        outputs = [second_output, first_output]
        return Outcome(
            fault="second_trainer",
            lost="0" if first_code == 0 else "?",
            status=f"second {exit_text(second_code)}, first {exit_text(first_code)}",
            traceback=any("Traceback" in text for text in outputs),
            equal=compare_generators(
                os.path.join(workdir, "generator.keras"), self.reference
            ),
            note="refused" if "is in use by a run" in second_output else "",
        )

    def damaged(self):
        """SIGKILL after two checkpoints, the last one's data truncated."""
        every = self.config.checkpoint_every
        at = max(self.config.fault_step, 2 * every + 1)
        workdir, reached, codes, outputs = self.signal_fault(
            "damaged", signal.SIGKILL, at_step=at
        )
        folder = os.path.join(workdir, "checkpoints")
        last = max(
            int(m.group(1))
            for m in map(re.compile(r"ckpt-(\d+)\.index$").match, os.listdir(folder))
            if m
        )
        data = os.path.join(folder, f"ckpt-{last}.data-00000-of-00001")
        with open(data, "r+b") as f:
            f.truncate(os.path.getsize(data) // 2)
        return self._resumed(
            "damaged", workdir, reached, codes, outputs, f"ckpt-{last} truncated"
        )

    def full_disk(self):
        """The run's folder on a tmpfs with room for one checkpoint and a
        half; made larger (space freed) before the rerun."""
        reference = os.path.dirname(self.reference)
        folder = os.path.join(reference, "checkpoints")
        checkpoint = sum(
            os.path.getsize(os.path.join(folder, name))
            for name in os.listdir(folder)
            if name.startswith(f"ckpt-{self.config.steps}.")
        )
        others = sum(
            os.path.getsize(os.path.join(path, name))
            for path, _, names in os.walk(os.path.join(reference, "tensorboard"))
            for name in names
        )
        workdir = os.path.join(self.root, "full_disk")
        os.makedirs(workdir)
        size = int(1.5 * checkpoint + 2 * others + 256 * 1024)
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", workdir],
            capture_output=True,
            text=True,
        )
        if mounted.returncode != 0:
            return Outcome(
                "full_disk", "-", "-", False, "-", "skipped: cannot mount a tmpfs"
            )
        try:
            code, output = self.run(workdir, "full_disk")
            with open(os.path.join(workdir, "log.txt")) as f:
                reached = reached_step(f.read())
            subprocess.run(
                ["mount", "-o", f"remount,size={20 * checkpoint}", workdir],
                check=True,
            )
            how = (
                "stopped by the free-space watch"
                if "less free space than the next checkpoint" in output
                else "a write failed"
                if "failed: no space left" in " ".join(output.split())
                else ""
            )
            return self._resumed(
                "full_disk", workdir, reached, [code], [output], note=how
            )
        finally:
            subprocess.run(["umount", "-l", workdir], check=False)


def run_bench(config, root, echo=print):
    """Runs the uninterrupted run, then each fault of `config`; returns the
    `Outcome`s."""
    bench = Bench(config, root, echo)
    started = time.perf_counter()
    echo("the uninterrupted run ...")
    bench.make_reference()
    outcomes = []
    for index, fault in enumerate(config.faults, 1):
        echo(
            f"fault {index}/{len(config.faults)}: {fault} "
            f"({time.perf_counter() - started:.0f} s so far)"
        )
        outcomes.append(getattr(bench, fault)())
    return outcomes
