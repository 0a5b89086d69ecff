"""The held-out table of a trained generator: how well it draws the views
(and chairs) it was trained on and those it was not.

Per image, on the generator's masked RGB output against the target image
times its mask (both in [0, 1], as trained) and on the mask:

- MSE: mean squared error per pixel and channel (the papers' measure);
- PSNR: ``10 log10(1 / MSE)`` in dB, per image;
- SSIM: structural similarity (`gen.evaluation.scoring.ssim`);
- mask IoU: intersection over union of the masks thresholded at 0.5.

The table reports the mean of each over the images of each subset, which
depend on the run's held-out protocol (`gen.data.splits.select`):

- holdout "views": training views and held-out views (every 5th azimuth);
- holdout "target_views": training views, the target chairs' training
  views, and the target chairs' held-out views (every 5th azimuth; the
  other chairs were trained on all views);
- holdout "chairs": training chairs and held-out chairs. A held-out chair's
  class id is still an entry of the one-hot input, but the weights reading
  that entry were never trained: its numbers say what the generator draws
  for a style code it never learned (a floor to compare with), not how it
  generalises to new chairs;
- holdout "none": every image, and the views other runs hold out, both
  trained on.

With held-out views (both protocols) the table adds a baseline that
involves no generator: each held-out image replaced by the real image of the
same chair at the nearest training azimuth (same elevation). A generator
that has learned to
interpolate views should beat it. It also breaks the held-out views down by
elevation and azimuth, each with the training azimuths either side of it,
since how far the generator has to interpolate differs between them: with
every 5th of the 31 azimuths held out, 348 and 0 degrees are both held out
and lie in a 35-degree gap between training azimuths, the others in
23-degree gaps.
"""

import numpy as np

from gen.data import chair_views, splits
from gen.evaluation import scoring

_STEP = chair_views.HELDOUT_AZIMUTH_STEP
_HELDOUT_VIEWS = (
    f"every {_STEP}th azimuth at both elevations "
    f"({2 * len(range(0, chair_views.NUM_AZIMUTHS, _STEP))} views per chair)"
)


def subsets(data, holdout):
    """``[(key, title, meaning, ChairsData)]`` of the run's protocol."""
    train = splits.select(data, holdout=holdout, subset="train")
    heldout = splits.select(data, holdout=holdout, subset="eval")
    if holdout == "views":
        return [
            (
                "train_views",
                "training views",
                "the views of every chair the generator was trained on",
                train,
            ),
            (
                "heldout_views",
                "held-out views",
                f"{_HELDOUT_VIEWS}, never shown in training",
                heldout,
            ),
        ]
    if holdout == "target_views":
        step = splits.HELDOUT_CHAIR_STEP
        targets = splits.is_target_chair(train.chair_ids)
        return [
            (
                "train_views",
                "training views",
                "every view the generator was trained on: all views of the "
                "other chairs and the remaining views of the target chairs",
                train,
            ),
            (
                "target_train_views",
                "target chairs' training views",
                f"the views of the target chairs (0, {step}, {2 * step}, ...) "
                "the generator was trained on",
                train.rows(targets),
            ),
            (
                "heldout_views",
                "held-out views of the target chairs",
                f"{_HELDOUT_VIEWS} of the target chairs, never shown in "
                "training; the other chairs showed these azimuths (with "
                "transfer)",
                heldout,
            ),
        ]
    if holdout == "chairs":
        step = splits.HELDOUT_CHAIR_STEP
        return [
            (
                "train_chairs",
                "training chairs",
                "every view of the chairs the generator was trained on",
                train,
            ),
            (
                "heldout_chairs",
                "held-out chairs",
                f"every view of chairs 0, {step}, {2 * step}, ..., never shown "
                "in training: their one-hot entries were never trained, so this "
                "is what the generator draws for an unlearned style code",
                heldout,
            ),
        ]
    return [
        (
            "all_views",
            "all views",
            "every image (holdout none: all were trained on)",
            train,
        ),
        (
            "views_j5",
            "views j % 5 = 0",
            f"{_HELDOUT_VIEWS}, trained on in this run",
            heldout,
        ),
    ]


