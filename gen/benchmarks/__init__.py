"""Side-by-side timing (`timing`) and what `experiments.bench_layers`,
`bench_train` and `bench_data` measure with it."""
