"""The 62 standard views and their file-name numbering."""

import numpy as np
import pytest

from gen.data import chair_views

# The azimuths in the file names of Aubry et al.'s renders (CVPR 2014):
# floor(360*j/31) for j = 0..30.
GOLDEN_FIRST = (0, 11, 23, 34, 46)
GOLDEN_LAST = (336, 348)


def test_azimuths_are_the_real_datas():
    assert len(chair_views.AZIMUTHS) == 31
    assert chair_views.AZIMUTHS[:5] == GOLDEN_FIRST
    assert chair_views.AZIMUTHS[-2:] == GOLDEN_LAST
    assert chair_views.AZIMUTHS == tuple(360 * j // 31 for j in range(31))


def test_view_index_and_nnn_numbering():
    views = np.arange(62)
    nnn = chair_views.nnn_of_view(views)
    # NNN 000..030 at p020, 032..062 at p030; 031 unused.
    assert list(nnn[:31]) == list(range(31))
    assert list(nnn[31:]) == list(range(32, 63))
    assert 31 not in nnn
    np.testing.assert_array_equal(chair_views.view_of_nnn(nnn), views)
    assert chair_views.view_index(7, 20) == 7
    assert chair_views.view_index(7, 30) == 38
    assert chair_views.azimuth_of_view(38) == 360 * 7 // 31
    assert chair_views.elevation_of_view(38) == 30


def test_standard_views_in_view_index_order():
    azimuths, elevations = chair_views.standard_views()
    assert azimuths.dtype == np.float32 and azimuths.shape == (62,)
    np.testing.assert_array_equal(azimuths[:31], azimuths[31:])
    np.testing.assert_array_equal(azimuths[:31], chair_views.AZIMUTHS)
    assert set(elevations[:31]) == {20} and set(elevations[31:]) == {30}


@pytest.mark.parametrize("nnn", [31, 63, -1])
def test_view_of_nnn_rejects_unused_numbers(nnn):
    with pytest.raises(ValueError):
        chair_views.view_of_nnn(nnn)


def test_heldout_views_are_every_fifth_azimuth():
    heldout = np.flatnonzero(chair_views.is_heldout_view(np.arange(62)))
    expected = [j for j in range(0, 31, 5)] + [31 + j for j in range(0, 31, 5)]
    assert list(heldout) == expected
    assert len(heldout) == 14