def nearest_training_view(train, heldout):
    """For every row of `heldout`, the row of `train` showing the same chair
    at the same elevation from the nearest azimuth (circular distance; ties
    go to the smaller azimuth), or -1 where `train` has no such view."""
    # Training rows grouped by (chair, elevation), each group by azimuth.
    groups = {}
    for row in np.lexsort((train.azimuths, train.elevations, train.chair_ids)):
        key = (int(train.chair_ids[row]), float(train.elevations[row]))
        groups.setdefault(key, []).append(row)
    nearest = np.full(len(heldout), -1, np.int64)
    for i in range(len(heldout)):
        same = np.asarray(
            groups.get((int(heldout.chair_ids[i]), float(heldout.elevations[i])), []),
            np.int64,
        )
        if len(same):
            gap = np.abs(train.azimuths[same] - heldout.azimuths[i]) % 360.0
            nearest[i] = same[np.argmin(np.minimum(gap, 360.0 - gap))]
    return nearest


def nearest_view_entry(train, heldout):
    """The table entry of the nearest-training-view baseline: held-out
    images (those with a training view of their chair and elevation)
    scored against copies of those training views."""
    nearest = nearest_training_view(train, heldout)
    found = nearest >= 0
    entry = {
        "title": "baseline: nearest training view",
        "meaning": "no generator: each held-out view replaced by the "
        "real image of the same chair at the nearest "
        "training azimuth and the same elevation; what view "
        "interpolation has to beat",
        "images": int(found.sum()),
        "chairs": int(len(np.unique(heldout.chair_ids[found]))),
    }
    if found.any():
        target_rgb, target_mask = scoring.targets(heldout.rows(found))
        copy_rgb, copy_mask = scoring.targets(train.rows(nearest[found]))
        scores = scoring.image_scores(
            copy_rgb, copy_mask, target_rgb, target_mask, with_ssim=True
        )
        entry.update({name: float(np.mean(scores[name])) for name in scoring.MEASURES})
    return entry


def _training_azimuths_either_side(train, heldout):
    """``{(elevation, azimuth): (below, above)}``: for every held-out
    (elevation, azimuth), the nearest azimuths below and above it (going
    round the circle) that have training views at that elevation in
    `train`; None where that elevation has no training view."""
    either_side = {}
    for elevation, azimuth in sorted(
        set(zip(heldout.elevations.tolist(), heldout.azimuths.tolist()))
    ):
        trained = np.unique(train.azimuths[train.elevations == elevation])
        trained = trained[trained != azimuth]
        if not len(trained):
            either_side[elevation, azimuth] = None
            continue
        below = trained[np.argmin((azimuth - trained) % 360.0)]
        above = trained[np.argmin((trained - azimuth) % 360.0)]
        either_side[elevation, azimuth] = (float(below), float(above))
    return either_side


def by_azimuth(train, heldout, scores):
    """The held-out views grouped by (elevation, azimuth), in that order:
    a list of dicts with the elevation and azimuth (degrees), the image
    count, the mean of every measure over the group's images (`scores`:
    per-image arrays over `heldout`, as `scoring.per_image_scores`
    returns), and
    ``either_side``, the nearest training azimuths below and above
    (None where there is none) with ``gap``, the angle between them."""
    either_side = _training_azimuths_either_side(train, heldout)
    groups = []
    for (elevation, azimuth), side in either_side.items():
        rows = (heldout.elevations == elevation) & (heldout.azimuths == azimuth)
        entry = {
            "elevation": elevation,
            "azimuth": azimuth,
            "images": int(rows.sum()),
            "either_side": side,
            "gap": None
            if side is None
            else float((side[1] - side[0]) % 360.0 or 360.0),
        }
        entry.update(
            {name: float(np.mean(scores[name][rows])) for name in scoring.MEASURES}
        )
        groups.append(entry)
    return groups


