"""Opening a run for the explorer: a finished run, and one still training
(no generator.keras yet: its last checkpoint, read-only)."""

import hashlib
import os
import shutil

import numpy as np
import pytest

from gen.errors import UserError


def _digests(folder):
    return {
        name: hashlib.sha256(open(os.path.join(folder, name), "rb").read()).hexdigest()
        for name in sorted(os.listdir(folder))
    }


@pytest.mark.slow(seconds=4)
def test_a_run_still_training_shows_its_last_checkpoint(tiny_run, tmp_path):
    from gen.explore.live import opening
    from gen.models import generator_io

    finished = opening.open_generator(workdir=tiny_run)
    assert (finished.step, finished.still_training) == (12, False)
    assert finished.origin == "generator.keras after 12 steps"

    run = tmp_path / "run"
    shutil.copytree(tiny_run, run)
    os.remove(run / "generator.keras")
    os.remove(run / "metrics.json")
    checkpoints = _digests(run / "checkpoints")
    live = opening.open_generator(workdir=str(run))
    assert (live.step, live.still_training) == (12, True)
    assert live.origin == "checkpoint of step 12: still training"
    assert live.source.holdout == "views" and live.metrics is None
    assert _digests(run / "checkpoints") == checkpoints  # read, never written
    # The run's last checkpoint is the step its generator.keras was saved at.
    inputs = generator_io.generator_inputs(
        finished.model, classes=[0, 1, 2], azimuths=[0, 90, 200], elevations=20
    )
    for a, b in zip(
        generator_io.generate(finished.model, inputs),
        generator_io.generate(live.model, inputs),
    ):
        np.testing.assert_array_equal(a, b)

    shutil.rmtree(run / "checkpoints")
    os.makedirs(run / "checkpoints")
    with pytest.raises(UserError, match="has neither generator.keras nor a checkpoint"):
        opening.open_generator(workdir=str(run))


@pytest.mark.slow(seconds=2)
def test_a_bare_generator_file_has_real_views_only_with_data(tiny_run, chairs_data_dir):
    from gen.explore.live import explorer, opening

    path = os.path.join(tiny_run, "generator.keras")
    bare = opening.open_generator(generator=path)
    assert (bare.workdir, bare.origin, bare.step, bare.source) == (
        None,
        path,
        None,
        None,
    )
    assert explorer.make_renderer(bare).real_views() is None
    with_data = opening.open_generator(generator=path, data_dir=chairs_data_dir)
    views = explorer.make_renderer(with_data).real_views()
    # 3 chairs x 62 views; the held-out ones ("views", the default): every
    # 5th azimuth index j at both elevations, 14 per chair.
    assert [len(v) for v in views] == [62, 62, 62]
    assert sum(v[3] for v in views[0]) == 14
    # The settings it was trained with, as the explore scripts take them:
    # under target_views only the target chair 0 lost views.
    targets = opening.open_generator(
        generator=path, data_dir=chairs_data_dir, holdout="target_views"
    )
    views = explorer.make_renderer(targets).real_views()
    assert [sum(v[3] for v in chair) for chair in views] == [14, 0, 0]
