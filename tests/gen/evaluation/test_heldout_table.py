"""The held-out table equals a numpy computation on the same images; SSIM
against a numpy SSIM written from its definition."""

import numpy as np
import pytest

from gen.data import splits
from gen.evaluation import heldout_table, scoring
from gen.models import generator_io


def _gaussian_window(size=11, sigma=1.5):
    x = np.arange(size) - (size - 1) / 2
    g = np.exp(-(x**2) / (2 * sigma**2))
    g /= g.sum()
    return np.outer(g, g)


def numpy_ssim(x, y, max_value=1.0, k1=0.01, k2=0.03):
    """Mean SSIM of two (H, W, C) images: Gaussian-weighted local means,
    variances and covariance over 11x11 windows inside the image (no
    padding), per channel, averaged over positions and channels."""
    window = _gaussian_window()
    c1, c2 = (k1 * max_value) ** 2, (k2 * max_value) ** 2

    def local(image):  # (H', W', C) weighted means over every window
        patches = np.lib.stride_tricks.sliding_window_view(image, (11, 11), axis=(0, 1))
        return np.einsum("ijcuv,uv->ijc", patches, window)

    x, y = x.astype(np.float64), y.astype(np.float64)
    mx, my = local(x), local(y)
    vx, vy = local(x * x) - mx**2, local(y * y) - my**2
    cxy = local(x * y) - mx * my
    ssim_map = ((2 * mx * my + c1) * (2 * cxy + c2)) / (
        (mx**2 + my**2 + c1) * (vx + vy + c2)
    )
    return ssim_map.mean()


def test_ssim_matches_its_definition():
    rng = np.random.default_rng(0)
    a = rng.uniform(size=(3, 32, 32, 3)).astype("float32")
    b = np.clip(a + rng.normal(scale=0.1, size=a.shape), 0, 1).astype("float32")
    got = scoring.ssim(a, b)
    expected = [numpy_ssim(x, y) for x, y in zip(a, b)]
    np.testing.assert_allclose(got, expected, atol=1e-4)
    np.testing.assert_allclose(scoring.ssim(a, a), 1.0, atol=1e-6)


def numpy_scores(model, rows):
    """Per-image ``(target, rgb, mse, psnr, iou)`` of the generator on
    `rows`, computed with numpy from the generator's raw outputs."""
    inputs = generator_io.generator_inputs(
        model,
        classes=rows.chair_ids,
        azimuths=rows.azimuths,
        elevations=rows.elevations,
    )
    rgb, mask = generator_io.generate(model, inputs)
    target_mask = rows.masks.astype(np.float64)
    target = rows.images / 255.0 * target_mask
    mse = ((rgb - target) ** 2).mean(axis=(1, 2, 3))
    psnr = 10 * np.log10(1 / mse)
    t, p = target_mask > 0.5, mask > 0.5
    iou = (t & p).sum(axis=(1, 2, 3)) / (t | p).sum(axis=(1, 2, 3))
    return target, rgb, mse, psnr, iou


@pytest.fixture(scope="module")
def views_table(tiny_generator_and_data):
    """The tiny run's table with held-out views, computed once."""
    model, data = tiny_generator_and_data
    return heldout_table.evaluate(model, data, "views")


def test_table_equals_numpy_on_the_same_images(tiny_generator_and_data, views_table):
    model, data = tiny_generator_and_data
    table = views_table
    assert list(table["subsets"]) == [
        "train_views",
        "heldout_views",
        "nearest_view_baseline",
    ]
    for key, subset in (("train_views", "train"), ("heldout_views", "eval")):
        rows = splits.select(data, holdout="views", subset=subset)
        target, rgb, mse, psnr, iou = numpy_scores(model, rows)
        ssim = [numpy_ssim(x, y) for x, y in zip(target, rgb)]
        entry = table["subsets"][key]
        assert entry["images"] == len(rows) == 3 * (48 if subset == "train" else 14)
        assert entry["chairs"] == 3
        assert entry["mse"] == pytest.approx(mse.mean(), rel=1e-5)
        assert entry["psnr"] == pytest.approx(psnr.mean(), rel=1e-5)
        assert entry["mask_iou"] == pytest.approx(iou.mean(), rel=1e-6)
        assert entry["ssim"] == pytest.approx(np.mean(ssim), abs=1e-4)


