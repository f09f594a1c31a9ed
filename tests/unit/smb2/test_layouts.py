"""The SMB2 body declarations (smbemu.smb2.layouts): golden bytes both ways, one declaration per
command of the dispatch table, and the fast struct codecs proved equal to their declarations.

The golden bodies were captured from the struct implementation these declarations replaced
(commit e51663e), talking to the sans-I/O Connection: building the parsed fields must give the
same bytes back, and parsing must give the fields MS-SMB2 says they carry.
"""

from __future__ import annotations

import struct
from typing import Any

import construct as cs  # type: ignore[import-untyped]
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smbemu.errors import SmbStatusError
from smbemu.smb2.constants import HEADER_SIZE, Command, Fsctl
from smbemu.smb2.dispatch import COMMANDS
from smbemu.smb2.layouts import MESSAGES, build, files, parse, session
from smbemu.smb2.layouts import header as header_layouts
from smbemu.smb2.layouts.base import Body, field_names
from smbemu.status import NtStatus

h = bytes.fromhex
FILE_ID = h("01f7d5af906414ada5c7d46658d1d215")


def fields_of(container: Any) -> dict[str, Any]:
    """A parsed Container as plain fields (nested ones too), without construct's bookkeeping."""
    out = {}
    for key, value in container.items():
        if key.startswith("_"):
            continue
        out[key] = fields_of(value) if isinstance(value, dict) else (list(value) if isinstance(value, list) else value)
    return out


# ------------------------------------------------------------------ golden responses (captured)
GOLDEN_RESPONSES: list[tuple[str, Any, bytes, dict[str, Any]]] = [
    ("echo", session.EchoResponse, h("04000000"), {"reserved": 0}),
    ("logoff", session.LogoffResponse, h("04000000"), {"reserved": 0}),
    ("error", session.ErrorResponse, h("090000000000000000"), {"byte_count": 0, "error_data": b"\x00"}),
    ("tree_connect", session.TreeConnectResponse, h("100002003000000000000000ff011f00"),
     {"share_type": 2, "share_flags": 0x30, "capabilities": 0, "maximal_access": 0x001F01FF}),
    ("create", files.CreateResponse,
     h("5900000001000000000000000000000000000000000000000000000000000000000000000000000000100000000000000000000000000000"
       "800000000000000001f7d5af906414ada5c7d46658d1d2150000000000000000"),
     {"create_action": 1, "allocation_size": 4096, "file_attributes": 0x80, "file_id": FILE_ID, "buffer": b""}),
    ("close", files.CloseResponse, h("3c00" + "00" * 58), {"flags": 0, "allocation_size": 0, "file_attributes": 0}),
    ("close_postquery", files.CloseResponse,
     h("3c0001000000000000000000000000000000000000000000000000000000000000000000000000000010000000000000000000000000000080000000"),
     {"flags": 1, "allocation_size": 4096, "file_attributes": 0x80}),
    ("write", files.WriteResponse, h("11000000580000000000000000000000"), {"count": 0x58, "remaining": 0}),
    ("read", files.ReadResponse, h("110050000c000000000000000000000005000203100000000c000000"),
     {"data_offset": 0x50, "data_length": 12, "buffer": h("05000203100000000c000000")}),
    ("ioctl_peek", files.IoctlResponse,
     h("310000000c401100875e53c89fa826dee144af72a82c90df7000000000000000700000001000000000000000000000000300000000"
       "0000000000000000000000"),
     {"ctl_code": Fsctl.PIPE_PEEK, "output_offset": 0x70, "output_count": 16,
      "buffer": h("03000000000000000000000000000000")}),
    ("ioctl_pipe_wait", files.IoctlResponse,
     h("3100000018001100ffffffffffffffffffffffffffffffff700000000000000070000000000000000000000000000000"),
     {"ctl_code": Fsctl.PIPE_WAIT, "file_id": b"\xff" * 16, "output_count": 0, "buffer": b""}),
    ("query_info_standard", files.QueryInfoResponse, h("0900480018000000001000000000000000000000000000000100000001000000"),
     {"output_buffer_offset": 0x48, "output_buffer_length": 24,
      "buffer": h("001000000000000000000000000000000100000001000000")}),
    ("session_setup_challenge", session.SessionSetupResponse,
     h("090000004800e500a181e23081dfa0030a0101a10c060a2b06010401823702020aa281c90481c64e544c4d5353500002000000080008"
       "003000000005828900d8751f930c51d59100000000000000008e008e003800000043004f00520050000200080043004f00520050000100"
       "12004c00450047004100430059005300520056000400140063006f00720070002e006c006f00630061006c00030028006c006500670061"
       "00630079007300720076002e0063006f00720070002e006c006f00630061006c000500140063006f00720070002e006c006f0063006100"
       "6c00070008006cb56045f285dd0100000000"),
     {"session_flags": 0, "security_buffer_offset": 0x48, "security_buffer_length": 0xE5}),
    ("session_setup_done", session.SessionSetupResponse, h("0900010000000000"),
     {"session_flags": 1, "security_buffer_offset": 0, "security_buffer_length": 0, "buffer": b""}),
    ("negotiate_311", session.NegotiateResponse,
     h("41000100110303004f5b86f86160614191b1b7d1b88d31dd0400000000008000000080000000800087a76045f285dd010000000000000000"
       "80001e00a0000000601c06062b0601050502a0123010a00e300c060a2b06010401823702020a0000010026000000000001002000010"
       "0d3f9523196099590397a7635a0e5edb2771dbac9bcde871ffe95ff3feb3abb520000020004000000000001000200000000000800040"
       "00000000001000200"),
     {"dialect_revision": 0x0311, "negotiate_context_count": 3, "security_buffer_offset": 0x80,
      "security_buffer_length": 0x1E, "negotiate_context_offset": 0xA0}),
]


