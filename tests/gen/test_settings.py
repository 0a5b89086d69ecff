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