def test_nearest_view_baseline_equals_numpy_copies_of_the_neighbours(
    tiny_generator_and_data, views_table
):
    _, data = tiny_generator_and_data
    table = views_table
    # By hand: held-out azimuth index j (j % 5 == 0) is copied from j - 1 or
    # j + 1 (mod 31), whichever azimuth is nearer in degrees, at the same
    # elevation (view index 31 + j at 30 degrees).
    degrees = 360 * np.arange(31) // 31
    targets, copies = [], []

    def row(chair, view):
        return np.flatnonzero((data.chair_ids == chair) & (data.view_indices == view))[
            0
        ]

    for chair in range(3):
        for j in range(0, 31, 5):
            before, after = (j - 1) % 31, (j + 1) % 31
            gap_before = min(
                (degrees[j] - degrees[before]) % 360,
                (degrees[before] - degrees[j]) % 360,
            )
            gap_after = min(
                (degrees[after] - degrees[j]) % 360, (degrees[j] - degrees[after]) % 360
            )
            source = before if gap_before <= gap_after else after
            for offset in (0, 31):
                targets.append(row(chair, j + offset))
                copies.append(row(chair, source + offset))

    def masked(index):
        mask = data.masks[index].astype(np.float64)
        return data.images[index] / 255.0 * mask, mask

    (target, target_mask), (copy, copy_mask) = masked(targets), masked(copies)
    mse = ((copy - target) ** 2).mean(axis=(1, 2, 3))
    t, p = target_mask > 0.5, copy_mask > 0.5
    iou = (t & p).sum(axis=(1, 2, 3)) / (t | p).sum(axis=(1, 2, 3))
    entry = table["subsets"]["nearest_view_baseline"]
    assert (entry["images"], entry["chairs"]) == (3 * 14, 3)
    assert entry["mse"] == pytest.approx(mse.mean(), rel=1e-6)
    assert entry["psnr"] == pytest.approx((10 * np.log10(1 / mse)).mean(), rel=1e-6)
    assert entry["mask_iou"] == pytest.approx(iou.mean(), rel=1e-6)
    assert entry["ssim"] == pytest.approx(
        np.mean([numpy_ssim(x, y) for x, y in zip(target, copy)]), abs=1e-4
    )
    # A copy of a different view is not the view: the baseline is imperfect.
    assert 0 < entry["mse"] and entry["mask_iou"] < 1


def test_nearest_training_view_skips_chairs_without_training_views(
    tiny_generator_and_data,
):
    _, data = tiny_generator_and_data
    train = splits.select(data, holdout="views", subset="train")
    heldout = splits.select(data, holdout="views", subset="eval")
    nearest = heldout_table.nearest_training_view(
        train.rows(train.chair_ids != 1), heldout
    )
    assert np.all((nearest == -1) == (heldout.chair_ids == 1))
    entry = heldout_table.nearest_view_entry(train.rows(train.chair_ids != 1), heldout)
    assert (entry["images"], entry["chairs"]) == (2 * 14, 2)


def test_protocols_chunks_and_markdown(tiny_generator_and_data, monkeypatch):
    model, data = tiny_generator_and_data
    rows = data.rows(np.arange(20))
    whole = scoring.per_image_scores(model, rows, with_ssim=True)
    monkeypatch.setattr(scoring, "CHUNK", 10)
    chunked = scoring.per_image_scores(model, rows, with_ssim=True)
    assert sorted(chunked) == sorted(scoring.MEASURES)
    for name in scoring.MEASURES:
        np.testing.assert_allclose(chunked[name], whole[name], rtol=1e-5, atol=1e-6)

    views = heldout_table.subsets(data, "views")
    assert [s[0] for s in views] == ["train_views", "heldout_views"]
    chairs = heldout_table.subsets(data, "chairs")
    assert [s[0] for s in chairs] == ["train_chairs", "heldout_chairs"]
    assert set(chairs[1][3].chair_ids) == {0}
    assert "never shown in training" in chairs[1][2]
    none = heldout_table.subsets(data, "none")
    assert len(none[0][3]) == len(data)
    assert "trained on in this run" in none[1][2]

    few = data.rows((data.chair_ids < 2) & (data.view_indices < 5))
    table = heldout_table.evaluate(model, few, "chairs")
    text = heldout_table.markdown(table)
    lines = text.splitlines()
    assert lines[0].startswith("| subset | images | chairs | MSE |")
    assert lines[2].startswith("| training chairs | 5 | 1 | ")
    assert lines[3].startswith("| held-out chairs | 5 | 1 | ")
    assert "unlearned style code" in text and "`holdout=chairs`" in text


