"""A rendering worker process: `python -m gen.data.mesh_render_worker`.

Reads pickled `(function, args)` pairs from stdin, calls each, and writes
the pickled `("ok", result)` or `("error", exception)` to stdout, until
stdin closes. Anything else printed on stdout (by trimesh, Mesa) goes to
stderr, so that stdout carries the pickles alone. Started by
`gen.data.mesh_render_jobs.WorkerPool`; it never imports TensorFlow.
"""

import os
import pickle
import sys


def main():
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # stray prints go to stderr
    requests = sys.stdin.buffer
    while True:
        try:
            function, args = pickle.load(requests)
        except EOFError:
            return
        try:
            reply = ("ok", function(*args))
        except Exception as e:  # sent back to the parent, which decides
            reply = ("error", e)
        pickle.dump(reply, replies, protocol=pickle.HIGHEST_PROTOCOL)
        replies.flush()


if __name__ == "__main__":
    main()
