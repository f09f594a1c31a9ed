"""What a real server said about itself in a capture: the SMB1, SMB2, NTLM and DCE/RPC answers
that carry its wire identity, read with smbemu's own frame layouts.

`read_capture` walks every TCP stream of the capture (`smbemu.pcap_reader`), frames it as the
NetBIOS session service does (RFC 1002 4.3.1; Direct TCP on 445 uses the same 4-byte header,
MS-SMB2 2.1) or as bare DCE/RPC PDUs (C706 12.6: a dynamic endpoint or 135), and keeps from the
*server's* messages:

* SMB1 NEGOTIATE response (MS-CIFS 2.2.4.52.2; MS-SMB 2.2.4.5.2): the parameter words, the
  dialect chosen among the request's, the SPNEGO mechanisms of extended security;
* SMB1 SESSION_SETUP_ANDX response (MS-SMB 2.2.4.6.2; MS-CIFS 2.2.4.53.2): NativeOS and
  NativeLanMan, and the NTLM CHALLENGE it carries;
* SMB2 NEGOTIATE response (MS-SMB2 2.2.4): dialect, security mode, capabilities, sizes,
  ServerStartTime, the NegTokenInit2 (MS-SPNG 2.2.1) and the 3.1.1 contexts; with the request it
  answers (the dialects and capabilities the client offered);
* the NTLM CHALLENGE_MESSAGE (MS-NLMP 2.2.1.2) of SMB1 / SMB2 SESSION_SETUP and of DCE/RPC
  bind_ack auth verifiers: VERSION, flags, target name, AV pairs;
* TREE_CONNECT to IPC$ (MS-SMB2 2.2.10 MaximalAccess; MS-SMB 2.2.4.7.2 MaximalShareAccessRights);
* DCE/RPC bind_ack (C706 12.6.4.4): secondary address, the transfer syntax chosen, together with
  the syntaxes the bind offered.

Only the first server that answers is read (a capture may hold several). Messages that do not
parse are counted and skipped; nothing here raises on bad network data except `CaptureError`
for a file that is not a capture at all.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import construct as cs  # type: ignore[import-untyped]

from smbemu.auth import spnego
from smbemu.auth.ntlm_messages import (
    AvId,
    ChallengeMessage,
    MessageType,
    NegotiateMessage,
    NtlmError,
    message_type,
    parse_av_pairs,
)
from smbemu.errors import SmbStatusError
from smbemu.pcap_reader import TcpStream, tcp_streams
from smbemu.rpc.pdu.codec import parse_pdu
from smbemu.rpc.pdu.messages import AlterContext, AlterContextResp, Bind, BindAck, PduError
from smbemu.smb1.layouts.files import smb_string
from smbemu.smb1.layouts.negotiate import ExtendedSecurityData, NegotiateResponseWords
from smbemu.smb1.layouts.session import TreeConnectExtendedResponse
from smbemu.smb2.layouts.base import parse
from smbemu.smb2.layouts.session import (
    SMB2_TREE_CONNECT_FLAG_EXTENSION_PRESENT,
    NegotiateContext,
    NegotiateRequest,
    NegotiateResponse,
    SessionSetupRequest,
    SessionSetupResponse,
    TreeConnectRequest,
    TreeConnectRequestWithExtension,
    TreeConnectResponse,
)

__all__ = ["WireFacts", "facts_from_frames", "read_capture", "smb_frames"]

_SMB1, _SMB2, _TRANSFORM = b"\xffSMB", b"\xfeSMB", b"\xfdSMB"
_NBSS_MESSAGE = 0x00  # RFC 1002 4.3.1 SESSION MESSAGE; 0x81-0x85 are session set-up and keep-alive
_SMB2_HEADER = struct.Struct("<4sHHIHHIIQ")  # ProtocolId .. MessageId (MS-SMB2 2.2.1)
_SMB2_SERVER_TO_REDIR = 0x1
_SMB2_NEGOTIATE, _SMB2_SESSION_SETUP, _SMB2_TREE_CONNECT, _SMB2_READ, _SMB2_IOCTL = 0, 1, 3, 8, 11
_SMB1_REPLY, _SMB1_UNICODE = 0x80, 0x8000
_SMB1_NEGOTIATE, _SMB1_SESSION_SETUP, _SMB1_TREE_CONNECT = 0x72, 0x73, 0x75
_SMB1_TRANSACTION, _SMB1_READ_ANDX, _SMB1_WRITE_ANDX = 0x25, 0x2E, 0x2F
_RPC_BIND, _RPC_BIND_ACK, _RPC_ALTER, _RPC_ALTER_RESP = 11, 12, 14, 15
_WILDCARD_DIALECT = 0x02FF  # MS-SMB2 2.2.4: the answer to a multi-protocol SMB1 NEGOTIATE


@dataclass
class WireFacts:
    """Everything read about one server. None = not seen in the capture."""

    capture: str
    server: tuple[str, int] | None = None
    other_servers: list[str] = field(default_factory=list)
    smb1_dialect: str | None = None
    smb1_negotiate: dict[str, Any] | None = None  # NegotiateResponseWords fields
    smb1_extended_security: bool | None = None
    smb1_mechs: tuple[str, ...] | None = None  # SPNEGO OIDs of the SMB1 NEGOTIATE
    native_os: str | None = None
    native_lanman: str | None = None
    smb1_ipc_access: int | None = None
    smb2_offered: tuple[int, ...] | None = None  # the client's dialects in the answered NEGOTIATE
    smb2_client_capabilities: int | None = None
    smb2_negotiate: dict[str, Any] | None = None  # NegotiateResponse fields
    smb2_mechs: tuple[str, ...] | None = None  # SPNEGO OIDs of the SMB2 NEGOTIATE, in order
    smb2_hint: bool | None = None
    smb2_contexts: list[tuple[int, bytes]] = field(default_factory=list)
    ntlm: ChallengeMessage | None = None
    ntlm_pairs: list[tuple[int, bytes]] | None = None
    ntlm_client_flags: int | None = None  # the NEGOTIATE_MESSAGE flags the CHALLENGE answered
    ipc_maximal_access: int | None = None
    ipc_share_flags: int | None = None
    bind_acks: list[tuple[BindAck, Bind | None]] = field(default_factory=list)
    encrypted: bool = False
    gaps: int = 0
    unreadable: int = 0  # server messages that did not parse

    @property
    def ntlm_av(self) -> dict[int, bytes]:
        return {av_id: value for av_id, value in (self.ntlm_pairs or [])}


# ------------------------------------------------------------------------------ framing


def smb_frames(data: bytes) -> Iterator[bytes]:
    """The SMB messages of one direction of a stream: NetBIOS session messages (type 0, 17-bit
    length on 139 / 24-bit on 445, MS-SMB2 2.1), skipping session requests and keep-alives; stops
    at a truncated frame."""
    pos = 0
    while pos + 4 <= len(data):
        kind = data[pos]
        length = int.from_bytes(data[pos + 1 : pos + 4], "big")
        pos += 4
        if pos + length > len(data):
            return
        if kind == _NBSS_MESSAGE:
            yield data[pos : pos + length]
        pos += length


def _rpc_pdus(data: bytes) -> Iterator[bytes]:
    """Bare connection-oriented DCE/RPC PDUs (C706 12.6.3.1): version 5.0, frag_length at 8."""
    pos = 0
    while pos + 16 <= len(data) and data[pos] == 5 and data[pos + 1] == 0:
        order = "<" if data[pos + 4] & 0x10 else ">"
        length = struct.unpack_from(order + "H", data, pos + 8)[0]
        if length < 16 or pos + length > len(data):
            return
        yield data[pos : pos + length]
        pos += length


def _looks_like_rpc(data: bytes) -> bool:
    return len(data) >= 16 and data[0] == 5 and data[1] == 0 and data[2] <= 20


def _looks_like_smb(data: bytes) -> bool:
    return len(data) >= 8 and data[0] in (0x00, 0x81, 0x82, 0x85) and data[4:8] in (_SMB1, _SMB2, _TRANSFORM)


# ------------------------------------------------------------------------------ the reader


def read_capture(path: str | Path) -> WireFacts:
    """Read the capture at ``path``; `smbemu.pcap_reader.CaptureError` if it is not one."""
    facts = WireFacts(capture=str(path))
    for stream in tcp_streams(path):
        _read_stream(facts, stream)
    return facts


def facts_from_frames(requests: list[bytes], responses: list[bytes], name: str = "") -> WireFacts:
    """What a server's SMB answers say, from SMB messages already framed (a replay's)."""
    facts = WireFacts(capture=name)
    _read_smb(facts, requests, responses)
    return facts


def _read_stream(facts: WireFacts, stream: TcpStream) -> None:
    """Read a stream whose one direction answers as an SMB or DCE/RPC server does (whoever sent
    the SYN: a capture may start mid-connection)."""
    for server, requests, responses in ((stream.b, stream.a_to_b, stream.b_to_a), (stream.a, stream.b_to_a, stream.a_to_b)):
        if not _responds(responses):
            continue
        if _claim(facts, server):
            facts.gaps += stream.gap
            if _looks_like_smb(responses):
                _read_smb(facts, list(smb_frames(requests)), list(smb_frames(responses)))
            else:
                _read_rpc(facts, list(_rpc_pdus(requests)), list(_rpc_pdus(responses)))
        return


def _responds(data: bytes) -> bool:
    """Whether this direction carries answers: an SMB reply flag, or DCE/RPC answers (bind_ack,
    alter_context_resp, response, fault, bind_nak: C706 12.6.4)."""
    if not _looks_like_smb(data):
        return _looks_like_rpc(data) and data[2] in (_RPC_BIND_ACK, _RPC_ALTER_RESP, 2, 3, 13)
    for frame in smb_frames(data):
        if frame[:4] == _SMB1 and len(frame) > 9:
            return bool(frame[9] & _SMB1_REPLY)
        if frame[:4] == _SMB2 and len(frame) > 16:
            return bool(frame[16] & _SMB2_SERVER_TO_REDIR)
        if frame[:4] == _TRANSFORM:
            continue
        return False
    return False


def _claim(facts: WireFacts, server: tuple[str, int]) -> bool:
    """The first answering server is the one read; later ones are named and skipped (another
    port of the same address, e.g. 135 beside 445, is the same server)."""
    if facts.server is None:
        facts.server = server
        return True
    if server[0] == facts.server[0]:
        return True
    if server[0] not in facts.other_servers:
        facts.other_servers.append(server[0])
    return False


# ------------------------------------------------------------------------------ SMB2


def _smb2_messages(frames: list[bytes]) -> Iterator[tuple[int, int, int, bytes]]:
    """(command, message id, status, body) of every SMB2 message, compounds split (2.2.1 NextCommand)."""
    for frame in frames:
        pos = 0
        while frame[pos : pos + 4] == _SMB2 and pos + 64 <= len(frame):
            _, _, _, status, command, _, _, next_command, message_id = _SMB2_HEADER.unpack_from(frame, pos)
            end = pos + next_command if next_command else len(frame)
            yield command, message_id, status, frame[pos + 64 : end]
            if not next_command or end <= pos:
                break
            pos = end


def _read_smb(facts: WireFacts, requests: list[bytes], responses: list[bytes]) -> None:
    facts.encrypted |= any(frame[:4] == _TRANSFORM for frame in (*requests, *responses))
    smb2_requests = {(command, mid): body for command, mid, _, body in _smb2_messages(requests)}
    binds = {_bind_key(pdu.body, pdu.call_id): pdu.body for frame in requests
             for pdu in _embedded_pdus(frame, (_RPC_BIND, _RPC_ALTER)) if isinstance(pdu.body, Bind)}
    ntlm_negotiates = [body for command, _, _, body in _smb2_messages(requests) if command == _SMB2_SESSION_SETUP]
    for command, mid, _status, body in _smb2_messages(responses):
        try:
            _read_smb2_response(facts, command, body, smb2_requests.get((command, mid)), binds)
        except (SmbStatusError, cs.ConstructError, NtlmError, spnego.SpnegoError, PduError, ValueError, IndexError, struct.error):
            facts.unreadable += 1
    for body in ntlm_negotiates:
        if facts.ntlm_client_flags is None:
            _client_ntlm_flags(facts, body, smb2=True)
    smb1_requests = {_smb1_key(frame): frame for frame in requests if frame[:4] == _SMB1 and len(frame) >= 33}
    for frame in responses:
        if frame[:4] != _SMB1 or len(frame) < 35 or not frame[9] & _SMB1_REPLY:
            continue
        try:
            _read_smb1_response(facts, frame, smb1_requests.get(_smb1_key(frame)), binds)
        except (cs.ConstructError, NtlmError, spnego.SpnegoError, PduError, ValueError, IndexError, struct.error):
            facts.unreadable += 1


def _read_smb2_response(facts: WireFacts, command: int, body: bytes, request: bytes | None, binds: dict[tuple[bool, int], Bind]) -> None:
    if command == _SMB2_NEGOTIATE and len(body) >= 64:
        response = parse(NegotiateResponse, body)
        if facts.smb2_negotiate is not None and response.dialect_revision == _WILDCARD_DIALECT:
            return  # the final NEGOTIATE is read; a wildcard answer says less
        facts.smb2_negotiate = dict(response)
        if request is not None and len(request) >= 36 and request[:2] == b"\x24\x00":
            offered = parse(NegotiateRequest, request)
            facts.smb2_offered = tuple(offered.dialects)
            facts.smb2_client_capabilities = offered.capabilities
        blob = response.security_buffer
        if blob:
            token = spnego.parse_client_token(blob)
            facts.smb2_mechs = tuple(token.mech_types or ())
            # negHints.hintName (MS-SPNG 2.2.1) is the only GeneralString a NegTokenInit2 carries.
            facts.smb2_hint = spnego.HINT_NAME in blob
        facts.smb2_contexts = _negotiate_contexts(response.negotiate_context_list or b"", response.negotiate_context_count)
    elif command == _SMB2_SESSION_SETUP and len(body) >= 8 and facts.ntlm is None:
        _read_challenge(facts, parse(SessionSetupResponse, body).buffer)
    elif command == _SMB2_TREE_CONNECT and len(body) >= 16 and request is not None and len(request) >= 8:
        path = _smb2_tree_path(request)
        if path.rstrip("\x00").upper().endswith("\\IPC$"):
            response = parse(TreeConnectResponse, body)
            facts.ipc_maximal_access, facts.ipc_share_flags = response.maximal_access, response.share_flags
    elif command in (_SMB2_READ, _SMB2_IOCTL):
        _scan_for_bind_ack(facts, body, binds)


def _smb2_tree_path(request: bytes) -> str:
    """The share path of a TREE_CONNECT request (MS-SMB2 2.2.9; with the 3.1.1 extension, 2.2.9.1)."""
    extended = struct.unpack_from("<H", request, 2)[0] & SMB2_TREE_CONNECT_FLAG_EXTENSION_PRESENT
    path: bytes = parse(TreeConnectRequestWithExtension if extended else TreeConnectRequest, request).path
    return path.decode("utf-16-le", "replace")


def _negotiate_contexts(data: bytes, count: int) -> list[tuple[int, bytes]]:
    """MS-SMB2 2.2.4: the 3.1.1 context list, each context 8-byte aligned."""
    contexts: list[tuple[int, bytes]] = []
    pos = 0
    while len(contexts) < count and pos + 8 <= len(data):
        context = parse(NegotiateContext, data[pos:])
        contexts.append((context.context_type, bytes(context.data)))
        pos += 8 + context.data_length
        pos += -pos & 7
    return contexts


# ------------------------------------------------------------------------------ NTLM


def _read_challenge(facts: WireFacts, blob: bytes) -> None:
    if not blob:
        return
    token = spnego.parse_client_token(blob)  # a NegTokenResp or a bare NTLMSSP message
    if message_type(token.mech_token) != MessageType.CHALLENGE:
        return
    challenge = ChallengeMessage.parse(token.mech_token)
    facts.ntlm = challenge
    facts.ntlm_pairs = parse_av_pairs(challenge.target_info) if challenge.target_info else []


def _client_ntlm_flags(facts: WireFacts, body: bytes, smb2: bool) -> None:
    try:
        blob = parse(SessionSetupRequest, body).buffer if smb2 else body
        token = spnego.parse_client_token(blob)
        if message_type(token.mech_token) == MessageType.NEGOTIATE:
            facts.ntlm_client_flags = NegotiateMessage.parse(token.mech_token).flags
    except (SmbStatusError, cs.ConstructError, NtlmError, spnego.SpnegoError, ValueError, IndexError, struct.error):
        return


# ------------------------------------------------------------------------------ SMB1


def _smb1_key(frame: bytes) -> tuple[int, int]:
    command, mid = frame[4], struct.unpack_from("<H", frame, 30)[0]
    return command, mid


def _smb1_parts(frame: bytes) -> tuple[bytes, bytes, int]:
    """Parameter words (without WordCount), data bytes, and the data's offset (MS-CIFS 2.2.3)."""
    word_count = frame[32]
    words_end = 33 + 2 * word_count
    byte_count = struct.unpack_from("<H", frame, words_end)[0]
    data_start = words_end + 2
    return frame[33:words_end], frame[data_start : data_start + byte_count], data_start


