"""SMB_COM_NEGOTIATE for NT LM 0.12 (MS-CIFS 2.2.4.52, 3.3.5.2; MS-SMB 2.2.4.5, 3.3.5.2).

The server picks "NT LM 0.12" from the client's list (the last time it appears: the list runs from
the least to the most preferred dialect) and answers with the profile's values: SecurityMode,
MaxMpxCount, MaxNumberVcs, MaxBufferSize, MaxRawSize, Capabilities, the system time and time zone.

- A client that sets FLAGS2_EXTENDED_SECURITY, talking to a profile whose Windows could do it
  (CAP_EXTENDED_SECURITY; every release from 2000 on), gets the MS-SMB 2.2.4.5.2.1 form: the
  server GUID and a SPNEGO token; authentication then runs in SESSION_SETUP_ANDX's blob.
- Otherwise the MS-CIFS form: an 8-byte challenge, the domain (or workgroup) and the server name.
  Windows writes both names in UTF-16 whatever the client's FLAGS2_UNICODE: nmap's service
  fingerprints of real Windows servers (nmap-service-probes, "microsoft-ds" matches on the
  SMBProgNeg probe, which does not set FLAGS2_UNICODE) read them as UTF-16 right after the
  challenge, without a pad byte.
- No "NT LM 0.12" in the list: DialectIndex 0xFFFF and nothing else (MS-CIFS 2.2.4.52.2).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from smbemu.auth import spnego
from smbemu.errors import ProtocolViolation, SmbStatusError
from smbemu.filetime import filetime_now
from smbemu.logon import server_identity
from smbemu.smb1.constants import CAP_EXTENDED_SECURITY, DIALECT_NT_LM_0_12, HEADER_SIZE, Flags2, SecurityMode
from smbemu.smb1.layouts.header import read_u16
from smbemu.smb1.layouts.negotiate import ExtendedSecurityData, NegotiateResponseWords, NoDialectResponseWords
from smbemu.status import NtStatus

if TYPE_CHECKING:
    from smbemu.config import ServerConfig
    from smbemu.smb1.context import Reply, Smb1Request, Smb1View

CHALLENGE_LENGTH = 8


def primary_domain_name(config: ServerConfig) -> str:
    """The DomainName of the non-extended NEGOTIATE response and the PrimaryDomain of
    SESSION_SETUP_ANDX: "the primary domain or workgroup name of the server" (MS-CIFS 2.2.4.52.2,
    2.2.4.53.2). A workgroup machine names its workgroup here, where its NTLM target info names
    the computer (`smbemu.logon.server_identity`): nmap's smb-os-discovery against a workgroup XP
    prints "Computer name: legacy", "NetBIOS computer name: LEGACY", "Workgroup: HTB" (HackTheBox
    "Legacy", published write-ups), the workgroup taken from these SMB1 fields."""
    if config.profile.role == "standalone":
        return config.directory.primary_domain.name.upper()
    return server_identity(config).netbios_domain


def dialect_strings(data: bytes | memoryview) -> list[str]:
    """The dialects of a NEGOTIATE request: each a 0x02 buffer format, an OEM string, a NUL
    (MS-CIFS 2.2.4.52.1). Anything else in the list is a malformed request."""
    raw = bytes(data)
    dialects: list[str] = []
    position = 0
    while position < len(raw):
        if raw[position] != 0x02:
            raise SmbStatusError(NtStatus.INVALID_SMB, f"dialect buffer format 0x{raw[position]:02x}, not 0x02")
        end = raw.find(b"\0", position + 1)
        if end < 0:
            raise SmbStatusError(NtStatus.INVALID_SMB, "dialect string without its NUL")
        dialects.append(raw[position + 1 : end].decode("latin-1"))
        position = end + 1
    return dialects


def handle(conn: Smb1View, req: Smb1Request) -> Reply:
    dialects = dialect_strings(req.data)
    if DIALECT_NT_LM_0_12 not in dialects:
        return NoDialectResponseWords.build({}), b""
    index = len(dialects) - 1 - dialects[::-1].index(DIALECT_NT_LM_0_12)
    config = conn.config
    profile = config.profile
    values = profile.smb1
    extended = bool(req.header.flags2 & Flags2.EXTENDED_SECURITY and values.capabilities & CAP_EXTENDED_SECURITY)
    capabilities = values.capabilities if extended else values.capabilities & ~CAP_EXTENDED_SECURITY
    security_mode = SecurityMode.USER_SECURITY | SecurityMode.ENCRYPT_PASSWORDS
    # RequireSecuritySignature / EnableSecuritySignature are LanmanServer's, for SMB1 and SMB2 alike.
    if values.signing_enabled or profile.smb.signing_required:
        security_mode |= SecurityMode.SECURITY_SIGNATURES_ENABLED
    if profile.smb.signing_required:
        security_mode |= SecurityMode.SECURITY_SIGNATURES_REQUIRED
    conn.negotiated = True
    conn.extended_security = extended
    conn.server_capabilities = capabilities
    conn.server_security_mode = int(security_mode)
    if extended:
        conn.challenge = b""
        # The token the profile's Windows sends over SMB2 too (`spnego.negotiate_token`): the 2019
        # capture's SMB1 NEGOTIATE carries the same NEGOEX + NTLMSSP token as SMB2 does on a
        # workgroup machine; a joined 2000 lists MS-KRB5 and NTLMSSP with its principal as the
        # hint (tests/captures/win2000-smb1-kerberos.pcap); XP / 2003: NTLMSSP only (no source).
        smb2_identity = profile.identity.smb2
        identity = server_identity(config)
        token = spnego.negotiate_token(
            smb2_identity.spnego_mechs, smb2_identity.spnego_hint, workgroup=profile.role == "standalone",
            hint_name=spnego.hint_name_for(smb2_identity.spnego_hint_name, identity.dns_computer, identity.dns_domain))
        data = ExtendedSecurityData.build({"server_guid": config.server_guid, "security_blob": token})
    else:
        conn.challenge = os.urandom(CHALLENGE_LENGTH)
        names = (primary_domain_name(config) + "\0" + server_identity(config).netbios_computer
                 + "\0").encode("utf-16-le")
        data = conn.challenge + names
    words = NegotiateResponseWords.build({
        "dialect_index": index,
        "security_mode": int(security_mode),
        "max_mpx_count": values.max_mpx_count,
        "max_number_vcs": values.max_number_vcs,
        "max_buffer_size": values.max_buffer_size,
        "max_raw_size": values.max_raw_size,
        "session_key": 0,
        "capabilities": capabilities,
        "system_time": filetime_now(),
        "server_time_zone": values.server_time_zone,
        "challenge_length": 0 if extended else CHALLENGE_LENGTH,
    })
    return words, data


def offered_dialects(message: memoryview) -> list[str]:
    """The dialect strings of the SMB1 NEGOTIATE `message` (the whole message), read before any
    engine owns the connection (the connection chooses SMB2 or SMB1 from them). A NEGOTIATE
    whose counts run past the message cannot be answered in any dialect: ProtocolViolation."""
    position = HEADER_SIZE + 1 + 2 * message[HEADER_SIZE]
    if position + 2 > len(message):
        raise ProtocolViolation("truncated SMB1 NEGOTIATE")
    byte_count = read_u16(message, position)
    data = message[position + 2 : position + 2 + byte_count]
    try:
        return dialect_strings(data)
    except SmbStatusError as exc:
        raise ProtocolViolation(f"malformed SMB1 NEGOTIATE: {exc}") from None
