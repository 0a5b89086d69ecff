"""Three real chairs of Debian's `sweethome3d-furniture` at 32x32: their
masks against the meshes' own silhouettes.

`make test` fetches the package into `~/.cache/deconvnet/` where apt-get
exists (`make furniture-cache`); `DECONVNET_FURNITURE` names another folder
of `.sh3f` libraries. Without it the test skips, saying so.
"""

import os

import numpy as np
import pytest

from gen.data import furniture_catalog, mesh_render_jobs
from tests.gen.data import mesh_fixtures as fx

FOLDER = os.environ.get("DECONVNET_FURNITURE") or os.path.expanduser(
    "~/.cache/deconvnet/sweethome3d-furniture"
)
# Two small CC0 models and a chair with a catalogue rotation.
CHAIRS = (
    "blendswap-cc-0/chair2/chair2.obj",
    "blendswap-cc-0/stool2/stool2.obj",
    "scopia/chair/chair.obj",
)
VIEWS = ((0, 20), (123, 30))
RESOLUTION = 32
pytestmark = fx.requires_opengl


def _entries():
    if not os.path.isdir(FOLDER):
        pytest.skip(
            f"Sweet Home 3D's furniture is not in {FOLDER}: `make furniture-cache` "
            "fetches it where apt-get exists (or set DECONVNET_FURNITURE)."
        )
    entries, _ = furniture_catalog.list_models(FOLDER)
    by_file = {e.file: e for e in entries}
    return [by_file[f] for f in CHAIRS]


def _triangles(entry, scratch):
    """The entry's triangles read by trimesh as one mesh, with the
    catalogue's rotation and sizes applied here."""
    import trimesh

    path = furniture_catalog.materialise(entry, scratch)
    mesh = trimesh.load(path, force="mesh", process=False)
    points = np.asarray(mesh.vertices, float)
    if entry.rotation is not None:
        points = points @ np.reshape(entry.rotation, (3, 3)).T
    if entry.size is not None:
        points = points * (np.asarray(entry.size) / np.ptp(points, axis=0))
    return points[np.asarray(mesh.faces)]


@pytest.mark.slow(seconds=15)
def test_three_real_chairs_masks_match_their_meshes(tmp_path):
    entries = _entries()
    assert entries[2].rotation is not None
    azimuths, elevations = zip(*VIEWS)
    with mesh_render_jobs.worker_pool(2) as pool:
        futures = [
            pool.submit(mesh_render_jobs.render_file_entry, e, azimuths, elevations, 32)
            for e in entries
        ]
        results = [f.result() for f in futures]
    for entry, (images, masks, _) in zip(entries, results):
        triangles = _triangles(entry, str(tmp_path / entry.key.replace("#", "_")))
        flat = triangles.reshape(-1, 3)
        low, high = flat.min(axis=0), flat.max(axis=0)
        for view, (azimuth, elevation) in enumerate(VIEWS):
            to_pixels = fx.camera(low, high, azimuth, elevation, RESOLUTION)
            coverage = fx.triangle_coverage(triangles, to_pixels, RESOLUTION)
            fx.assert_mask_matches(masks[view, ..., 0], coverage)
            assert np.all(images[view][masks[view, ..., 0] == 0] == 255)