@pytest.mark.parametrize(("name", "layout", "golden", "expected"), GOLDEN_RESPONSES, ids=[g[0] for g in GOLDEN_RESPONSES])
def test_golden_responses_both_ways(name: str, layout: Any, golden: bytes, expected: dict[str, Any]) -> None:
    fields = fields_of(layout.parse(golden))
    for key, value in expected.items():
        assert fields[key] == value, key
    fields.pop("structure_size", None)
    assert build(layout, **fields) == golden
    assert cs.Struct(*layout.subcons).build(fields) == golden  # Body builds as cs.Struct


# --------------------------------------------------------------------- golden requests (as sent)
IPC = "\\\\127.0.0.1\\IPC$".encode("utf-16-le")
SRVSVC = "srvsvc".encode("utf-16-le")
GOLDEN_REQUESTS: list[tuple[str, Any, bytes, dict[str, Any], dict[str, Any]]] = [
    ("negotiate", session.NegotiateRequest,
     h("24000200010000007f00000043434343434343434343434343434343000000000000000002021003"), {},
     {"dialect_count": 2, "security_mode": 1, "capabilities": 0x7F, "dialects": [0x0202, 0x0310]}),
    ("session_setup", session.SessionSetupRequest,
     h("1900000100000000000000005800020000000000000000006040"), {},
     {"flags": 0, "security_mode": 1, "security_buffer_offset": 0x58, "security_buffer_length": 2, "buffer": b"\x60\x40"}),
    ("tree_connect", session.TreeConnectRequest, struct.pack("<HHHH", 9, 0, 72, len(IPC)) + IPC, {},
     {"flags": 0, "path_offset": 72, "path_length": len(IPC), "path": IPC}),
    ("tree_connect_311_extension", session.TreeConnectRequestWithExtension,
     struct.pack("<HHHHIIH", 9, 4, 0, 0, 0, 10, len(IPC)) + IPC, {},
     {"flags": 4, "extension": {"tree_connect_context_offset": 0, "path_offset": 10, "path_length": len(IPC)},
      "path": IPC}),
    ("create", files.CreateRequest,
     struct.pack("<HBBIQQIIIIIHHII", 57, 0, 0, 2, 0, 0, 0x0012019F, 0, 3, 1, 0x40, 120, len(SRVSVC), 0, 0) + SRVSVC, {},
     {"impersonation_level": 2, "desired_access": 0x0012019F, "share_access": 3, "create_disposition": 1,
      "create_options": 0x40, "name_offset": 120, "name": SRVSVC}),
    ("close", files.CloseRequest, struct.pack("<HHI16s", 24, 1, 0, FILE_ID), {}, {"flags": 1, "file_id": FILE_ID}),
    ("read", files.ReadRequest, struct.pack("<HBBIQ16sIIIHH", 49, 0x50, 0, 4280, 0, FILE_ID, 0, 0, 0, 0, 0) + b"\x00", {},
     {"padding": 0x50, "length": 4280, "file_id": FILE_ID, "buffer": b"\x00"}),
    ("write", files.WriteRequest, struct.pack("<HHIQ16sIIHHI", 49, 112, 3, 0, FILE_ID, 0, 0, 0, 0, 0) + b"abc", {},
     {"data_offset": 112, "length": 3, "file_id": FILE_ID, "buffer": b"abc"}),
    ("ioctl", files.IoctlRequest,
     struct.pack("<HHI16sIIIIIIII", 57, 0, Fsctl.PIPE_TRANSCEIVE, FILE_ID, 120, 3, 0, 0, 0, 4280, 1, 0) + b"xyz", {},
     {"ctl_code": Fsctl.PIPE_TRANSCEIVE, "input_offset": 120, "input_count": 3, "max_output_response": 4280,
      "flags": 1, "buffer": b"xyz"}),
    ("query_info", files.QueryInfoRequest, struct.pack("<HBBIHHIII16s", 41, 1, 5, 4096, 0, 0, 0, 0, 0, FILE_ID), {},
     {"info_type": 1, "file_info_class": 5, "output_buffer_length": 4096, "file_id": FILE_ID, "buffer": b""}),
    ("echo", session.EchoRequest, h("04000000"), {}, {"reserved": 0}),
    ("flush", files.FlushRequest, struct.pack("<HHI16s", 24, 0, 0, FILE_ID), {}, {"file_id": FILE_ID}),
    ("lock", files.LockRequest, struct.pack("<HHI16sQQII", 48, 1, 0, FILE_ID, 0, 10, 1, 0), {},
     {"lock_count": 1, "locks": [{"offset": 0, "length": 10, "flags": 1, "reserved": 0}]}),
    ("change_notify", files.ChangeNotifyRequest, struct.pack("<HHI16sII", 32, 0, 4096, FILE_ID, 0x17, 0), {},
     {"output_buffer_length": 4096, "completion_filter": 0x17}),
    ("oplock_break", files.OplockBreakAcknowledgment, struct.pack("<HBBI16s", 24, 1, 0, 0, FILE_ID), {},
     {"oplock_level": 1, "file_id": FILE_ID}),
    ("query_directory", files.QueryDirectoryRequest,
     struct.pack("<HBBI16sHHI", 33, 37, 0, 0, FILE_ID, 96, 2, 65536) + b"*\x00", {},
     {"file_information_class": 37, "file_name_length": 2, "buffer": b"*\x00"}),
    ("set_info", files.SetInfoRequest, struct.pack("<HBBIHHI16s", 33, 1, 4, 4, 96, 0, 0, FILE_ID) + b"\x01\x00\x00\x00",
     {}, {"info_type": 1, "file_info_class": 4, "buffer": b"\x01\x00\x00\x00"}),
]


