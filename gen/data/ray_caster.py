"""A vectorised numpy ray caster for `gen.data.chair_family` chairs.

Every solid of a chair is convex and bounded by pairs of parallel planes
("slabs": three for a box, five for an octagonal prism), so a ray hits it
over the interval where it is inside all of its slabs (Kay and Kajiya's slab
test). For each view the renderer casts one ray per sub-pixel, solid by solid
over the screen rectangle that the solid's bounding box projects to, and keeps
the nearest hit (a z-buffer) and the face it entered by. Faces are flat and the
lights are directional and fixed to the chair's frame, so the Lambertian shade
of every face (ambient plus two lights) is one table lookup. Sub-pixels are
averaged into pixels (supersampling: anti-aliased edges on white). A pixel
belongs to the mask when the chair covers at least half of it (at least half
of its sub-pixels hit), and pixels outside the mask are exactly white, so an
image is its masked image shown on white (`gen.pictures.grids.on_white`). Counting a
pixel the chair barely touches as foreground would make masks fatter than
the chair (a one-pixel leg two pixels wide) and put a near-white outline
around every chair in the masked training target; the majority rule is the
0.5 threshold of the pixel's coverage.

The lights stay with the chair while the camera moves: the key light comes
from the chair's front left, so mirror-image views (azimuth a and 360 - a) are
shaded differently and every view can be told apart.

Camera: perspective, looking at the centre of the chair's bounding box, from
`CAMERA_DISTANCE` times the chair's bounding radius. The image window is the
union of the chair's bounding boxes over the 62 standard views, made square
and widened by `MARGIN` on each side: the synthetic counterpart of the real
data's crop to the union bounding box (`gen.data.chair_views`). One window per
chair (its `Framing`) serves every view, so any azimuth and elevation can be
rendered at the same scale.
"""

import dataclasses

import numpy as np

from gen.data import chair_solids, chair_views

SUPERSAMPLE = 3  # sub-pixels per pixel side
CAMERA_DISTANCE = 3.0  # in bounding radii of the chair
MARGIN = 0.02  # fraction of the window added on each side

AMBIENT = 0.3
# (direction towards the light in the chair's frame, intensity)
LIGHTS = (
    ((0.6, 1.0, 0.8), 0.55),  # key: above, front, the chair's left (+x)
    ((-0.5, 0.3, -0.8), 0.2),  # fill: low, behind, the chair's right
)

_OCTAGON_ANGLES = np.arange(4) * np.pi / 4


@dataclasses.dataclass(frozen=True)
class Framing:
    """Where the camera is and what it sees, fixed per chair.

    Attributes:
      center: (3,) the point the camera looks at (the bounding box centre).
      distance: camera distance from `center`.
      window: (x0, y0, size): the square image window on the image plane at
        unit distance in front of the camera (right, up coordinates).
    """

    center: np.ndarray
    distance: float
    window: tuple


def _camera(framing, azimuth, elevation):
    """Camera position and its right, up and forward unit vectors."""
    a, e = np.radians(azimuth), np.radians(elevation)
    back = np.array([np.sin(a) * np.cos(e), np.sin(e), np.cos(a) * np.cos(e)])
    forward = -back
    right = np.cross(forward, [0.0, 1.0, 0.0])
    right /= np.linalg.norm(right)
    up = np.cross(right, forward)
    return framing.center + framing.distance * back, right, up, forward


def _project(points, position, right, up, forward):
    """Image-plane (x, y) at unit distance of (..., 3) points."""
    q = points - position
    depth = q @ forward
    return (q @ right) / depth, (q @ up) / depth


def _corners(solids):
    return np.concatenate([s.corners() for s in solids])


def chair_framing(solids, views=None):
    """The `Framing` of a chair: camera distance and the square window that
    holds its bounding boxes over `views` ((azimuths, elevations), by default
    the 62 standard views)."""
    corners = _corners(solids)
    center = (corners.min(axis=0) + corners.max(axis=0)) / 2
    radius = np.linalg.norm(corners - center, axis=1).max()
    framing = Framing(center=center, distance=CAMERA_DISTANCE * radius, window=None)
    azimuths, elevations = chair_views.standard_views() if views is None else views
    xs, ys = [], []
    for azimuth, elevation in zip(azimuths, elevations):
        x, y = _project(corners, *_camera(framing, azimuth, elevation))
        xs.append(x)
        ys.append(y)
    xs, ys = np.concatenate(xs), np.concatenate(ys)
    size = max(xs.max() - xs.min(), ys.max() - ys.min()) * (1 + 2 * MARGIN)
    x0 = (xs.max() + xs.min()) / 2 - size / 2
    y0 = (ys.max() + ys.min()) / 2 - size / 2
    return dataclasses.replace(framing, window=(float(x0), float(y0), float(size)))


