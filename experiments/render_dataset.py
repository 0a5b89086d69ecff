r"""Writes a contact sheet of the chairs data: one row per chair, one column per view.

    python -m experiments.render_dataset --out=runs/chairs.png
    python -m experiments.render_dataset --out=runs/chairs.png --num_chairs=20 \
        --resolution=128 --views=all
    python -m experiments.render_dataset --out=runs/real.png \
        --dataset=rendered_chairs --data_dir=~/tensorflow_datasets
"""

import gen.cli  # noqa: I001  (first: quiets TensorFlow before it loads)

from absl import flags

from gen.data import chair_views
from gen.data import contact_sheet
from gen.errors import UserError

FLAGS = flags.FLAGS
flags.DEFINE_string("out", None, "PNG file to write.", required=True)
flags.DEFINE_enum(
    "dataset",
    "synthetic_chairs",
    ["synthetic_chairs", "rendered_chairs"],
    "Which chairs to show.",
)
flags.DEFINE_integer("num_chairs", 8, "Chairs (rows) to show, from chair id 0.")
flags.DEFINE_integer("resolution", 64, "Image size: 32, 64 or 128.")
flags.DEFINE_integer("seed", 0, "synthetic_chairs: the family seed of the styles.")
flags.DEFINE_string(
    "views",
    "0,4,8,12,16,20,24,28,35,43,51,59",
    "View indices (columns), comma separated, or 'all': j at elevation 20, "
    "31 + j at elevation 30.",
)
flags.DEFINE_string("data_dir", None, "rendered_chairs: the TFDS data directory.")
flags.DEFINE_string(
    "manual_dir",
    None,
    "rendered_chairs: where rendered_chairs.tar is "
    "(default <data_dir>/downloads/manual).",
)
flags.DEFINE_string(
    "chair_list", None, "rendered_chairs: list file of the chairs to keep."
)


def main(argv):
    gen.cli.check_no_arguments(argv)
    views = contact_sheet.parse_views(FLAGS.views)
    if FLAGS.num_chairs < 1:
        raise UserError(f"--num_chairs must be at least 1, got {FLAGS.num_chairs}.")
    if FLAGS.dataset == "synthetic_chairs":
        from gen.data.datasets import synthetic_chairs

        synthetic_chairs.make_config(
            FLAGS.resolution, FLAGS.num_chairs, FLAGS.seed
        )  # validates
        rows = FLAGS.num_chairs
        tiles = contact_sheet.synthetic_tiles(
            rows, views, resolution=FLAGS.resolution, seed=FLAGS.seed
        )
    else:
        from gen.data import chairs_data

        data = chairs_data.load_chairs(
            "rendered_chairs",
            resolution=FLAGS.resolution,
            data_dir=FLAGS.data_dir,
            manual_dir=FLAGS.manual_dir,
            chair_list=FLAGS.chair_list,
        )
        tiles, rows = contact_sheet.dataset_tiles(data, FLAGS.num_chairs, views)
    contact_sheet.write_sheet(FLAGS.out, tiles, rows, views)
    columns = ", ".join(
        f"{int(chair_views.azimuth_of_view(v))}/{int(chair_views.elevation_of_view(v))}"
        for v in views
    )
    print(
        f"wrote {FLAGS.out}: {rows} chairs (rows) x {len(views)} views (columns, "
        f"azimuth/elevation: {columns})"
    )


if __name__ == "__main__":
    gen.cli.run(main)