@pytest.mark.parametrize(("name", "layout", "golden", "params", "expected"), GOLDEN_REQUESTS,
                         ids=[g[0] for g in GOLDEN_REQUESTS])
def test_golden_requests_both_ways(name: str, layout: Any, golden: bytes, params: dict[str, Any],
                                   expected: dict[str, Any]) -> None:
    fields = fields_of(parse(layout, golden, **params))
    for key, value in expected.items():
        assert fields[key] == value, key
    fields.pop("structure_size")
    assert layout.build(fields, **params) == golden


def test_negotiate_contexts_golden() -> None:
    """MS-SMB2 2.2.3.1 contexts as the 3.1.1 request above carries them, and the server's answers."""
    preauth = h("0100260000000000" + "010020000100") + b"S" * 32  # as the 3.1.1 request carries it
    context = session.NegotiateContext.parse(preauth)
    assert (context.context_type, context.data_length) == (1, 0x26)
    capabilities = session.PreauthIntegrityCapabilities.parse(context.data)
    assert list(capabilities.hash_algorithms) == [1] and capabilities.salt == b"S" * 32
    assert session.NegotiateContext.build(fields_of(context)) == preauth
    assert build(session.EncryptionCapabilities, cipher_count=1, ciphers=[2]) == h("01000200")
    assert build(session.SigningCapabilities, signing_algorithm_count=1, signing_algorithms=[2]) == h("01000200")
    with pytest.raises(SmbStatusError):
        parse(session.EncryptionCapabilities, h("0000"))  # CipherCount 0 is malformed