@dataclasses.dataclass(frozen=True)
class _Scene:
    """A chair prepared for ray casting: slabs and shaded face colours."""

    centers: np.ndarray  # (P, 3)
    slabs: tuple  # per solid: ((normal (3,), half width, face code), ...)
    corners: np.ndarray  # (P, 8, 3)
    face_colors: np.ndarray  # (1 + faces, 3), row 0 is the white background


def _slab_normals(solid):
    """Unit normals (chair frame) and half widths of a solid's slabs."""
    rot, half = solid.rotation, solid.half_extents
    if not solid.round:
        return rot.T, half
    # Octagonal prism: the slab along the axis plus four around it.
    local = np.stack(
        [np.cos(_OCTAGON_ANGLES), np.zeros(4), np.sin(_OCTAGON_ANGLES)], axis=1
    )
    normals = np.concatenate([rot[:, 1][None], local @ rot.T])
    return normals, np.concatenate([[half[1]], np.full(4, half[0])])


def _shade(albedo, normal):
    light = AMBIENT
    for direction, intensity in LIGHTS:
        direction = np.asarray(direction) / np.linalg.norm(direction)
        light += intensity * max(0.0, float(normal @ direction))
    return np.minimum(1.0, np.asarray(albedo) * light)


def _scene(solids):
    slabs, colors = [], [np.ones(3)]
    for solid in solids:
        normals, halves = _slab_normals(solid)
        entries = []
        for normal, half in zip(normals, halves):
            code = len(colors)
            # Face `code` is entered against +normal (outward normal -normal,
            # nd > 0); face `code + 1` against -normal.
            colors += [_shade(solid.color, -normal), _shade(solid.color, normal)]
            entries.append((normal, float(half), code))
        slabs.append(tuple(entries))
    return _Scene(
        centers=np.array([s.center for s in solids]),
        slabs=tuple(slabs),
        corners=np.stack([s.corners() for s in solids]),
        face_colors=np.array(colors, np.float32),
    )


def _cast(scene, framing, azimuth, elevation, size):
    """(size, size) face codes of the nearest hits (0: background)."""
    position, right, up, forward = _camera(framing, azimuth, elevation)
    x0, y0, width = framing.window
    steps = (np.arange(size, dtype=np.float32) + 0.5) * np.float32(width / size)
    col_x = np.float32(x0) + steps  # image-plane x of each column
    row_y = np.float32(y0 + width) - steps  # image-plane y of each row, top down

    zbuf = np.full((size, size), np.inf, np.float32)
    faces = np.zeros((size, size), np.int32)

    # Screen rectangles of the solids' bounding boxes.
    px, py = _project(scene.corners, position, right, up, forward)
    to_pixel = size / width

    def pixel_range(low, high):
        """Sub-pixels whose centres lie in [low, high] (in sub-pixel units)."""
        first = np.clip(np.floor(low - 0.5), 0, size).astype(int)
        return first, np.clip(np.ceil(high - 0.5) + 1, 0, size).astype(int)

    c_lo, c_hi = pixel_range(
        (px.min(axis=1) - x0) * to_pixel, (px.max(axis=1) - x0) * to_pixel
    )
    r_lo, r_hi = pixel_range(
        (y0 + width - py.max(axis=1)) * to_pixel,
        (y0 + width - py.min(axis=1)) * to_pixel,
    )

    with np.errstate(divide="ignore", invalid="ignore"):
        for p, slabs in enumerate(scene.slabs):
            r0, r1, c0, c1 = r_lo[p], r_hi[p], c_lo[p], c_hi[p]
            if r0 >= r1 or c0 >= c1:
                continue
            origin = position - scene.centers[p]
            xs, ys = col_x[c0:c1], row_y[r0:r1]
            # The camera is outside the solid, so outside some of its slabs.
            # A ray can only enter such a slab through the face on the
            # camera's side, which fixes the face and the order of the two
            # crossings (no per-pixel min/max). A slab that holds the camera
            # is entered behind it and only bounds where the ray leaves.
            slabs = sorted(
                ((float(n @ origin), n, half, face) for n, half, face in slabs),
                key=lambda slab: abs(slab[0]) <= slab[2],
            )
            near = far = code = None
            for n_o, normal, half, face in slabs:
                # n . d for the ray through (x, y): d = forward + x right + y up.
                n_d = (float(normal @ forward) + float(normal @ up) * ys)[:, None] + (
                    float(normal @ right) * xs
                )[None, :]
                inv = 1.0 / n_d
                if abs(n_o) > half:
                    toward = half if n_o > 0 else -half
                    enter = (toward - n_o) * inv
                    leave = (-toward - n_o) * inv
                    this = face + 1 if n_o > 0 else face
                    if near is None:
                        near, far = enter, leave
                        code = np.full(enter.shape, this, np.int32)
                        continue
                    later = enter > near
                    np.copyto(near, enter, where=later)
                    np.copyto(code, this, where=later)
                else:
                    leave = np.maximum((half - n_o) * inv, (-half - n_o) * inv)
                    if near is None:  # the camera is inside the solid
                        break
                np.minimum(far, leave, out=far)
            if near is None:
                continue
            z = zbuf[r0:r1, c0:c1]
            hit = (near < far) & (near < z)
            np.copyto(z, near, where=hit)
            np.copyto(faces[r0:r1, c0:c1], code, where=hit)
    return faces


