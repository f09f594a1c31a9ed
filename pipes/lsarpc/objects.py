"""lsarpc's interface object and handle checks (MS-LSAD 3.1.1, 3.1.4).

The ``INTERFACE`` every other module of the package declares its operations on, its fault-only
opnums, and the helpers each call uses to check its policy or account handle (known, of the
right kind, holding the right access) before asking the policy about the call itself."""

from __future__ import annotations

from typing import Any, Final

from smbemu.policy.access import LSA_POLICY
from smbemu.rpc import CallContext, HandleEntry, Interface
from smbemu.status import STATUS_ACCESS_DENIED, STATUS_INVALID_HANDLE, STATUS_SUCCESS

from .types import POLICY_HANDLE

# -------------------------------------------------------------------------------------------
# The interface and its fault-only opnums
# -------------------------------------------------------------------------------------------

INTERFACE: Final = Interface(
    name="lsarpc", uuid="12345778-1234-abcd-ef00-0123456789ab", version=(0, 0),
    # Reachable on \PIPE\lsass too, the LSA process's own endpoint the endpoint mapper lists
    # (MS-LSAD 2.1 names \PIPE\lsarpc; Windows serves every lsass interface on both).
    pipes=("lsarpc", "lsass"), opnum_count=82,
    # Windows answers a bind on \PIPE\lsarpc with the secondary address of the LSA process's
    # own endpoint, \PIPE\lsass (network captures of Windows 2000-2022; Samba does the same).
    secondary_address="\\PIPE\\lsass",
    description="Local Security Authority (MS-LSAD / MS-LSAT)")

#: Read-only calls Windows implements and smbemu does not emulate: none left (queries.py
#: answers the object queries as Windows does for objects that do not exist).
NOT_EMULATED: Final[dict[int, str]] = {}
#: MS-LSAD 3.1.4: "Opnum..NotUsedOnWire" (reserved for local use): nca_op_rng_error.  Opnums 1
#: (LsarDelete) and 52 (LsarCloseTrustedDomainEx) are listed there too but Windows dispatches
#: them: queries.py, trusted_domains.py.
NOT_USED_ON_WIRE: Final = {n: f"Opnum{n}NotUsedOnWire" for n in (
    5, 9, 21, 22, 56, *range(60, 68), *range(69, 73), 75, *range(78, 82))}
for _opnum, _name in {**NOT_EMULATED, **NOT_USED_ON_WIRE}.items():
    INTERFACE.not_implemented(_opnum, _name)


# -------------------------------------------------------------------------------------------
# Access: caller rights, handles, the policy
# -------------------------------------------------------------------------------------------


def policy_handle_status(ctx: CallContext, handle: bytes, needed: int) -> int:
    """0, or STATUS_INVALID_HANDLE for a live lsarpc handle of another type (an account handle
    where a policy handle is taken), STATUS_ACCESS_DENIED if it lacks ``needed`` (recorded).

    A handle lsarpc never issued to this caller (unknown, closed, another caller's, a samr
    handle of the same association group) never reaches the LSA: the runtime's fault
    nca_s_fault_context_mismatch (``lsa_handle``)."""
    entry = lsa_handle(ctx, handle)
    if entry.kind != POLICY_HANDLE:
        return STATUS_INVALID_HANDLE
    if not ctx.require(entry.granted_access, needed, LSA_POLICY):
        return STATUS_ACCESS_DENIED
    return STATUS_SUCCESS


def lsa_handle(ctx: CallContext, handle: bytes) -> HandleEntry:
    """The entry of a handle lsarpc issued to this caller, else RpcFault
    nca_s_fault_context_mismatch 0x1C00001A (MS-LSAD 3.1.4: the interface is strict_context_handle,
    MS-RPCE 2.2.4.15; Samba's rpc.handles, written against Windows, expects the fault for a
    closed handle and for an lsarpc handle given to samr and back)."""
    return ctx.handles.issued(handle, "lsarpc")


def check_call(ctx: CallContext, handle: bytes, needed: int, operation: str,
               level: int | None = None) -> int:
    """The handle check, then the policy's word on the call (told the handle's granted
    access)."""
    status = policy_handle_status(ctx, handle, needed)
    if status:
        return status
    entry = ctx.handles.lookup(handle, POLICY_HANDLE)
    assert entry is not None
    return ctx.decide(operation, level, access=entry.granted_access).status


def error_response(ctx: CallContext, status: int, **values: Any) -> dict[str, Any]:
    op = ctx.operation
    assert op is not None
    return op.error_response(status, **values)
