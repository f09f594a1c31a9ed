"""The trusted domain objects (TDOs, MS-LSAD 3.1.1.5) an administrator created, and what their
calls share: finding one by SID or name, saving, the authentication information of a trust
(MS-LSAD 2.2.7.16-2.2.7.17, 5.1.1) and the audit events of a change.

The objects live in the directory's LSA policy settings (``lsa_policy["trusted_domains"]``,
through ``policy_store``), beside the audit policy and the secrets: every connection of the
server sees them, nothing is written to disk unless ``--state`` keeps the LSA settings, as it
does for the other LSA writes.  A record is a JSON-able dict:

``name`` (DNS name), ``flat`` (NetBIOS name), ``sid`` (None for an MIT realm), ``direction``,
``type``, ``attributes``, ``posix_offset``, ``enc_types`` (None: never set), ``incoming`` /
``outgoing`` (``{"current": [[type, hex], ...], "previous": [...]}``), ``forest`` (the forest
trust records LsarSetForestTrustInformation stored, None before).
"""

from __future__ import annotations

import struct
from typing import Any, Final

from cryptography.hazmat.primitives.ciphers import Cipher

from smbemu.rpc import CallContext

from . import policy_store
try:  # cryptography 43+: RC4 lives with the legacy ciphers
    from cryptography.hazmat.decrepit.ciphers.algorithms import ARC4
except ImportError:  # pragma: no cover - older cryptography
    from cryptography.hazmat.primitives.ciphers.algorithms import ARC4

from .trust_types import TRUST_ATTRIBUTE_FOREST_TRANSITIVE

_KEY: Final = "trusted_domains"
#: MS-LSAD 2.2.7.16: the random confounder in front of the authentication blob.
_CONFOUNDER: Final = 512
#: MS-LSAD 2.2.7.17 AuthType: TRUST_AUTH_TYPE_CLEAR, a password in UTF-16.
TRUST_AUTH_TYPE_CLEAR: Final = 2
#: MS-LSAD 2.2.7.9 TrustAttributes TRUST_ATTRIBUTE_QUARANTINED_DOMAIN (SID filtering).
_QUARANTINED_DOMAIN: Final = 0x00000004
#: Security events of a trust change (Microsoft, "Audit Authentication Policy Change", audited
#: -- Success -- by default on Windows Server; learn.microsoft.com .../auditing/event-4706,
#: event-4707, event-4716).
TRUST_CREATED: Final = 4706
TRUST_REMOVED: Final = 4707
TRUST_MODIFIED: Final = 4716


def trusts(ctx: CallContext) -> dict[str, dict[str, Any]]:
    """key -> record, a copy (the directory's dict is replaced, never changed in place)."""
    stored = (ctx.server.directory.lsa_policy or {}).get(_KEY) or {}
    return {key: dict(record) for key, record in stored.items()}


def save(ctx: CallContext, table: dict[str, dict[str, Any]]) -> None:
    changed = policy_store.settings(ctx)
    changed[_KEY] = table
    policy_store.save(ctx, changed)


def key_of(record: dict[str, Any]) -> str:
    return str(record["flat"]).lower()


def by_sid(ctx: CallContext, sid: str | None) -> dict[str, Any] | None:
    if sid is None:
        return None
    return next((r for r in trusts(ctx).values() if r.get("sid") and r["sid"].upper() == sid.upper()), None)


def by_name(ctx: CallContext, name: str | None) -> dict[str, Any] | None:
    """MS-LSAD 3.1.4.7.4 / 3.1.4.7.5: the name is the DNS or the NetBIOS name, either case."""
    lower = (name or "").lower()
    if not lower:
        return None
    return next((r for r in trusts(ctx).values() if lower in (r["name"].lower(), r["flat"].lower())), None)


def by_key(ctx: CallContext, key: str) -> dict[str, Any] | None:
    return trusts(ctx).get(key)


def store(ctx: CallContext, record: dict[str, Any]) -> None:
    table = trusts(ctx)
    table[key_of(record)] = record
    save(ctx, table)


def remove(ctx: CallContext, record: dict[str, Any]) -> None:
    table = trusts(ctx)
    table.pop(key_of(record), None)
    save(ctx, table)


def is_forest_trust(record: dict[str, Any]) -> bool:
    return bool(record["attributes"] & TRUST_ATTRIBUTE_FOREST_TRANSITIVE)


# -------------------------------------------------------------------------------------------
# Authentication information (MS-LSAD 2.2.7.11, 2.2.7.16, 2.2.7.17, 5.1.1)
# -------------------------------------------------------------------------------------------

def _entries(auth: dict[str, Any] | None) -> list[list[Any]]:
    """[[AuthType, hex]] of one LSAPR_AUTH_INFORMATION (None: nothing)."""
    if not auth:
        return []
    data = bytes(auth.get("AuthInfo") or b"")[:auth["AuthInfoLength"]]
    return [[auth["AuthType"], data.hex()]]


