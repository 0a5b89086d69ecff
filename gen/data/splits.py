"""Held-out protocols: which rows of a `ChairsData` a run trains on and
which it is evaluated on.

    train = select(data, holdout="views", subset="train")
    heldout = select(data, holdout="views", subset="eval")
"""

from gen import choices
from gen.data import chair_views
from gen.data.chairs_data import check_choice

SUBSETS = ("train", "eval")
# holdout="chairs" keeps chair ids 0, 10, 20, ... for evaluation.
HELDOUT_CHAIR_STEP = 10


def select(data, *, holdout, subset):
    """The training or evaluation rows of `data` under a held-out protocol.

    - "views": eval is every 5th azimuth (azimuth index j % 5 == 0) at both
      elevations, 14 of the 62 views; train is the other 48.
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
        heldout = data.chair_ids % HELDOUT_CHAIR_STEP == 0
    else:
        heldout = chair_views.is_heldout_view(data.view_indices)
    return data.rows(heldout if subset == "eval" else ~heldout)
