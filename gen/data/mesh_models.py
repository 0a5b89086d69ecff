"""One CAD model (OBJ + MTL + textures) read into triangles ready to draw.

`load_model(obj_path)` reads the OBJ with trimesh (its materials' `Kd`
colours and `map_Kd` textures) and returns a `Model`: one `Part` per
material, with per-corner positions, normals and texture coordinates in
the model's frame (Y up, front towards +Z, as Sweet Home 3D's models).

What trimesh leaves out is read from the MTL files here:

- A texture the MTL names that is not on disk: trimesh silently drops it,
  and the material's `Kd` colour is used instead; `Model.notes` says so once.
- A texture that is on disk but cannot be decoded: `ModelError`, the model
  is skipped (a picture of it would be wrong, not just plainer).
- Transparency (`d`, or `Tr` = 1 - d): kept as the part's opacity; a part
  with opacity 0 is not drawn. `map_d` textures are not read (the material's
  `d` stands for the whole part).

A catalogue's `rotation` (3x3, applied as `R @ v`) and `size` (width, height,
depth: the extents the catalogue scales the model to, in the model's units)
are applied to the positions and normals.
"""

import contextlib
import dataclasses
import os
import re

import numpy as np

# The colour of a part with neither a colour nor a texture (trimesh's default
# for an OBJ without materials is a light grey too).
DEFAULT_COLOR = (0.7, 0.7, 0.7)


class ModelError(Exception):
    """A model that cannot be drawn; the message says why, in a few words."""


@dataclasses.dataclass(frozen=True)
class Part:
    """The triangles of one material.

    Attributes:
      positions: (3T, 3) float32, the corners of T triangles.
      normals: (3T, 3) float32 unit normals at the corners.
      uvs: (3T, 2) float32 texture coordinates, or None without texture.
      texture: (H, W, 3) uint8 image, or None.
      color: (3,) float in [0, 1], the diffuse colour (used without texture).
      opacity: 1 for opaque, below 1 for transparent materials.
    """

    positions: np.ndarray
    normals: np.ndarray
    uvs: np.ndarray
    texture: np.ndarray
    color: tuple
    opacity: float


