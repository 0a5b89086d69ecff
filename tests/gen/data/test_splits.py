"""Held-out protocols: which rows train and which are evaluated."""

import dataclasses

import numpy as np
import pytest

from gen.data import chairs_data, splits
from gen.errors import UserError

HELDOUT_VIEWS = {0, 5, 10, 15, 20, 25, 30, 31, 36, 41, 46, 51, 56, 61}


@pytest.fixture(scope="module")
def data():
    return chairs_data.render_chairs(3, resolution=32)


def _relabelled(num_chairs):
    """62 x k rows of rendered images relabelled as chairs 0..num_chairs-1,
    every chair with all 62 views."""
    base = chairs_data.render_chairs(1, resolution=32)
    rows = base.rows(np.tile(np.arange(62), num_chairs))
    return dataclasses.replace(
        rows,
        chair_ids=np.repeat(np.arange(num_chairs), 62).astype(np.int32),
        num_classes=num_chairs,
        chair_names=[str(i) for i in range(num_chairs)],
    )


def test_views_holdout_is_every_fifth_azimuth(data):
    evaluation = splits.select(data, holdout="views", subset="eval")
    train = splits.select(data, holdout="views", subset="train")
    heldout = {0, 5, 10, 15, 20, 25, 30, 31, 36, 41, 46, 51, 56, 61}
    for c in range(3):
        assert set(evaluation.view_indices[evaluation.chair_ids == c]) == heldout
        assert set(train.view_indices[train.chair_ids == c]) == set(range(62)) - heldout
    assert set(evaluation.azimuths) == {0, 58, 116, 174, 232, 290, 348}
    assert len(evaluation) == 3 * 14 and len(train) == 3 * 48
    assert evaluation.num_classes == train.num_classes == 3
    none_eval = splits.select(data, holdout="none", subset="eval")
    np.testing.assert_array_equal(none_eval.view_indices, evaluation.view_indices)
    assert splits.select(data, holdout="none", subset="train") is data


def test_chairs_holdout_keeps_every_tenth_chair():
    fake = dataclasses.replace(
        chairs_data.render_chairs(1, resolution=32),
        num_classes=25,
        chair_names=[str(i) for i in range(25)],
    )
    # 62 rows relabelled as chairs 0..24 (a few rows each).
    fake = dataclasses.replace(fake, chair_ids=(np.arange(62) % 25).astype(np.int32))
    evaluation = splits.select(fake, holdout="chairs", subset="eval")
    train = splits.select(fake, holdout="chairs", subset="train")
    assert set(evaluation.chair_ids) == {0, 10, 20}
    assert set(train.chair_ids) == set(range(25)) - {0, 10, 20}
    assert evaluation.num_classes == 25


@pytest.mark.parametrize("holdout, subset", [("view", "train"), ("views", "test")])
def test_select_rejects_unknown_choices(data, holdout, subset):
    with pytest.raises(UserError, match="use one of"):
        splits.select(data, holdout=holdout, subset=subset)


def test_target_views_hold_views_of_the_target_chairs_only():
    data = _relabelled(25)
    evaluation = splits.select(data, holdout="target_views", subset="eval")
    train = splits.select(data, holdout="target_views", subset="train")
    # The target chairs 0, 10, 20 lose the 14 views; all others keep 62.
    assert set(evaluation.chair_ids) == {0, 10, 20}
    for chair in (0, 10, 20):
        assert set(evaluation.view_indices[evaluation.chair_ids == chair]) == (
            HELDOUT_VIEWS
        )
        assert (
            set(train.view_indices[train.chair_ids == chair])
            == set(range(62)) - HELDOUT_VIEWS
        )
    for chair in set(range(25)) - {0, 10, 20}:
        assert sorted(train.view_indices[train.chair_ids == chair]) == list(range(62))
    assert len(evaluation) == 3 * 14 and len(train) == 25 * 62 - 3 * 14
    assert evaluation.num_classes == train.num_classes == 25
    np.testing.assert_array_equal(
        splits.is_target_chair(np.arange(21)), np.arange(21) % 10 == 0
    )


def test_target_views_need_a_chair_that_keeps_its_views():
    with pytest.raises(
        UserError,
        match=r"--holdout=target_views needs chairs "
        r"that keep all their views .* hold only target "
        r"chairs \(0\): use at least 2 chairs.",
    ):
        splits.select(_relabelled(1), holdout="target_views", subset="train")
