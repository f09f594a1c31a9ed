"""bkrp: the BackupKey Remote Protocol (MS-BKRP), the DPAPI domain backup key service of a DC.

UUID 3dde7c30-165d-11d1-ab8f-00805f14db40 version 1.0, one method, BackuprKey (opnum 0,
MS-BKRP 3.1.4.1).  Where it listens (MS-BKRP 2.1: the server MUST listen on
``\\pipe\\protected_storage`` or ``\\pipe\\ntsvcs``, SHOULD on the first): lsass serves it, and
``\\pipe\\protected_storage`` is one of the names of lsass's pipe from Windows XP / 2003 on
(Npfs aliases: protected_storage, netlogon, lsarpc, samr -> lsass; J.-B. Marchand, HSC, OSR
ntdev 2003, W), so it is served on ``\\pipe\\protected_storage`` and ``\\pipe\\lsass``, and
bind_ack names ``\\PIPE\\lsass`` as for every lsass interface.  On ncacn_ip_tcp it answers on
lsass's dynamic port without being registered with the endpoint mapper (a Metasploit
``dcerpc/hidden`` scan of a Windows DC finds it "HIDDEN" on every lsass port, W;
pipes/epmapper/registrations.py).

The four actions (``pguidActionAgent``, 3.1.4.1):

* BACKUPKEY_BACKUP_GUID (3.1.4.1.1): wrap the secret with the current ServerWrap key for the
  caller's SID (format 2.2.4, :mod:`.wrapping`);
* BACKUPKEY_RESTORE_GUID_WIN2K (3.1.4.1.2): unwrap a ServerWrap blob.  A ClientWrap blob sent
  this way is refused ERROR_INVALID_PARAMETER: only 2003 to 2012 R2 process it (<10>), through
  3.1.4.1.2.2's RC4 answer (2.2.6), which smbemu does not emulate;
* BACKUPKEY_RETRIEVE_BACKUP_KEY_GUID (3.1.4.1.3): the DER certificate of the current
  ClientWrap key pair (2.2.1); not on Windows 2000 (<9>), which answers it as an unknown action;
* BACKUPKEY_RESTORE_GUID (3.1.4.1.4): unwrap a ClientWrap blob (2.2.2, versions 2 and 3),
  answered as 2.2.3; a ServerWrap blob (first DWORD 1) is unwrapped as WIN2K's (<11>).

The keys (:mod:`.keys`) are the LSA secrets ``G$BCKUPKEY_*`` of the directory, created the
first time they are needed (`smbemu.directory.dpapi_backup_keys`), so LsarRetrievePrivateData
(``dpapi.py backupkeys``) reads the very keys BackuprKey uses.

Who may call, and what every other caller gets:

* the call must come with packet privacy (MS-BKRP 1.5, 2.1, 3.2.4: secure RPC with
  RPC_C_AUTHN_LEVEL_PKT_PRIVACY); any lower level is the fault rpc_s_access_denied (5), what
  Samba's rpc.backupkey suite expects from Windows for every action over a connection without
  privacy (W);
* then the caller must be an authenticated domain user (MS-BKRP 1.5: "credentials that are
  valid for authentication in the server's domain"): the policy's rule (smbemu/policy/rules.py);
* a restore succeeds only for the user the secret was wrapped for: the SID sealed in the blob
  (2.2.4's SID, 2.2.2.3-4's AccessCheck) must be the caller's, else ERROR_INVALID_ACCESS
  (3.1.4.1.2.1 step 4, 3.1.4.1.4; an administrator gets no exception);
* a machine that is not a domain controller: only DCs play the server role (1.5; Appendix B:
  the client releases have no server role).  What a member or a workgroup server answers is
  not documented (U); smbemu answers ERROR_NOT_SUPPORTED, what Samba answers when it is not an
  AD DC;
* an unknown action GUID: ERROR_INVALID_PARAMETER (U: 3.1.4.1 lists the four values only;
  Samba's answer).

Auditing: the DPAPI events (4692 backup, 4693 recovery of a master key; 4695 unprotection of
auditable data) are written on the machine that runs DPAPI, the client, "and not the Domain
Controller" (Sigma rule win_security_dpapi_domain_masterkey_backup_attempt, from the Threat
Hunter Playbook's DPAPI backup key hunt, W); their subcategory, Audit DPAPI Activity, is off by
default in any case (Microsoft, "Audit DPAPI Activity": No Auditing).  So a BackuprKey call
writes no Security event on the emulated DC; the audit log's 5145 (the pipe opened) and the RPC
call log are what a defender sees.
"""

