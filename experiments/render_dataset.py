r"""Writes a contact sheet of the chairs data: one row per chair, one column per view.

    python -m experiments.render_dataset --out=runs/chairs.png
    python -m experiments.render_dataset --out=runs/chairs.png --num_chairs=20 \
        --resolution=128 --views=all
    python -m experiments.render_dataset --out=runs/real.png \
        --dataset=rendered_chairs --data_dir=~/tensorflow_datasets
"""

from gen import cli, settings
from gen.data import contact_sheet, contact_sheet_config

_SHEET = settings.define_flags(contact_sheet_config.ContactSheetConfig)


def main(argv):
    cli.check_no_arguments(argv)
    contact_sheet.render_dataset(_SHEET.config())  # checks before TF loads


if __name__ == "__main__":
    cli.run(main)
