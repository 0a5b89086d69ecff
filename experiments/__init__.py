"""Command-line scripts: `python -m experiments.NAME --flag=value`.

Each script reads absl flags, builds a config and calls a function in `gen/`.
"""