from __future__ import annotations

import uuid
from typing import Any, Final

from smbemu.errors import RpcFault
from smbemu.rpc import CallContext, Interface
from smbemu.rpc.ndr import ConformantBytes, Guid, Pointer, uint32
from smbemu.sid import sid_bytes
from smbemu.status import (
    ERROR_INVALID_DATA,
    ERROR_INVALID_PARAMETER,
    ERROR_NOT_SUPPORTED,
    ERROR_SUCCESS,
    FAULT_ACCESS_DENIED,
    STATUS_OBJECT_NAME_NOT_FOUND,
)

from . import keys, wrapping

__all__ = ["INTERFACE", "BACKUPKEY_BACKUP_GUID", "BACKUPKEY_RESTORE_GUID_WIN2K",
           "BACKUPKEY_RETRIEVE_BACKUP_KEY_GUID", "BACKUPKEY_RESTORE_GUID"]

#: MS-BKRP 3.1.4.1: the pguidActionAgent values.
BACKUPKEY_BACKUP_GUID: Final = uuid.UUID("7f752b10-178e-11d1-ab8f-00805f14db40")
BACKUPKEY_RESTORE_GUID_WIN2K: Final = uuid.UUID("7fe94d50-178e-11d1-ab8f-00805f14db40")
BACKUPKEY_RETRIEVE_BACKUP_KEY_GUID: Final = uuid.UUID("018ff48a-eaba-40c6-8f6d-72370240e967")
BACKUPKEY_RESTORE_GUID: Final = uuid.UUID("47270c64-2fc7-499b-ac5b-0e37cdce899a")
#: MS-RPCE 2.2.1.1.8 RPC_C_AUTHN_LEVEL_PKT_PRIVACY.
PKT_PRIVACY: Final = 6
#: A ClientWrap blob naming an unknown key: MS-BKRP 3.1.4.1.4 says ERROR_FILE_NOT_FOUND SHOULD
#: (<13>); Windows answers ERROR_INVALID_DATA, and Server 2012 R2 the NTSTATUS
#: STATUS_OBJECT_NAME_NOT_FOUND in the WERROR (Samba's rpc.backupkey bad_cert_guid test accepts
#: exactly these two: "Windows 2012R2 has, presumably, a programming error", W).
_UNKNOWN_KEY_2012R2: Final = (6, 3)
#: MS-BKRP <9>: "Windows 2000 does not support BACKUPKEY_RETRIEVE_BACKUP_KEY_GUID".
_RETRIEVE_SINCE: Final = (5, 1)

INTERFACE: Final = Interface(
    name="bkrp", uuid="3dde7c30-165d-11d1-ab8f-00805f14db40", version=(1, 0),
    pipes=("protected_storage", "lsass"), opnum_count=1, secondary_address="\\PIPE\\lsass",
    description="BackupKey Remote Protocol (MS-BKRP), DPAPI domain backup keys")


def _caller_sid(ctx: CallContext) -> bytes | None:
    """The binary SID of the caller's account (MS-DTYP 2.4.2.2), what a blob is sealed to."""
    principal = ctx.principal
    if principal.is_anonymous or not principal.user_name:
        return None
    user = ctx.server.directory.find_user(principal.user_name)
    return sid_bytes(str(user.sid)) if user is not None else None


def _backup(ctx: CallContext, data: bytes, sid: bytes) -> bytes:
    """BACKUPKEY_BACKUP_GUID (3.1.4.1.1): an empty secret is ERROR_INVALID_PARAMETER (U:
    Samba's answer)."""
    if not data:
        raise wrapping.Refused(ERROR_INVALID_PARAMETER, "nothing to wrap")
    key = keys.server_wrap_key(ctx)
    if key is None:  # the directory creates the keys; a DC always has one
        raise wrapping.Refused(ERROR_INVALID_DATA, "no ServerWrap key")
    return wrapping.server_wrap(data, sid, key.guid, key.key)


