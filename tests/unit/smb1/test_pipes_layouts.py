"""The SMB1 pipe layouts (smbemu.smb1.layouts.files / trans): each `Fixed` part's struct codec
reads and writes exactly what its construct declaration does, and the sizes are MS-CIFS's."""

from __future__ import annotations

import random

import pytest

from smbemu.errors import SmbStatusError
from smbemu.smb1.layouts import files, trans
from smbemu.smb1.layouts.files import Fixed

LAYOUTS = {name: value for module in (files, trans) for name, value in vars(module).items() if isinstance(value, Fixed)}

#: Word counts from MS-CIFS 2.2.4.x / MS-SMB 2.2.4.x, in bytes, without the AndX block of AndX
#: commands (the engine reads and writes that).
SIZES = {
    "NtCreateAndxRequest": 2 * 0x18 - 4, "NtCreateAndxResponse": 2 * 0x22 - 4,
    "NtCreateAndxExtendedResponse": 2 * 50 - 4, "OpenAndxRequest": 2 * 0x0F - 4,
    "OpenAndxResponse": 2 * 0x0F - 4, "OpenAndxExtendedResponse": 2 * 0x13 - 4,
    "ReadAndxRequest": 2 * 0x0A - 4, "ReadAndxRequest64": 2 * 0x0C - 4, "ReadAndxResponse": 2 * 0x0C - 4,
    "WriteAndxRequest": 2 * 0x0C - 4, "WriteAndxRequest64": 2 * 0x0E - 4, "WriteAndxResponse": 2 * 0x06 - 4,
    "CloseRequest": 2 * 0x03, "NtCancelRequest": 0, "TransactionRequest": 2 * 0x0E,
    "TransactionSecondaryRequest": 2 * 0x08, "Transaction2SecondaryRequest": 2 * 0x09,
    "TransactionResponse": 2 * 0x0A, "NmPipeInfoLevel1": 7, "PeekNmPipeParameters": 6,
}


@pytest.mark.parametrize("name", sorted(SIZES))
def test_word_counts_are_the_specifications(name: str) -> None:
    assert LAYOUTS[name].sizeof() == LAYOUTS[name].declaration.sizeof() == SIZES[name]


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_the_struct_codec_reads_and_writes_as_the_declaration(name: str) -> None:
    layout = LAYOUTS[name]
    rng = random.Random(name)
    for _ in range(50):
        data = bytes(rng.randrange(256) for _ in range(layout.sizeof() + rng.randrange(3)))
        fast = layout.parse(data)
        slow = layout.declaration.parse(data)
        assert fast._asdict() == {key: value for key, value in slow.items() if not key.startswith("_")}
        assert layout.build(**fast._asdict()) == layout.declaration.build(slow) == data[: layout.sizeof()]


@pytest.mark.parametrize("name", sorted(name for name in LAYOUTS if LAYOUTS[name].sizeof()))
def test_a_short_part_is_invalid_parameter(name: str) -> None:
    with pytest.raises(SmbStatusError) as excinfo:
        LAYOUTS[name].parse(bytes(LAYOUTS[name].sizeof() - 1))
    assert excinfo.value.status == 0xC000000D


def test_strings_unicode_aligned_and_oem() -> None:
    raw = b"\x00" * 33 + b"\x00" + "\\srvsvc\x00junk".encode("utf-16-le")
    assert files.smb_string(raw, 33, len(raw), unicode=True) == "\\srvsvc"
    raw = b"\x00" * 33 + b"\\PIPE\\LANMAN\x00rest"
    assert files.smb_string(raw, 33, len(raw), unicode=False) == "\\PIPE\\LANMAN"
    assert files.smb_string(b"\x00" * 34 + "ab".encode("utf-16-le"), 34, 38, unicode=True) == "ab"  # no NUL


def test_setup_words() -> None:
    assert trans.setup_words(trans.pack_setup_words((0x26, 0x4000)) + b"xx", 2) == (0x26, 0x4000)
    with pytest.raises(SmbStatusError):
        trans.setup_words(b"\x26\x00", 2)
