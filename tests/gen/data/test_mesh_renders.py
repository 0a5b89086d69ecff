"""The `mesh_renders` builder on a source the test writes: a `.sh3f` library
(a chair, the chair turned with its catalogue rotation, a model without
triangles), a folder of OBJ files (a chair without its texture), and a zip
that is not a library."""

import os

import numpy as np
import pytest
import tensorflow_datasets as tfds

import gen.data.datasets  # noqa: F401 (registers mesh_renders)
from gen.data import (
    chair_views,
    chairs_data,
    dataset_registry,
    furniture_catalog,
    mesh_render_jobs,
)
from gen.data.chairs_data import prepare
from gen.data.datasets import mesh_renders
from gen.errors import UserError
from tests.gen.data import mesh_fixtures as fx

TURN = np.array([[0, 0, 1], [0, 1, 0], [-1, 0, 0]], float)


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    root = tmp_path_factory.mktemp("source")
    obj, mtl = fx.chair_obj(texture="chair.png")
    turned_obj, _ = fx.chair_obj(rotation=TURN, texture="chair.png")
    png = fx.texture_png()
    fx.write_library(
        str(root / "Test.sh3f"),
        [
            {"name": "Oak chair", "creator": "Ann \\u00c9mile", "obj": obj,
             "mtl": mtl, "texture": png},
            {"name": "Turned stool", "creator": "Bo", "obj": turned_obj, "mtl": mtl,
             "texture": png, "rotation": TURN.T.reshape(-1).tolist()},
            {"name": "Empty chair", "creator": "Cy", "obj": "v 0 0 0\n", "mtl": ""},
            {"name": "Table fan", "creator": "Di", "obj": obj, "mtl": mtl},
        ],
    )  # fmt: skip
    fx.write_chair(str(root / "mine"), name="bare chair", with_texture=False)
    (root / "Broken.sh3f").write_bytes(b"not a zip")
    return root


def test_catalogue_lists_models_with_their_metadata(source):
    entries, problems = furniture_catalog.list_models(str(source))
    assert problems == [
        "Broken.sh3f: skipped, it is not a zip file (a Sweet Home 3D library is)"
    ]
    assert [(e.name, e.creator, e.licence) for e in entries] == [
        ("Oak chair", "Ann \u00c9mile", "Public domain"),
        ("Turned stool", "Bo", "Public domain"),
        ("Empty chair", "Cy", "Public domain"),
        ("Table fan", "Di", "Public domain"),
        ("bare chair", "unknown", "unknown"),
    ]
    assert entries[1].rotation == tuple(TURN.T.reshape(-1))
    assert [furniture_catalog.category_of(e.name) for e in entries] == [
        "chairs", "chairs", "chairs", None, "chairs"
    ]  # fmt: skip


@fx.requires_opengl
@pytest.mark.slow(seconds=12)
def test_build_skips_bad_models_and_keeps_credits(source, tmp_path, capsys):
    builder = tfds.builder("mesh_renders/32px_chairs", data_dir=str(tmp_path))
    prepare(builder, str(source))
    err = capsys.readouterr().err
    assert "mesh_renders: Broken.sh3f: skipped, it is not a zip file" in err
    assert "mesh_renders: skipped Test.sh3f#3 (Empty chair): it has no triangles" in err
    assert (
        "mesh_renders: mine/bare chair.obj (bare chair): texture bare chair.png is "
        "missing: the material's colour is used" in err
    )
    assert "mesh_renders/32px_chairs: 3 models rendered, 1 skipped, 1 degraded" in err
    assert "3 models rendered, 1 skipped, 1 degraded" in builder.info.description
    assert builder.info.metadata["skipped"] == {"Test.sh3f#3": "it has no triangles"}
    examples = list(tfds.as_numpy(builder.as_dataset(split="train")))
    assert len(examples) == 3 * chair_views.NUM_VIEWS
    by_key = {}
    for ex in examples:
        by_key[(int(ex["chair_id"]), int(ex["view_index"]))] = ex
    first = by_key[(0, 0)]
    assert first["model_creator"].decode() == "Ann \u00c9mile"
    assert first["model_licence"].decode() == "Public domain"
    assert first["model_library"].decode() == "Test.sh3f"
    assert first["model_file"].decode() == "test/model1/chair.obj"
    assert by_key[(2, 0)]["model_licence"].decode() == "unknown"
    assert builder.info.features["chair_id"].names[1] == "Turned stool [Test.sh3f#2]"
    # The catalogue rotation brings the turned chair back to the first one.
    for view in (0, 40):
        a, b = by_key[(0, view)], by_key[(1, view)]
        np.testing.assert_array_equal(a["mask"], b["mask"])
        assert np.abs(a["image"].astype(int) - b["image"].astype(int)).max() <= 2
    assert first["azimuth"] == 0 and by_key[(0, 40)]["elevation"] == 30
    # Training reads it by name (the registry), the first N models kept.
    data = chairs_data.load_chairs(
        "mesh_renders",
        data_dir=str(tmp_path),
        resolution=32,
        category="chairs",
        manual_dir=str(source),
        num_chairs=2,
    )
    assert data.num_classes == 2 and len(data) == 2 * chair_views.NUM_VIEWS
    assert data.chair_names == ["Oak chair [Test.sh3f#1]", "Turned stool [Test.sh3f#2]"]
    np.testing.assert_array_equal(data.images[0], first["image"])