FSCC_GOLDEN = [  # QUERY_INFO answers captured per class (MS-FSCC 2.4)
    (files.FileBasicInformation, h("00" * 32 + "8000000000000000")),
    (files.FileStandardInformation, h("001000000000000000000000000000000100000001000000")),
    (files.FileInternalInformation, h("0000000000000000")),
    (files.FileEaInformation, h("00000000")),
    (files.FileAccessInformation, h("9f011200")),
    (files.FilePipeInformation, h("0100000000000000")),
    (files.FilePipeLocalInformation, h("0100000002000000ffffffff01000000001000000000000000100000001000000300000001000000")),
    (files.FileNetworkOpenInformation, h("00" * 32 + "0010000000000000" + "00" * 8 + "8000000000000000")),
    (files.ValidateNegotiateInfoResponse, h("4400000043434343434343434343434343434343" + "01000003")),
    (files.FsctlPipeWaitRequest, h("0000000000000000" + "0c000000" + "0000") + SRVSVC),
]


@pytest.mark.parametrize(("layout", "golden"), FSCC_GOLDEN)
def test_payload_golden_both_ways(layout: Any, golden: bytes) -> None:
    assert layout.build(fields_of(layout.parse(golden))) == golden


# ------------------------------------------------------------------------ one row per command
def test_every_command_has_a_request_and_a_response_declaration() -> None:
    assert set(MESSAGES) == set(COMMANDS)
    for command, spec in COMMANDS.items():
        request, response = MESSAGES[command]
        assert isinstance(request, cs.Struct), Command(command).name
        # The StructureSize the connection checks is the one the declaration states (MS-SMB2 2.2.x).
        assert request.subcons[0].name == "structure_size"
        assert request.subcons[0].subcon.value == spec.structure_size, Command(command).name
        if command == Command.CANCEL:
            assert response is None  # never answered (MS-SMB2 3.3.5.16)
        else:
            assert isinstance(response, cs.Struct), Command(command).name
            assert response.subcons[0].name == "structure_size"


def test_the_error_body_the_connection_sends_is_the_declared_one() -> None:
    from smbemu.smb2 import engine

    assert engine.ERROR_BODY is session.ERROR_BODY
    # MS-SMB2 2.2.2: StructureSize 9, ErrorContextCount 0, Reserved, ByteCount 0, one pad byte.
    assert session.ERROR_BODY == build(session.ErrorResponse, error_context_count=0, reserved=0,
                                       byte_count=0, error_data=b"\x00") == b"\x09" + bytes(8)


def test_construct_errors_become_invalid_parameter() -> None:
    for body in (b"\x18\x00", struct.pack("<HHI", 24, 0, 0) + b"short"):
        with pytest.raises(SmbStatusError) as raised:
            parse(files.CloseRequest, body)  # StreamError
        assert raised.value.status == NtStatus.INVALID_PARAMETER
    with pytest.raises(SmbStatusError) as raised:
        parse(files.CloseRequest, struct.pack("<HHI16s", 25, 0, 0, FILE_ID))  # ConstError
    assert raised.value.status == NtStatus.INVALID_PARAMETER
    with pytest.raises(SmbStatusError) as raised:  # ValidationError: the name starts inside the fixed part
        parse(files.CreateRequest, struct.pack("<HBBIQQIIIIIHHII", 57, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0, 64, 2, 0, 0) + b"x\x00")
    assert raised.value.status == NtStatus.INVALID_PARAMETER


