"""Held-out protocols: which rows of a `ChairsData` a run trains on and
which it is evaluated on.

    train = select(data, holdout="target_views", subset="train")
    heldout = select(data, holdout="target_views", subset="eval")

The papers' view-interpolation experiment (Dosovitskiy et al., TPAMI 2017)
splits the chair styles into source chairs and target chairs; the target
chairs lose views, and "with transfer" the source chairs keep all of theirs
(`target_views`), while "no transfer" removes the views from every chair
(`views`). The error is measured on the removed views of the target chairs.
"""

from gen import choices
from gen.data import chair_views
from gen.data.chairs_data import check_choice
from gen.errors import UserError

SUBSETS = ("train", "eval")
# The target chairs of "target_views", and the held-out chairs of "chairs":
# chair ids 0, 10, 20, ...
HELDOUT_CHAIR_STEP = 10
DESCRIPTIONS = {
    "views": "every 5th azimuth held out at both elevations for every chair "
    "(no transfer)",
    "target_views": "the target chairs (ids 0, 10, 20, ...) lose every 5th "
    "azimuth at both elevations, the other chairs keep all "
    "62 views (with transfer)",
    "chairs": "every view of chairs 0, 10, 20, ... held out",
    "none": "nothing held out",
}


def is_target_chair(chair_ids):
    """Whether each chair id is a target (or held-out) chair: 0, 10, 20..."""
    return chair_ids % HELDOUT_CHAIR_STEP == 0


def select(data, *, holdout, subset):
    """The training or evaluation rows of `data` under a held-out protocol.

    - "views": eval is every 5th azimuth (azimuth index j % 5 == 0) at both
      elevations, 14 of the 62 views; train is the other 48, of every chair.
    - "target_views": eval is the same 14 views of the target chairs (ids
      0, 10, 20, ...); train is everything else: the other 48 views of the
      target chairs and all 62 views of every other chair.
    - "chairs": eval is every view of chair ids 0, 10, 20, ...; train the
      other chairs.
    - "none": train is everything; eval is the "views" eval rows.

    `num_classes` and `chair_names` stay those of `data`.
    """
    check_choice("holdout", holdout, choices.HOLDOUTS)
    check_choice("subset", subset, SUBSETS)
    if holdout == "none" and subset == "train":
        return data
    if holdout == "chairs":
        heldout = is_target_chair(data.chair_ids)
    elif holdout == "target_views":
        targets = is_target_chair(data.chair_ids)
        if targets.all():
            raise UserError(
                "--holdout=target_views needs chairs that keep all their "
                "views besides the target chairs (ids 0, 10, 20, ...), but "
                f"these data hold only target chairs "
                f"({', '.join(map(str, sorted(set(data.chair_ids.tolist()))))})"
                ": use at least 2 chairs."
            )
        heldout = targets & chair_views.is_heldout_view(data.view_indices)
    else:
        heldout = chair_views.is_heldout_view(data.view_indices)
    return data.rows(heldout if subset == "eval" else ~heldout)
