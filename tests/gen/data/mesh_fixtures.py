"""Small CAD models the mesh tests write: a box chair as OBJ + MTL + PNG
texture, and Sweet Home 3D libraries (`.sh3f` zips) made of such files.

The chair (centimetres, Y up, front towards +Z like Sweet Home 3D's models):
a seat, four legs and a back at the rear (-Z); the back's front face (+Z)
carries a texture of one colour, `TEXTURE_RGB`, its other faces the grey
`Kd` of `BACK_KD`, the seat and legs the blue `SEAT_KD`.
"""

import io
import os
import zipfile

import numpy as np
import pytest
from PIL import Image

TEXTURE_RGB = (200, 40, 30)
SEAT_KD = (0.2, 0.4, 0.8)
BACK_KD = (0.6, 0.6, 0.6)

# (low corner, high corner) of every box, and its material.
BOXES = (
    ((-20, 40, -20), (20, 46, 20), "seat"),
    ((-20, 46, -20), (20, 90, -15), "back"),
    ((-20, 0, -20), (-16, 40, -16), "seat"),
    ((16, 0, -20), (20, 40, -16), "seat"),
    ((-20, 0, 16), (-16, 40, 20), "seat"),
    ((16, 0, 16), (20, 40, 20), "seat"),
)

# The six faces of a box: the corner indices (x, y, z bits) counter-clockwise
# seen from outside, and the outward normal.
_FACES = (
    ((0, 1, 3, 2), (-1, 0, 0)),
    ((4, 6, 7, 5), (1, 0, 0)),
    ((0, 4, 5, 1), (0, -1, 0)),
    ((2, 3, 7, 6), (0, 1, 0)),
    ((0, 2, 6, 4), (0, 0, -1)),
    ((1, 5, 7, 3), (0, 0, 1)),
)


def box_corners(low, high):
    """(8, 3) corners; index bits: 4 = high x, 2 = high y, 1 = high z."""
    return np.array(
        [
            [
                (low, high)[(i >> 2) & 1][0],
                (low, high)[(i >> 1) & 1][1],
                (low, high)[i & 1][2],
            ]
            for i in range(8)
        ],
        float,
    )


def chair_obj(rotation=None, texture="red.png", name="chair"):
    """(obj text, mtl text) of the chair; `rotation` (3x3) moves its vertices."""
    rotation = np.eye(3) if rotation is None else np.asarray(rotation, float)
    lines = [f"mtllib {name}.mtl", "vt 0 0", "vt 1 0", "vt 1 1", "vt 0 1"]
    faces = []
    count = 0
    for low, high, material in BOXES:
        for corner in box_corners(low, high) @ rotation.T:
            lines.append("v {:.6f} {:.6f} {:.6f}".format(*corner))
        for indices, normal in _FACES:
            textured = material == "back" and normal == (0, 0, 1)
            mtl = "front" if textured else material
            a, b, c, d = (count + i + 1 for i in indices)
            faces.append((mtl, f"f {a}/1 {b}/2 {c}/3 {d}/4"))
        count += 8
    for mtl in ("seat", "back", "front"):
        lines.append(f"usemtl {mtl}")
        lines.extend(f for m, f in faces if m == mtl)
    materials = [
        "newmtl seat",
        "Kd {} {} {}".format(*SEAT_KD),
        "newmtl back",
        "Kd {} {} {}".format(*BACK_KD),
        "newmtl front",
        "Kd {} {} {}".format(*BACK_KD),
        f"map_Kd {texture}",
    ]
    return "\n".join(lines) + "\n", "\n".join(materials) + "\n"


