"""The CAD models in a source folder: Sweet Home 3D libraries and OBJ files.

A source folder (the `mesh_renders` dataset's manual directory) holds any
mix of:

- Sweet Home 3D furniture libraries, `*.sh3f`: zip files with a
  `PluginFurnitureCatalog.properties` (Java properties: `name#N`,
  `category#N`, `model#N` = the OBJ's path in the zip, `width#N`,
  `depth#N`, `height#N`, optional `modelRotation#N` = 9 numbers of a 3x3
  matrix by rows, `creator#N`; the library's `license`) and one folder per
  model with its OBJ, MTL and textures;
- folders of `.obj` files, each with its `.mtl` and textures beside it.

`list_models(folder)` returns one `ModelEntry` per model (in a stable
order: libraries, then OBJ files, by path) and one line per file that is not
usable. `category_of(name)` is the written rule that puts a model in the
`chairs`, `tables` or `sofas` category by its name.
"""

import dataclasses
import os
import re
import zipfile

PROPERTIES = "PluginFurnitureCatalog.properties"

# The licences of Sweet Home 3D's own libraries (Debian's sweethome3d-furniture
# copyright file), by library file name; other libraries give their
# `license` property, or none.
KNOWN_LICENCES = {
    "BlendSwap-CC-0": "CC0 1.0",
    "BlendSwap-CC-BY": "CC BY 3.0",
    "Scopia": "CC BY 3.0",
    "KatorLegaz": "CC BY 3.0 US",
    "Reallusion": "CC BY 3.0 US",
}
UNKNOWN = "unknown"

# The categories a model's name puts it in: whole words, case ignored.
CATEGORY_WORDS = {
    "chairs": ("chair", "armchair", "stool"),
    "tables": ("table",),
    "sofas": ("sofa", "couch"),
}
# Names with one of these words are not furniture of the category their
# other words say (a table fan, a table-tennis bat, a bedside cabinet).
NOT_FURNITURE = (
    "fan", "bat", "tennis", "football", "pool", "bedside", "changing", "dressing"
)  # fmt: skip


def category_of(name):
    """`chairs`, `tables`, `sofas` or None: the category a model's name puts
    it in. A name with one of the words of `CATEGORY_WORDS` is in that
    category (chairs first: "Armchair ottoman" is a chair), unless it also
    has a word of `NOT_FURNITURE`."""
    words = set(re.findall(r"[a-z]+", name.lower()))
    if words & set(NOT_FURNITURE):
        return None
    for category, wanted in CATEGORY_WORDS.items():
        if words & set(wanted):
            return category
    return None


@dataclasses.dataclass(frozen=True)
class ModelEntry:
    """One model of a source folder, and where to read it.

    Attributes:
      key: unique and stable, e.g. `BlendSwap-CC-0.sh3f#12` or `chairs/a.obj`.
      name: the catalogue's name, or the OBJ file's name without `.obj`.
      category: the catalogue's category (e.g. "Kitchen"), or the folder.
      library: the library file (`BlendSwap-CC-0.sh3f`) or "" for an OBJ.
      file: the OBJ's path in the library, or relative to the source folder.
      creator, licence: as the catalogue says, or `UNKNOWN`.
      source: the absolute path of the library or the OBJ file.
      rotation: 9 numbers (a 3x3 matrix by rows) or None.
      size: (width, height, depth) or None.
    """

    key: str
    name: str
    category: str
    library: str
    file: str
    creator: str
    licence: str
    source: str
    rotation: tuple = None
    size: tuple = None

    @property
    def from_library(self):
        return bool(self.library)


def _unescape(value):
    """A Java properties value's `\\uXXXX` and `\\` escapes decoded."""
    value = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), value)
    return re.sub(
        r"\\(.)", lambda m: {"t": "\t", "n": "\n"}.get(m.group(1), m.group(1)), value
    )


