"""The throughput figures of `experiments.bench_data`."""

from gen.benchmarks import data_speed


def test_run_reports_every_figure_against_the_training_step():
    lines = []
    results = data_speed.run(
        resolutions=(32,),
        pipeline_resolution=32,
        num_chairs=1,
        batch_size=8,
        batches=3,
        train_images_per_s=100.0,
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
