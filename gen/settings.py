"""Settings written once: dataclass fields that carry their help and
choices, the checks made from them, and the absl flags made from them.

A config dataclass declares each setting with `setting`:

    @dataclasses.dataclass(frozen=True)
    class TrainConfig:
        steps: int = setting(100_000, "Optimisation steps.")
        schedule: str = setting("constant", "Learning-rate schedule.",
                                choices=("constant", "step", "cosine"))

        def __post_init__(self):
            settings.check_choices(self)

and a script turns the fields into flags and back:

    TRAIN = settings.define_flags(TrainConfig)     # --steps, --schedule, ...
    config = TRAIN.config()                        # after absl parsed argv

The flag's name is the field's (or `flag=`), its type follows the field's
annotation (``bool``, ``int``, ``float``, ``str``, a tuple of ints or floats
given as a comma-separated list; ``X | None`` for settings that may be left
out), its default is the field's, and its help is the help text with the
choices. Values are checked by the config (`check_choices` and its own
checks), so a flag and a Python caller get the same message. Nothing here
imports TensorFlow.
"""

import dataclasses
import os
import textwrap
import types
import typing

from absl import flags

from gen.errors import UserError

_META = "setting"


def setting(default, help, *, choices=None, flag=None):  # noqa: A002
    """A dataclass field with its help text, allowed values and flag name.

    Args:
        default: the default value (a tuple for list settings), or
            `dataclasses.MISSING` for a setting that must be given (its flag
            is then required).
        help: one or two sentences for `--helpfull` and the docs.
        choices: the values allowed, or None for any.
        flag: the flag's name when it differs from the field's.
    """
    metadata = {
        _META: {
            "help": help,
            "choices": None if choices is None else tuple(choices),
            "flag": flag,
        }
    }
    if default is dataclasses.MISSING:
        return dataclasses.field(metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def info(field):
    """The help, choices and flag name of a `setting` field (None for a
    plain field)."""
    return field.metadata.get(_META)


def check_choices(config):
    """A UserError for the first field whose value is not one of its
    choices (None passes where it is the default); message ``--flag must be
    one of a, b; got 'c'.``"""
    for field in dataclasses.fields(config):
        meta = info(field)
        if meta and meta["choices"] is not None:
            value = getattr(config, field.name)
            if value is None and field.default is None:
                continue  # an optional setting left out
            if value not in meta["choices"]:
                shown = ", ".join(str(c) for c in meta["choices"])
                raise UserError(
                    f"--{meta['flag'] or field.name} must be one "
                    f"of {shown}; got {value!r}."
                )


def _values(config, names):
    """(name, value) of the named fields that are set (not None)."""
    return [(n, getattr(config, n)) for n in names if getattr(config, n) is not None]


def check_positive_ints(config, *names):
    """A UserError unless each named field is None or an int >= 1."""
    for name, value in _values(config, names):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise UserError(f"--{name} must be a positive integer, got {value!r}.")


def check_non_negative_ints(config, *names):
    """A UserError unless each named field is None or an int >= 0."""
    for name, value in _values(config, names):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise UserError(f"--{name} must be a non-negative integer, got {value!r}.")


def check_positive_numbers(config, *names):
    """A UserError unless each named field is None or a number > 0."""
    for name, value in _values(config, names):
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not value > 0
        ):
            raise UserError(f"--{name} must be a positive number, got {value!r}.")


def check_folder_path(path, flag, what):
    """A UserError if `path` (a folder to write into, made if missing)
    exists and is not a folder."""
    if path is None:
        return
    if os.path.exists(path) and not os.path.isdir(path):
        raise UserError(
            f"--{flag}={path} is a file, not a folder; --{flag} names the folder "
            f"{what} (it is created if needed): give a new or existing folder."
        )
    _check_parent_folders(path, flag)


def _check_parent_folders(path, flag):
    """A UserError if the nearest existing folder above `path` is a file."""
    parent = os.path.dirname(os.path.abspath(path))
    while parent and not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if parent and not os.path.isdir(parent):
        raise UserError(
            f"--{flag}={path}: {parent} is a file, so no folder can be made "
            f"there; give a path under a folder."
        )


def check_file_path(path, flag, example):
    """A UserError if `path` (a file to write) names a folder: it ends with
    a path separator or is an existing folder. `example` is a file name to
    suggest."""
    if path is None:
        return
    if path.endswith(("/", os.sep)) or os.path.isdir(path):
        suggestion = os.path.join(path, example)
        raise UserError(
            f"--{flag}={path} is a folder; --{flag} names the file to write: "
            f"give a file name, for example --{flag}={suggestion}."
        )
    _check_parent_folders(path, flag)