# ================================================================ fast codecs vs declarations
u8, u16, u32, u64 = (st.integers(0, 2**bits - 1) for bits in (8, 16, 32, 64))
# Offsets near the fixed part's end and lengths near the body's, where the checks bite.
near = st.one_of(st.integers(0, 200), u16)


def declared(layout: Any, body: bytes) -> tuple[Any, ...] | int:
    """The declaration's fields in wire order, or the status it fails with."""
    try:
        fields = parse(layout, body)
    except SmbStatusError as exc:
        return exc.status
    return tuple(fields[name] for name in field_names(layout))


def fast(codec: Any, body: bytes) -> tuple[Any, ...] | int:
    try:
        return tuple(codec(memoryview(body)))
    except SmbStatusError as exc:
        return exc.status


FAST = settings(max_examples=300, deadline=None, derandomize=True, database=None)


@FAST
@given(st.sampled_from([49, 49, 49, 48]), u8, u8, u32, u64, st.binary(min_size=16, max_size=16), u32, u32, u32, u16,
       u16, st.binary(max_size=40), st.integers(0, 90))
def test_read_request_codec_is_the_declaration(size: int, padding: int, flags: int, length: int, offset: int,
                                               file_id: bytes, minimum: int, channel: int, remaining: int,
                                               info_offset: int, info_length: int, tail: bytes, cut: int) -> None:
    body = struct.pack("<HBBIQ16sIIIHH", size, padding, flags, length, offset, file_id, minimum, channel, remaining,
                       info_offset, info_length) + tail
    for data in (body, body[:cut]):  # whole, and truncated anywhere
        fields = declared(files.ReadRequest, data)
        if isinstance(fields, tuple):  # the Buffer is not read by the fast codec: the rest of the body
            fields, buffer = fields[:-1], fields[-1]
            assert buffer == data[48:]
        assert fast(files.parse_read_request, data) == fields


@FAST
@given(st.sampled_from([49, 49, 49, 17]), near, st.one_of(st.integers(0, 64), u32), u64,
       st.binary(min_size=16, max_size=16), u32, u32, u16, u16, u32, st.binary(max_size=80), st.integers(0, 130))
def test_write_request_codec_is_the_declaration(size: int, data_offset: int, length: int, offset: int, file_id: bytes,
                                                channel: int, remaining: int, info_offset: int, info_length: int,
                                                flags: int, tail: bytes, cut: int) -> None:
    body = struct.pack("<HHIQ16sIIHHI", size, data_offset, length, offset, file_id, channel, remaining, info_offset,
                       info_length, flags) + tail
    for data in (body, body[:cut]):
        assert fast(files.parse_write_request, data) == declared(files.WriteRequest, data)


@FAST
@given(st.sampled_from([57, 57, 57, 49]), u16, u32, st.binary(min_size=16, max_size=16), near,
       st.one_of(st.integers(0, 64), u32), u32, u32, u32, u32, u32, u32, st.binary(max_size=80), st.integers(0, 140))
def test_ioctl_request_codec_is_the_declaration(size: int, reserved: int, ctl_code: int, file_id: bytes,
                                                input_offset: int, input_count: int, max_input: int,
                                                output_offset: int, output_count: int, max_output: int, flags: int,
                                                reserved2: int, tail: bytes, cut: int) -> None:
    body = struct.pack("<HHI16sIIIIIIII", size, reserved, ctl_code, file_id, input_offset, input_count, max_input,
                       output_offset, output_count, max_output, flags, reserved2) + tail
    for data in (body, body[:cut]):
        assert fast(files.parse_ioctl_request, data) == declared(files.IoctlRequest, data)


@FAST
@given(st.binary(max_size=300))
def test_read_response_codec_is_the_declaration(data: bytes) -> None:
    fields = dict(data_offset=HEADER_SIZE + 16, reserved=0, data_length=len(data), data_remaining=0, reserved2=0,
                  buffer=data)
    assert files.read_response(data) == build(files.ReadResponse, **fields)
    assert files.ReadResponse.parse(files.read_response(data)).buffer == data


@FAST
@given(u32)
def test_write_response_codec_is_the_declaration(count: int) -> None:
    fields = dict(reserved=0, count=count, remaining=0, write_channel_info_offset=0, write_channel_info_length=0)
    assert files.write_response(count) == build(files.WriteResponse, **fields)