def _block_sum(x, resolution, supersample):
    """Sums (S, S, C) over supersample x supersample blocks -> (R, R, C).

    Written as strided adds: numpy's sum over non-adjacent axes is several
    times slower.
    """
    channels = x.shape[-1]
    rows = x.reshape(resolution, supersample, -1)
    total = rows[:, 0].copy()
    for k in range(1, supersample):
        total += rows[:, k]
    cols = total.reshape(resolution, resolution, supersample, channels)
    total = cols[:, :, 0].copy()
    for k in range(1, supersample):
        total += cols[:, :, k]
    return total


def render_solids(
    solids,
    azimuths,
    elevations,
    *,
    resolution=64,
    supersample=SUPERSAMPLE,
    framing=None,
):
    """Renders `solids` at every (azimuth, elevation) in degrees.

    Returns:
      images: (V, resolution, resolution, 3) uint8, the chair on white.
      masks: (V, resolution, resolution, 1) uint8, 1 where at least half of
        the pixel's sub-pixels hit the chair; the image is white elsewhere.
    """
    if resolution < 1 or supersample < 1:
        raise ValueError(
            f"resolution and supersample must be >= 1, got {resolution}, {supersample}"
        )
    azimuths = np.atleast_1d(np.asarray(azimuths, float))
    elevations = np.atleast_1d(np.asarray(elevations, float))
    if np.any(np.abs(elevations) >= 90):
        raise ValueError(
            f"elevations must be strictly between -90 and 90, got {elevations}"
        )
    if azimuths.shape != elevations.shape:
        raise ValueError(
            f"azimuths and elevations differ in shape: {azimuths.shape} vs {elevations.shape}"
        )
    if framing is None:
        framing = chair_framing(solids)
    scene = _scene(solids)
    size = resolution * supersample
    images = np.empty((len(azimuths), resolution, resolution, 3), np.uint8)
    masks = np.empty((len(azimuths), resolution, resolution, 1), np.uint8)
    # Shade by table lookup; the fourth column counts sub-pixels on the chair.
    table = np.concatenate(
        [scene.face_colors, np.ones((len(scene.face_colors), 1), np.float32)], axis=1
    )
    table[0, 3] = 0.0
    for v, (azimuth, elevation) in enumerate(zip(azimuths, elevations)):
        faces = _cast(scene, framing, azimuth, elevation, size)
        total = _block_sum(np.take(table, faces, axis=0), resolution, supersample)
        mask = 2 * total[..., 3] >= supersample**2
        shade = np.rint(total[..., :3] * (255.0 / supersample**2))
        images[v] = np.where(mask[..., None], shade, 255)
        masks[v, ..., 0] = mask
    return images, masks


def render_chair(
    style, azimuths=None, elevations=None, *, resolution=64, supersample=SUPERSAMPLE
):
    """Renders a `ChairStyle` at the given views (default: the 62 standard
    views in view-index order). Returns (images, masks) as `render_solids`."""
    if azimuths is None and elevations is None:
        azimuths, elevations = chair_views.standard_views()
    return render_solids(
        chair_solids.chair_solids(style),
        azimuths,
        elevations,
        resolution=resolution,
        supersample=supersample,
    )
