"""Run by test_offload_loop.py in a process of its own, monkey-patched by gevent as the serving
worker is: the server renders an announcement's speech (espeak-ng, as the screens' audio cache does)
while a greenlet heartbeat runs, once each way the server can render it:

- `command`: the espeak-ng command, a process of its own (Linux, where it is installed);
- `engine`: the pyttsx3 engine, in the process (elsewhere, or without the command).

Prints one JSON line: for each way, how many heartbeats ran while the render was in progress and
the WAV's size, and for the engine the native threads it ran on and the loop's thread.

    python tests/integration/speech_probe.py TMPDIR
"""

from gevent import monkey

monkey.patch_all()

import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from hardware import speech  # noqa: E402

native_ident = monkey.get_original("_thread", "get_ident")
loop = native_ident()
engine_threads: list[int] = []
original_do = speech._Worker._do


def noting(self, job):  # type: ignore[no-untyped-def]
    engine_threads.append(native_ident())
    return original_do(self, job)


speech._Worker._do = noting  # type: ignore[method-assign]


def render(out: Path) -> dict[str, Any]:
    state = {"rendering": True, "beats_during": 0}

    def heartbeat() -> None:
        while state["rendering"]:
            gevent.sleep(0.001)
            state["beats_during"] += 1

    beat = gevent.spawn(heartbeat)
    gevent.sleep(0.01)
    state["beats_during"] = 0
    text = "请 A 零 零 一 号 到 三 号 窗口 办理。" * 12  # several seconds of speech
    speech.Pyttsx3Speech().save(text, str(out))
    state["rendering"] = False
    beat.join()
    return {"beats_during": state["beats_during"], "wav_bytes": out.stat().st_size}


def main() -> None:
    folder = Path(sys.argv[1])
    got: dict[str, Any] = {"loop": loop}
    worker = speech._shared_worker(None)
    got["command"] = {"used": worker._files_by_cli(), **render(folder / "command.wav")}
    worker._files_by_cli = lambda: False  # type: ignore[method-assign]
    got["engine"] = {**render(folder / "engine.wav"), "threads": sorted(set(engine_threads))}
    print(json.dumps(got))


if __name__ == "__main__":
    main()