def _read_smb1_response(facts: WireFacts, frame: bytes, request: bytes | None, binds: dict[tuple[bool, int], Bind]) -> None:
    command = frame[4]
    flags2 = struct.unpack_from("<H", frame, 10)[0]
    words, data, data_start = _smb1_parts(frame)
    if command == _SMB1_NEGOTIATE and len(words) == 34:
        fields = NegotiateResponseWords.parse(words)
        facts.smb1_negotiate = {k: v for k, v in fields.items() if not k.startswith("_")}
        if request is not None:
            names = [name.decode("latin-1") for name in _smb1_parts(request)[1].split(b"\x00")[:-1]]
            names = [name[1:] for name in names if name[:1] == "\x02"]  # each dialect is 0x02 + OEM string
            if fields.dialect_index < len(names):
                facts.smb1_dialect = names[fields.dialect_index]
        facts.smb1_extended_security = bool(flags2 & 0x0800) and fields.capabilities & 0x80000000 != 0
        if facts.smb1_extended_security and len(data) >= 16:
            # XP sends the ServerGUID alone (no NegTokenInit): () = "no mechanism list".
            blob = ExtendedSecurityData.parse(data).security_blob
            facts.smb1_mechs = tuple(spnego.parse_client_token(blob).mech_types or ()) if blob else ()
    elif command == _SMB1_SESSION_SETUP and words:
        unicode = bool(flags2 & _SMB1_UNICODE)
        end = data_start + len(data)
        if len(words) == 8:  # MS-SMB 2.2.4.6.2: AndX block, Action, SecurityBlobLength
            blob_length = struct.unpack_from("<H", words, 6)[0]
            if facts.ntlm is None:
                _read_challenge(facts, data[:blob_length])
            strings_start = data_start + blob_length
        elif len(words) == 6:  # MS-CIFS 2.2.4.53.2: AndX block, Action
            strings_start = data_start
        else:
            return
        native_os, after = _smb1_string(frame, strings_start, end, unicode)
        native_lanman, _ = _smb1_string(frame, after, end, unicode)
        if native_os or native_lanman:
            facts.native_os, facts.native_lanman = native_os, native_lanman
        if request is not None and facts.ntlm_client_flags is None and len(request) > 35:
            request_words, request_data, _ = _smb1_parts(request)
            if len(request_words) == 24:  # extended: SecurityBlobLength at word 7
                _client_ntlm_flags(facts, request_data[: struct.unpack_from("<H", request_words, 14)[0]], smb2=False)
    elif command == _SMB1_TREE_CONNECT and len(words) == 14 and request is not None:
        request_words, request_data, request_data_start = _smb1_parts(request)
        password_length = struct.unpack_from("<H", request_words, 6)[0] if len(request_words) == 8 else 0
        path, _ = _smb1_string(request, request_data_start + password_length, request_data_start + len(request_data),
                               bool(struct.unpack_from("<H", request, 10)[0] & _SMB1_UNICODE))
        if path.upper().endswith("\\IPC$"):
            facts.smb1_ipc_access = TreeConnectExtendedResponse.parse(words[4:]).maximal_share_access_rights
    elif command in (_SMB1_TRANSACTION, _SMB1_READ_ANDX):
        _scan_for_bind_ack(facts, frame, binds)


