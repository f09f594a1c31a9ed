"""SMB2 NEGOTIATE (MS-SMB2 2.2.3, 2.2.4, 3.3.5.3, 3.3.5.4).

The server offers the dialects its profile lists and picks the highest one the client also
offers. An SMB1 multi-protocol NEGOTIATE that offers "SMB 2.002" or "SMB 2.???" is answered
with an SMB2 NEGOTIATE response (3.3.5.3.1), as Windows does for impacket and nmap.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from smbemu.auth import spnego
from smbemu.dialects import Dialect
from smbemu.errors import ProtocolViolation, SmbStatusError
from smbemu.filetime import filetime_now
from smbemu.logon import server_identity
from smbemu.smb2.constants import (
    HEADER_SIZE,
    Capabilities,
    Cipher,
    CompressionAlgorithm,
    Command,
    HashAlgorithm,
    NegotiateContextType,
    RdmaTransform,
    SecurityMode,
    SigningAlgorithm,
)
from smbemu.smb2.header import build_response_header
from smbemu.smb2.layouts import build, parse
from smbemu.smb2.layouts.session import (
    CompressionCapabilities,
    EncryptionCapabilities,
    NegotiateContext,
    NegotiateRequest,
    NegotiateResponse,
    PreauthIntegrityCapabilities,
    RdmaTransformCapabilities,
    SigningCapabilities,
)
from smbemu.status import NtStatus

if TYPE_CHECKING:
    from smbemu.smb2.context import ConnectionView, RequestContext

# Server preference orders. Windows prefers AES-128-GCM, then the CCM/256 variants (MS-SMB2 <118>).
CIPHER_PREFERENCE = (Cipher.AES_128_GCM, Cipher.AES_128_CCM, Cipher.AES_256_GCM, Cipher.AES_256_CCM)
SIGNING_PREFERENCE = (SigningAlgorithm.AES_GMAC, SigningAlgorithm.AES_CMAC, SigningAlgorithm.HMAC_SHA256)

# MS-SMB2 3.3.5.4: 2.1+ servers advertise up to 8 MiB transfer sizes; 2.0.2 is limited to 64 KiB.
LARGE_MAX_SIZE = 8 * 1024 * 1024
SMALL_MAX_SIZE = 65536
# Room in a frame for the SMB2 header, a WRITE/READ/IOCTL fixed part and a transform header.
FRAME_OVERHEAD = 4096


def _parse_contexts(body: memoryview, offset_in_message: int, count: int) -> dict[int, list[bytes]]:
    """Split the negotiate context list (MS-SMB2 2.2.3.1); every context is 8-byte aligned."""
    contexts: dict[int, list[bytes]] = {}
    position = offset_in_message - HEADER_SIZE
    if count and (position < 36 or position > len(body)):
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, "NegotiateContextOffset outside the request")
    for index in range(count):
        if index:
            position += (-position - HEADER_SIZE) % 8
        context = parse(NegotiateContext, body[position:])
        contexts.setdefault(context.context_type, []).append(context.data)
        position += 8 + context.data_length
    return contexts


def _context(context_type: int, layout: Any, **fields: Any) -> bytes:
    """A NEGOTIATE_CONTEXT (MS-SMB2 2.2.3.1) around `layout` built from `fields`."""
    data = build(layout, **fields)
    return build(NegotiateContext, context_type=context_type, data_length=len(data), reserved=0, data=data)


def _negotiate_311_contexts(conn: ConnectionView, contexts: dict[int, list[bytes]]) -> list[bytes]:
    """MS-SMB2 3.3.5.4: validate the client's 3.1.1 contexts and build the server's answers."""
    preauth = contexts.get(NegotiateContextType.PREAUTH_INTEGRITY_CAPABILITIES, [])
    if len(preauth) != 1:
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, "3.1.1 needs exactly one preauth integrity context")
    hashes = parse(PreauthIntegrityCapabilities, preauth[0]).hash_algorithms
    if HashAlgorithm.SHA_512 not in hashes:
        raise SmbStatusError(NtStatus.SMB_NO_PREAUTH_INTEGRITY_HASH_OVERLAP, "no common preauth hash")
    answers = [
        _context(NegotiateContextType.PREAUTH_INTEGRITY_CAPABILITIES, PreauthIntegrityCapabilities,
                 hash_algorithm_count=1, salt_length=32, hash_algorithms=[HashAlgorithm.SHA_512], salt=os.urandom(32))
    ]

    encryption = contexts.get(NegotiateContextType.ENCRYPTION_CAPABILITIES, [])
    if len(encryption) > 1:
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, "more than one encryption context")
    if encryption:
        offered = parse(EncryptionCapabilities, encryption[0]).ciphers
        chosen = next((c for c in CIPHER_PREFERENCE if c in offered), 0)
        conn.cipher = chosen or None
        # A cipher id of 0 tells the client there is no common cipher (MS-SMB2 2.2.4.1.2).
        answers.append(_context(NegotiateContextType.ENCRYPTION_CAPABILITIES, EncryptionCapabilities,
                                cipher_count=1, ciphers=[chosen]))

    identity = conn.config.profile.identity.smb2
    if identity.compression_context != "omit":
        answers += _compression_answer(contexts.get(NegotiateContextType.COMPRESSION_CAPABILITIES, []))
    if identity.rdma_transform_context:
        answers += _rdma_transform_answer(contexts.get(NegotiateContextType.RDMA_TRANSFORM_CAPABILITIES, []))
    # A release that knows no SMB2_SIGNING_CAPABILITIES (before 2022) ignores it and signs with
    # AES-CMAC (MS-SMB2 3.3.5.4: IsSigningCapabilitiesSupported).
    signing = contexts.get(NegotiateContextType.SIGNING_CAPABILITIES, []) if identity.signing_context else []
    if len(signing) > 1:
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, "more than one signing context")
    if signing:
        offered = parse(SigningCapabilities, signing[0]).signing_algorithms
        chosen_signing = next((a for a in SIGNING_PREFERENCE if a in offered), SigningAlgorithm.AES_CMAC)
        conn.signing_algorithm = chosen_signing
        answers.append(_context(NegotiateContextType.SIGNING_CAPABILITIES, SigningCapabilities,
                                signing_algorithm_count=1, signing_algorithms=[chosen_signing]))
    else:
        conn.signing_algorithm = SigningAlgorithm.AES_CMAC
    return answers


def _compression_answer(offers: list[bytes]) -> list[bytes]:
    """SMB2_COMPRESSION_CAPABILITIES (MS-SMB2 2.2.4.1.3, 3.3.5.4) from a release that supports
    compression (2022): smbemu implements no algorithm, so the answer is CompressionAlgorithmCount 1
    with NONE and no chaining; the client's Connection.CompressionIds stays empty and it sends
    nothing compressed (3.2.4.1.9). policies/win2022.yaml says what 2022 itself lists."""
    if not offers:
        return []
    if len(offers) > 1:
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, "more than one compression context")
    if parse(CompressionCapabilities, offers[0]).compression_algorithm_count == 0:
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, "CompressionAlgorithmCount is 0")
    return [_context(NegotiateContextType.COMPRESSION_CAPABILITIES, CompressionCapabilities,
                     compression_algorithm_count=1, padding=0, flags=0,
                     compression_algorithms=[CompressionAlgorithm.NONE])]


def _rdma_transform_answer(offers: list[bytes]) -> list[bytes]:
    """SMB2_RDMA_TRANSFORM_CAPABILITIES (MS-SMB2 2.2.4.1.6, 3.3.5.4): the transforms both sides
    support (encryption and signing on 2022), or SMB2_RDMA_TRANSFORM_NONE. They apply to RDMA
    channels only, which smbemu never has."""
    if not offers:
        return []
    if len(offers) > 1:
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, "more than one RDMA transform context")
    offered = parse(RdmaTransformCapabilities, offers[0]).rdma_transform_ids
    if not offered:
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, "TransformCount is 0")
    common = [t for t in (RdmaTransform.ENCRYPTION, RdmaTransform.SIGNING) if t in offered] or [RdmaTransform.NONE]
    return [_context(NegotiateContextType.RDMA_TRANSFORM_CAPABILITIES, RdmaTransformCapabilities,
                     transform_count=len(common), reserved1=0, reserved2=0, rdma_transform_ids=common)]


# Bits a 3.x server sets only when the client's NEGOTIATE set them too, as Windows answers:
# suricata-verify tests/smb3-01/input.pcap (10.0.14393, a client offering 0x57 is answered 0x47:
# no MULTI_CHANNEL, no DIRECTORY_LEASING) against tests/smb2-ntlmssp-negotiateflags/input.pcap
# (8.1 and 10 1511 answering a client's 0x7F with 0x6B on 3.0.2 and 0x2F on 3.1.1); ENCRYPTION:
# MS-SMB2 3.3.5.4 ("and SMB2_GLOBAL_CAP_ENCRYPTION is set in the Capabilities field of the request").
_ECHOED_3X = Capabilities.MULTI_CHANNEL | Capabilities.DIRECTORY_LEASING | Capabilities.ENCRYPTION


def negotiated_capabilities(supported: int, dialect: int, client: int) -> Capabilities:
    """The NEGOTIATE response's Capabilities (MS-SMB2 3.3.5.4) from what the release supports
    (profile ``identity.smb2.global_capabilities``): DFS on every dialect; LEASING and LARGE_MTU from 2.1
    (and the 0x02FF wildcard answer, which Windows sends with 0x07: the captures above);
    MULTI_CHANNEL, DIRECTORY_LEASING and PERSISTENT_HANDLES on 3.x only; ENCRYPTION on 3.0 and
    3.0.2 only (3.1.1 negotiates ciphers in contexts)."""
    allowed = Capabilities.DFS
    if dialect != Dialect.SMB_2_0_2:
        allowed |= Capabilities.LEASING | Capabilities.LARGE_MTU
    if dialect in (Dialect.SMB_3_0, Dialect.SMB_3_0_2, Dialect.SMB_3_1_1):
        allowed |= Capabilities.MULTI_CHANNEL | Capabilities.DIRECTORY_LEASING | Capabilities.PERSISTENT_HANDLES
        if dialect != Dialect.SMB_3_1_1:
            allowed |= Capabilities.ENCRYPTION
    capabilities = Capabilities(supported) & allowed
    return capabilities & ~(_ECHOED_3X & ~Capabilities(client))


def _build_response_body(conn: ConnectionView, dialect: int, contexts: list[bytes]) -> bytes:
    profile = conn.config.profile
    security_mode = SecurityMode.SIGNING_ENABLED
    if profile.smb.signing_required:
        security_mode |= SecurityMode.SIGNING_REQUIRED
    capabilities = negotiated_capabilities(profile.identity.smb2.global_capabilities, dialect, conn.client_capabilities)
    if capabilities & Capabilities.ENCRYPTION:
        conn.cipher = Cipher.AES_128_CCM
    # The profile gives the sizes its release advertised; 2.0.2 cannot go past 64 KiB (MS-SMB2 3.3.5.4).
    cap = SMALL_MAX_SIZE if dialect == Dialect.SMB_2_0_2 else LARGE_MAX_SIZE
    # ...and a request or response of those sizes, with its headers, must fit the frame limit.
    cap = min(cap, conn.config.limits.max_frame_size - FRAME_OVERHEAD)
    smb = profile.smb
    conn.max_transact_size = min(smb.max_transact_size, cap)
    conn.max_read_size = min(smb.max_read_size, cap)
    conn.max_write_size = min(smb.max_write_size, cap)
    conn.server_security_mode = int(security_mode)
    conn.server_capabilities = int(capabilities)

    smb2_identity = profile.identity.smb2
    ntlm_identity = server_identity(conn.config)
    security_blob = spnego.negotiate_token(smb2_identity.spnego_mechs, smb2_identity.spnego_hint,
                                           workgroup=profile.role == "standalone",
                                           hint_name=spnego.hint_name_for(smb2_identity.spnego_hint_name,
                                                                          ntlm_identity.dns_computer,
                                                                          ntlm_identity.dns_domain))
    security_offset = HEADER_SIZE + 64
    context_offset = 0
    if contexts:
        end_of_blob = security_offset + len(security_blob)
        context_offset = end_of_blob + (-end_of_blob) % 8
    # Every context but the last is padded to 8 bytes (MS-SMB2 2.2.4: NegotiateContextList).
    context_list = b"".join(context + bytes(-len(context) % 8) for context in contexts[:-1]) + b"".join(contexts[-1:])
    return build(
        NegotiateResponse,
        security_mode=int(security_mode),
        dialect_revision=dialect,
        negotiate_context_count=len(contexts),
        server_guid=conn.config.server_guid,
        capabilities=int(capabilities),
        max_transact_size=conn.max_transact_size,
        max_read_size=conn.max_read_size,
        max_write_size=conn.max_write_size,
        system_time=filetime_now(),
        # The server's start time on 2008-2016, 0 from 2019 on (profile identity.smb2.send_start_time;
        # captures in suricata-verify: 8.1 9600, 10 1511 and 2016 14393 send it, 2019 17763 sends 0).
        server_start_time=conn.config.start_filetime if profile.identity.smb2.send_start_time else 0,
        security_buffer_offset=security_offset,
        security_buffer_length=len(security_blob),
        negotiate_context_offset=context_offset,
        security_buffer=security_blob,
        negotiate_context_list=context_list or None,
    )


def handle(conn: ConnectionView, ctx: RequestContext) -> bytes:
    """MS-SMB2 3.3.5.4 Receiving an SMB2 NEGOTIATE Request."""
    if conn.negotiated:
        # MS-SMB2 3.3.5.4: a second NEGOTIATE on a connection is a protocol error: disconnect.
        raise ProtocolViolation("second NEGOTIATE on the connection")
    request = parse(NegotiateRequest, ctx.body)
    if request.dialect_count == 0:
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, "DialectCount is 0")
    offered = conn.config.profile.smb.dialects
    client = [d for d in request.dialects if d != Dialect.WILDCARD]
    common = [d for d in offered if d in client]
    if not common:
        raise SmbStatusError(NtStatus.NOT_SUPPORTED, "no common dialect")
    dialect = max(common)
    conn.client_guid = request.client_guid
    conn.client_capabilities = request.capabilities
    conn.client_security_mode = request.security_mode
    conn.client_dialects = tuple(request.dialects)
    contexts: list[bytes] = []
    if dialect == Dialect.SMB_3_1_1:
        parsed = _parse_contexts(ctx.body, request.negotiate_context_offset, request.negotiate_context_count)
        contexts = _negotiate_311_contexts(conn, parsed)
    elif dialect in (Dialect.SMB_3_0, Dialect.SMB_3_0_2):
        conn.signing_algorithm = SigningAlgorithm.AES_CMAC
    else:
        conn.signing_algorithm = SigningAlgorithm.HMAC_SHA256
    body = _build_response_body(conn, dialect, contexts)
    conn.dialect = dialect
    conn.negotiated = True
    return body


# ---------------------------------------------------------------------- SMB1 multi-protocol negotiate
def smb2_dialect_for_offer(dialects: list[str], offered: tuple[int, ...]) -> int | None:
    """The SMB2 answer to an SMB1 NEGOTIATE offering `dialects` (MS-SMB2 3.3.5.3.1): the wildcard
    0x02FF for "SMB 2.???" when the profile speaks more than 2.0.2, 2.0.2 for "SMB 2.002", or None
    when the client offers no SMB2 dialect this profile speaks."""
    if not offered:
        return None
    if "SMB 2.???" in dialects and max(offered) > Dialect.SMB_2_0_2:
        return int(Dialect.WILDCARD)
    if "SMB 2.002" in dialects and Dialect.SMB_2_0_2 in offered:
        return int(Dialect.SMB_2_0_2)
    return None


def handle_smb1_negotiate(conn: ConnectionView, dialect: int) -> bytes:
    """MS-SMB2 3.3.5.3.1: answer an SMB1 NEGOTIATE that offers SMB2 with an SMB2 NEGOTIATE response."""
    # The SMB1 request used message id 0; the SMB2 conversation continues at 1 (MS-SMB2 3.3.5.3.1).
    conn.window_low, conn.window_high = 1, 2
    conn.client_dialects = (dialect,)
    body = _build_response_body(conn, dialect, [])
    if dialect == Dialect.SMB_2_0_2:
        conn.dialect = dialect
        conn.negotiated = True
        conn.signing_algorithm = SigningAlgorithm.HMAC_SHA256
    header = build_response_header(
        command=Command.NEGOTIATE,
        status=NtStatus.SUCCESS,
        message_id=0,
        credits=1,
        credit_charge=0,
        session_id=0,
    )
    return header + body