@dataclasses.dataclass(frozen=True)
class Model:
    """A model's parts and what was degraded while reading it."""

    parts: list
    notes: list  # e.g. "texture wood.jpg is missing: material colour used"

    @property
    def bounds(self):
        """(2, 3): the minimum and maximum corner of the bounding box."""
        points = np.concatenate([p.positions for p in self.parts])
        return np.stack([points.min(axis=0), points.max(axis=0)])

    @property
    def num_triangles(self):
        return sum(len(p.positions) // 3 for p in self.parts)


def _mtl_files(obj_path):
    """The MTL files an OBJ names (`mtllib`), as paths next to it."""
    folder = os.path.dirname(obj_path)
    found = []
    with open(obj_path, "rb") as handle:
        for raw in handle:
            if raw.startswith(b"mtllib"):
                name = raw[6:].decode("utf-8", "replace").strip()
                if name:
                    found.append(os.path.join(folder, name))
    return found


def _texture_problems(obj_path):
    """(missing texture names, undecodable texture names) of an OBJ's MTLs."""
    from PIL import Image

    missing, broken = [], []
    for mtl in _mtl_files(obj_path):
        if not os.path.isfile(mtl):
            continue
        with open(mtl, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if not re.match(r"\s*map_kd\s", line, re.IGNORECASE):
                    continue
                name = line.strip()[6:].strip()
                path = os.path.join(os.path.dirname(obj_path), name)
                if not os.path.isfile(path):
                    missing.append(name)
                    continue
                try:
                    with Image.open(path) as image:
                        image.load()
                except Exception as e:  # PIL raises many kinds
                    broken.append((name, type(e).__name__))
    return sorted(set(missing)), sorted(set(broken))


def _opacity(material):
    """The material's `d` (or 1 - `Tr`), 1 when it has neither."""
    kwargs = getattr(material, "kwargs", None) or {}
    with contextlib.suppress(ValueError, IndexError, TypeError):
        if "d" in kwargs:
            return float(np.clip(float(kwargs["d"][0]), 0.0, 1.0))
        if "tr" in kwargs:
            return float(np.clip(1.0 - float(kwargs["tr"][0]), 0.0, 1.0))
    return 1.0


def _part(mesh):
    """A `Part` from one trimesh mesh, or None when it has no triangles."""
    faces = np.asarray(mesh.faces)
    if len(faces) == 0:
        return None
    positions = np.asarray(mesh.vertices, np.float32)[faces].reshape(-1, 3)
    normals = np.asarray(mesh.vertex_normals, np.float32)[faces].reshape(-1, 3)
    visual = mesh.visual
    material = getattr(visual, "material", None)
    uvs, texture, color = None, None, DEFAULT_COLOR
    if material is not None:
        diffuse = getattr(material, "diffuse", None)
        if diffuse is None and hasattr(material, "main_color"):
            diffuse = material.main_color
        if diffuse is not None:
            color = tuple(float(c) / 255 for c in np.asarray(diffuse)[:3])
        image = getattr(material, "image", None)
        uv = getattr(visual, "uv", None)
        if image is not None and uv is not None and len(uv) == len(mesh.vertices):
            texture = np.asarray(image.convert("RGB"), np.uint8)
            uvs = np.asarray(uv, np.float32)[faces].reshape(-1, 2)
    elif getattr(visual, "kind", None) == "face":
        color = tuple(float(c) / 255 for c in visual.main_color[:3])
    opacity = _opacity(material) if material is not None else 1.0
    return Part(positions, normals, uvs, texture, color, opacity)


def _transform(parts, rotation, size):
    """Parts rotated by `rotation`, then scaled so their extents are `size`."""
    rotation = np.eye(3) if rotation is None else np.asarray(rotation, float)
    rotated = [
        dataclasses.replace(
            p,
            positions=(p.positions @ rotation.T).astype(np.float32),
            normals=(p.normals @ rotation.T).astype(np.float32),
        )
        for p in parts
    ]
    if size is None:
        return rotated
    points = np.concatenate([p.positions for p in rotated])
    extents = points.max(axis=0) - points.min(axis=0)
    wanted = np.asarray(size, float)
    scale = np.where(
        (extents > 0) & (wanted > 0), wanted / np.maximum(extents, 1e-12), 1
    )
    if np.allclose(scale, 1, rtol=1e-3):
        return rotated
    out = []
    for p in rotated:
        normals = p.normals / scale
        normals /= np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-12)
        out.append(
            dataclasses.replace(
                p,
                positions=(p.positions * scale).astype(np.float32),
                normals=normals.astype(np.float32),
            )
        )
    return out


def load_model(obj_path, *, rotation=None, size=None):
    """The `Model` of the OBJ file `obj_path`; `ModelError` if it cannot be
    drawn (unreadable, no triangles, an undecodable texture).

    Args:
      obj_path: the `.obj` file; its MTL and textures are found beside it.
      rotation: optional (3, 3) rotation applied to the model (`R @ v`).
      size: optional (width, height, depth) the model is scaled to after the
        rotation (a Sweet Home 3D catalogue's sizes).
    """
    import trimesh

    missing, broken = _texture_problems(obj_path)
    if broken:
        name, error = broken[0]
        raise ModelError(f"texture {name} cannot be decoded ({error})")
    try:
        scene = trimesh.load(obj_path, force="scene", process=False)
    except Exception as e:  # trimesh raises anything from a bad file
        raise ModelError(f"trimesh cannot read it ({type(e).__name__}: {e})") from None
    meshes = [m for m in scene.dump() if isinstance(m, trimesh.Trimesh)]
    parts = [p for p in map(_part, meshes) if p is not None]
    parts = [p for p in parts if p.opacity > 0]
    if not parts:
        raise ModelError("it has no triangles")
    points = np.concatenate([p.positions for p in parts])
    if not np.all(np.isfinite(points)):
        raise ModelError("its vertices are not all finite numbers")
    notes = [
        f"texture {name} is missing: the material's colour is used" for name in missing
    ]
    return Model(_transform(parts, rotation, size), notes)
