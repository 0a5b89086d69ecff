"""The data in memory, batches and the resumable, deterministic training
stream."""

import numpy as np
import pytest

from gen.data import chair_views, chairs_data, input_pipeline, splits
from gen.errors import UserError


@pytest.fixture(scope="module")
def data():
    return chairs_data.render_chairs(3, resolution=32)


def _rows(batch):
    """(class, view index) of every example of a batch, from its inputs."""
    inputs, _ = batch
    classes = np.argmax(inputs["class"], axis=1)
    view = inputs["view"].numpy()
    azimuth = np.degrees(np.arctan2(view[:, 0], view[:, 1])) % 360
    elevation = np.degrees(np.arctan2(view[:, 2], view[:, 3]))
    j = np.array(
        [
            min(range(31), key=lambda k: abs(chair_views.AZIMUTHS[k] - a))
            for a in azimuth
        ]
    )
    views = np.where(np.rint(elevation) == 20, j, 31 + j)
    return list(zip(classes.tolist(), views.tolist()))


def test_render_chairs_rows(data):
    assert len(data) == 3 * 62 and data.num_classes == 3
    assert data.images.shape == (186, 32, 32, 3) and data.masks.shape == (
        186,
        32,
        32,
        1,
    )
    np.testing.assert_array_equal(data.chair_ids, np.repeat([0, 1, 2], 62))
    np.testing.assert_array_equal(data.view_indices, np.tile(np.arange(62), 3))
    assert data.chair_names == ["style-0-00000", "style-0-00001", "style-0-00002"]


def test_rows_by_mask_or_indices(data):
    by_index = data.rows(np.array([5, 70, 3]))
    np.testing.assert_array_equal(by_index.view_indices, [5, 8, 3])
    np.testing.assert_array_equal(by_index.chair_ids, [0, 1, 0])
    np.testing.assert_array_equal(by_index.images[1], data.images[70])
    by_mask = data.rows(data.chair_ids == 2)
    assert len(by_mask) == 62 and by_mask.num_classes == 3
    assert by_mask.chair_names == data.chair_names


def test_batches_hold_the_inputs_and_targets(data):
    batch = next(
        iter(
            input_pipeline.training_batches(data, batch_size=16, seed=0, shuffle=False)
        )
    )
    inputs, targets = batch
    assert inputs["class"].shape == (16, 3) and inputs["view"].shape == (16, 4)
    assert inputs["transform"].shape == (16, input_pipeline.NUM_TRANSFORM)
    assert targets["rgb"].shape == (16, 32, 32, 3) and targets["mask"].shape == (
        16,
        32,
        32,
        1,
    )
    for tensor in (*inputs.values(), *targets.values()):
        assert tensor.dtype.name == "float32"
    # In the data's order without shuffling: rows 0..15 (chair 0, views 0..15).
    np.testing.assert_array_equal(inputs["class"], np.eye(3)[np.zeros(16, int)])
    az, el = np.radians(data.azimuths[:16]), np.radians(data.elevations[:16])
    np.testing.assert_allclose(
        inputs["view"],
        np.stack([np.sin(az), np.cos(az), np.sin(el), np.cos(el)], 1),
        atol=1e-6,
    )
    np.testing.assert_array_equal(inputs["transform"], 0)
    np.testing.assert_array_equal(targets["mask"], data.masks[:16])
    np.testing.assert_allclose(
        targets["rgb"], data.images[:16] / 255.0 * data.masks[:16], atol=1e-6
    )


def test_an_epoch_is_a_permutation_and_seeds_differ(data):
    # 186 rows = 6 batches of 31.
    def epoch(seed):
        batches = input_pipeline.training_batches(data, batch_size=31, seed=seed)
        return [row for batch in batches.take(6) for row in _rows(batch)]

    first = epoch(1)
    expected = set(zip(data.chair_ids.tolist(), data.view_indices.tolist()))
    assert len(first) == 186 and set(first) == expected
    assert first == epoch(1)
    assert first != epoch(2)
    assert first != sorted(first)


def test_resuming_at_a_step_gives_exactly_that_batch(data):
    kwargs = dict(batch_size=40, seed=5, augment=True, ramp_steps=4)
    stream = list(input_pipeline.training_batches(data, **kwargs).take(7))
    # Step 5 starts at example 200: past the end of the first epoch (186).
    for step in (0, 3, 5, 6):
        resumed = next(
            iter(input_pipeline.training_batches(data, start_step=step, **kwargs))
        )
        for got, want in zip(resumed, stream[step]):
            for key in want:
                np.testing.assert_array_equal(
                    got[key], want[key], err_msg=f"{step} {key}"
                )


def test_augmentation_ramps_and_reports_theta(data):
    batches = list(
        input_pipeline.training_batches(
            data, batch_size=8, seed=0, augment=True, ramp_steps=4
        ).take(6)
    )
    theta = [b[0]["transform"].numpy() for b in batches]
    np.testing.assert_array_equal(theta[0], 0)  # strength 0 at step 0
    assert np.abs(theta[2]).max() <= 0.5 and np.abs(theta[2]).max() > 0.2
    assert np.abs(theta[5]).max() > 0.5 and np.abs(theta[5]).max() <= 1.0
    inputs, targets = batches[5]
    # Targets are masked: no colour off the mask.
    rgb, mask = targets["rgb"].numpy(), targets["mask"].numpy()
    assert set(np.unique(mask)) <= {0.0, 1.0}
    assert np.all(rgb[np.broadcast_to(mask == 0, rgb.shape)] == 0)
    assert rgb.max() <= 1.0 and rgb.min() >= 0.0


def test_eval_batches_are_in_order_and_complete(data):
    evaluation = splits.select(data, holdout="views", subset="eval")
    batches = list(input_pipeline.eval_batches(evaluation, batch_size=16))
    assert [len(b[0]["class"]) for b in batches] == [16, 16, 10]
    rows = [row for batch in batches for row in _rows(batch)]
    assert rows == list(
        zip(evaluation.chair_ids.tolist(), evaluation.view_indices.tolist())
    )
    assert all(np.all(b[0]["transform"].numpy() == 0) for b in batches)


def test_load_chairs_rejects_bad_arguments(tmp_path):
    with pytest.raises(UserError, match="'synthetic_chairs', 'rendered_chairs'"):
        chairs_data.load_chairs("chairs", data_dir=str(tmp_path))
    with pytest.raises(UserError, match="does not exist"):
        chairs_data.load_chairs("synthetic_chairs", data_dir=str(tmp_path / "nope"))
    with pytest.raises(UserError, match="32, 64, 128"):
        chairs_data.load_chairs(
            "synthetic_chairs", data_dir=str(tmp_path), resolution=48
        )
    with pytest.raises(UserError, match="chair_list"):
        chairs_data.load_chairs(
            "synthetic_chairs", data_dir=str(tmp_path), chair_list="x"
        )
    with pytest.raises(UserError, match="no rows"):
        input_pipeline.training_batches(
            chairs_data.render_chairs(1, resolution=32).rows(np.zeros(62, bool)),
            batch_size=4,
            seed=0,
        )
