"""TFDS builders for the chairs data; importing this package registers them.

- `synthetic_chairs` (`SyntheticChairs`): procedural chairs rendered on this
  machine, no download.
- `rendered_chairs` (`RenderedChairs`): Aubry et al.'s rendered chairs from a
  copy the user downloaded (manual directory).
- `mesh_renders` (`MeshRenders`): CAD models (Sweet Home 3D libraries, OBJ
  folders) from the manual directory, rendered with OpenGL.

    import gen.data.datasets  # registers both names with tfds
    builder = tfds.builder("synthetic_chairs/64px_100chairs")
"""

from gen.data.datasets.mesh_renders import MeshRenders
from gen.data.datasets.rendered_chairs import RenderedChairs
from gen.data.datasets.synthetic_chairs import SyntheticChairs

__all__ = ["MeshRenders", "RenderedChairs", "SyntheticChairs"]
