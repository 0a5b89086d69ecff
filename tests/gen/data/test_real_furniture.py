"""Real chairs of Debian's `sweethome3d-furniture` (three) and
`sweethome3d-furniture-nonfree` (two) at 32x32: their masks against the
meshes' own silhouettes, and what the catalogues say of the chairs.

`make test` fetches the packages into `~/.cache/deconvnet/`
(`make furniture-cache`: the first with apt-get where it exists, the second
from Debian's archive by URL); `DECONVNET_FURNITURE` and
`DECONVNET_FURNITURE_NONFREE` name other folders of their `.sh3f`
libraries. Without them the tests skip, saying so.
"""

import os

import numpy as np
import pytest

from gen.data import furniture_catalog, mesh_render_jobs
from tests.gen.data import mesh_fixtures as fx

FOLDER = os.environ.get("DECONVNET_FURNITURE") or os.path.expanduser(
    "~/.cache/deconvnet/sweethome3d-furniture"
)
NONFREE_FOLDER = os.environ.get("DECONVNET_FURNITURE_NONFREE") or os.path.expanduser(
    "~/.cache/deconvnet/sweethome3d-furniture-nonfree"
)
# Two small CC0 models and a chair with a catalogue rotation.
CHAIRS = (
    "blendswap-cc-0/chair2/chair2.obj",
    "blendswap-cc-0/stool2/stool2.obj",
    "scopia/chair/chair.obj",
)
# A deck chair with a catalogue rotation and a piano stool, both small.
NONFREE_CHAIRS = ("contributions/transat.obj", "contributions/tabouretPiano.obj")
VIEWS = ((0, 20), (123, 30))
RESOLUTION = 32
pytestmark = fx.requires_opengl


def _entries(folder=FOLDER, files=CHAIRS, variable="DECONVNET_FURNITURE"):
    if not os.path.isdir(folder):
        pytest.skip(
            f"Sweet Home 3D's furniture is not in {folder}: `make furniture-cache` "
            f"fetches it (or set {variable})."
        )
    entries, problems = furniture_catalog.list_models(folder)
    assert problems == []
    by_file = {e.file: e for e in entries}
    return [by_file[f] for f in files], entries


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


def _check_masks(entries, tmp_path):
    """Each entry rendered at `VIEWS`: its mask equals the coverage of its
    triangles within one pixel on the border, white outside the mask."""
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


@pytest.mark.slow(seconds=15)
def test_three_real_chairs_masks_match_their_meshes(tmp_path):
    entries, _ = _entries()
    assert entries[2].rotation is not None
    _check_masks(entries, tmp_path)


@pytest.mark.slow(seconds=15)
def test_nonfree_package_adds_28_chairs_whose_masks_match_their_meshes(tmp_path):
    entries, every = _entries(
        NONFREE_FOLDER, NONFREE_CHAIRS, "DECONVNET_FURNITURE_NONFREE"
    )
    chairs = [e for e in every if furniture_catalog.category_of(e.name) == "chairs"]
    # docs/data.md lists them as chairs 64 to 91 of `make demo-real`.
    assert len(every) == 565 and len(chairs) == 28
    assert {e.licence for e in every} == {"Free Art License 1.3"}
    assert [(e.name, e.creator) for e in entries] == [
        ("Deck chair", "GdB"),
        ("Piano stool", "GdB"),
    ]
    assert entries[0].rotation is not None
    _check_masks(entries, tmp_path)
