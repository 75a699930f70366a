"""Run by test_sqlite_writer.py in a process of its own, monkey-patched by gevent as the serving
worker is: SQLite's checkpointer runs a checkpoint whose disk is slow (a blocking C call, as its
syncs are) while a greenlet beats on the loop. Prints one JSON line: the loop's OS thread, the one
the checkpoint ran in, and the heartbeats seen while the checkpoint was under way.

    python tests/integration/checkpoint_probe.py TMPDIR
"""

from gevent import monkey

monkey.patch_all()

import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from server.storage.db import Database  # noqa: E402

native_ident = monkey.get_original("_thread", "get_ident")
native_sleep = monkey.get_original("time", "sleep")
loop_ident = native_ident()


def main() -> None:
    db = Database(f"sqlite:///{Path(sys.argv[1]) / 'cp.db'}")
    cp = db.checkpointer
    assert cp is not None
    state = {"beats": 0, "during": 0, "in_checkpoint": False, "threads": []}
    real = cp.checkpoint

    def slow_disk() -> None:
        state["threads"].append(native_ident())
        state["in_checkpoint"] = True
        try:
            native_sleep(
                0.3
            )  # a blocking call: gevent cannot switch away from it on its own thread
            real()
        finally:
            state["in_checkpoint"] = False

    cp.checkpoint = slow_disk  # type: ignore[method-assign]

    def heartbeat() -> None:
        while True:
            gevent.sleep(0.005)
            state["beats"] += 1
            if state["in_checkpoint"]:
                state["during"] += 1

    beat = gevent.spawn(heartbeat)
    with db.writer.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    for i in range(cp.every):
        with db.writer.begin() as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES (?)", (i,))
        cp.committed()
    while cp.done < 1:
        gevent.sleep(0.01)
    beat.kill()
    db.dispose()
    print(json.dumps({"loop": loop_ident, "threads": state["threads"], "during": state["during"]}))


main()
