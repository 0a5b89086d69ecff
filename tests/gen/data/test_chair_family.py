"""Procedural chair styles and their solids."""

import dataclasses

import numpy as np

from gen.data import chair_family, chair_solids


def test_styles_are_deterministic_per_seed_and_index():
    assert chair_family.chair_style(3, 17) == chair_family.chair_style(3, 17)
    assert chair_family.chair_style(3, 17) != chair_family.chair_style(3, 18)
    assert chair_family.chair_style(3, 17) != chair_family.chair_style(4, 17)
    # A style does not depend on which other styles were drawn before it.
    for i in range(5):
        chair_family.chair_style(0, i)
    assert chair_family.chair_style(0, 4) == chair_family.chair_style(0, 4)


def test_styles_cover_every_part_choice():
    styles = [chair_family.chair_style(0, i) for i in range(40)]
    assert {s.base for s in styles} == set(chair_family.BASES)
    assert {s.back for s in styles} == set(chair_family.BACKS)
    assert {s.leg_shape for s in styles} == set(chair_family.LEG_SHAPES)
    assert {s.armrests for s in styles} == {True, False}
    assert {s.stretchers for s in styles} == {True, False}
    # Continuous proportions differ between every pair of styles.
    widths = [s.seat_width for s in styles]
    assert len(set(np.round(widths, 4))) == len(styles)
    for s in styles:
        assert 0.38 <= s.seat_width <= 0.62
        assert (
            max(s.seat_color + s.frame_color + s.back_color) <= chair_family.MAX_ALBEDO
        )


def test_corners_are_the_rotated_box():
    angle = 0.3
    rotation = np.array(
        [
            [np.cos(angle), 0, np.sin(angle)],
            [0, 1, 0],
            [-np.sin(angle), 0, np.cos(angle)],
        ]
    )
    solid = chair_solids.Solid(
        center=np.array([1.0, 2.0, 3.0]),
        rotation=rotation,
        half_extents=np.array([0.5, 0.25, 0.1]),
        round=False,
        color=(0.5,) * 3,
        part="x",
    )
    expected = set()
    for sx in (-1, 1):
        for sy in (-1, 1):
            for sz in (-1, 1):
                local = np.array([0.5 * sx, 0.25 * sy, 0.1 * sz])
                expected.add(tuple(np.round(solid.center + rotation @ local, 9)))
    assert set(map(tuple, np.round(solid.corners(), 9))) == expected


def _parts(solids, *names):
    return [s for s in solids if s.part in names]


def test_solids_make_a_chair_with_its_back_behind():
    for index in range(12):
        style = chair_family.chair_style(0, index)
        solids = chair_solids.chair_solids(style)
        (seat,) = _parts(solids, "seat")
        seat_top = seat.corners()[:, 1].max()
        np.testing.assert_allclose(seat_top, style.seat_height, atol=1e-9)
        # It stands on the floor: the base reaches y = 0 (a bar's end face
        # is tilted with a splayed leg, so allow its thickness).
        base = _parts(solids, "leg", "caster")
        assert abs(min(s.corners()[:, 1].min() for s in base)) < 0.05
        # The backrest rises above the seat, at the back (-z): front and back
        # views differ.
        back = _parts(solids, "back_panel", "back_slat", "back_rail", "back_post")
        assert back
        top = max(s.corners()[:, 1].max() for s in back)
        assert top > style.seat_height + 0.25
        assert all(s.center[2] < 0 for s in back)
        assert bool(_parts(solids, "armrest")) == style.armrests
        # Left-right mirror symmetric (x -> -x).
        centers = sorted(tuple(np.round(s.center * [1, 1, 1], 6)) for s in solids)
        mirrored = sorted(tuple(np.round(s.center * [-1, 1, 1], 6)) for s in solids)
        assert centers == mirrored


def test_rotations_are_orthonormal():
    for index in range(8):
        for s in chair_solids.chair_solids(chair_family.chair_style(1, index)):
            np.testing.assert_allclose(s.rotation.T @ s.rotation, np.eye(3), atol=1e-12)
            if s.round:
                assert s.half_extents[0] == s.half_extents[2]


def test_style_is_a_frozen_dataclass():
    style = chair_family.chair_style(0, 0)
    assert dataclasses.is_dataclass(style)
    assert style.name == "style-0-00000"
