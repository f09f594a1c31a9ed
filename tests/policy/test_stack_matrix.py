"""Every row of cases.yaml through the real stack: a server per (profile, --set, dialect) on
127.0.0.1, impacket's SMBConnection and DCE/RPC over ncacn_np, the exact status at the exact step --
once over SMB2 and once over SMB1 (NT LM 0.12).  Both runs compare against the row's one
expectation, so a row gives the same allow/deny result (same step, same status) over both dialects
or one of its runs fails (issue 12: "the same allow/deny results as over SMB2 for every row of the
policy matrix")."""

from __future__ import annotations

from typing import Any

import pytest

from helpers import HOST
from smbemu.profiles import list_profiles, load_profile
from smbemu.rpc.registry import Registry

pytestmark = pytest.mark.interop

SERVED = Registry.load().pipe_names() | {""}


def _pipes_of(case: Any) -> set[str]:
    return {step.name for step in case.steps if step.step == "pipe-open"}


@pytest.mark.parametrize("dialect", ["smb2", "smb1"])
def test_stack_matrix(case: Any, dialect: str, servers: Any, stack_client: Any) -> None:
    missing = _pipes_of(case) - SERVED
    assert case.pending or not missing, f"{case.id}: no handler for {missing}; mark the row pending in cases.yaml"
    client = stack_client(servers.get(case.profile, case.overrides, dialect), case.principal, dialect)
    got = client.run(case.steps) if not missing else ("(pipe not served)", None)
    expected = (case.step, case.status)
    if case.pending:
        # Pending is never a silent pass: a pending row that now passes must be un-pended.
        assert got != expected, f"{case.id} is marked pending ({case.pending}) but passes; remove `pending`"
        pytest.skip(f"PENDING: {case.pending} (got {_show(got)})")
    assert got == expected, f"{case.id} ({case.ref}): got {_show(got)}, expected {_show(expected)}"


#: RAP status words (MS-RAP 2.5.1; MS-ERREF 2.2)
ERROR_ACCESS_DENIED = 5
NERR_INVALID_API = 2142


def test_rap_twin_over_smb1(rap_case: Any, servers: Any, stack_client: Any, rap_twins: Any) -> None:
    """The rows whose action has a RAP twin (share and user enumeration): over SMB1 a client may
    ask \\PIPE\\LANMAN instead of the RPC pipe (smbclient -L falls back to it), and must get the
    row's allow/deny there too -- RAP carries a refusal as ERROR_ACCESS_DENIED in its status word
    (MS-RAP 3.2.5.1), whatever step refused the RPC path; a refusal at SESSION_SETUP or the IPC$
    TREE_CONNECT stays that.  From 2008 R2 on RAP's enumerations are NERR_InvalidAPI for everyone
    (MS-RAP Appendix A; smbemu.rap.commands)."""
    from smbemu.rap.commands import COMMANDS as RAP_COMMANDS

    opcode, param_desc, data_desc, level = rap_twins[rap_case.action]
    server = servers.get(rap_case.profile, rap_case.overrides, "smb1")
    got = stack_client(server, rap_case.principal, "smb1").rap(opcode, param_desc, data_desc, level)
    last = RAP_COMMANDS[opcode].last_version
    served = last is None or server.config.profile.identity.version <= last
    if rap_case.step in ("SESSION_SETUP", "TREE_CONNECT IPC$"):
        expected: tuple[str | None, int] = (rap_case.step, rap_case.status)
    elif not served:
        expected = ("rap", NERR_INVALID_API)
    else:
        expected = ("rap", 0 if rap_case.step is None else ERROR_ACCESS_DENIED)
    assert got == expected, f"{rap_case.id} ({rap_case.ref}): RAP got {got}, the row says {_show((rap_case.step, rap_case.status))}"


#: The profiles whose Windows ships SMB1 off (issue 12: Server 2019 / 2022); their SMB1 matrix rows
#: run with conftest.SMB1_LAB_OVERRIDE, and as shipped they refuse the SMB1 connection itself.
SMB1_OFF = [name for name in list_profiles() if not load_profile(name).smb.smb1]


def test_smb1_off_profiles_are_the_2019_and_2022_releases() -> None:
    assert SMB1_OFF == ["win2019", "win2022", "win2022-dc"]


@pytest.mark.parametrize("profile", SMB1_OFF)
def test_smb1_off_profile_refuses_an_smb1_only_client(profile: str, servers: Any) -> None:
    """As shipped, an NT LM 0.12-only NEGOTIATE is answered by closing the connection (MS-SMB2
    3.3.5.3.1); impacket's SMB1 client sees the connection end before any response."""
    from impacket.nmb import NetBIOSError  # type: ignore[import-untyped]
    from impacket.smbconnection import SMB_DIALECT, SMBConnection  # type: ignore[import-untyped]

    server = servers.get(profile, (), "smb2")  # the SMB2 run's server: the profile as shipped
    with pytest.raises(NetBIOSError):
        SMBConnection(HOST, HOST, sess_port=server.port, preferredDialect=SMB_DIALECT, timeout=10)
    assert SMBConnection(HOST, HOST, sess_port=server.port, timeout=10).getDialect() != SMB_DIALECT


def _show(result: tuple[str | None, int | None]) -> str:
    step, status = result
    if step is None:
        return "allowed"
    return f"{step} → " + (f"0x{status:08X}" if isinstance(status, int) else repr(status))