@FAST
@given(u32, st.binary(min_size=16, max_size=16), st.binary(max_size=300))
def test_ioctl_response_codec_is_the_declaration(ctl_code: int, file_id: bytes, output: bytes) -> None:
    fields = dict(reserved=0, ctl_code=ctl_code, file_id=file_id, input_offset=files.IOCTL_OUTPUT_OFFSET,
                  input_count=0, output_offset=files.IOCTL_OUTPUT_OFFSET, output_count=len(output), flags=0,
                  reserved2=0, buffer=output)
    assert files.ioctl_response(ctl_code, file_id, output) == build(files.IoctlResponse, **fields)


def test_constant_answers_are_built_by_their_declarations() -> None:
    assert session.ECHO_RESPONSE == session.EchoResponse.build(dict(reserved=0)) == b"\x04\x00\x00\x00"
    assert session.LOGOFF_RESPONSE == session.TREE_DISCONNECT_RESPONSE == session.ECHO_RESPONSE


# ======================================================= Body interprets as cs.Struct does
DECLARATIONS = {
    f"{module.__name__.rsplit('.', 1)[1]}.{name}": value
    for module in (session, files, header_layouts) for name, value in vars(module).items() if isinstance(value, Body)
}
SAMPLES: dict[int, list[bytes]] = {}
for _name, _layout, _golden, *_ in [*GOLDEN_RESPONSES, *GOLDEN_REQUESTS]:
    SAMPLES.setdefault(id(_layout), []).append(_golden)
for _layout, _golden in FSCC_GOLDEN:
    SAMPLES.setdefault(id(_layout), []).append(_golden)


def twin(layout: Any) -> Any:
    """The same declaration as a plain cs.Struct."""
    return cs.Struct(*layout.subcons)