def texture_png():
    """PNG bytes of an 8x8 texture of `TEXTURE_RGB`."""
    buffer = io.BytesIO()
    Image.fromarray(np.full((8, 8, 3), TEXTURE_RGB, np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def write_chair(folder, name="chair", rotation=None, with_texture=True):
    """Writes `<name>.obj`, `<name>.mtl` and the texture into `folder`."""
    os.makedirs(folder, exist_ok=True)
    obj, mtl = chair_obj(rotation, texture=f"{name}.png", name=name)
    with open(os.path.join(folder, f"{name}.obj"), "w") as handle:
        handle.write(obj)
    with open(os.path.join(folder, f"{name}.mtl"), "w") as handle:
        handle.write(mtl)
    if with_texture:
        with open(os.path.join(folder, f"{name}.png"), "wb") as handle:
            handle.write(texture_png())
    return os.path.join(folder, f"{name}.obj")


def write_library(path, models, licence="Public domain"):
    """A `.sh3f` library at `path`. `models`: dicts with `name`, `creator`,
    `obj` and `mtl` texts, optional `rotation` (9 numbers) and `texture`."""
    lines = ["id=Test#Library", "name=Test library", f"license={licence}"]
    with zipfile.ZipFile(path, "w") as archive:
        for n, model in enumerate(models, start=1):
            folder = f"test/model{n}"
            archive.writestr(f"{folder}/chair.obj", model["obj"])
            archive.writestr(f"{folder}/chair.mtl", model["mtl"])
            if model.get("texture"):
                archive.writestr(f"{folder}/chair.png", model["texture"])
            lines += [
                f"id#{n}=Test#model{n}",
                f"name#{n}={model['name']}",
                f"category#{n}=Test",
                f"model#{n}=/{folder}/chair.obj",
                f"creator#{n}={model['creator']}",
            ]
            if model.get("rotation"):
                numbers = " ".join(str(v) for v in model["rotation"])
                lines.append(f"modelRotation#{n}={numbers}")
        archive.writestr(
            "PluginFurnitureCatalog.properties", "\n".join(lines).encode("latin-1")
        )
    return path


def camera(low, high, azimuth, elevation, resolution):
    """The documented camera, written out again for the tests: 3 bounding
    radii from the centre of the box (low, high), the field of view fitting
    the bounding sphere. Returns points (N, 3) -> pixel (column, row)."""
    low, high = np.asarray(low, float), np.asarray(high, float)
    center, radius = (low + high) / 2, np.linalg.norm(high - low) / 2
    a, e = np.radians(azimuth), np.radians(elevation)
    back = np.array([np.sin(a) * np.cos(e), np.sin(e), np.cos(a) * np.cos(e)])
    right = np.array([np.cos(a), 0.0, -np.sin(a)])
    up = np.cross(back, right)
    eye = center + 3 * radius * back
    tan_half = np.tan(np.arcsin(1 / 3))

    def to_pixels(points):
        q = np.asarray(points, float) - eye
        depth = -(q @ back)
        x = (q @ right) / depth / tan_half
        y = (q @ up) / depth / tan_half
        return np.stack([(x + 1) / 2 * resolution, (1 - y) / 2 * resolution], -1)

    return to_pixels


def triangle_coverage(triangles, to_pixels, resolution, samples=8):
    """(R, R) fraction of each pixel covered by the projected triangles
    ((T, 3, 3)), rasterised by PIL at `samples` x `samples` per pixel."""
    from PIL import ImageDraw

    size = resolution * samples
    canvas = Image.new("1", (size, size), 0)
    draw = ImageDraw.Draw(canvas)
    corners = to_pixels(np.asarray(triangles).reshape(-1, 3)).reshape(-1, 3, 2)
    for triangle in corners * samples:
        draw.polygon([tuple(p) for p in triangle], fill=1)
    covered = np.asarray(canvas, float)
    return covered.reshape(resolution, samples, resolution, samples).mean(axis=(1, 3))


def assert_mask_matches(mask, coverage, border_share=0.25):
    """`mask` (R, R) equals `coverage >= 0.5` except on the border (pixels
    partly covered and their neighbours), where a few may differ."""
    expected = coverage >= 0.5
    border = (coverage > 0) & (coverage < 1)
    near = border.copy()
    for axis in (0, 1):
        for shift in (-1, 1):
            near |= np.roll(border, shift, axis=axis)
    wrong = mask.astype(bool) != expected
    assert not np.any(wrong & ~near), np.argwhere(wrong & ~near)
    assert wrong.sum() <= border_share * max(border.sum(), 1), (
        wrong.sum(),
        border.sum(),
    )
    assert expected.sum() > 20


def write_pane(folder, opacity, rgb=(0.0, 0.0, 1.0)):
    """A square pane facing +Z (x, y in -10..10 at z = 0) of one colour and
    opacity (`d`), as `pane.obj`; returns its path."""
    os.makedirs(folder, exist_ok=True)
    obj = (
        "mtllib pane.mtl\nv -10 -10 0\nv 10 -10 0\nv 10 10 0\nv -10 10 0\n"
        "vn 0 0 1\nusemtl glass\nf 1//1 2//1 3//1 4//1\n"
    )
    mtl = "newmtl glass\nKd {} {} {}\nd {}\n".format(*rgb, opacity)
    with open(os.path.join(folder, "pane.obj"), "w") as handle:
        handle.write(obj)
    with open(os.path.join(folder, "pane.mtl"), "w") as handle:
        handle.write(mtl)
    return os.path.join(folder, "pane.obj")


def _opengl_missing():
    """Why the headless OpenGL the mesh renderer needs is missing, or None."""
    import ctypes.util
    import importlib.util

    if importlib.util.find_spec("moderngl") is None:
        return "moderngl is not installed (`make install`)"
    if ctypes.util.find_library("EGL") is None:
        return (
            "no libEGL here: install libegl1 libegl-mesa0 libgl1-mesa-dri "
            "(`make system-packages` as root) to render CAD models"
        )
    return None


OPENGL_MISSING = _opengl_missing()
# Marks a test that renders: skipped, saying why, without headless OpenGL.
requires_opengl = pytest.mark.skipif(
    OPENGL_MISSING is not None, reason=str(OPENGL_MISSING)
)