def _restore_server_wrapped(ctx: CallContext, data: bytes, sid: bytes) -> bytes:
    """3.1.4.1.2.1: the key the blob names (ERROR_INVALID_DATA when the DC has none by that
    GUID: Samba's server_wrap_decrypt_wrong_keyGUID, against Windows), then unwrap."""
    key = keys.server_wrap_key(ctx, wrapping.server_wrapped_key_guid(data))
    if key is None:
        raise wrapping.Refused(ERROR_INVALID_DATA, "no ServerWrap key by that GUID")
    return wrapping.server_unwrap(data, key.key, sid)


def _restore(ctx: CallContext, data: bytes, sid: bytes, *, win2k: bool) -> bytes:
    """3.1.4.1.2 (WIN2K) / 3.1.4.1.4: the first DWORD says which format the blob is in."""
    if len(data) < 4:
        raise wrapping.Refused(ERROR_INVALID_PARAMETER, "shorter than a version field")
    first = int.from_bytes(data[:4], "little")
    if first == wrapping.SERVER_WRAP_SIGNATURE:
        return _restore_server_wrapped(ctx, data, sid)
    if win2k or first not in wrapping.CLIENT_WRAP_VERSIONS:
        raise wrapping.Refused(ERROR_INVALID_PARAMETER, f"a blob of version {first}")
    key = keys.client_wrap_key(ctx, wrapping.client_wrapped_key_guid(data))
    if key is None or key.private_key is None:
        unknown = (STATUS_OBJECT_NAME_NOT_FOUND if ctx.server_view.version == _UNKNOWN_KEY_2012R2
                   else ERROR_INVALID_DATA)
        raise wrapping.Refused(unknown, "no ClientWrap key by that GUID")
    return wrapping.client_unwrap(data, key.private_key, sid)


def _retrieve(ctx: CallContext) -> bytes:
    """3.1.4.1.3: pDataIn and cbDataIn are ignored; the current key pair's certificate.  Windows
    2000 does not support the action (MS-BKRP <9>): it is an unknown one there."""
    if ctx.server_view.version < _RETRIEVE_SINCE:
        raise wrapping.Refused(ERROR_INVALID_PARAMETER, "BACKUPKEY_RETRIEVE_BACKUP_KEY_GUID before Windows XP / 2003")
    key = keys.client_wrap_key(ctx, private=False)
    if key is None:
        raise wrapping.Refused(ERROR_INVALID_DATA, "no ClientWrap key")
    return key.certificate


@INTERFACE.operation(0, "BackuprKey",
                     request=[("pguidActionAgent", Guid), ("pDataIn", ConformantBytes()),
                              ("cbDataIn", uint32), ("dwParam", uint32)],
                     response=[("ppDataOut", Pointer(ConformantBytes())), ("pcbDataOut", uint32)],
                     returns="WERROR")
def BackuprKey(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-BKRP 3.1.4.1 (see the module docstring for the order of the checks)."""
    refused = {"ppDataOut": None, "pcbDataOut": 0}
    if ctx.server.directory.role != "dc":
        return {**refused, "ReturnValue": ERROR_NOT_SUPPORTED}
    if ctx.auth_level < PKT_PRIVACY:
        raise RpcFault(FAULT_ACCESS_DENIED, "BackuprKey without packet privacy (MS-BKRP 2.1)")
    status = ctx.decide().status
    sid = _caller_sid(ctx)
    if status or sid is None:
        return {**refused, "ReturnValue": status or ctx.deny("account", "has no domain account").status}
    action = request["pguidActionAgent"]
    data = bytes(request["pDataIn"] or b"")[:request["cbDataIn"]]
    try:
        if action == BACKUPKEY_BACKUP_GUID:
            out = _backup(ctx, data, sid)
        elif action == BACKUPKEY_RESTORE_GUID_WIN2K:
            out = _restore(ctx, data, sid, win2k=True)
        elif action == BACKUPKEY_RESTORE_GUID:
            out = _restore(ctx, data, sid, win2k=False)
        elif action == BACKUPKEY_RETRIEVE_BACKUP_KEY_GUID:
            out = _retrieve(ctx)
        else:
            raise wrapping.Refused(ERROR_INVALID_PARAMETER, f"unknown action {action}")
    except wrapping.Refused as refusal:
        return {**refused, "ReturnValue": refusal.status}
    return {"ppDataOut": out, "pcbDataOut": len(out), "ReturnValue": ERROR_SUCCESS}