def _flag_type(annotation):
    """(base type, element type or None) of a field annotation: ``int``,
    ``int | None`` -> (int, None); ``tuple[int, ...]`` -> (tuple, int)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        (annotation,) = options
    if typing.get_origin(annotation) is tuple:
        return tuple, typing.get_args(annotation)[0]
    return annotation, None


def _help(meta, element):
    text = meta["help"]
    if meta["choices"] is not None:
        text += " One of " + ", ".join(map(str, meta["choices"])) + "."
    if element is not None:
        text += f" Comma-separated {element.__name__}s."
    return text


class ConfigFlags:
    """The absl flags of one config dataclass (`define_flags`)."""

    def __init__(self, config_class, fields, flag_values):
        self.config_class = config_class
        self._fields = fields  # [(field, flag name, element type or None)]
        self._flag_values = flag_values

    @property
    def required(self):
        """The names of the flags that must be given."""
        return {
            name
            for field, name, _ in self._fields
            if field.default is dataclasses.MISSING
        }

    def groups(self):
        """[(title, [flag name, ...])]: the flags by the dataclass that
        declares their field (a config's own, then those it inherits, each
        titled by its class docstring's first line)."""
        owners = {}
        for base in reversed(self.config_class.__mro__):
            for name in getattr(base, "__annotations__", {}):
                owners[name] = base
        grouped = {}
        for field, name, _ in self._fields:
            grouped.setdefault(owners.get(field.name, self.config_class), []).append(
                name
            )
        order = sorted(grouped, key=self.config_class.__mro__.index)
        return [(_title(c), grouped[c]) for c in order]

    def flag_names(self):
        return [name for _, name, _ in self._fields]

    def values(self):
        """{field name: value} read from the parsed flags (lists converted
        to tuples of their element type)."""
        values = {}
        for field, name, element in self._fields:
            value = self._flag_values[name].value
            if element is not None and value is not None:
                try:
                    value = tuple(element(v) for v in value)
                except ValueError:
                    raise UserError(
                        f"--{name} must be {element.__name__}s separated by "
                        f"commas, got {','.join(value)!r}."
                    ) from None
            values[field.name] = value
        return values

    def config(self, **overrides):
        """The config of the parsed flags (with `overrides` for the fields
        the flags do not cover); its checks raise `UserError`."""
        return self.config_class(**{**self.values(), **overrides})


def _title(config_class):
    doc = (config_class.__doc__ or "").strip()
    if not doc or doc.startswith(config_class.__name__ + "("):  # generated
        return config_class.__name__
    first = " ".join(doc.split("\n\n")[0].split())
    return first.split("; ")[0].rstrip(".")


# The flags each script made from settings, for its --help: one list per
# absl FlagValues (the process's flags.FLAGS; tests make their own).
_DEFINED = {}

_FLAGFILE_HELP = (
    "  --flagfile=FILE\n      Reads flags from FILE, one per line; flags "
    "after it on the command line\n      override it."
)


def _default_text(flag):
    if flag.default is None:
        return ""
    if isinstance(flag.default, bool):
        return "true" if flag.default else "false"
    if isinstance(flag.default, list):
        return ",".join(flag.default)
    return str(flag.default)


def _describe(flag, required=False, width=80):
    """``  --name=DEFAULT  help`` wrapped at `width`; ``--[no]name`` for a
    switch, ``(required)`` for a flag without a default."""
    head = f"--[no]{flag.name}" if flag.boolean else f"--{flag.name}"
    default = _default_text(flag)
    if flag.boolean:
        head += f" (default: {default})"
    elif default:
        head += f"={default}"
    text = " ".join(str(flag.help).split())
    if required:
        text += " (required)"
    return (
        "  "
        + head
        + "\n"
        + textwrap.fill(
            text,
            width,
            initial_indent="      ",
            subsequent_indent="      ",
            break_long_words=False,
            break_on_hyphens=False,
        )
    )


def help_text(flag_values=flags.FLAGS):
    """Every flag the settings defined in `flag_values`, grouped by the
    dataclass that declares it, each with its default, choices and help;
    then the flags every script takes (--flagfile, --verbose)."""
    blocks = []
    seen = set()
    for config_flags in _DEFINED.get(id(flag_values), []):
        for title, names in config_flags.groups():
            names = [n for n in names if n not in seen]
            seen.update(names)
            if names:
                blocks.append(
                    title
                    + ":\n"
                    + "\n".join(
                        _describe(flag_values[n], n in config_flags.required)
                        for n in names
                    )
                )
    common = [_FLAGFILE_HELP]
    if "verbose" in flag_values and "verbose" not in seen:
        common.append(_describe(flag_values["verbose"]))
    blocks.append("Every script:\n" + "\n".join(common))
    return "\n\n".join(blocks)


def define_flags(config_class, *, only=None, exclude=(), flag_values=flags.FLAGS):
    """Defines an absl flag for every `setting` field of `config_class`.

    Args:
        config_class: a dataclass whose fields are made with `setting`.
        only: field names to define (default: every `setting` field).
        exclude: field names to leave out.
        flag_values: the absl `FlagValues` to define them in.

    Returns:
        A `ConfigFlags` that reads them back into a config.
    """
    hints = typing.get_type_hints(config_class)
    chosen = []
    for field in dataclasses.fields(config_class):
        meta = info(field)
        if (
            meta is None
            or field.name in exclude
            or (only is not None and field.name not in only)
        ):
            continue
        name = meta["flag"] or field.name
        kind, element = _flag_type(hints[field.name])
        text = _help(meta, element)
        required = field.default is dataclasses.MISSING
        default = None if required else field.default
        common = {"flag_values": flag_values, "required": required}
        if element is not None:
            flags.DEFINE_list(
                name,
                None if default is None else [str(v) for v in default],
                text,
                **common,
            )
        elif kind is bool:
            flags.DEFINE_bool(name, default, text, **common)
        elif kind is int:
            flags.DEFINE_integer(name, default, text, **common)
        elif kind is float:
            flags.DEFINE_float(name, default, text, **common)
        elif kind is str:
            flags.DEFINE_string(name, default, text, **common)
        else:
            raise TypeError(
                f"{config_class.__name__}.{field.name}: no flag "
                f"type for {hints[field.name]!r}."
            )
        chosen.append((field, name, element))
    config_flags = ConfigFlags(config_class, chosen, flag_values)
    _DEFINED.setdefault(id(flag_values), []).append(config_flags)
    return config_flags
