"""lsarpc secret objects (MS-LSAD 3.1.4.6): LsarCreateSecret, LsarOpenSecret, LsarSetSecret,
LsarQuerySecret, LsarStorePrivateData / LsarRetrievePrivateData, LsarDeleteObject on a secret
handle (`account_writes`).

Who may: the policy object's DACL grants POLICY_CREATE_SECRET and POLICY_GET_PRIVATE_INFORMATION
to Administrators only (MS-LSAD 3.1.1.1.1), and a secret object's default DACL gives everyone
else nothing (3.1.1.4): so administrators create, read and write secrets -- as impacket's remote
tests (written against Windows) do with DPAPI_SYSTEM -- and everyone else is refused
STATUS_ACCESS_DENIED (the policy's rule, logged).  The secrets live in the directory
(``lsa_secrets``; a DC's and a member's start with DPAPI_SYSTEM, a value drawn from the machine
SID), so ``--state`` keeps them.

A value travels as LSAPR_CR_CIPHER_VALUE, encrypted with the session key as MS-LSAD 5.1.2 says
(`smbemu.directory.sam_crypto.encrypt_secret`)."""

from __future__ import annotations

from typing import Any, Final

from smbemu.filetime import filetime_now
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import ConformantVaryingBytes, Pointer, RpcUnicodeString, Struct, int64, uint32
from smbemu.status import (
    STATUS_INVALID_HANDLE,
    STATUS_INVALID_PARAMETER,
    STATUS_OBJECT_NAME_COLLISION,
    STATUS_OBJECT_NAME_NOT_FOUND,
    STATUS_SUCCESS,
    STATUS_UNKNOWN_REVISION,
)

from .objects import INTERFACE, check_call, lsa_handle
from .types import LSAPR_HANDLE

#: MS-LSAD 2.2.1.1.2: the policy rights these calls need.
POLICY_CREATE_SECRET: Final = 0x00000020
POLICY_GET_PRIVATE_INFORMATION: Final = 0x00000004
SECRET_HANDLE: Final = "lsarpc.secret"
#: MS-LSAD 2.2.1.1.5 SECRET_ALL_ACCESS: what an administrator's secret handle holds.
SECRET_ALL_ACCESS: Final = 0x000F0003
#: MS-LSAD 2.2.6.1 LSAPR_CR_CIPHER_VALUE.
LSAPR_CR_CIPHER_VALUE: Final = Struct("LSAPR_CR_CIPHER_VALUE", [
    ("Length", uint32), ("MaximumLength", uint32), ("Buffer", Pointer(ConformantVaryingBytes()))])
_CIPHER: Final = Pointer(LSAPR_CR_CIPHER_VALUE)
#: LsarQuerySecret's ``[in, out, unique] PLSAPR_CR_CIPHER_VALUE*``: a unique pointer to a pointer.
#: The inner pointer sits in a one-field struct (the same bytes: a referent id, then its
#: referent) so that "asked, no value yet" (outer set, inner NULL: what rpcclient querysecret
#: sends) decodes as ``{"Value": None}`` and stays apart from "not asked" (outer NULL: None).
_ASKED_CIPHER: Final = Pointer(Struct("PLSAPR_CR_CIPHER_VALUE", [("Value", _CIPHER)]))
_NULL_HANDLE: Final = bytes(20)


def _cipher_value(ctx: CallContext, value: bytes | None) -> dict[str, Any] | None:
    """An LSAPR_CR_CIPHER_VALUE of ``value`` under the session key (`sam_crypto`, via the directory)."""
    if value is None:
        return None
    data = ctx.server.directory.encrypt_secret(value, ctx.session_key or b"")
    return {"Length": len(data), "MaximumLength": len(data), "Buffer": data}


# -------------------------------------------------------------------------------------------
# The store
# -------------------------------------------------------------------------------------------


def _secrets(ctx: CallContext, *, backup_keys: bool = False) -> dict[str, dict[str, Any]]:
    """name -> {"current": hex or None, "old": hex or None, "current_time": FILETIME, "old_time": ...}
    (the directory's, seeded with the machine's DPAPI_SYSTEM on first use; with ``backup_keys``,
    on a DC, with the domain's DPAPI backup keys, which it creates when first asked for:
    MS-BKRP 3.1.1, the G$BCKUPKEY_* secrets pipes/bkrp uses)."""
    secrets: dict[str, dict[str, Any]] = ctx.server.directory.lsa_secret_table(backup_keys=backup_keys)
    return secrets


def _find(ctx: CallContext, name: str) -> str | None:
    lower = name.lower()
    table = _secrets(ctx, backup_keys=lower.startswith("g$bckupkey_"))
    return next((key for key in table if key.lower() == lower), None)