def outcome(function: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        result = function(*args, **kwargs)
    except Exception as exc:  # the exception's type is the outcome
        return type(exc)
    return fields_of(result) if isinstance(result, dict) else result


@pytest.mark.parametrize("name", sorted(DECLARATIONS))
@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(data=st.data())
def test_body_parses_and_builds_as_cs_struct(name: str, data: Any) -> None:
    layout = DECLARATIONS[name]
    samples = SAMPLES.get(id(layout), [])
    first = layout.subcons[0]
    prefix = struct.pack("<H", first.subcon.value) if first.name == "structure_size" else b""
    body = data.draw(st.one_of(
        st.sampled_from(samples) if samples else st.nothing(),
        st.binary(max_size=120).map(lambda tail: prefix + tail),
        st.binary(max_size=120),
    ))
    edits = data.draw(st.lists(st.tuples(st.integers(0, 200), st.integers(0, 255)), max_size=3))
    for position, value in edits:
        if position < len(body):
            body = body[:position] + bytes([value]) + body[position + 1 :]
    body = body[: data.draw(st.integers(0, len(body)))] if data.draw(st.booleans()) else body
    parsed = outcome(layout.parse, body)
    assert parsed == outcome(twin(layout).parse, body)
    if isinstance(parsed, dict):
        assert outcome(layout.build, parsed) == outcome(twin(layout).build, parsed)
        # Values construct refuses (out of range, wrong type or length) fail the same way.
        for key in [k for k in parsed if not isinstance(parsed[k], (dict, list))][:4]:
            bad = data.draw(st.sampled_from([-1, 2**64, b"\x00" * 3, None, "text"]))
            changed = dict(parsed, **{key: bad})
            assert outcome(layout.build, changed) == outcome(twin(layout).build, changed)


@FAST
@given(u8, u8, u32, st.tuples(u64, u64, u64, u64, u64, u64), u32, st.binary(min_size=16, max_size=16))
def test_create_response_builds_as_cs_struct(oplock: int, flags: int, action: int, times: tuple[int, ...],
                                             attributes: int, file_id: bytes) -> None:
    fields = dict(oplock_level=oplock, flags=flags, create_action=action, creation_time=times[0],
                  last_access_time=times[1], last_write_time=times[2], change_time=times[3],
                  allocation_size=times[4], end_of_file=times[5], file_attributes=attributes, reserved2=0,
                  file_id=file_id, create_contexts_offset=0, create_contexts_length=0, buffer=b"")
    assert build(files.CreateResponse, **fields) == twin(files.CreateResponse).build(fields)


@FAST
@given(u16, st.binary(max_size=200))
def test_buffered_responses_build_as_cs_struct(flags: int, blob: bytes) -> None:
    setup = dict(session_flags=flags, security_buffer_offset=HEADER_SIZE + 8 if blob else 0,
                 security_buffer_length=len(blob), buffer=blob)
    assert build(session.SessionSetupResponse, **setup) == twin(session.SessionSetupResponse).build(setup)
    query = dict(output_buffer_offset=HEADER_SIZE + 8, output_buffer_length=len(blob), buffer=blob)
    assert build(files.QueryInfoResponse, **query) == twin(files.QueryInfoResponse).build(query)


# ------------------------------------------------------- the 64-byte header (MS-SMB2 2.2.1)
@FAST
@given(st.sampled_from([b"\xfeSMB", b"\xfeSMB", b"\xfeSMB", b"\xffSMB"]), st.sampled_from([64, 64, 64, 65]), u16,
       u32, u16, u16, st.sampled_from([0, 0x1, 0x2, 0x4, 0x8, 0x3, 0x6, 0x10000000]), u32, u64, u32, u32, u64,
       st.binary(min_size=16, max_size=16), st.integers(0, 70))
def test_header_codec_is_the_declaration(magic: bytes, size: int, charge: int, status: int, command: int,
                                         credits: int, flags: int, next_command: int, message_id: int, low: int,
                                         high: int, session_id: int, signature: bytes, cut: int) -> None:
    from smbemu.smb2.header import ASYNC_COMMAND, SERVER_TO_REDIR, parse_request_header

    raw = struct.pack("<4sHHIHHIIQIIQ16s", magic, size, charge, status, command, credits, flags, next_command,
                      message_id, low, high, session_id, signature)
    for data in (raw, raw[:cut]):
        header = parse_request_header(memoryview(data))
        layout = header_layouts.Smb2AsyncHeader if flags & ASYNC_COMMAND else header_layouts.Smb2SyncHeader
        try:
            declared = layout.parse(data)
        except cs.ConstructError:
            assert header is None
            continue
        if declared.flags & SERVER_TO_REDIR:  # a response, not a request
            assert header is None
            continue
        assert header is not None
        assert (header.credit_charge, header.channel_sequence, header.command, header.credit_request, header.flags,
                header.next_command, header.message_id, header.session_id, header.signature) == (
            declared.credit_charge, declared.status & 0xFFFF, declared.command, declared.credit_request_response,
            declared.flags, declared.next_command, declared.message_id, declared.session_id, declared.signature)
        if layout is header_layouts.Smb2AsyncHeader:
            assert (header.async_id, header.tree_id) == (declared.async_id, 0)
        else:
            assert (header.async_id, header.tree_id) == (0, declared.tree_id)


@FAST
@given(u16, u32, u16, u16, u64, u32, u64, st.one_of(st.none(), u64), st.sampled_from([0, 0x4, 0x70000000]))
def test_response_header_codec_is_the_declaration(command: int, status: int, credits: int, charge: int,
                                                  message_id: int, tree_id: int, session_id: int,
                                                  async_id: int | None, flags: int) -> None:
    from smbemu.smb2.header import ASYNC_COMMAND, SERVER_TO_REDIR, build_response_header

    built = build_response_header(command=command, status=status, message_id=message_id, credits=credits,
                                  credit_charge=charge, session_id=session_id, tree_id=tree_id, async_id=async_id,
                                  flags=flags)
    common = dict(credit_charge=charge, status=status, command=command, credit_request_response=credits,
                  next_command=0, message_id=message_id, session_id=session_id, signature=bytes(16))
    if async_id is None:
        expected = build(header_layouts.Smb2SyncHeader, **common, flags=flags | SERVER_TO_REDIR, reserved=0,
                         tree_id=tree_id)
    else:
        expected = build(header_layouts.Smb2AsyncHeader, **common, flags=flags | SERVER_TO_REDIR | ASYNC_COMMAND,
                         async_id=async_id)
    assert built == expected
