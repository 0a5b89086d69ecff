"""A procedural family of chairs: styles drawn from (seed, index).

A `ChairStyle` holds the proportions, parts and colours of one chair. It is
drawn deterministically from `(seed, index)` by `chair_style`, so style 17 of
seed 0 is the same chair on every machine run with the same numpy. The
discrete choices (four legs or a pedestal with a star base; a solid, vertically
slatted or horizontally slatted backrest; round or square legs; stretchers;
armrests) and wide ranges for the continuous ones make styles look different
from one another.

`gen.data.chair_solids.chair_solids(style)` builds a style out of solids,
which is what `gen.data.ray_caster` draws.
"""

import colorsys
import dataclasses

import numpy as np

# Albedo is capped below white so that a shaded (even fully lit) chair pixel
# is never pure white: the mask of a rendered image is exactly its non-white
# pixels (those the chair covers at least half of), as for the real data.
MAX_ALBEDO = 0.85

BASES = ("legs", "pedestal")
BACKS = ("solid", "vertical_slats", "horizontal_slats")
LEG_SHAPES = ("square", "round")


@dataclasses.dataclass(frozen=True)
class ChairStyle:
    """The proportions, parts and colours of one chair (lengths in metres,
    angles in radians, colours RGB in [0, 1])."""

    seed: int
    index: int
    seat_width: float
    seat_depth: float
    seat_height: float  # top of the seat above the floor
    seat_thickness: float
    base: str  # one of BASES
    leg_thickness: float
    leg_shape: str  # one of LEG_SHAPES
    leg_splay: float  # outward tilt of each leg from the vertical
    leg_inset: float  # distance of the legs from the seat's edges
    stretchers: bool  # bars between the legs
    pedestal_radius: float
    star_arms: int
    star_radius: float
    back: str  # one of BACKS
    back_slats: int
    back_height: float
    back_tilt: float  # backwards lean of the backrest from the vertical
    back_thickness: float
    back_width: float  # fraction of the seat width
    back_panel_start: float  # fraction of the backrest height left open
    armrests: bool
    arm_height: float  # above the seat
    arm_width: float
    seat_color: tuple
    frame_color: tuple
    back_color: tuple
    arm_color: tuple

    @property
    def name(self):
        """A stable name, `style-<seed>-<index>`."""
        return f"style-{self.seed}-{self.index:05d}"


def _random_color(rng, *, value=(0.2, MAX_ALBEDO), saturation=(0.15, 0.9)):
    hue = rng.uniform(0.0, 1.0)
    rgb = colorsys.hsv_to_rgb(hue, rng.uniform(*saturation), rng.uniform(*value))
    return tuple(float(c) for c in rgb)


def chair_style(seed, index):
    """The chair style number `index` of family `seed`, deterministically.

    Every style gets its own random stream (`numpy.random.default_rng([seed,
    index])`), so a style does not depend on how many others are drawn.
    """
    if index < 0 or seed < 0:
        raise ValueError(f"seed and index must be >= 0, got {seed}, {index}")
    rng = np.random.default_rng([seed, index])
    u = rng.uniform

    seat_color = _random_color(rng)
    if rng.uniform() < 0.5:
        # Dark metal or stained wood frame.
        frame_color = _random_color(rng, value=(0.08, 0.3), saturation=(0.0, 0.5))
    else:
        frame_color = _random_color(rng)
    back_color = seat_color if rng.uniform() < 0.6 else _random_color(rng)
    arm_color = frame_color if rng.uniform() < 0.5 else seat_color

    return ChairStyle(
        seed=seed,
        index=index,
        seat_width=u(0.38, 0.62),
        seat_depth=u(0.36, 0.58),
        seat_height=u(0.36, 0.52),
        seat_thickness=u(0.02, 0.10),
        base=BASES[int(rng.uniform() < 0.3)],
        leg_thickness=u(0.025, 0.065),
        leg_shape=LEG_SHAPES[int(rng.integers(2))],
        leg_splay=u(0.0, 0.2),
        leg_inset=u(0.0, 0.05),
        stretchers=bool(rng.uniform() < 0.4),
        pedestal_radius=u(0.025, 0.05),
        star_arms=int(rng.integers(4, 6)),
        star_radius=u(0.22, 0.32),
        back=BACKS[int(rng.choice(3, p=[0.45, 0.3, 0.25]))],
        back_slats=int(rng.integers(2, 6)),
        back_height=u(0.3, 0.62),
        back_tilt=u(0.0, 0.3),
        back_thickness=u(0.02, 0.06),
        back_width=u(0.75, 1.0),
        back_panel_start=u(0.0, 0.4) if rng.uniform() < 0.5 else 0.0,
        armrests=bool(rng.uniform() < 0.35),
        arm_height=u(0.16, 0.26),
        arm_width=u(0.04, 0.08),
        seat_color=seat_color,
        frame_color=frame_color,
        back_color=back_color,
        arm_color=arm_color,
    )
