"""Contact sheets of the chairs data: one row per chair, one column per view.

The tiles come from here; `gen.pictures` lays them out, with the chair ids
beside the rows and the views' azimuth/elevation above the columns, and
writes the PNG.
"""

import numpy as np

from gen.data import chair_family, chair_views, ray_caster
from gen.errors import UserError
from gen.pictures import atomic_files, figures


def parse_views(text):
    """View indices from "0,4,8" or "all"; UserError for anything else."""
    if text.strip() == "all":
        return list(range(chair_views.NUM_VIEWS))
    try:
        views = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        views = []
    if not views or any(not 0 <= v < chair_views.NUM_VIEWS for v in views):
        raise UserError(
            f"--views must be 'all' or view indices 0..{chair_views.NUM_VIEWS - 1} "
            f"separated by commas (j for elevation 20, 31 + j for 30), got {text!r}."
        )
    return views


def synthetic_tiles(num_chairs, views, *, resolution=64, seed=0):
    """(num_chairs * len(views), R, R, 3) renders of styles 0.. at `views`."""
    views = np.asarray(views)
    azimuths = chair_views.azimuth_of_view(views).astype(np.float32)
    elevations = chair_views.elevation_of_view(views).astype(np.float32)
    return np.concatenate(
        [
            ray_caster.render_chair(
                chair_family.chair_style(seed, i),
                azimuths,
                elevations,
                resolution=resolution,
            )[0]
            for i in range(num_chairs)
        ]
    )


def dataset_tiles(data, num_chairs, views):
    """(tiles, rows): the first `num_chairs` chairs of a `ChairsData` at `views`
    (white where a view is missing), and how many chairs that is."""
    num_chairs = min(num_chairs, data.num_classes)
    index = {
        (int(c), int(v)): k
        for k, (c, v) in enumerate(zip(data.chair_ids, data.view_indices))
    }
    blank = np.full(data.images.shape[1:], 255, np.uint8)
    return np.stack(
        [
            data.images[index[c, v]] if (c, v) in index else blank
            for c in range(num_chairs)
            for v in views
        ]
    ), num_chairs


def sheet(tiles, rows, views):
    """(rows * len(views), R, R, 3) tiles, row-major, as one labelled picture
    (`gen.pictures.figures.labelled_grid`): rows labelled with the chair
    ids 0..rows-1, columns with the views' azimuth/elevation; tiles under
    `grids.MIN_TILE` pixels enlarged."""
    views = np.asarray(views)
    return figures.labelled_grid(
        tiles,
        rows,
        len(views),
        row_labels=[f"chair {chair}" for chair in range(rows)],
        col_labels=[
            figures.angle_label(a, e)
            for a, e in zip(
                chair_views.azimuth_of_view(views), chair_views.elevation_of_view(views)
            )
        ],
    )


def write_sheet(path, tiles, rows, views):
    """Writes `sheet(tiles, rows, views)` as one PNG (atomically)."""
    return atomic_files.write_png(path, sheet(tiles, rows, views))


def render_dataset(config):
    """The contact sheet of a `ContactSheetConfig`
    (`gen.data.contact_sheet_config`): its chairs at its views, written to
    `config.out`; prints what was written. TensorFlow loads only for a
    TFDS dataset."""
    views = parse_views(config.views)
    if config.dataset == "synthetic_chairs":
        from gen.data.datasets import synthetic_chairs

        synthetic_chairs.make_config(
            config.resolution, config.num_chairs, config.seed
        )  # validates
        rows = config.num_chairs
        tiles = synthetic_tiles(
            rows, views, resolution=config.resolution, seed=config.seed
        )
    else:
        from gen.data import chairs_data

        data = chairs_data.load_chairs(
            config.dataset,
            resolution=config.resolution,
            data_dir=config.data_dir,
            manual_dir=config.manual_dir,
            chair_list=config.chair_list,
            category=config.category,
        )
        tiles, rows = dataset_tiles(data, config.num_chairs, views)
    write_sheet(config.out, tiles, rows, views)
    columns = ", ".join(
        f"{int(chair_views.azimuth_of_view(v))}/{int(chair_views.elevation_of_view(v))}"
        for v in views
    )
    print(
        f"wrote {config.out}: {rows} chairs (rows) x {len(views)} views (columns, "
        f"azimuth/elevation: {columns})"
    )
