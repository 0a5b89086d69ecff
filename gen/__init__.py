"""Models, data, training and exploring for learned image synthesis.

The subpackages, in the order their imports run (each imports only those
before it and the shared modules at this level):

- `gen.data`: the chairs: views, procedural styles, the ray caster, the
  TFDS builders, augmentation, the in-memory data, held-out splits, the
  input pipeline, other image sources;
- `gen.models`: the chairs generator, its losses, metrics, optimiser and
  schedule, the small convnet, the tied autoencoder, model graphs;
- `gen.evaluation`: scoring a generator, the held-out table, the
  checkerboard measure;
- `gen.training`: the settings and the trainer of a run, its callbacks,
  the autoencoder's and the small convnet's training;
- `gen.explore`: opening runs, cutting a generator at a layer, rendering,
  interpolation, feature arithmetic, sampling, single units;
- `gen.deconvnet`: Zeiler & Fergus' deconvnet and its feature sheets;
- `gen.benchmarks`: side-by-side timing behind `experiments.bench_*`.

Shared by all: `gen.errors`, `gen.cli`, `gen.progress`, `gen.choices`,
`gen.settings` and `gen.pictures`. This package imports nothing heavy on
its own, so that scripts can set up logging before TensorFlow loads.
"""
