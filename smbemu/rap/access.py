"""Who may make a RAP call: the questions its DCE/RPC twin asks, put to the same policy.

A Windows server does not decide RAP calls by rules of their own: the Server service's
transaction handler (XACTSRV) impersonates the caller and makes the local Net API call, whose
access checks are those of the RPC interface behind it.  MS-RAP says which call for each
command: NetShareEnum enumerates "as specified in [MS-SRVS] section 3.1.4.8" (NetrShareEnum,
MS-RAP 3.2.5.1), NetShareGetInfo uses NetrShareGetInfo (3.2.5.2), NetServerGetInfo
NetrServerGetInfo at level 101 (3.2.5.3), NetUserGetInfo the SAMR sequence SamrConnect,
SamrOpenDomain, ... (3.2.5.13).  So each RAP command here names the RPC questions of its twin
(:data:`TWINS`) and :func:`decide` asks :meth:`smbemu.policy.Policy.decide` exactly those, in
order; the first refusal decides.  No rule is restated: RestrictAnonymous=1 hides shares and
accounts from RAP because it hides them from NetrShareEnum and SamrEnumerateUsersInDomain.

The share and account enumerations (NetShareEnum, NetShareGetInfo, NetUserEnum: the data
RestrictAnonymous protects) also ask the pipe-level question of their twin's pipe
(:data:`TWIN_PIPES`: NullSessionPipes / RestrictNullSessAccess and the endpoint refusal,
:meth:`smbemu.policy.Policy.pipe_open`), first, as an SMB2 client meets it: without it a null
session listed over RAP the shares and accounts the same server refuses it over
``\\PIPE\\srvsvc`` / ``\\PIPE\\samr`` (2003 and XP, whose NullSessionPipes lack srvsvc),
so smbclient -L -- which falls back to RAP over NT LM 0.12 -- gave a different answer over SMB1
than over SMB2 (issue 12: the same allow/deny results over both dialects).  Whether Windows
applies NullSessionPipes to the XACTSRV call itself is not documented (windows-defaults.md §0.2,
U; XACTSRV calls the API in-process): the twin's whole path is what is emulated.  The other
commands (server and workstation information, time of day, the browse list) keep asking the
call alone.

A refusal is returned as the Win32 status RAP carries, ERROR_ACCESS_DENIED (5): the Net API
returns NET_API_STATUS, and MS-RAP 3.2.5.1 says the RAP server "MUST fill the Win32ErrorCode
value ... with the Win32 error code corresponding to the error".  (Samba's lanman.c instead
fails the whole transaction with NT_STATUS_ACCESS_DENIED for "restrict anonymous"; Windows'
answer inside the RAP response is what is emulated.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

from smbemu.policy import Decision, policy_for
from smbemu.principal import Principal
from smbemu.status import ERROR_ACCESS_DENIED

__all__ = ["TWINS", "TWIN_PIPES", "Question", "decide"]

#: One RPC question: (interface, operation, level or None).  A level given as a callable is
#: computed from the RAP call's own info level.
Question = tuple[str, str, "int | Callable[[int], int] | None"]


def _same_level(level: int) -> int:
    return level


#: RAP command -> the questions of its RPC twin, in the order Windows asks them.
TWINS: Final[Mapping[str, tuple[Question, ...]]] = {
    # MS-RAP 3.2.5.1: NetrShareEnum at the RAP info level (0, 1, 2 -> SHARE_INFO_0/1/2).
    "NetShareEnum": (("srvsvc", "NetrShareEnum", _same_level),),
    # MS-RAP 3.2.5.2: NetrShareGetInfo at the RAP info level.
    "NetShareGetInfo": (("srvsvc", "NetrShareGetInfo", _same_level),),
    # MS-RAP 3.2.5.3: NetrServerGetInfo at level 101, whatever the RAP level.
    "NetServerGetInfo": (("srvsvc", "NetrServerGetInfo", 101),),
    # MS-RAP 3.2.5.16 does not name the call; NetWkstaInfo10's fields (computer name, lan
    # group, version) are WKSTA_INFO_100's (MS-WKST 2.2.5.1), so level 100 is asked (U).
    "NetWkstaGetInfo": (("wkssvc", "NetrWkstaGetInfo", 100),),
    # MS-RAP 3.2.5.11 names no call; NetRemoteTOD's RPC form is NetrRemoteTOD (MS-SRVS
    # 3.1.4.21), which needs no group ([46], D).
    "NetRemoteTOD": (("srvsvc", "NetrRemoteTOD", None),),
    # Not in MS-RAP (LAN Manager's NetUserEnum, opcode 53): the local NetUserEnum opens the
    # SAM server and the account domain and enumerates its users (as MS-RAP 3.2.5.13 spells
    # out for NetUserGetInfo): the questions of SamrConnect5, SamrOpenDomain and
    # SamrEnumerateUsersInDomain (the RestrictAnonymous / RestrictAnonymousSAM rule, §0.1).
    "NetUserEnum": (("samr", "SamrConnect5", None), ("samr", "SamrOpenDomain", None),
                    ("samr", "SamrEnumerateUsersInDomain", None)),
    # MS-BRWS 3.3.5.6: the browser service answers from its server list (MS-BRWSA
    # I_BrowserrServerEnum is its RPC form).  No rule restricts it -- the browse list is what
    # Windows 9x clients read anonymously, and Samba marks it "anon OK" (lanman.c) -- but the
    # question is still put, so the decision is logged and audited like the others.
    "NetServerEnum2": (("browser", "I_BrowserrServerEnum", None),),
    "NetServerEnum3": (("browser", "I_BrowserrServerEnum", None),),
}


#: RAP command -> the pipe its twin is called over, for the share and account enumerations
#: (see the module docstring): its pipe-open decision is asked before the call's.
TWIN_PIPES: Final[Mapping[str, str]] = {
    "NetShareEnum": "srvsvc",
    "NetShareGetInfo": "srvsvc",
    "NetUserEnum": "samr",
}


def decide(config: object, principal: Principal, command: str, level: int) -> Decision:
    """May ``principal`` make the RAP ``command`` at info ``level``?  The first refusal among
    its twin's questions -- the pipe open of `TWIN_PIPES`, then the calls of `TWINS` -- (its
    status made ERROR_ACCESS_DENIED), else the last allow."""
    policy = policy_for(config)
    decision = Decision(0, f"allow rap {command}: no policy check applies ({policy.name})")
    pipe = TWIN_PIPES.get(command)
    if pipe is not None:
        decision = policy.pipe_open(principal, pipe)
        if not decision.allowed:
            return Decision(ERROR_ACCESS_DENIED,
                            f"deny rap {command} level {level} as pipe-open {pipe}: {decision.reason}",
                            decision.rule)
    for interface, operation, wanted in TWINS.get(command, ()):
        rpc_level = wanted(level) if callable(wanted) else wanted
        decision = policy.decide(principal, interface, operation, rpc_level)
        if not decision.allowed:
            return Decision(ERROR_ACCESS_DENIED,
                            f"deny rap {command} level {level} as {interface} {operation}: "
                            f"{decision.reason}", decision.rule)
    return decision
