"""srvsvc: the Server Service Remote Protocol (MS-SRVS), on ``\\PIPE\\srvsvc``.

UUID 4b324fc8-1670-01d3-1278-5a47bf6ee188 version 3.0 (MS-SRVS 2.1).  Every opnum MS-SRVS 3.1.4
lists (0 to 57) is declared in this package, in one of four ways:

* **emulated** — answered from the live server state: the fixture's shares
  (``ctx.server.directory.shares``, listed in the profile's ``identity.srvsvc.share_order``), the
  profile's identity (platform id, version and server-type bits), the real sessions, tree connects and open pipes (``ctx.server.sessions``),
  the real clock;
* **"Opnum0NotUsedOnWire" .. 7** — MS-SRVS 3.1.4 says these "return ERROR_NOT_SUPPORTED"; they
  are the LAN Manager character-device calls (NetrCharDev*), decoded with their real [in]
  parameters (Samba's srvsvc.idl spells them out) and answered ERROR_NOT_SUPPORTED (50) with
  empty [out] parameters — not faulted: MS-SRVS states the return value.
* **"Opnum29/42/47NotUsedOnWire"** — "reserved for local use", server behaviour undefined by
  MS-SRVS: fault nca_op_rng_error 0x1C010002, what an RPC server answers for an opnum it does
  not dispatch;
* **changes an administrator makes** — shares (NetrShareAdd / SetInfo / Del / DelSticky /
  DelStart / DelCommit / DelEx: ``share_changes``), sessions and open files (NetrSessionDel,
  NetrFileClose) and server aliases (NetrServerAliasAdd / Del: ``session_changes``) are applied
  to the live server; a non-administrator gets ERROR_ACCESS_DENIED (5), as from Windows;
* **not emulated** — calls that change the server's own configuration (NetrServerSetInfo, the
  transport calls, NetrpSetFileSecurity) are refused with ERROR_ACCESS_DENIED (5), what Windows
  returns to a non-administrator; an administrator gets the same answer here because that part of
  the emulated server is read-only (``smbemu.policy`` explains it in the log).  Their [in]
  parameters are not decoded; their [out] parameters are NULL / zero.

Access rules (who may call what, at which level) are :mod:`smbemu.policy`'s; handlers ask their
call context (``ctx.decide(level=...)``) and return the WERROR it gives as the return value,
never as a fault (windows-defaults.md §0 rule 9).

NDR types are declared once, in ``types``, named after MS-SRVS 2.2.4 (``SHARE_INFO_1``...), with the
[in]/[out] parameter lists of each method as MS-SRVS 3.1.4.x gives them.  Enumerations share one
pager (:mod:`smbemu.rpc.paging`): ``PreferedMaximumLength`` bounds the bytes returned (entry sizes are
estimated the way NetApi buffers are sized: 4 bytes per fixed field plus the UTF-16 strings with
their NUL), at least one entry is returned per call so a client always progresses, the resume
handle is the index of the next entry, and a short answer returns ERROR_MORE_DATA (234).

The package, one module per sub-area (each declares its operations on ``objects.INTERFACE``):
``types`` (NDR types and constants), ``objects`` (the interface, shared helpers), ``shares``,
``server`` (server information, time of day, disks, statistics), ``sessions`` (sessions,
connections, open files), ``share_changes`` and ``session_changes`` (what an administrator
changes), ``names`` (name and path validation) and ``refused`` (the character-device calls and
the calls that would change the server's configuration).
"""

from __future__ import annotations

# Importing the sub-area modules runs their @INTERFACE.operation decorators.
from . import (dfs, names, refused, server, session_changes, sessions,  # noqa: F401
               share_changes, shares, transports)
from .names import canonicalize_path, path_type, validate_name
from .objects import INTERFACE, NOT_EMULATED, NOT_USED_ON_WIRE
from .types import SERVER_INFO, SESSION_ENUM_STRUCT, SHARE_ENUM_STRUCT

__all__ = ["INTERFACE", "NOT_EMULATED", "NOT_USED_ON_WIRE", "SHARE_ENUM_STRUCT",
           "SERVER_INFO", "SESSION_ENUM_STRUCT", "validate_name", "path_type",
           "canonicalize_path"]