def _smb1_string(frame: bytes, start: int, end: int, unicode: bool) -> tuple[str, int]:
    """One SMB_STRING (smbemu.smb1.layouts.files.smb_string) and where the next one starts."""
    text = smb_string(frame, start, end, unicode)
    if unicode:
        start += start % 2
        return text, start + len(text.encode("utf-16-le")) + 2
    return text, start + len(text.encode("latin-1", "replace")) + 1


# ------------------------------------------------------------------------------ DCE/RPC


def _embedded_pdus(message: bytes, ptypes: tuple[int, ...]) -> Iterator[Any]:
    """DCE/RPC PDUs carried in a pipe write / read / transceive / transaction (MS-SMB2 2.2.21,
    2.2.20, 2.2.32; MS-CIFS 2.2.5.6), found by their header: version 5.0 and one of ``ptypes``."""
    for ptype in ptypes:
        pos = message.find(bytes((5, 0, ptype)))
        if pos >= 0 and pos + 16 <= len(message):
            length = struct.unpack_from("<H" if message[pos + 4] & 0x10 else ">H", message, pos + 8)[0]
            pdu = _parse_rpc(message[pos : pos + length])
            if pdu is not None:
                yield pdu


def _bind_key(body: Bind | BindAck, call_id: int) -> tuple[bool, int]:
    """A bind_ack answers the bind, an alter_context_resp the alter_context, of its call_id."""
    return isinstance(body, (AlterContext, AlterContextResp)), call_id


