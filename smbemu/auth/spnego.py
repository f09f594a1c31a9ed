"""SPNEGO as an NTLMSSP-only acceptor: RFC 4178 tokens with MS-SPNG's extensions, in minimal DER.

How SMB2 SESSION_SETUP (and DCE/RPC auth type 9, RPC_C_AUTHN_GSS_NEGOTIATE) use this module:

1. The NEGOTIATE response carries :func:`negotiate_hint` (NegTokenInit2 listing NTLMSSP only).
2. Each SESSION_SETUP security buffer goes through :func:`parse_client_token`. Keep
   ``mech_types_der`` from the *first* token: later tokens are NegTokenResp, which have none, and
   the mechListMIC is computed over it.
3. On the first token ask :func:`select_mech`:

   * ``MechSelection.NTLM`` -- feed ``token.mech_token`` to ``NtlmAcceptor.accept_negotiate`` and
     answer ``accept_incomplete(challenge)`` (STATUS_MORE_PROCESSING_REQUIRED).
   * ``MechSelection.NTLM_NEEDS_NEGOTIATE`` -- NTLMSSP is offered but there is no NTLM token:
     either the client listed another mech first (Kerberos, as Windows and smbclient with krb5
     do) and its optimistic token is for that mech, or it sent no token at all. Answer
     ``accept_incomplete(None, request_mic=token.downgraded)`` (STATUS_MORE_PROCESSING_REQUIRED):
     supportedMech NTLMSSP and no responseToken. RFC 4178 5 says the optimistic token is then
     discarded and, because the choice was not the client's first, negState is request-mic and a
     mechListMIC exchange becomes mandatory. The client then starts NTLM (Samba's gensec client
     restarts the mech the server chose with empty input) and sends its NEGOTIATE_MESSAGE in a
     NegTokenResp; answer that one with ``accept_incomplete(challenge, supported_mech=False)``
     (supportedMech only in the first reply, RFC 4178 4.2.2). Samba's server answers the same way.
   * ``MechSelection.REJECT`` -- NTLMSSP is not offered: answer :func:`reject`
     (STATUS_LOGON_FAILURE / STATUS_INVALID_PARAMETER as the SMB layer prefers).

4. When ``accept_authenticate`` says AUTHENTICATED, :func:`finish_ntlm` builds the last token: if
   the client sent a mechListMIC it is verified and the server's own mechListMIC is returned in
   ``accept_completed`` (Samba's client with "new spnego" -- i.e. whenever the NTLM AUTHENTICATE
   carried a MIC -- fails the logon without it; pyspnego checks it when present). When the
   client sent none, the server sends none either: pyspnego would answer an unsolicited MIC with
   yet another token. Pass ``mic_required=first_token.downgraded``. ANONYMOUS is answered with
   ``accept_completed()`` (no MIC: there is no key), the other outcomes with :func:`reject`.

A bare NTLMSSP token (``raw_ntlm``) is answered with bare NTLM messages, not SPNEGO.
The mechListMIC is signed with the NTLM context's sequence number 0 of its direction and the RC4
handle is then re-keyed (MS-SPNG 3.3.5.1), so a context that goes on to protect DCE/RPC traffic
starts from the key stream the peer expects; SMB discards the context after SESSION_SETUP.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from smbemu.auth.ntlm_messages import SIGNATURE as NTLMSSP_SIGNATURE
from smbemu.auth.ntlm_messages import NegotiateFlags

NTLMSSP_NEGOTIATE_SIGN = NegotiateFlags.NTLMSSP_NEGOTIATE_SIGN
NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY = NegotiateFlags.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY

if TYPE_CHECKING:
    from smbemu.auth.ntlm import NtlmSecurity

SPNEGO_OID = "1.3.6.1.5.5.2"
NTLMSSP_OID = "1.3.6.1.4.1.311.2.2.10"
KERBEROS_OIDS = ("1.2.840.48018.1.2.2", "1.2.840.113554.1.2.2", "1.2.840.113554.1.2.2.3")
NEGOEX_OID = "1.3.6.1.4.1.311.2.2.30"
HINT_NAME = b"not_defined_in_RFC4178@please_ignore"  # MS-SPNG 2.2.1 negHints.hintName

# ASN.1 tags (X.690): universal, and context-specific constructed [n] = 0xA0 + n
_SEQUENCE, _OCTET_STRING, _OID, _ENUMERATED, _GENERAL_STRING, _APPLICATION_0 = 0x30, 0x04, 0x06, 0x0A, 0x1B, 0x60


def _ctx(n: int) -> int:
    return 0xA0 + n


class SpnegoError(Exception):
    """A malformed SPNEGO token."""


class NegState(enum.IntEnum):
    """RFC 4178 4.2.2 NegTokenResp.negState."""

    ACCEPT_COMPLETED = 0
    ACCEPT_INCOMPLETE = 1
    REJECT = 2
    REQUEST_MIC = 3


# --- minimal DER -------------------------------------------------------------------------------


def _tlv(tag: int, content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        return bytes((tag, n)) + content
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(size))) + size + content


def encode_oid(dotted: str) -> bytes:
    """An OBJECT IDENTIFIER, tag included (X.690 8.19)."""
    arcs = [int(a) for a in dotted.split(".")]
    body = bytearray()
    for value in [40 * arcs[0] + arcs[1], *arcs[2:]]:
        chunk = [value & 0x7F]
        while value > 0x7F:
            value >>= 7
            chunk.append(0x80 | (value & 0x7F))
        body += bytes(reversed(chunk))
    return _tlv(_OID, bytes(body))


def _decode_oid(body: bytes) -> str:
    if not body or body[-1] & 0x80:
        raise SpnegoError("malformed OBJECT IDENTIFIER")
    arcs: list[int] = []
    value = 0
    for byte in body:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in [first, arcs[0] - 40 * first, *arcs[1:]])


def _read(data: bytes, pos: int, end: int) -> tuple[int, int, int]:
    """Read one TLV inside data[pos:end]; return (tag, content start, content end)."""
    if pos + 2 > end:
        raise SpnegoError("truncated DER")
    tag, first = data[pos], data[pos + 1]
    if tag & 0x1F == 0x1F:
        raise SpnegoError("multi-byte DER tags are not used by SPNEGO")
    pos += 2
    if first == 0x80:
        raise SpnegoError("indefinite DER length")
    if first > 0x80:
        count = first & 0x7F
        if count > 4 or pos + count > end:
            raise SpnegoError("bad DER length")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    else:
        length = first
    if pos + length > end:
        raise SpnegoError("DER value runs past its container")
    return tag, pos, pos + length


def _items(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    items = []
    while start < end:
        item = _read(data, start, end)
        items.append(item)
        start = item[2]
    return items


def _inner(data: bytes, start: int, end: int, tag: int) -> tuple[int, int]:
    """The content of the single element of type ``tag`` that fills data[start:end]."""
    found, s, e = _read(data, start, end)
    if found != tag or e != end:
        raise SpnegoError(f"expected DER tag 0x{tag:02x}, got 0x{found:02x}")
    return s, e


# --- tokens from the client ------------------------------------------------------------------


@dataclass(frozen=True)
class ClientToken:
    """One security blob from the client, as NegTokenInit, NegTokenResp or bare NTLMSSP."""

    mech_types: list[str] | None  # NegTokenInit.mechTypes, else None
    mech_token: bytes  # the mechanism token (mechToken / responseToken / the bare NTLM message)
    mech_list_mic: bytes | None
    mech_types_der: bytes | None  # exact DER of the MechTypeList SEQUENCE, for the mechListMIC
    raw_ntlm: bool  # a bare "NTLMSSP\0" token without SPNEGO
    neg_state: int | None = None  # NegTokenResp.negState, when the client sent one

    @property
    def downgraded(self) -> bool:
        """NTLMSSP is offered but not as the client's first choice (RFC 4178 5: request-mic)."""
        types = self.mech_types
        return types is not None and len(types) > 0 and types[0] != NTLMSSP_OID and NTLMSSP_OID in types


