"""Training: the settings of a run (no TensorFlow), the trainer that carries
it out with Keras `fit`, its callbacks, samples, run folder and runtime
choices."""
