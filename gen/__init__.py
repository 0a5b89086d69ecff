"""Models, data, training and rendering for learned image synthesis.

Import the submodule you need (`gen.chairs`, `gen.input_pipeline`, ...):
this package imports nothing heavy on its own, so that scripts can set up
logging and environment variables before TensorFlow loads.
"""