def parse_client_token(token: bytes) -> ClientToken:
    """Parse a client security blob: the GSS-framed initial NegTokenInit (RFC 2743 3.1: 0x60,
    the SPNEGO OID, then [0]), a bare [0] NegTokenInit, a [1] NegTokenResp, or a bare NTLMSSP
    message. Raises SpnegoError on anything else."""
    data = bytes(token)
    if data.startswith(NTLMSSP_SIGNATURE):
        return ClientToken(None, data, None, None, raw_ntlm=True)
    tag, start, end = _read(data, 0, len(data))
    if tag == _APPLICATION_0:
        oid_tag, s, e = _read(data, start, end)
        if oid_tag != _OID or _decode_oid(data[s:e]) != SPNEGO_OID:
            raise SpnegoError("GSS token for a mechanism other than SPNEGO")
        tag, start, inner_end = _read(data, e, end)
        if inner_end != end:
            raise SpnegoError("trailing data in the GSS token")
    if tag == _ctx(0):
        return _parse_neg_token_init(data, *_inner(data, start, end, _SEQUENCE))
    if tag == _ctx(1):
        return _parse_neg_token_resp(data, *_inner(data, start, end, _SEQUENCE))
    raise SpnegoError(f"not a SPNEGO token (tag 0x{tag:02x})")


