"""The throughput figures of `experiments.bench_data`."""

from gen.benchmarks import data_speed
from tests.gen.data import mesh_fixtures


def test_run_reports_every_figure_against_the_training_step():
    lines = []
    results = data_speed.run(
        resolutions=(32,),
        pipeline_resolution=32,
        num_chairs=1,
        batch_size=8,
        batches=3,
        train_images_per_s=100.0,
        mesh_resolutions=(),
        report=lines.append,
    )
    assert set(results) == {
        "renderer 32x32",
        "pipeline 32x32 no augmentation",
        "pipeline 32x32 with augmentation",
    }
    assert all(rate > 0 for rate in results.values())
    assert lines[0].startswith("training step: 100 images/s")
    ratio = results["pipeline 32x32 with augmentation"] / 100.0
    assert f"= {ratio:6.1f} x the training step" in lines[-1]


@mesh_fixtures.requires_opengl
def test_mesh_renderer_rates_on_a_written_chair_or_where_it_is_missing(tmp_path):
    mesh_fixtures.write_chair(str(tmp_path / "mine"))
    lines = []
    rates = data_speed.mesh_renderer_rates(
        str(tmp_path),
        (32,),
        lines.append,
        model_file="mine/chair.obj",
        workers=1,
        rounds=1,
    )
    assert [name for name, _ in rates] == ["mesh renderer 32x32, 1 procs"]
    assert rates[0][1] > 0 and lines == []
    assert (
        data_speed.mesh_renderer_rates(str(tmp_path / "no"), (64,), lines.append) == []
    )
    assert lines == [
        f"mesh renderer: not measured, no furniture in {tmp_path / 'no'} "
        "(`make furniture-cache`, or set DECONVNET_FURNITURE)"
    ]