def _scan_for_bind_ack(facts: WireFacts, message: bytes, binds: dict[tuple[bool, int], Bind]) -> None:
    for pdu in _embedded_pdus(message, (_RPC_BIND_ACK, _RPC_ALTER_RESP)):
        if isinstance(pdu.body, BindAck):
            facts.bind_acks.append((pdu.body, binds.get(_bind_key(pdu.body, pdu.call_id))))
            _rpc_auth(facts, pdu)


def _parse_rpc(data: bytes) -> Any:
    try:
        return parse_pdu(data)
    except PduError:
        return None


def _rpc_auth(facts: WireFacts, pdu: Any) -> None:
    """An NTLM CHALLENGE in a bind_ack's auth verifier (MS-RPCE 2.2.2.11)."""
    if facts.ntlm is None and pdu.auth is not None:
        _read_challenge(facts, pdu.auth.auth_value)  # RPC_C_AUTHN_WINNT bare, or GSS_NEGOTIATE (SPNEGO)


def _read_rpc(facts: WireFacts, requests: list[bytes], responses: list[bytes]) -> None:
    binds: dict[tuple[bool, int], Bind] = {}
    for raw in requests:
        pdu = _parse_rpc(raw)
        if pdu is not None and isinstance(pdu.body, Bind):
            binds[_bind_key(pdu.body, pdu.call_id)] = pdu.body
            if facts.ntlm_client_flags is None and pdu.auth is not None:
                _client_ntlm_flags(facts, pdu.auth.auth_value, smb2=False)
    for raw in responses:
        pdu = _parse_rpc(raw)
        if pdu is None:
            facts.unreadable += 1
        elif isinstance(pdu.body, BindAck):
            facts.bind_acks.append((pdu.body, binds.get(_bind_key(pdu.body, pdu.call_id))))
            try:
                _rpc_auth(facts, pdu)
            except (NtlmError, spnego.SpnegoError, ValueError, IndexError, struct.error):
                facts.unreadable += 1


#: The AV pair names tools print (MS-NLMP 2.2.2.1).
AV_NAMES = {int(av): av.name for av in AvId}