def _octets(data: bytes, start: int, end: int) -> bytes:
    s, e = _inner(data, start, end, _OCTET_STRING)
    return data[s:e]


def _parse_neg_token_init(data: bytes, start: int, end: int) -> ClientToken:
    """RFC 4178 4.2.1 NegTokenInit: mechTypes [0], reqFlags [1], mechToken [2], mechListMIC [3];
    MS-SPNG 2.2.1 NegTokenInit2 puts negHints at [3] and mechListMIC at [4]."""
    mech_types: list[str] | None = None
    mech_types_der: bytes | None = None
    mech_token = b""
    mic: bytes | None = None
    for tag, s, e in _items(data, start, end):
        if tag == _ctx(0):
            list_start = s
            s, e = _inner(data, s, e, _SEQUENCE)
            mech_types_der = data[list_start:e]
            mech_types = []
            for item_tag, os_, oe in _items(data, s, e):
                if item_tag != _OID:
                    raise SpnegoError("MechTypeList holds something else than OIDs")
                mech_types.append(_decode_oid(data[os_:oe]))
        elif tag == _ctx(2):
            mech_token = _octets(data, s, e)
        elif tag == _ctx(3) and _read(data, s, e)[0] == _OCTET_STRING or tag == _ctx(4):
            mic = _octets(data, s, e)
        # reqFlags [1], negHints [3] and extensions are not needed by an acceptor
    if mech_types is None:
        raise SpnegoError("NegTokenInit without mechTypes")
    return ClientToken(mech_types, mech_token, mic, mech_types_der, raw_ntlm=False)


def _parse_neg_token_resp(data: bytes, start: int, end: int) -> ClientToken:
    """RFC 4178 4.2.2 NegTokenResp: negState [0], supportedMech [1], responseToken [2],
    mechListMIC [3]."""
    neg_state: int | None = None
    token = b""
    mic: bytes | None = None
    for tag, s, e in _items(data, start, end):
        if tag == _ctx(0):
            s, e = _inner(data, s, e, _ENUMERATED)
            if not 0 < e - s <= 4:
                raise SpnegoError("bad negState")
            neg_state = int.from_bytes(data[s:e], "big")
        elif tag == _ctx(1):
            s, e = _inner(data, s, e, _OID)
            _decode_oid(data[s:e])
        elif tag == _ctx(2):
            token = _octets(data, s, e)
        elif tag == _ctx(3):
            mic = _octets(data, s, e)
    # Windows 2000 repeated the responseToken in mechListMIC (Samba and pyspnego drop it too)
    if mic is not None and mic == token:
        mic = None
    return ClientToken(None, token, mic, None, raw_ntlm=False, neg_state=neg_state)


class MechSelection(enum.Enum):
    NTLM = "ntlm"  # token.mech_token is an NTLM message for the acceptor
    NTLM_NEEDS_NEGOTIATE = "ntlm_needs_negotiate"  # choose NTLMSSP, wait for its NEGOTIATE
    REJECT = "reject"  # NTLMSSP not offered


