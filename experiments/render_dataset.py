r"""Writes a contact sheet of the chairs data: one row per chair, one column per view.

    python -m experiments.render_dataset --out=runs/chairs.png
    python -m experiments.render_dataset --out=runs/chairs.png --num_chairs=20 \
        --resolution=128 --views=all
    python -m experiments.render_dataset --out=runs/real.png \
        --dataset=rendered_chairs --data_dir=~/tensorflow_datasets
"""

from gen import cli, settings
from gen.data import chair_views, contact_sheet, contact_sheet_config

_SHEET = settings.define_flags(contact_sheet_config.ContactSheetConfig)


def main(argv):
    cli.check_no_arguments(argv)
    config = _SHEET.config()  # checks the values before TensorFlow loads
    views = contact_sheet.parse_views(config.views)
    if config.dataset == "synthetic_chairs":
        from gen.data.datasets import synthetic_chairs

        synthetic_chairs.make_config(
            config.resolution, config.num_chairs, config.seed
        )  # validates
        rows = config.num_chairs
        tiles = contact_sheet.synthetic_tiles(
            rows, views, resolution=config.resolution, seed=config.seed
        )
    else:
        from gen.data import chairs_data

        data = chairs_data.load_chairs(
            "rendered_chairs",
            resolution=config.resolution,
            data_dir=config.data_dir,
            manual_dir=config.manual_dir,
            chair_list=config.chair_list,
        )
        tiles, rows = contact_sheet.dataset_tiles(data, config.num_chairs, views)
    contact_sheet.write_sheet(config.out, tiles, rows, views)
    columns = ", ".join(
        f"{int(chair_views.azimuth_of_view(v))}/{int(chair_views.elevation_of_view(v))}"
        for v in views
    )
    print(
        f"wrote {config.out}: {rows} chairs (rows) x {len(views)} views (columns, "
        f"azimuth/elevation: {columns})"
    )


if __name__ == "__main__":
    cli.run(main)