def _store(ctx: CallContext, name: str, current: bytes | None, old: bytes | None, *, keep_old: bool) -> None:
    table = {key: dict(entry) for key, entry in _secrets(ctx).items()}
    now = filetime_now()
    entry = table.setdefault(name, {"current": None, "old": None, "current_time": now, "old_time": now})
    if keep_old:
        entry["old"], entry["old_time"] = entry["current"], entry["current_time"]
    else:
        entry["old"], entry["old_time"] = (old.hex() if old is not None else None), now
    entry["current"], entry["current_time"] = (current.hex() if current is not None else None), now
    ctx.server.directory.set_lsa_secrets(table)


def _value(entry: dict[str, Any], key: str) -> bytes | None:
    return bytes.fromhex(entry[key]) if entry.get(key) is not None else None


# -------------------------------------------------------------------------------------------
# The calls
# -------------------------------------------------------------------------------------------


_NAME_IN: Final = [("PolicyHandle", LSAPR_HANDLE), ("SecretName", RpcUnicodeString), ("DesiredAccess", uint32)]


@INTERFACE.operation(16, "LsarCreateSecret", request=_NAME_IN, response=[("SecretHandle", LSAPR_HANDLE)])
def LsarCreateSecret(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.6.1 (POLICY_CREATE_SECRET): a new secret without a value;
    STATUS_OBJECT_NAME_COLLISION when the name exists."""
    status = check_call(ctx, request["PolicyHandle"], POLICY_CREATE_SECRET, "LsarCreateSecret")
    if status:
        return {"SecretHandle": _NULL_HANDLE, "ReturnValue": status}
    name = request["SecretName"] or ""
    if not name:
        return {"SecretHandle": _NULL_HANDLE, "ReturnValue": STATUS_INVALID_PARAMETER}
    if _find(ctx, name) is not None:
        return {"SecretHandle": _NULL_HANDLE, "ReturnValue": STATUS_OBJECT_NAME_COLLISION}
    table = {key: dict(entry) for key, entry in _secrets(ctx).items()}
    now = filetime_now()
    table[name] = {"current": None, "old": None, "current_time": now, "old_time": now}
    ctx.server.directory.set_lsa_secrets(table)
    return {"SecretHandle": ctx.handles.create(SECRET_HANDLE, name, SECRET_ALL_ACCESS), "ReturnValue": STATUS_SUCCESS}


@INTERFACE.operation(28, "LsarOpenSecret", request=_NAME_IN, response=[("SecretHandle", LSAPR_HANDLE)])
def LsarOpenSecret(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.6.2: STATUS_OBJECT_NAME_NOT_FOUND for an unknown name."""
    status = check_call(ctx, request["PolicyHandle"], 0, "LsarOpenSecret")
    if status:
        return {"SecretHandle": _NULL_HANDLE, "ReturnValue": status}
    name = _find(ctx, request["SecretName"] or "")
    if name is None:
        return {"SecretHandle": _NULL_HANDLE, "ReturnValue": STATUS_OBJECT_NAME_NOT_FOUND}
    return {"SecretHandle": ctx.handles.create(SECRET_HANDLE, name, SECRET_ALL_ACCESS), "ReturnValue": STATUS_SUCCESS}


def secret_of(ctx: CallContext, handle: bytes) -> tuple[str | None, int]:
    """The secret a handle names (STATUS_INVALID_HANDLE once deleted), after the policy's rule."""
    entry = lsa_handle(ctx, handle)
    if entry.kind != SECRET_HANDLE or _find(ctx, str(entry.obj)) is None:
        return None, STATUS_INVALID_HANDLE
    status = ctx.decide().status
    return (None, status) if status else (str(entry.obj), STATUS_SUCCESS)


def delete_secret(ctx: CallContext, name: str) -> None:
    table = {key: dict(entry) for key, entry in _secrets(ctx).items() if key != name}
    ctx.server.directory.set_lsa_secrets(table)


def _decrypted(ctx: CallContext, value: Any) -> tuple[bytes | None, int]:
    """The value under the session key; a buffer that does not decrypt to a version-1 cipher
    value (the wrong key, a broken block) is STATUS_UNKNOWN_REVISION: Samba's rpc.lsa, written
    against Windows, breaks one encrypted byte and expects exactly that from LsarSetSecret."""
    if value is None:
        return None, STATUS_SUCCESS
    plain = ctx.server.directory.decrypt_secret(bytes(value.get("Buffer") or b"")[:value["Length"]],
                                                ctx.session_key or b"")
    return (plain, STATUS_SUCCESS) if plain is not None else (None, STATUS_UNKNOWN_REVISION)


@INTERFACE.operation(29, "LsarSetSecret",
                     request=[("SecretHandle", LSAPR_HANDLE), ("EncryptedCurrentValue", _CIPHER),
                              ("EncryptedOldValue", _CIPHER)], response=[])
def LsarSetSecret(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.6.3: the new current (and old) value, decrypted with the session key."""
    name, status = secret_of(ctx, request["SecretHandle"])
    if name is None:
        return {"ReturnValue": status}
    current, status = _decrypted(ctx, request["EncryptedCurrentValue"])
    old, status2 = _decrypted(ctx, request["EncryptedOldValue"])
    if status or status2:
        return {"ReturnValue": status or status2}
    _store(ctx, name, current, old, keep_old=request["EncryptedOldValue"] is None)
    return {"ReturnValue": STATUS_SUCCESS}


_TIME: Final = Pointer(int64)


@INTERFACE.operation(30, "LsarQuerySecret",
                     request=[("SecretHandle", LSAPR_HANDLE), ("EncryptedCurrentValue", _ASKED_CIPHER),
                              ("CurrentValueSetTime", _TIME), ("EncryptedOldValue", _ASKED_CIPHER),
                              ("OldValueSetTime", _TIME)],
                     response=[("EncryptedCurrentValue", _ASKED_CIPHER), ("CurrentValueSetTime", _TIME),
                               ("EncryptedOldValue", _ASKED_CIPHER), ("OldValueSetTime", _TIME)])
def LsarQuerySecret(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.6.4: the values asked for (a NULL [in] pointer is not returned), encrypted
    with the session key, and their times."""
    name, status = secret_of(ctx, request["SecretHandle"])
    empty = {"EncryptedCurrentValue": None, "CurrentValueSetTime": None, "EncryptedOldValue": None,
             "OldValueSetTime": None}
    if name is None:
        return {**empty, "ReturnValue": status}
    entry = _secrets(ctx)[name]
    out: dict[str, Any] = {}
    for field, which, time_field, time_key in (("EncryptedCurrentValue", "current", "CurrentValueSetTime", "current_time"),
                                               ("EncryptedOldValue", "old", "OldValueSetTime", "old_time")):
        asked = request[field] is not None
        out[field] = {"Value": _cipher_value(ctx, _value(entry, which))} if asked else None
        out[time_field] = entry[time_key] if request[time_field] is not None else None
    return {**out, "ReturnValue": STATUS_SUCCESS}


_KEY_IN: Final = [("PolicyHandle", LSAPR_HANDLE), ("KeyName", RpcUnicodeString)]


@INTERFACE.operation(42, "LsarStorePrivateData", request=[*_KEY_IN, ("EncryptedData", _CIPHER)], response=[])
def LsarStorePrivateData(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.6.5 (POLICY_CREATE_SECRET): the secret is created when absent; a NULL value
    deletes it."""
    status = check_call(ctx, request["PolicyHandle"], POLICY_CREATE_SECRET, "LsarStorePrivateData")
    if status:
        return {"ReturnValue": status}
    name = request["KeyName"] or ""
    found = _find(ctx, name)
    if request["EncryptedData"] is None:
        if found is None:
            return {"ReturnValue": STATUS_OBJECT_NAME_NOT_FOUND}
        delete_secret(ctx, found)
        return {"ReturnValue": STATUS_SUCCESS}
    value, status = _decrypted(ctx, request["EncryptedData"])
    if status:
        return {"ReturnValue": status}
    _store(ctx, found or name, value, None, keep_old=True)
    return {"ReturnValue": STATUS_SUCCESS}


@INTERFACE.operation(43, "LsarRetrievePrivateData", request=[*_KEY_IN, ("EncryptedData", _CIPHER)],
                     response=[("EncryptedData", _CIPHER)])
def LsarRetrievePrivateData(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.6.6 (POLICY_GET_PRIVATE_INFORMATION): the current value, encrypted with the
    session key; STATUS_OBJECT_NAME_NOT_FOUND for an unknown name."""
    status = check_call(ctx, request["PolicyHandle"], POLICY_GET_PRIVATE_INFORMATION, "LsarRetrievePrivateData")
    if status:
        return {"EncryptedData": None, "ReturnValue": status}
    name = _find(ctx, request["KeyName"] or "")
    if name is None:
        return {"EncryptedData": None, "ReturnValue": STATUS_OBJECT_NAME_NOT_FOUND}
    value = _value(_secrets(ctx)[name], "current")
    return {"EncryptedData": _cipher_value(ctx, value if value is not None else b""),
            "ReturnValue": STATUS_SUCCESS}


__all__ = ["secret_of", "delete_secret", "SECRET_HANDLE", "LSAPR_CR_CIPHER_VALUE"]
