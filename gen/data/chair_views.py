"""The 62 standard chair views and their numbering.

Aubry et al.'s rendered chairs show every chair from 31 azimuths at two
elevations. This module is the one place that knows how those views are
numbered, so that the synthetic renderer, the real-data loader and the
held-out split agree.

- Azimuth index `j` in 0..30; azimuth `floor(360 * j / 31)` degrees
  (0, 11, 23, 34, ..., 336, 348).
- Elevation 20 or 30 degrees.
- `view_index` in 0..61 (the `view_index` feature of both datasets):
  `j` for elevation 20 and `31 + j` for elevation 30.
- The real files number their views `NNN`: `j` (000..030) for `p020` and
  `32 + j` (032..062) for `p030`; 031 is not used. Hence
  `NNN = view_index` for `view_index < 31` and `NNN = view_index + 1` above.

Azimuth 0 looks at the chair's front; the camera moves towards the chair's
left side (as seen by someone sitting in it) as the azimuth grows. Elevation
is the angle of the camera above the horizontal plane through the chair's
centre.
"""

import numpy as np

NUM_AZIMUTHS = 31
ELEVATIONS = (20, 30)
NUM_VIEWS = NUM_AZIMUTHS * len(ELEVATIONS)

# Every 5th azimuth (j % 5 == 0) at both elevations: 7 x 2 = 14 views.
HELDOUT_AZIMUTH_STEP = 5


def azimuth_of_index(j):
    """Azimuth in whole degrees of azimuth index `j` (array or int)."""
    return (360 * np.asarray(j)) // NUM_AZIMUTHS


AZIMUTHS = tuple(int(a) for a in azimuth_of_index(np.arange(NUM_AZIMUTHS)))


def view_index(j, elevation):
    """The 0..61 view index of azimuth index `j` at `elevation` (20 or 30)."""
    j = np.asarray(j)
    elevation = np.asarray(elevation)
    if np.any((j < 0) | (j >= NUM_AZIMUTHS)):
        raise ValueError(f"azimuth index must be in 0..{NUM_AZIMUTHS - 1}, got {j}")
    if np.any((elevation != ELEVATIONS[0]) & (elevation != ELEVATIONS[1])):
        raise ValueError(f"elevation must be one of {ELEVATIONS}, got {elevation}")
    return np.where(elevation == ELEVATIONS[0], j, NUM_AZIMUTHS + j)


def azimuth_index(view):
    """Azimuth index `j` (0..30) of a view index (array or int)."""
    return np.asarray(view) % NUM_AZIMUTHS


def elevation_of_view(view):
    """Elevation in degrees (20 or 30) of a view index."""
    return np.where(np.asarray(view) < NUM_AZIMUTHS, ELEVATIONS[0], ELEVATIONS[1])


def azimuth_of_view(view):
    """Azimuth in whole degrees of a view index."""
    return azimuth_of_index(azimuth_index(view))


def nnn_of_view(view):
    """The file-name number `NNN` of a view index (031 is skipped)."""
    view = np.asarray(view)
    return np.where(view < NUM_AZIMUTHS, view, view + 1)


def view_of_nnn(nnn):
    """The view index of file-name number `NNN`; ValueError for 031 or > 062."""
    nnn = np.asarray(nnn)
    if np.any((nnn < 0) | (nnn == NUM_AZIMUTHS) | (nnn > NUM_VIEWS)):
        raise ValueError(f"view number must be in 000..030 or 032..062, got {nnn}")
    return np.where(nnn < NUM_AZIMUTHS, nnn, nnn - 1)


def standard_views():
    """(azimuths, elevations) of the 62 views in view-index order, float32 degrees."""
    views = np.arange(NUM_VIEWS)
    return (
        azimuth_of_view(views).astype(np.float32),
        elevation_of_view(views).astype(np.float32),
    )


def is_heldout_view(view):
    """True for the held-out views: azimuth index j with j % 5 == 0."""
    return azimuth_index(view) % HELDOUT_AZIMUTH_STEP == 0