def from_auth_information(info: dict[str, Any] | None) -> dict[str, dict[str, list[list[Any]]]]:
    """The directions an LSAPR_TRUSTED_DOMAIN_AUTH_INFORMATION carries (a count of 0 leaves a
    direction out: nothing to change)."""
    result: dict[str, dict[str, list[list[Any]]]] = {}
    for direction, prefix in (("incoming", "Incoming"), ("outgoing", "Outgoing")):
        if info and info[f"{prefix}AuthInfos"]:
            result[direction] = {"current": _entries(info[f"{prefix}AuthenticationInformation"]),
                                 "previous": _entries(info[f"{prefix}PreviousAuthenticationInformation"])}
    return result


def _auth_array(block: bytes, offset: int, count: int) -> list[list[Any]]:
    """``count`` flattened LSAPR_AUTH_INFORMATION at ``offset`` (LastUpdateTime, AuthType,
    AuthInfoLength, AuthInfo padded to 4 bytes: MS-LSAD 2.2.7.16)."""
    entries = []
    for _ in range(count):
        _time, auth_type, length = struct.unpack_from("<QII", block, offset)
        data = block[offset + 16:offset + 16 + length]
        if len(data) != length:
            raise ValueError("authentication information past the blob")
        entries.append([auth_type, data.hex()])
        offset += 16 + length + (-length & 3)
    return entries


def _direction(block: bytes) -> dict[str, list[list[Any]]]:
    """One direction of the blob: count, offsets of the current and previous arrays (from the
    count's own start), then the arrays."""
    if not block:
        return {"current": [], "previous": []}
    count, current, previous = struct.unpack_from("<III", block)
    if count > 64:
        raise ValueError("implausible authentication information count")
    return {"current": _auth_array(block, current, count),
            "previous": _auth_array(block, previous, count) if previous and previous < len(block) else []}


def rc4(key: bytes, data: bytes) -> bytes:
    """RC4 ([SCHNEIER] 17.1), MS-LSAD 5.1.1's cipher of the authentication blob: OpenSSL's, else
    written out (an OpenSSL 3 build without the legacy provider has no RC4)."""
    try:
        return bytes(Cipher(ARC4(key), mode=None).encryptor().update(data))
    except Exception:  # pragma: no cover - depends on the OpenSSL build
        state = list(range(256))
        j = 0
        for i in range(256):
            j = (j + state[i] + key[i % len(key)]) & 0xFF
            state[i], state[j] = state[j], state[i]
        out = bytearray()
        i = j = 0
        for byte in data:
            i = (i + 1) & 0xFF
            j = (j + state[i]) & 0xFF
            state[i], state[j] = state[j], state[i]
            out.append(byte ^ state[(state[i] + state[j]) & 0xFF])
        return bytes(out)


def from_auth_blob(cipher: bytes, session_key: bytes) -> dict[str, dict[str, list[list[Any]]]] | None:
    """The directions of an LSAPR_TRUSTED_DOMAIN_AUTH_BLOB, RC4-encrypted with the session key
    (MS-LSAD 5.1.1); None when it does not decrypt into one."""
    plain = rc4(session_key, cipher) if session_key else cipher
    if len(plain) < _CONFOUNDER + 8:
        return None
    outgoing_size, incoming_size = struct.unpack_from("<II", plain, len(plain) - 8)
    start = _CONFOUNDER
    if start + outgoing_size + incoming_size + 8 != len(plain):
        return None
    try:
        outgoing = _direction(plain[start:start + outgoing_size])
        incoming = _direction(plain[start + outgoing_size:start + outgoing_size + incoming_size])
    except (struct.error, ValueError):
        return None
    return {"incoming": incoming, "outgoing": outgoing}


# -------------------------------------------------------------------------------------------
# Audit (smbemu.audit_policy_changes writes the events)
# -------------------------------------------------------------------------------------------

def _sid_filtering(record: dict[str, Any]) -> str:
    """SID filtering is on for a quarantined (external) trust and for a forest trust (Microsoft,
    "Security Considerations for Trusts"); U: the event's rendering of the value."""
    on = record["attributes"] & (_QUARANTINED_DOMAIN | TRUST_ATTRIBUTE_FOREST_TRANSITIVE)
    return "Yes" if on else "No"


def audit(ctx: CallContext, event_id: int, record: dict[str, Any]) -> None:
    """4706 / 4716 (the trust's type, direction, attributes) or 4707 (its name and SID)."""
    fields: list[tuple[str, str]] = [("DomainName", record["name"]), ("DomainSid", record.get("sid") or "-")]
    if event_id != TRUST_REMOVED:
        fields += [("TdoType", str(record["type"])), ("TdoDirection", str(record["direction"])),
                   ("TdoAttributes", str(record["attributes"])), ("SidFilteringEnabled", _sid_filtering(record))]
    policy_store.report(ctx, event_id, fields)
