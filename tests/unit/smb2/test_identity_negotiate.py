"""Issue 13: the SMB 3.1.1 negotiate contexts a Windows 10 2004 / 11-class client sends, answered as
each profile's release answers them (MS-SMB2 3.3.5.4) -- a recorded Windows client replayed, sans I/O."""

from __future__ import annotations

import struct
from typing import Any

import pytest

from helpers import build_config
from smbemu.connection import Connection
from smbemu.smb2.constants import CompressionAlgorithm, RdmaTransform, SigningAlgorithm
from smbemu.status import NtStatus
from smb2raw import responses

# The client NEGOTIATE of frame 4 in zeek testing/btest/Traces/smb/smb3_multichannel.pcap (a
# Windows 10 2004 client, 10.0.19041): dialects 2.0.2-3.1.1, capabilities 0x7F, CreditRequest 33,
# contexts PREAUTH (SHA-512), ENCRYPTION (GCM, CCM), COMPRESSION (PATTERN_V1, LZ77, LZ77+Huffman,
# LZNT1, chained), NETNAME ("172.17.0.189") and TRANSPORT (flags 0).
WINDOWS_CLIENT_NEGOTIATE = bytes.fromhex(
    "fe534d4240000100000000000000210010000000000000000000000000000000fffe0000000000000000000000000000"
    "0000000000000000000000000000000024000500010000007f0000003896c99e8322eb11b7bb005056992e1470000000"
    "050000000202100200030203110300000100260000000000010020000100d0dffac55b48d275c822286107fcbfb6c0bd"
    "37549c9a205c5860f9e198c38cde00000200060000000000020002000100000003001000000000000400000001000000"
    "040002000300010005001800000000003100370032002e00310037002e0030002e00310038003900060004000000000000"
    "000000"
)


def _with_contexts(message: bytes, extra: list[tuple[int, bytes]]) -> bytes:
    """`message` with `extra` contexts appended (each 8-byte aligned) and the count raised."""
    message += bytes(-len(message) % 8)
    for index, (kind, data) in enumerate(extra):
        context = struct.pack("<HHI", kind, len(data), 0) + data
        message += context + (bytes(-len(context) % 8) if index != len(extra) - 1 else b"")
    count = struct.unpack_from("<H", message, 64 + 32)[0]
    return message[: 64 + 32] + struct.pack("<H", count + len(extra)) + message[64 + 34 :]


# What a Windows 11-class client adds: SMB2_RDMA_TRANSFORM_CAPABILITIES (ENCRYPTION, SIGNING) and
# SMB2_SIGNING_CAPABILITIES (AES-GMAC, AES-CMAC, HMAC-SHA256), MS-SMB2 2.2.3.1.6 / 2.2.3.1.7.
WINDOWS_11_CLIENT_NEGOTIATE = _with_contexts(WINDOWS_CLIENT_NEGOTIATE, [
    (7, struct.pack("<HHIHH", 2, 0, 0, RdmaTransform.ENCRYPTION, RdmaTransform.SIGNING)),
    (8, struct.pack("<HHHH", 3, SigningAlgorithm.AES_GMAC, SigningAlgorithm.AES_CMAC, SigningAlgorithm.HMAC_SHA256)),
])


def _answer(profile: str, message: bytes) -> tuple[dict[str, Any], dict[int, bytes], Connection]:
    conn = Connection(build_config(profile))
    (answer,) = responses(conn.receive_data(struct.pack(">I", len(message)) + message))
    assert answer["status"] == NtStatus.SUCCESS
    body = answer["body"]
    dialect, count = struct.unpack_from("<HH", body, 4)
    assert dialect == 0x0311
    offset = struct.unpack_from("<I", body, 60)[0] - 64
    contexts: dict[int, bytes] = {}
    for _ in range(count):
        offset += -offset % 8
        kind, length = struct.unpack_from("<HH", body, offset)
        contexts[kind] = bytes(body[offset + 8 : offset + 8 + length])
        offset += 8 + length
    return answer, contexts, conn


@pytest.mark.parametrize("profile", ["win2016", "win2019"])
def test_releases_without_compression_ignore_it(profile: str) -> None:
    """10.0.14393 in suricata-verify tests/dcerpc/dcerpc-ctxids answers a client offering
    compression and a netname with PREAUTH and ENCRYPTION only."""
    answer, contexts, conn = _answer(profile, WINDOWS_CLIENT_NEGOTIATE)
    assert sorted(contexts) == [1, 2]
    assert struct.unpack("<HH", contexts[2]) == (1, 2)  # AES-128-GCM
    assert answer["credits"] == 1  # asked 33 (the capture's server granted 1)
    assert conn.smb2.signing_algorithm == SigningAlgorithm.AES_CMAC


def test_2022_answers_compression_with_none() -> None:
    """2022 knows SMB2_COMPRESSION_CAPABILITIES; smbemu answers CompressionAlgorithmCount 1, NONE,
    no chaining (policies/win2022.yaml: MS-SMB2 2.2.4.1.3 / 3.2.4.1.9), and nothing to the TRANSPORT
    and NETNAME contexts (as 10.0.19041 in the same capture)."""
    _, contexts, _ = _answer("win2022", WINDOWS_CLIENT_NEGOTIATE)
    assert sorted(contexts) == [1, 2, 3]
    assert contexts[3] == struct.pack("<HHIH", 1, 0, 0, CompressionAlgorithm.NONE)


def test_2022_answers_a_windows_11_client() -> None:
    _, contexts, conn = _answer("win2022", WINDOWS_11_CLIENT_NEGOTIATE)
    assert sorted(contexts) == [1, 2, 3, 7, 8]
    assert contexts[7] == struct.pack("<HHIHH", 2, 0, 0, RdmaTransform.ENCRYPTION, RdmaTransform.SIGNING)
    assert contexts[8] == struct.pack("<HH", 1, SigningAlgorithm.AES_GMAC)
    assert conn.smb2.signing_algorithm == SigningAlgorithm.AES_GMAC


def test_2019_ignores_the_windows_11_contexts() -> None:
    _, contexts, conn = _answer("win2019", WINDOWS_11_CLIENT_NEGOTIATE)
    assert sorted(contexts) == [1, 2]
    assert conn.smb2.signing_algorithm == SigningAlgorithm.AES_CMAC


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        (3, struct.pack("<HHI", 0, 0, 0)),  # CompressionAlgorithmCount 0
        (7, struct.pack("<HHI", 0, 0, 0)),  # TransformCount 0
    ],
)
def test_empty_lists_are_invalid(kind: int, data: bytes) -> None:
    """MS-SMB2 3.3.5.4: a count of 0 in these contexts fails the NEGOTIATE with
    STATUS_INVALID_PARAMETER (2022, which reads them)."""
    recorded = _strip_compression(WINDOWS_CLIENT_NEGOTIATE) if kind == 3 else WINDOWS_CLIENT_NEGOTIATE
    message = _with_contexts(recorded, [(kind, data)])
    conn = Connection(build_config("win2022"))
    (answer,) = responses(conn.receive_data(struct.pack(">I", len(message)) + message))
    assert answer["status"] == NtStatus.INVALID_PARAMETER


def _strip_compression(message: bytes) -> bytes:
    """The recorded request with its COMPRESSION context's type changed to an unknown one (0x00FF),
    so an added one is the only one."""
    marker = bytes.fromhex("03001000")
    position = message.index(marker, 64 + 36)
    return message[:position] + bytes.fromhex("ff001000") + message[position + 4 :]