def select_mech(token: ClientToken) -> MechSelection:
    """What to do with the client's first token (see the module docstring, step 3)."""
    if token.mech_types is None:
        return MechSelection.NTLM if token.mech_token else MechSelection.NTLM_NEEDS_NEGOTIATE
    if NTLMSSP_OID not in token.mech_types:
        return MechSelection.REJECT
    if token.downgraded or not token.mech_token:
        return MechSelection.NTLM_NEEDS_NEGOTIATE
    return MechSelection.NTLM


# --- tokens from the server ------------------------------------------------------------------


def _neg_token_resp(
    state: NegState, supported_mech: str | None, response_token: bytes | None, mic: bytes | None
) -> bytes:
    body = _tlv(_ctx(0), _tlv(_ENUMERATED, bytes((state,))))
    if supported_mech is not None:
        body += _tlv(_ctx(1), encode_oid(supported_mech))
    if response_token is not None:
        body += _tlv(_ctx(2), _tlv(_OCTET_STRING, response_token))
    if mic is not None:
        body += _tlv(_ctx(3), _tlv(_OCTET_STRING, mic))
    return _tlv(_ctx(1), _tlv(_SEQUENCE, body))


#: Mechanism names a profile may list in its NEGOTIATE response's NegTokenInit (MS-SPNG 2.2.1).
MECH_OIDS = {
    "NEGOEX": NEGOEX_OID,
    "MS_KRB5": KERBEROS_OIDS[0],
    "KRB5": KERBEROS_OIDS[1],
    "KRB5_U2U": KERBEROS_OIDS[2],
    "NTLMSSP": NTLMSSP_OID,
}


@functools.lru_cache(maxsize=16)
def negotiate_hint(mechs: tuple[str, ...] = ("NTLMSSP",), hint: bool = False, hint_name: bytes = HINT_NAME) -> bytes:
    """The NegTokenInit2 (MS-SPNG 2.2.1) of the NEGOTIATE response: GSS framing, mechTypes in the
    given order (names of MECH_OIDS) and, with ``hint``, negHints.hintName
    "not_defined_in_RFC4178@please_ignore" -- as a domain-joined Windows sends it: suricata-verify
    tests/smb-version-keyword/input.pcap (10.0.17763), tests/smb3-01/input.pcap (10.0.14393):
    NEGOEX, MS-KRB5, KRB5, KRB5-U2U, NTLMSSP and the hint, which tshark decodes as negHints. We
    only speak NTLMSSP: a client that starts with another mech is asked for NTLMSSP (step 3).
    ``hint_name`` replaces the hint's text (Windows 2000 sends its principal there, `hint_name_for`)."""
    types = b"".join(encode_oid(MECH_OIDS[name]) for name in mechs)
    body = _tlv(_ctx(0), _tlv(_SEQUENCE, types))
    if hint:
        body += _tlv(_ctx(3), _tlv(_SEQUENCE, _tlv(_ctx(0), _tlv(_GENERAL_STRING, hint_name))))
    return _tlv(_APPLICATION_0, encode_oid(SPNEGO_OID) + _tlv(_ctx(0), _tlv(_SEQUENCE, body)))


#: The Kerberos mechanisms a machine without a domain does not offer.
_KERBEROS = frozenset({"MS_KRB5", "KRB5", "KRB5_U2U"})


def negotiate_token(mechs: tuple[str, ...], hint: bool, *, workgroup: bool, hint_name: bytes = HINT_NAME) -> bytes:
    """The NEGOTIATE response's token for a profile, SMB2 and SMB1 alike (one security package
    answers both). A workgroup machine has no Kerberos to offer and sends no hint: NEGOEX and
    NTLMSSP only, as a workgroup 2019 over SMB1 (suricata-verify tests/output-eve-smb-01/input.pcap,
    tests/captures/win2019-smb1.pcap) and a workgroup 8.1 over SMB2
    (tests/smb2-ntlmssp-negotiateflags/input.pcap) send it."""
    if workgroup:
        return negotiate_hint(tuple(m for m in mechs if m not in _KERBEROS) or ("NTLMSSP",), False)
    return negotiate_hint(mechs, hint, hint_name)


