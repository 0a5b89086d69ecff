"""Peers written in other frameworks, run as scripts by the benchmarks.

Each peer imports only its framework and the standard library, so that any
Python with that framework installed runs it by path (it imports nothing of
`gen/` or `layers/`): `torch_chairs.py` is the PyTorch peer of
`experiments.bench_train`.
"""

import os

TORCH_CHAIRS = os.path.join(os.path.dirname(__file__), "torch_chairs.py")
