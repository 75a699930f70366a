"""Run by test_offload_loop.py in a process of its own, monkey-patched by gevent as the serving
worker is: the server renders an announcement's speech (espeak-ng, as the screens' audio cache does)
while a greenlet heartbeat runs. Prints one JSON line: the native threads the synthesis ran on, the
loop's thread, and how many heartbeats ran while the synthesis was still in progress.

    python tests/integration/speech_probe.py TMPDIR
"""

from gevent import monkey

monkey.patch_all()

import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from hardware import speech  # noqa: E402

native_ident = monkey.get_original("_thread", "get_ident")
loop = native_ident()
synth_threads: list[int] = []
state = {"synthesising": False, "beats_during": 0, "running": True}
original_do = speech._Worker._do


def noting(self, job):  # type: ignore[no-untyped-def]
    synth_threads.append(native_ident())
    state["synthesising"] = True
    try:
        return original_do(self, job)
    finally:
        state["synthesising"] = False


speech._Worker._do = noting  # type: ignore[method-assign]


def heartbeat() -> None:
    while state["running"]:
        gevent.sleep(0.001)
        if state["synthesising"]:
            state["beats_during"] += 1


def main() -> None:
    out = Path(sys.argv[1]) / "call.wav"
    beat = gevent.spawn(heartbeat)
    gevent.sleep(0.01)
    text = "请 A 零 零 一 号 到 三 号 窗口 办理。" * 12  # several seconds of speech
    speech.Pyttsx3Speech().save(text, str(out))
    state["running"] = False
    beat.join()
    print(json.dumps({"loop": loop, "synth_threads": sorted(set(synth_threads)),
                      "beats_during": state["beats_during"], "wav_bytes": out.stat().st_size}))  # fmt: skip


if __name__ == "__main__":
    main()