def hint_name_for(kind: str, dns_computer: str | None, dns_domain: str | None) -> bytes:
    """negHints.hintName of a joined machine's NEGOTIATE token (profile ``identity.smb2.spnego_hint_name``):
    "rfc4178" is MS-SPNG 2.2.1's "not_defined_in_RFC4178@please_ignore" (2008 and later);
    "principal" is the machine's Kerberos principal "<host>$@<REALM>", as Windows 2000 sends it in
    its SMB1 NEGOTIATE (zeek testing/btest/Traces/krb/smb_gssapi.pcap, tests/captures/
    win2000-smb1-kerberos.pcap: "edisk03a$@HOUSING.HKSARG": the host part of the DNS name as the
    name was typed, lower-case there, and the DNS domain upper-case). A machine without DNS names
    has no such principal and sends the RFC 4178 text."""
    if kind == "principal" and dns_computer and dns_domain:
        host = dns_computer.split(".", 1)[0]
        return f"{host}$@{dns_domain.upper()}".encode("ascii", "replace")
    return HINT_NAME


def accept_incomplete(
    response_token: bytes | None, *, supported_mech: bool = True, request_mic: bool = False
) -> bytes:
    """NegTokenResp with negState accept-incomplete (or request-mic), supportedMech NTLMSSP
    (only in the first reply, RFC 4178 4.2.2) and the NTLM CHALLENGE as responseToken."""
    state = NegState.REQUEST_MIC if request_mic else NegState.ACCEPT_INCOMPLETE
    return _neg_token_resp(state, NTLMSSP_OID if supported_mech else None, response_token, None)


def accept_completed(mech_list_mic: bytes | None = None) -> bytes:
    """NegTokenResp with negState accept-completed and, when given, the server's mechListMIC."""
    return _neg_token_resp(NegState.ACCEPT_COMPLETED, None, None, mech_list_mic)


def reject() -> bytes:
    """NegTokenResp with negState reject."""
    return _neg_token_resp(NegState.REJECT, None, None, None)


# --- mechListMIC (RFC 4178 5, MS-SPNG 3.1.5.1, 3.3.5.1) ----------------------------------------


def make_mech_list_mic(security: NtlmSecurity, mech_types_der: bytes) -> bytes:
    """The server's mechListMIC: the NTLM signature of the client's MechTypeList DER with the
    server's next sequence number (0), after which the outgoing RC4 handle is re-keyed."""
    mic = security.sign(mech_types_der)
    security.reset_rc4_state(outgoing=True)
    return mic


def verify_mech_list_mic(security: NtlmSecurity, mech_types_der: bytes, mic: bytes) -> bool:
    """Check the client's mechListMIC (incoming sequence number 0), then re-key the incoming
    RC4 handle."""
    ok = security.verify(mech_types_der, mic)
    security.reset_rc4_state(outgoing=False)
    return ok


def finish_ntlm(
    security: NtlmSecurity, mech_types_der: bytes | None, client_mic: bytes | None, *, mic_required: bool = False
) -> tuple[bool, bytes]:
    """The final NegTokenResp after NTLM said AUTHENTICATED; returns (ok, token).

    The client's mechListMIC, when present, must verify over ``mech_types_der`` (else
    ``(False, reject())``) and is answered with the server's. ``mic_required`` (set it to
    ``first_token.downgraded``: we sent request-mic) makes a missing client MIC a failure too
    when NTLM negotiated signing (RFC 4178 5 asks for the MIC only from mechs with integrity)."""
    if client_mic is None:
        if mic_required and security.flags & NTLMSSP_NEGOTIATE_SIGN:
            return False, reject()
        return True, accept_completed(None)
    if mech_types_der is None:
        return False, reject()
    if not security.flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY:
        # NTLM v1 session security (MS-NLMP 3.4.4.1): one RC4 handle and one sequence number
        # serve both directions, so the client checks our mechListMIC with the key stream and
        # sequence number (1) that its own mechListMIC left; re-keying in between (as the two
        # handles of extended session security are, MS-SPNG 3.3.5.1) would make Samba's client
        # answer "BAD SIG NTLM1" and fail the logon. Verify, sign, then re-key the one handle.
        if not security.verify(mech_types_der, client_mic):
            return False, reject()
        mic = security.sign(mech_types_der)
        security.reset_rc4_state(outgoing=True)
        return True, accept_completed(mic)
    if not verify_mech_list_mic(security, mech_types_der, client_mic):
        return False, reject()
    return True, accept_completed(make_mech_list_mic(security, mech_types_der))
