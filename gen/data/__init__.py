"""The chairs data: the 62 standard views, procedural chair styles, the ray
caster that renders them, the TFDS builders (`gen.data.datasets`), the data
in memory (`chairs_data`), held-out splits, augmentation and the input
pipeline, and other images to explain a model with."""
