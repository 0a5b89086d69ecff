"""What a page may ask the explorer for: the parameters of one picture,
checked, with a one-line message for anything else.

A request is a flat query (``chair=3&azimuth=42.5&elevation=20&...``); every
value is checked before the generator runs, so that a chair id out of
range, a NaN or huge angle, a morph weight outside [0, 1] or an unknown
parameter is answered with `BadRequest` (HTTP 400) and one line.
"""

import dataclasses
import math

AZIMUTH_RANGE = (-360.0, 360.0)
ELEVATION_RANGE = (-90.0, 90.0)
# A transformation input theta is drawn in [-1, 1] during training
# (`gen.data.augment`): the sliders stay in that range.
THETA_RANGE = (-1.0, 1.0)
MAX_SEED = 2**31 - 1
GIF_KINDS = ("turntable", "morph")
GIF_FRAMES = (2, 124)
VIEW_PARAMETERS = ("chair", "chair2", "morph", "azimuth", "elevation", "new")
GIF_PARAMETERS = ("kind", "frames")


class BadRequest(ValueError):
    """A request the explorer refuses; its message is one line."""


@dataclasses.dataclass(frozen=True)
class View:
    """One picture: a chair (or a morph of two, or a new chair), a view and
    the transformation inputs.

    Attributes:
        chair, chair2: chair ids; `morph` mixes them as
            ``(1 - morph) * onehot(chair) + morph * onehot(chair2)``.
        morph: in [0, 1].
        azimuth, elevation: degrees.
        new: the seed of a new chair (`gen.explore.style_sampling`), which
            replaces `chair`, or None.
        theta: the transformation inputs, one per generator input (zeros
            where the page shows no slider).
    """

    chair: int = 0
    chair2: int = 0
    morph: float = 0.0
    azimuth: float = 0.0
    elevation: float = 20.0
    new: int = None
    theta: tuple = ()


@dataclasses.dataclass(frozen=True)
class Animation:
    """A GIF: `kind` "turntable" (`frames` azimuths k * 360 / frames around
    the circle, the rest as `view`) or "morph" (`frames` weights from 0 to
    1 between `view.chair` and `view.chair2`)."""

    view: View
    kind: str = "turntable"
    frames: int = 36


def _integer(name, text, low, high):
    try:
        value = int(text)
    except (TypeError, ValueError):
        raise BadRequest(f"{name} must be an integer, got {text!r}.") from None
    if not low <= value <= high:
        raise BadRequest(f"{name} must be in {low}..{high}, got {value}.")
    return value


def _number(name, text, low, high):
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise BadRequest(f"{name} must be a number, got {text!r}.") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise BadRequest(f"{name} must be a number in [{low:g}, {high:g}], got {text}.")
    return value


def _check_known(query, known):
    unknown = sorted(set(query) - set(known))
    if unknown:
        raise BadRequest(
            f"unknown parameter{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(unknown)}; known: {', '.join(known)}."
        )


def parse_view(query, *, num_classes, theta_names, theta_width, extra=()):
    """The `View` of a query (a mapping of str to str).

    Args:
        num_classes: the generator's chair count.
        theta_names: the transformation sliders the page shows, in the
            order of the generator's transform input.
        theta_width: the size of that input (0: none).
        extra: further parameters the caller reads itself.
    """
    _check_known(query, VIEW_PARAMETERS + tuple(theta_names) + tuple(extra))
    last = num_classes - 1
    theta = [0.0] * theta_width
    for k, name in enumerate(theta_names):
        if name in query:
            theta[k] = _number(name, query[name], *THETA_RANGE)
    new = query.get("new")
    return View(
        chair=_integer("chair", query.get("chair", 0), 0, last),
        chair2=_integer("chair2", query.get("chair2", 0), 0, last),
        morph=_number("morph", query.get("morph", 0), 0.0, 1.0),
        azimuth=_number("azimuth", query.get("azimuth", 0), *AZIMUTH_RANGE),
        elevation=_number("elevation", query.get("elevation", 20), *ELEVATION_RANGE),
        new=None if new in (None, "") else _integer("new", new, 0, MAX_SEED),
        theta=tuple(theta),
    )


def parse_animation(query, **view_settings):
    """The `Animation` of a query: `parse_view`'s parameters plus ``kind``
    and ``frames``."""
    view = parse_view(query, extra=GIF_PARAMETERS, **view_settings)
    kind = query.get("kind", "turntable")
    if kind not in GIF_KINDS:
        raise BadRequest(f"kind must be one of {', '.join(GIF_KINDS)}, got {kind!r}.")
    if kind == "morph" and view.new is not None:
        raise BadRequest("a new chair has no morph; pick two chairs of the run.")
    frames = _integer("frames", query.get("frames", 36), *GIF_FRAMES)
    return Animation(view=view, kind=kind, frames=frames)
