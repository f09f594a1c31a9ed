"""Coverage-guided fuzzing of the sans-I/O `Connection` with atheris (libFuzzer), by hand.

The hypothesis fuzzer in `test_fuzz.py` runs in CI; this one runs as long as you let it and
steers mutations by the branches they reach. An input is one client conversation: Direct TCP
frames one after another (the seeds' frames, joined). It is cut into frames by their length
prefixes, ids are rewritten to the live server's as `harness.replay` does, and the same checks
apply: nothing escapes `receive_data`, nothing is logged as an internal error, every answer is
a well-formed SMB2 or SMB1 frame (`smb1_frames`).

    .venv/bin/pip install atheris
    mkdir -p /tmp/smbemu-corpus && .venv/bin/python tests/fuzz/atheris_connection.py --write-seeds /tmp/smbemu-corpus
    .venv/bin/python tests/fuzz/atheris_connection.py /tmp/smbemu-corpus -max_total_time=600 -rss_limit_mb=4096

A failing input is written as crash-<sha1> in the current directory; rerun it with
`.venv/bin/python tests/fuzz/atheris_connection.py crash-<sha1>`.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent))

with atheris.instrument_imports(include=["smbemu", "smbemu_pipes"]):
    from harness import ErrorLog, load_seeds, replay

    from smbemu.builder import build_config

    logging.getLogger("smbemu").setLevel(logging.ERROR)
    # win2000 has no SMB2 dialect (it spoke only SMB1); the seeds are SMB2 traffic, so the lab
    # convenience of tests/helpers.py: the policy of Windows 2000 over SMB 2.0.2.
    CONFIG = build_config("win2000", overrides=["smb.dialects=2.0.2"])


def frames_of(data: bytes) -> list[bytes]:
    """Cut a conversation into Direct TCP frames by their length prefixes; a bad or short tail
    is sent as it is (the server must cope with that too)."""
    frames = []
    offset = 0
    while offset + 4 <= len(data):
        end = offset + 4 + int.from_bytes(data[offset + 1 : offset + 4], "big")
        if data[offset] != 0 or end > len(data):
            break
        frames.append(data[offset:end])
        offset = end
    if offset < len(data):
        frames.append(data[offset:])
    return frames[:64]


def test_one_input(data: bytes) -> None:
    with ErrorLog() as errors:
        replay(CONFIG, frames_of(data))  # raises harness.Malformed on a bad answer
        errors.check()


def main() -> None:
    if sys.argv[1:2] == ["--write-seeds"]:
        target = Path(sys.argv[2])
        for name, frames in load_seeds().items():
            (target / name).write_bytes(b"".join(frames))
        print(f"wrote {len(load_seeds())} seeds to {target}")
        return
    # Modules smbemu imports lazily (inside functions) load on the first conversations: run the
    # seeds once, then instrument everything loaded so that their branches guide the fuzzer too.
    for frames in load_seeds().values():
        replay(CONFIG, frames)
    atheris.instrument_all()
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
