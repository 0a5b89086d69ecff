"""The cluster of a multi-worker run, read from TF_CONFIG without
TensorFlow, so that a mistake in it is reported before TensorFlow starts."""

import json
import os

from gen.errors import UserError


def from_tf_config():
    """The parsed TF_CONFIG; UserError when it is missing or malformed."""
    text = os.environ.get("TF_CONFIG")
    if not text:
        raise UserError(
            "--strategy=multi_worker reads the cluster from the TF_CONFIG "
            "environment variable, which is not set. Set it on every worker, "
            'e.g. TF_CONFIG=\'{"cluster": {"worker": ["host1:2222", '
            '"host2:2222"]}, "task": {"type": "worker", "index": 0}}\' (index '
            "1 on the second), or use --strategy=default or mirrored."
        )
    try:
        config = json.loads(text)
    except ValueError as e:
        raise UserError(
            f"TF_CONFIG is not valid JSON ({e}): {text!r}. It "
            'must look like {"cluster": {"worker": [...]}, '
            '"task": {"type": "worker", "index": 0}}.'
        ) from None
    cluster = config.get("cluster") if isinstance(config, dict) else None
    task = config.get("task") if isinstance(config, dict) else None
    if (
        not isinstance(cluster, dict)
        or not cluster.get("worker")
        and not (cluster.get("chief"))
    ):
        raise UserError(
            f"TF_CONFIG has no cluster of workers: {text!r}. Give "
            '"cluster": {"worker": ["host:port", ...]}.'
        )
    if not isinstance(task, dict) or "type" not in task or "index" not in task:
        raise UserError(
            f"TF_CONFIG does not say which task this process is: "
            f'{text!r}. Give "task": {{"type": "worker", '
            '"index": N}, a different N on every worker.'
        )
    members = cluster.get(task["type"]) or []
    if not isinstance(task["index"], int) or not 0 <= task["index"] < len(members):
        raise UserError(
            f"TF_CONFIG's task {task['type']} {task['index']!r} is not in its "
            f"cluster, which has {len(members)} {task['type']} task(s): "
            f"{text!r}."
        )
    return config