def test_registry_names_the_datasets_and_refuses_foreign_settings():
    assert dataset_registry.lookup("mesh_renders").class_noun == "model"
    with pytest.raises(
        UserError, match="'synthetic_chairs', 'rendered_chairs', 'mesh_renders'"
    ):
        dataset_registry.lookup("chairs")
    settings = dataset_registry.DataSettings(resolution=32, category="tables")
    with pytest.raises(UserError, match="category does not apply to synthetic_chairs"):
        dataset_registry.lookup("synthetic_chairs").builder(None, settings)
    with pytest.raises(UserError, match="not 48 and 'beds'"):
        dataset_registry.lookup("mesh_renders").builder(
            None, dataset_registry.DataSettings(resolution=48, category="beds")
        )


def test_a_source_without_models_says_how_to_get_them(tmp_path):
    empty = tmp_path / "manual"
    empty.mkdir()
    (empty / "notes.txt").write_text("nothing here")
    builder = tfds.builder("mesh_renders/32px_chairs", data_dir=str(tmp_path))
    with pytest.raises(UserError) as error:
        prepare(builder, str(empty))
    message = str(error.value)
    assert "holds no model of the category 'chairs'" in message
    assert "apt-get download sweethome3d-furniture" in message
    assert "https://www.sweethome3d.com/freeModels.jsp" in message
    assert not builder.is_prepared()


def test_an_interrupted_build_leaves_nothing_that_looks_built(
    source, tmp_path, monkeypatch
):
    scratch = []
    make_scratch = mesh_renders.tempfile.mkdtemp

    def recorded_mkdtemp(*args, **kwargs):
        scratch.append(make_scratch(*args, **kwargs))
        return scratch[-1]

    def interrupted(entries, resolution):
        blank = np.full((chair_views.NUM_VIEWS, 32, 32, 3), 255, np.uint8)
        mask = np.zeros((chair_views.NUM_VIEWS, 32, 32, 1), np.uint8)
        yield mesh_render_jobs.Rendered(entries[0], blank, mask)
        raise KeyboardInterrupt

    monkeypatch.setattr(mesh_renders.tempfile, "mkdtemp", recorded_mkdtemp)
    monkeypatch.setattr(mesh_render_jobs, "render_entries", interrupted)
    builder = tfds.builder("mesh_renders/32px_all", data_dir=str(tmp_path))
    with pytest.raises(KeyboardInterrupt):
        prepare(builder, str(source))
    assert not builder.is_prepared()
    assert not tfds.builder(
        "mesh_renders/32px_all", data_dir=str(tmp_path)
    ).is_prepared()
    config_dir = tmp_path / "mesh_renders" / "32px_all"
    assert not config_dir.exists() or not (config_dir / "1.0.0").exists()
    ours = [path for path in scratch if "mesh_renders-" in os.path.basename(path)]
    assert len(ours) == 1 and not os.path.exists(ours[0])


def test_training_takes_category_for_mesh_renders_only():
    from gen.training.train_config import TrainConfig

    assert TrainConfig(dataset="mesh_renders", category="sofas").category == "sofas"
    with pytest.raises(UserError) as error:
        TrainConfig(category="tables")
    assert str(error.value) == (
        "--category does not apply to --dataset=synthetic_chairs, which takes "
        "--num_chairs: leave --category out or pick the dataset it selects from."
    )


def test_explore_scripts_read_the_category_a_run_was_trained_on(tmp_path):
    from types import SimpleNamespace

    from gen.explore import run_files
    from gen.training.train_config import TrainConfig

    train = TrainConfig(
        dataset="mesh_renders", category="tables", data_dir=str(tmp_path)
    )
    source = run_files.data_source(SimpleNamespace(train=train, num_classes=7))
    assert (source.dataset, source.category, source.data_dir) == (
        "mesh_renders",
        "tables",
        str(tmp_path),
    )


def test_a_bare_generator_takes_the_category_and_a_run_keeps_its_own(tmp_path):
    from types import SimpleNamespace

    from gen.explore import explore_config, run_files
    from gen.training.train_config import TrainConfig

    bare = SimpleNamespace(train=None, num_classes=7)
    source = run_files.data_source(
        bare, dataset="mesh_renders", data_dir=str(tmp_path), category="tables"
    )
    assert (source.dataset, source.category) == ("mesh_renders", "tables")
    run = SimpleNamespace(train=TrainConfig(dataset="mesh_renders"), num_classes=7)
    with pytest.raises(UserError, match=r"^--category cannot be used with --workdir"):
        run_files.data_source(run, category="tables")
    # The explore scripts' flag, checked before anything loads.
    config = explore_config.RenderConfig(generator="g.keras", category="sofas")
    assert config.category == "sofas"
    with pytest.raises(UserError, match="--category must be one of chairs, tables"):
        explore_config.RenderConfig(generator="g.keras", category="beds")
