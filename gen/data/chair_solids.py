"""A chair style built from solids: boxes and octagonal prisms.

`chair_solids(style)` turns a `gen.data.chair_family.ChairStyle` into
`Solid`s in the chair's own frame, which is what `gen.data.ray_caster`
draws. The frame is in metres: y up, the floor at y = 0, the seat centred
on x = z = 0, the chair's front facing +z and the backrest at -z (the
backrest is what makes front and back views look different).
"""

import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True)
class Solid:
    """A convex solid: a box, or an octagonal prism around its local y axis.

    Attributes:
      center: (3,) centre in the chair's frame.
      rotation: (3, 3) rotation whose columns are the solid's local x, y, z
        axes in the chair's frame.
      half_extents: (3,) half sizes along the local axes. A round solid has
        equal x and z half extents (the prism's apothem).
      round: False for a box, True for an octagonal prism (a round leg).
      color: (3,) albedo in [0, chair_family.MAX_ALBEDO].
      part: which part of the chair it belongs to ("seat", "leg", ...).
    """

    center: np.ndarray
    rotation: np.ndarray
    half_extents: np.ndarray
    round: bool
    color: tuple
    part: str

    def corners(self):
        """(8, 3) corners of the solid's bounding box, in the chair's frame."""
        signs = np.array(
            [[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], float
        )
        return self.center + (signs * self.half_extents) @ self.rotation.T


def _box(center, half_extents, color, part, rotation=None):
    return Solid(
        center=np.asarray(center, float),
        rotation=np.eye(3) if rotation is None else np.asarray(rotation, float),
        half_extents=np.asarray(half_extents, float),
        round=False,
        color=color,
        part=part,
    )


def _beam(a, b, width, depth, color, part, round_=False):
    """A bar from point `a` to point `b` with a width x depth cross-section.

    The local x axis is the chair's x made orthogonal to the bar, so square
    legs stay aligned with the seat's edges.
    """
    a, b = np.asarray(a, float), np.asarray(b, float)
    axis = b - a
    length = np.linalg.norm(axis)
    y = axis / length
    ref = np.array([1.0, 0.0, 0.0]) if abs(y[0]) < 0.9 else np.array([0.0, 0.0, 1.0])
    x = ref - (ref @ y) * y
    x /= np.linalg.norm(x)
    z = np.cross(x, y)
    if round_:
        depth = width
    return Solid(
        center=(a + b) / 2,
        rotation=np.stack([x, y, z], axis=1),
        half_extents=np.array([width / 2, length / 2, depth / 2]),
        round=round_,
        color=color,
        part=part,
    )


def _transformed(solid, rotation, offset):
    """`solid` moved by the rigid transform p -> rotation @ p + offset."""
    return dataclasses.replace(
        solid,
        center=rotation @ solid.center + offset,
        rotation=rotation @ solid.rotation,
    )


def _legs(s):
    solids = []
    top_y = s.seat_height - s.seat_thickness
    # Legs meet the seat at its corners and splay outwards towards the floor.
    half_x = s.seat_width / 2 - s.leg_inset - s.leg_thickness / 2
    half_z = s.seat_depth / 2 - s.leg_inset - s.leg_thickness / 2
    spread = top_y * np.tan(s.leg_splay)
    round_ = s.leg_shape == "round"
    feet = {}
    for sx in (-1, 1):
        for sz in (-1, 1):
            top = np.array([sx * half_x, top_y, sz * half_z])
            foot = top + np.array([sx * spread, -top_y, sz * spread])
            feet[sx, sz] = (foot, top)
            solids.append(
                _beam(
                    foot,
                    top,
                    s.leg_thickness,
                    s.leg_thickness,
                    s.frame_color,
                    "leg",
                    round_,
                )
            )
    if s.stretchers:
        frac = 0.3  # stretchers at 30% of the leg height

        def at(key):
            foot, top = feet[key]
            return foot + frac * (top - foot)

        bar = 0.6 * s.leg_thickness
        for sx in (-1, 1):
            solids.append(
                _beam(
                    at((sx, -1)),
                    at((sx, 1)),
                    bar,
                    bar,
                    s.frame_color,
                    "stretcher",
                    round_,
                )
            )
        solids.append(
            _beam(at((-1, 1)), at((1, 1)), bar, bar, s.frame_color, "stretcher", round_)
        )
    return solids


def _pedestal(s):
    top_y = s.seat_height - s.seat_thickness
    hub_y = 0.07
    solids = [
        _beam(
            [0, hub_y - 0.02, 0],
            [0, top_y, 0],
            2 * s.pedestal_radius,
            None,
            s.frame_color,
            "column",
            round_=True,
        ),
    ]
    for k in range(s.star_arms):
        angle = 2 * np.pi * k / s.star_arms
        direction = np.array([np.sin(angle), 0.0, np.cos(angle)])
        end = direction * s.star_radius + np.array([0.0, 0.045, 0.0])
        solids.append(_beam([0, hub_y, 0], end, 0.045, 0.035, s.frame_color, "star"))
        # A caster under the end of every arm.
        solids.append(
            _beam(
                end - [0, 0.045, 0],
                end - [0, 0.01, 0],
                0.04,
                None,
                s.frame_color,
                "caster",
                round_=True,
            )
        )
    return solids


def _backrest(s):
    """The backrest, built upright and then leaned back about the seat's rear edge."""
    height = s.back_height
    width = s.back_width * s.seat_width
    thick = s.back_thickness
    post = max(s.leg_thickness, 0.03)
    inner = width / 2 - post  # half width between the posts
    parts = []
    has_posts = s.back != "solid" or s.back_panel_start > 0
    if has_posts:
        for sx in (-1, 1):
            parts.append(
                _box(
                    [sx * (width / 2 - post / 2), height / 2, 0],
                    [post / 2, height / 2, thick / 2],
                    s.frame_color,
                    "back_post",
                )
            )
    panel_half_x = inner if has_posts else width / 2
    if s.back == "solid":
        bottom = s.back_panel_start * height
        parts.append(
            _box(
                [0, (bottom + height) / 2, 0],
                [panel_half_x, (height - bottom) / 2, thick / 2],
                s.back_color,
                "back_panel",
            )
        )
    elif s.back == "vertical_slats":
        rail = 0.18 * height
        parts.append(
            _box(
                [0, height - rail / 2, 0],
                [panel_half_x, rail / 2, thick / 2],
                s.back_color,
                "back_rail",
            )
        )
        n = s.back_slats
        slat_half = panel_half_x / (2 * n + 1)
        for k in range(n):
            x = -panel_half_x + (2 * k + 1.5) * 2 * slat_half
            parts.append(
                _box(
                    [x, (height - rail) / 2, 0],
                    [slat_half, (height - rail) / 2, 0.6 * thick / 2],
                    s.back_color,
                    "back_slat",
                )
            )
    else:
        n = s.back_slats
        low = 0.25 * height
        pitch = (height - low) / n
        for k in range(n):
            y = low + (k + 0.7) * pitch
            parts.append(
                _box(
                    [0, y, 0],
                    [panel_half_x, 0.3 * pitch, thick / 2],
                    s.back_color,
                    "back_slat",
                )
            )
    # Lean back: the backrest's up axis turns from +y towards -z.
    c, sn = np.cos(s.back_tilt), np.sin(s.back_tilt)
    tilt = np.array([[1, 0, 0], [0, c, sn], [0, -sn, c]], float)
    origin = np.array([0.0, s.seat_height, -s.seat_depth / 2 + thick / 2])
    return [_transformed(p, tilt, origin) for p in parts]


def _armrests(s):
    solids = []
    bar = 0.03
    y = s.seat_height + s.arm_height
    front = s.seat_depth / 2 - 0.02
    back = -s.seat_depth / 2 + 0.04
    support_z = front - 0.05
    for sx in (-1, 1):
        x = sx * (s.seat_width / 2 - s.arm_width / 2)
        solids.append(
            _box(
                [x, y - bar / 2, (front + back) / 2],
                [s.arm_width / 2, bar / 2, (front - back) / 2],
                s.arm_color,
                "armrest",
            )
        )
        solids.append(
            _beam(
                [x, s.seat_height, support_z],
                [x, y - bar, support_z],
                0.03,
                0.03,
                s.arm_color,
                "arm_support",
                round_=s.leg_shape == "round",
            )
        )
    return solids


def chair_solids(style):
    """The solids of `style` in the chair's frame (see the module docstring)."""
    s = style
    solids = [
        _box(
            [0, s.seat_height - s.seat_thickness / 2, 0],
            [s.seat_width / 2, s.seat_thickness / 2, s.seat_depth / 2],
            s.seat_color,
            "seat",
        ),
    ]
    solids += _legs(s) if s.base == "legs" else _pedestal(s)
    solids += _backrest(s)
    if s.armrests:
        solids += _armrests(s)
    return tuple(solids)