def read_properties(text):
    """A dict from the text of a Java `.properties` file (Latin-1 decoded):
    `key=value` or `key: value` lines, `#`/`!` comments, `\\` continuations."""
    result = {}
    lines = iter(text.splitlines())
    for line in lines:
        line = line.lstrip()
        if not line or line[0] in "#!":
            continue
        while line.endswith("\\") and not line.endswith("\\\\"):
            line = line[:-1] + next(lines, "").lstrip()
        match = re.match(r"((?:\\.|[^=:\s])+)\s*[=:\s]\s*(.*)$", line)
        if match:
            result[_unescape(match.group(1))] = _unescape(match.group(2))
        else:
            result[_unescape(line)] = ""
    return result


def _numbers(text, count):
    try:
        values = tuple(float(v) for v in text.split())
    except ValueError:
        return None
    return values if len(values) == count else None


def _library_entries(path, folder):
    """The entries of one `.sh3f` library; ValueError naming what is wrong."""
    try:
        with zipfile.ZipFile(path) as archive:
            if PROPERTIES not in archive.namelist():
                raise ValueError(f"it is a zip without {PROPERTIES}")
            text = archive.read(PROPERTIES).decode("latin-1")
    except zipfile.BadZipFile:
        raise ValueError("it is not a zip file (a Sweet Home 3D library is)") from None
    props = read_properties(text)
    library = os.path.relpath(path, folder)
    stem = os.path.splitext(os.path.basename(path))[0]
    licence = KNOWN_LICENCES.get(stem) or props.get("license") or UNKNOWN
    numbers = sorted(
        int(m.group(1)) for k in props if (m := re.fullmatch(r"model#(\d+)", k))
    )
    entries = []
    for n in numbers:
        size = tuple(
            _numbers(props.get(f"{k}#{n}", ""), 1) or (0.0,)
            for k in ("width", "height", "depth")
        )
        size = tuple(s[0] for s in size)
        entries.append(
            ModelEntry(
                key=f"{library}#{n}",
                name=props.get(f"name#{n}", f"model {n}"),
                category=props.get(f"category#{n}", ""),
                library=library,
                file=props[f"model#{n}"].lstrip("/"),
                creator=props.get(f"creator#{n}") or UNKNOWN,
                licence=licence,
                source=os.path.abspath(path),
                rotation=_numbers(props.get(f"modelRotation#{n}", ""), 9),
                size=size if all(s > 0 for s in size) else None,
            )
        )
    return entries


def list_models(folder):
    """(entries, problems): the models under `folder` (`ModelEntry`s) and one
    line per library that could not be read, naming it and why."""
    libraries, objs = [], []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            lower = name.lower()
            if lower.endswith(".sh3f"):
                libraries.append(os.path.join(root, name))
            elif lower.endswith(".obj"):
                objs.append(os.path.join(root, name))
    entries, problems = [], []
    for path in libraries:
        try:
            entries.extend(_library_entries(path, folder))
        except (ValueError, OSError) as e:
            problems.append(f"{os.path.relpath(path, folder)}: skipped, {e}")
    for path in objs:
        relative = os.path.relpath(path, folder)
        entries.append(
            ModelEntry(
                key=relative,
                name=os.path.splitext(os.path.basename(path))[0],
                category=os.path.basename(os.path.dirname(os.path.abspath(path))),
                library="",
                file=relative,
                creator=UNKNOWN,
                licence=UNKNOWN,
                source=os.path.abspath(path),
            )
        )
    return entries, problems


def materialise(entry, scratch):
    """The path of `entry`'s OBJ on disk: the OBJ itself, or its library
    folder extracted under the folder `scratch`."""
    if not entry.from_library:
        return entry.source
    folder = os.path.dirname(entry.file)
    prefix = folder + "/" if folder else ""
    with zipfile.ZipFile(entry.source) as archive:
        members = [m for m in archive.namelist() if m.startswith(prefix)]
        if entry.file not in members:
            raise FileNotFoundError(f"{entry.file} is not in {entry.library}")
        for member in members:
            # Only names inside the scratch folder (no `..` or absolute paths).
            target = os.path.realpath(os.path.join(scratch, member))
            if target.startswith(os.path.realpath(scratch) + os.sep):
                archive.extract(member, scratch)
    return os.path.join(scratch, entry.file)
