"""The explorer's one page: `static/explorer.html` with its script and style
inlined and the data it needs (the run, the chairs, the sliders' ranges)
embedded, so that it is one self-contained file, served live or written by
the export."""

import importlib.resources
import json
import os

from gen.explore.live import requests

# How far the elevation slider reaches beyond the trained range (marked on
# the page as extrapolation).
ELEVATION_MARGIN = 30.0
PICTURE_SUFFIXES = (".png", ".gif")
# Folders of a run that hold no pictures for a person.
_SKIPPED_FOLDERS = ("checkpoints", "tensorboard")


def _asset(name):
    return (
        importlib.resources.files("gen.explore.live")
        .joinpath("static", name)
        .read_text(encoding="utf-8")
    )


def render_page(data):
    """The page's HTML with `data` (a JSON-able dict) embedded."""
    text = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    return (
        _asset("explorer.html")
        .replace("/*EXPLORER_CSS*/", _asset("explorer.css"))
        .replace("/*EXPLORER_JS*/", _asset("explorer.js"))
        .replace("/*EXPLORER_DATA*/null", text)
    )


def run_pictures(workdir):
    """{path relative to the run: absolute path} of the PNG and GIF files of
    a run (not its checkpoints or TensorBoard logs, nor hidden temporary
    files): the only files of the run the server hands out."""
    found = {}
    if workdir is None:
        return found
    for folder, subfolders, files in os.walk(workdir):
        subfolders[:] = sorted(
            s
            for s in subfolders
            if not s.startswith(".")
            and not (folder == workdir and s in _SKIPPED_FOLDERS)
        )
        for name in sorted(files):
            if name.endswith(PICTURE_SUFFIXES) and not name.startswith("."):
                path = os.path.join(folder, name)
                found[os.path.relpath(path, workdir).replace(os.sep, "/")] = path
    return found


def _scores(metrics):
    """The held-out and training-view figures of metrics.json, rounded."""
    if not metrics:
        return None
    out = {}
    for part in ("heldout", "train"):
        values = metrics.get(part) or {}
        out[part] = {
            k: round(float(v), 4)
            for k, v in values.items()
            if isinstance(v, (int, float))
        }
    return out


def page_data(renderer, opened, mode, new_chair):
    """What the page needs to know, as a dict (see `static/explorer.js`)."""
    train = opened.train
    low, high = min(renderer.elevations), max(renderer.elevations)
    return {
        "mode": mode,
        "run": {
            "workdir": opened.workdir,
            "origin": opened.origin,
            "step": opened.step,
            "still_training": opened.still_training,
            "holdout": train.holdout if train else None,
            "scores": _scores(opened.metrics),
        },
        "num_classes": renderer.num_classes,
        "resolution": renderer.resolution,
        "elevations": renderer.elevations,
        "elevation_slider": [
            max(requests.ELEVATION_RANGE[0], low - ELEVATION_MARGIN),
            min(requests.ELEVATION_RANGE[1], high + ELEVATION_MARGIN),
        ],
        "theta_names": list(renderer.theta_names),
        "theta_range": list(requests.THETA_RANGE),
        "real_views": renderer.real_views(),
        "new_chair": new_chair,
        "pictures": sorted(run_pictures(opened.workdir)) if mode == "live" else [],
    }
