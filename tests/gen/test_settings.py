"""gen.settings: flags made from dataclass fields, read back into a config,
and the checks made from the same fields."""

import dataclasses

import pytest
from absl import flags

from gen import settings
from gen.errors import UserError
from gen.settings import setting
from gen.training import train_config


@dataclasses.dataclass(frozen=True)
class Toy:
    out: str = setting(dataclasses.MISSING, "Where to write.", flag="out_dir")
    size: int = setting(64, "Image size.", choices=(32, 64))
    mode: str = setting("fast", "How.", choices=("fast", "slow"))
    rate: float = setting(0.5, "A rate.")
    on: bool = setting(False, "A switch.")
    limit: int | None = setting(None, "Optional limit.")
    filters: tuple[int, ...] = setting((8, 16), "Channels.")
    scale: tuple[float, ...] = setting((0.0, 1.0), "Range.")
    hidden: int = 3  # a plain field: no flag

    def __post_init__(self):
        settings.check_choices(self)
        settings.check_positive_ints(self, "size", "limit")
        settings.check_positive_numbers(self, "rate")


def _parse(*argv, **kwargs):
    values = flags.FlagValues()
    toy = settings.define_flags(Toy, flag_values=values, **kwargs)
    values(["prog", *argv])
    return toy, values


def test_flags_take_name_type_default_and_help_from_the_fields():
    toy, values = _parse("--out_dir=o")
    assert toy.flag_names() == [
        "out_dir",
        "size",
        "mode",
        "rate",
        "on",
        "limit",
        "filters",
        "scale",
    ]
    assert toy.config() == Toy(out="o")
    assert values["size"].default == 64
    assert values["size"].help == "Image size. One of 32, 64."
    assert values["filters"].help == "Channels. Comma-separated ints."
    assert values["filters"].default == ["8", "16"]
    assert values["out_dir"].help == "Where to write."
    assert "hidden" not in values


def test_values_are_converted_and_checked_by_the_config():
    toy, _ = _parse(
        "--out_dir=o",
        "--size=32",
        "--mode=slow",
        "--rate=2",
        "--on",
        "--limit=7",
        "--filters=1,2,3",
        "--scale=0,255",
    )
    assert toy.config() == Toy(
        out="o",
        size=32,
        mode="slow",
        rate=2.0,
        on=True,
        limit=7,
        filters=(1, 2, 3),
        scale=(0.0, 255.0),
    )
    assert toy.config(hidden=9).hidden == 9
    toy, _ = _parse("--out_dir=o", "--size=48")
    with pytest.raises(
        UserError,
        match=r"^--size must be one of 32, 64; "
        r"got 48\.$",
    ):
        toy.config()
    toy, _ = _parse("--out_dir=o", "--mode=slowest")
    with pytest.raises(
        UserError, match="--mode must be one of fast, slow; got 'slowest'."
    ):
        toy.config()
    toy, _ = _parse("--out_dir=o", "--filters=1,x")
    with pytest.raises(
        UserError, match="--filters must be ints separated by commas, got '1,x'."
    ):
        toy.config()
    toy, _ = _parse("--out_dir=o", "--limit=0")
    with pytest.raises(UserError, match="--limit must be a positive integer, got 0."):
        toy.config()
    toy, _ = _parse("--out_dir=o", "--rate=-1")
    with pytest.raises(UserError, match="--rate must be a positive number, got -1.0."):
        toy.config()


def test_absl_refuses_types_and_missing_required_flags():
    with pytest.raises(flags.IllegalFlagValueError, match="--size=big"):
        _parse("--out_dir=o", "--size=big")
    with pytest.raises(flags.IllegalFlagValueError, match="out_dir"):
        _parse()


def test_only_and_exclude():
    toy, values = _parse("--out_dir=o", only=("out", "size"))
    assert toy.flag_names() == ["out_dir", "size"]
    assert "rate" not in values
    toy, _ = _parse("--out_dir=o", exclude=("filters", "scale"))
    assert "filters" not in toy.flag_names()


def test_train_config_flags_are_its_fields():
    values = flags.FlagValues()
    train = settings.define_flags(train_config.TrainConfig, flag_values=values)
    fields = dataclasses.fields(train_config.TrainConfig)
    assert train.flag_names() == [f.name for f in fields]
    for field in fields:
        default = field.default
        if isinstance(default, tuple):  # list flags hold lists of strings
            default = [str(v) for v in default]
        assert values[field.name].default == default, field.name
        assert values[field.name].help.startswith(settings.info(field)["help"]), (
            field.name
        )
    values(["prog"])
    assert train.config() == train_config.TrainConfig()


@dataclasses.dataclass(frozen=True)
class Place:
    """Where to look; said once."""

    root: str | None = setting(None, "A folder.")
    kind: str | None = setting(None, "Optional kind.", choices=("a", "b"))

    def __post_init__(self):
        settings.check_choices(self)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Look(Place):
    """What to look at."""

    zoom: int = setting(2, "Zoom.", choices=(1, 2))
    need: str = setting(dataclasses.MISSING, "Needed.")


def test_help_text_groups_flags_by_the_class_declaring_them():
    values = flags.FlagValues()
    settings.define_flags(Look, flag_values=values)
    text = settings.help_text(values)
    assert text.split("\n\nEvery script:\n")[0] == (
        "What to look at:\n"
        "  --zoom=2\n"
        "      Zoom. One of 1, 2.\n"
        "  --need\n"
        "      Needed. (required)\n"
        "\n"
        "Where to look:\n"
        "  --root\n"
        "      A folder.\n"
        "  --kind\n"
        "      Optional kind. One of a, b."
    )
    assert "  --flagfile=FILE\n" in text


def test_an_optional_setting_with_choices_may_be_left_out():
    assert Place().kind is None
    with pytest.raises(UserError, match="--kind must be one of a, b; got 'c'."):
        Place(kind="c")


def test_paths_of_the_wrong_kind_name_the_fix(tmp_path):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    settings.check_folder_path(str(tmp_path / "new" / "deeper"), "out", "x")
    with pytest.raises(UserError, match="is a file, not a folder; --out names"):
        settings.check_folder_path(str(a_file), "out", "the pictures go into")
    with pytest.raises(UserError, match="is a file, so no folder can be made"):
        settings.check_folder_path(str(a_file / "sub"), "workdir", "x")
    settings.check_file_path(str(tmp_path / "new" / "sheet.png"), "out", "a.png")
    for folder in (str(tmp_path), f"{tmp_path}/new/"):
        with pytest.raises(UserError, match=r"for example --out=.*/a\.png\."):
            settings.check_file_path(folder, "out", "a.png")