def evaluate(model, data, holdout, batch_size=64):
    """The table as a dict: holdout and, per subset key, its title, meaning,
    image/chair counts and the mean of every measure; with held-out views
    also the nearest-training-view baseline (`nearest_view_entry`) and,
    under "heldout_by_azimuth", the held-out views by azimuth (`by_azimuth`).
    """
    table = {"holdout": holdout, "subsets": {}}
    parts = subsets(data, holdout)
    scores = {}
    for key, title, meaning, rows in parts:
        entry = {
            "title": title,
            "meaning": meaning,
            "images": len(rows),
            "chairs": int(len(np.unique(rows.chair_ids))),
        }
        if len(rows):
            scores[key] = scoring.per_image_scores(
                model, rows, batch_size, with_ssim=True
            )
            entry.update(
                {name: float(np.mean(scores[key][name])) for name in scoring.MEASURES}
            )
        table["subsets"][key] = entry
    if holdout in ("views", "target_views"):
        train, heldout = parts[0][3], parts[-1][3]
        # The baseline copies a training view of the same chair, and the
        # training azimuths either side are those of the held-out chairs:
        # only what the generator saw of those chairs.
        train = train.rows(np.isin(train.chair_ids, heldout.chair_ids))
        table["subsets"]["nearest_view_baseline"] = nearest_view_entry(train, heldout)
        if len(heldout):
            table["heldout_by_azimuth"] = by_azimuth(
                train, heldout, scores["heldout_views"]
            )
    return table


def _degrees(value):
    return f"{value:g}°"


def _azimuth_lines(groups):
    """The held-out views by azimuth (`by_azimuth`): Markdown table lines."""
    lines = [
        "| elevation | azimuth | images | training azimuths either side "
        "| PSNR (dB) | mask IoU |",
        "|---:|---:|---:|---|---:|---:|",
    ]
    for g in groups:
        side = (
            "none"
            if g["either_side"] is None
            else f"{_degrees(g['either_side'][0])}, "
            f"{_degrees(g['either_side'][1])} ({_degrees(g['gap'])} apart)"
        )
        lines.append(
            f"| {_degrees(g['elevation'])} | {_degrees(g['azimuth'])} "
            f"| {g['images']} | {side} | {g['psnr']:.2f} "
            f"| {g['mask_iou']:.3f} |"
        )
    return lines + [
        "",
        "- The wider the gap between the training azimuths "
        "either side of a held-out view, the further the "
        "generator has to interpolate.",
    ]


def markdown(table):
    """The table in Markdown, with what each row and measure means."""
    lines = [
        "| subset | images | chairs | MSE | PSNR (dB) | SSIM | mask IoU |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for entry in table["subsets"].values():
        if "mse" not in entry:
            lines.append(f"| {entry['title']} | 0 | 0 | - | - | - | - |")
            continue
        lines.append(
            f"| {entry['title']} | {entry['images']} | {entry['chairs']} | "
            f"{entry['mse']:.5f} | {entry['psnr']:.2f} | {entry['ssim']:.3f} "
            f"| {entry['mask_iou']:.3f} |"
        )
    lines.append("")
    for entry in table["subsets"].values():
        lines.append(f"- *{entry['title']}*: {entry['meaning']}.")
    lines.append(
        f"- Held-out protocol: `holdout={table['holdout']}`, "
        f"{splits.DESCRIPTIONS[table['holdout']]}. Measures are "
        "means over images, on the RGB output against the image times its "
        "mask (in [0, 1]): MSE per pixel and channel (the papers' measure), "
        "PSNR = 10 log10(1/MSE) per image, SSIM (Gaussian window 11, "
        "sigma 1.5); mask IoU at threshold 0.5."
    )
    if table.get("heldout_by_azimuth"):
        lines += [
            "",
            "### Held-out views by azimuth",
            "",
            *_azimuth_lines(table["heldout_by_azimuth"]),
        ]
    return "\n".join(lines) + "\n"