def test_heldout_views_by_azimuth_equal_numpy_groups(
    tiny_generator_and_data, views_table
):
    model, data = tiny_generator_and_data
    table = views_table
    rows = splits.select(data, holdout="views", subset="eval")
    _, _, mse, _, iou = numpy_scores(model, rows)

    groups = table["heldout_by_azimuth"]
    # 7 held-out azimuths (j = 0, 5, ..., 30) at 20, then at 30 degrees.
    degrees = 360 * np.arange(31) // 31
    assert [(g["elevation"], g["azimuth"]) for g in groups] == [
        (e, float(degrees[j])) for e in (20.0, 30.0) for j in range(0, 31, 5)
    ]
    for g in groups:
        j = int(np.flatnonzero(degrees == g["azimuth"])[0])
        # By hand: the neighbours j - 1 and j + 1, except that 348 (j = 30)
        # and 0 (j = 0) are both held out: their neighbours are 336 and 11.
        below, above = {0: (29, 1), 30: (29, 1)}.get(j, (j - 1, j + 1))
        assert g["either_side"] == (degrees[below], degrees[above])
        assert g["gap"] == (35.0 if j in (0, 30) else 23.0)
        chosen = (rows.elevations == g["elevation"]) & (rows.azimuths == g["azimuth"])
        assert g["images"] == chosen.sum() == 3
        assert g["mask_iou"] == pytest.approx(iou[chosen].mean(), rel=1e-6)
        assert g["mse"] == pytest.approx(mse[chosen].mean(), rel=1e-5)

    text = heldout_table.markdown(table)
    assert "### Held-out views by azimuth" in text
    first = groups[0]
    assert (
        f"| 20° | 0° | 3 | 336°, 11° (35° apart) | {first['psnr']:.2f} "
        f"| {first['mask_iou']:.3f} |"
    ) in text
    assert "heldout_by_azimuth" not in heldout_table.evaluate(
        model, data.rows(data.chair_ids == 0), "chairs"
    )


def test_target_views_table_scores_the_target_chairs(
    tiny_generator_and_data, views_table
):
    """With transfer: chair 0 (the one target chair of three) is scored on
    its 14 held-out views; the baseline copies only its own training views,
    so it equals the views protocol's baseline restricted to chair 0."""
    model, data = tiny_generator_and_data
    table = heldout_table.evaluate(model, data, "target_views")
    assert table["holdout"] == "target_views"
    assert list(table["subsets"]) == [
        "train_views",
        "target_train_views",
        "heldout_views",
        "nearest_view_baseline",
    ]
    subsets = table["subsets"]
    assert (subsets["train_views"]["images"], subsets["train_views"]["chairs"]) == (
        3 * 62 - 14,
        3,
    )
    assert (
        subsets["target_train_views"]["images"],
        subsets["target_train_views"]["chairs"],
    ) == (48, 1)
    heldout = data.rows(
        (data.chair_ids == 0)
        & np.isin(
            data.view_indices, [0, 5, 10, 15, 20, 25, 30, 31, 36, 41, 46, 51, 56, 61]
        )
    )
    _, _, mse, psnr, iou = numpy_scores(model, heldout)
    entry = subsets["heldout_views"]
    assert (entry["images"], entry["chairs"]) == (14, 1)
    assert entry["mse"] == pytest.approx(mse.mean(), rel=1e-5)
    assert entry["mask_iou"] == pytest.approx(iou.mean(), rel=1e-6)
    # The baseline: chair 0's part of the views protocol's baseline (the
    # same copies), here as its own mean.
    train = splits.select(data, holdout="views", subset="train")
    views = splits.select(data, holdout="views", subset="eval")
    own = heldout_table.nearest_view_entry(
        train.rows(train.chair_ids == 0), views.rows(views.chair_ids == 0)
    )
    assert subsets["nearest_view_baseline"] == pytest.approx(own)
    assert [g["azimuth"] for g in table["heldout_by_azimuth"][:7]] == [
        0,
        58,
        116,
        174,
        232,
        290,
        348,
    ]
    assert all(g["images"] == 1 for g in table["heldout_by_azimuth"])
    text = heldout_table.markdown(table)
    assert "| held-out views of the target chairs | 14 | 1 |" in text
    assert (
        "`holdout=target_views`, the target chairs (ids 0, 10, 20, ...) "
        "lose every 5th azimuth" in text
    )
