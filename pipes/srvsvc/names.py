"""srvsvc names and paths: NetprNameValidate (MS-SRVS 3.1.4.32), NetprNameCompare (3.1.4.34),
NetprPathType (3.1.4.29), NetprPathCanonicalize (3.1.4.30) and NetprPathCompare (3.1.4.31)."""

from __future__ import annotations

from typing import Any, Final

from smbemu.errors import RpcFault
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import ConformantArray, ConformantBytes, WStringRef, uint16, uint32
from smbemu.status import (
    ERROR_INVALID_NAME,
    ERROR_INVALID_PARAMETER,
    NERR_BUF_TOO_SMALL,
    NERR_SUCCESS,
    RPC_X_INVALID_BOUND,
)

from .objects import INTERFACE
from .types import (
    ITYPE_DEVICE_COM,
    ITYPE_DEVICE_CON,
    ITYPE_DEVICE_DISK,
    ITYPE_DEVICE_LPT,
    ITYPE_DEVICE_NUL,
    ITYPE_PATH,
    ITYPE_UNC,
    ITYPE_UNC_COMPNAME,
    SRVSVC_HANDLE,
)

#: MS-SRVS 2.2.2.9 path type modifier bits (the base classes are in ``types``).
_ITYPE_WILDCARD: Final = 0x1
_ITYPE_ABSOLUTE: Final = 0x2
_ITYPE_DRIVE: Final = 0x4
#: \\server\PIPE\..., \PIPE\... and the other system directories (MS-SRVS 2.2.2.9).
_SYS_DIRS: Final = {"PIPE": 0x0B00, "MAILSLOT": 0x0800, "SEM": 0x0900, "SHAREMEM": 0x0A00,
                    "QUEUES": 0x0E00}
#: NetprPath*/NetprName* Flags: LM 2.x compatible names (MS-SRVS 3.1.4.29-35); 0x1 in the
#: Compare calls means "already canonicalized".
_LM2X_COMPATIBLE: Final = 0x80000000
_ALREADY_CANONICAL: Final = 0x00000001


# -------------------------------------------------------------------------------------------
# Names and paths: NetprNameValidate (33), NetprNameCompare (35), NetprPathType (30),
# NetprPathCanonicalize (31), NetprPathCompare (32)
# -------------------------------------------------------------------------------------------

#: Characters no LAN Manager name may hold (the NetpwNameValidate set): control characters
#: and these.
_ILLEGAL_NAME_CHARS: Final = frozenset('"/\\[]:|<>+=;,?*')
#: NameType -> (maximum length, maximum with LM2X_COMPATIBLE, illegal characters checked).
#: MS-SRVS 2.2.2.8 name types; lengths are lmcons.h's (UNLEN 256, GNLEN 256, CNLEN 15,
#: DNLEN 15, SNLEN 80, NNLEN 80, PWLEN 256, SHPWLEN 8; the LM 2.x limits in the second column).
NAME_TYPES: Final[dict[int, tuple[str, int, int, bool]]] = {
    1: ("NAMETYPE_USER", 256, 20, True),
    2: ("NAMETYPE_PASSWORD", 256, 14, False),
    3: ("NAMETYPE_GROUP", 256, 20, True),
    4: ("NAMETYPE_COMPUTER", 15, 15, True),
    5: ("NAMETYPE_EVENT", 16, 16, True),
    6: ("NAMETYPE_DOMAIN", 15, 15, True),
    7: ("NAMETYPE_SERVICE", 80, 15, True),
    8: ("NAMETYPE_NET", 80, 12, True),
    9: ("NAMETYPE_SHARE", 80, 12, True),
    10: ("NAMETYPE_MESSAGE", 15, 15, True),
    11: ("NAMETYPE_MESSAGEDEST", 255, 255, True),
    12: ("NAMETYPE_SHAREPASSWORD", 8, 8, False),
    13: ("NAMETYPE_WORKGROUP", 15, 15, True),
}


def _check_flags(flags: int, allowed: int = _LM2X_COMPATIBLE) -> bool:
    return not flags & ~allowed


def validate_name(name: str, name_type: int, flags: int) -> int:
    """NetprNameValidate's rules (MS-SRVS 3.1.4.32): 0, ERROR_INVALID_NAME or
    ERROR_INVALID_PARAMETER (unknown NameType or Flags)."""
    spec = NAME_TYPES.get(name_type)
    if spec is None or not _check_flags(flags, _LM2X_COMPATIBLE | _ALREADY_CANONICAL):
        return ERROR_INVALID_PARAMETER
    _, max_len, max_lm2x, check_chars = spec
    limit = max_lm2x if flags & _LM2X_COMPATIBLE else max_len
    if len(name) > limit:
        return ERROR_INVALID_NAME
    if not check_chars:
        return NERR_SUCCESS
    if not name or name.strip(". ") == "":
        return ERROR_INVALID_NAME
    if any(c in _ILLEGAL_NAME_CHARS or ord(c) < 0x20 for c in name):
        return ERROR_INVALID_NAME
    return NERR_SUCCESS


@INTERFACE.operation(33, "NetprNameValidate",
                     request=[("ServerName", SRVSVC_HANDLE), ("Name", WStringRef),
                              ("NameType", uint32), ("Flags", uint32)],
                     returns="WERROR")
def NetprNameValidate(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.32: is ``Name`` a valid name of ``NameType``?"""
    return {"ReturnValue": validate_name(request["Name"], request["NameType"], request["Flags"])}


@INTERFACE.operation(35, "NetprNameCompare",
                     request=[("ServerName", SRVSVC_HANDLE), ("Name1", WStringRef),
                              ("Name2", WStringRef), ("NameType", uint32), ("Flags", uint32)],
                     returns="int32")
def NetprNameCompare(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.34: 0 when the names are equal (case-insensitively, except passwords),
    -1 / 1 otherwise; ERROR_INVALID_NAME if one is not a valid name (unless Flags says they
    are already canonical)."""
    name1, name2, name_type, flags = (request["Name1"], request["Name2"], request["NameType"],
                                      request["Flags"])
    if not flags & _ALREADY_CANONICAL:
        for name in (name1, name2):
            status = validate_name(name, name_type, flags)
            if status:
                return {"ReturnValue": status}
    elif name_type not in NAME_TYPES:
        return {"ReturnValue": ERROR_INVALID_PARAMETER}
    if name_type not in (2, 12):
        name1, name2 = name1.upper(), name2.upper()
    return {"ReturnValue": (name1 > name2) - (name1 < name2)}


class _BadPath(Exception):
    """Internal: the path is not a valid name (ERROR_INVALID_NAME)."""


_DEVICES: Final = {"CON": ITYPE_DEVICE_CON, "NUL": ITYPE_DEVICE_NUL}


def path_type(path: str) -> int:
    """MS-SRVS 2.2.2.9 / 3.1.4.29: the ITYPE_* of a path; raises _BadPath."""
    if not path or any(ord(c) < 0x20 or c in '<>"|' for c in path):
        raise _BadPath(path)
    p = path.replace("/", "\\")
    wild = _ITYPE_WILDCARD if any(c in "*?" for c in p) else 0
    if p.startswith("\\\\"):
        parts = p[2:].split("\\")
        if not parts[0]:
            raise _BadPath(path)
        if len(parts) == 1 or (len(parts) == 2 and not parts[1]):
            return ITYPE_UNC_COMPNAME | wild
        sysdir = _SYS_DIRS.get(parts[1].upper())
        if sysdir is not None and len(parts) > 2:
            return ITYPE_UNC | sysdir
        return ITYPE_UNC | wild
    device = p.rstrip(":").upper()
    if p.endswith(":") or device in _DEVICES or (device[:3] in ("LPT", "COM")
                                                 and device[3:].isdigit()):
        if len(device) == 1 and device.isalpha():
            return ITYPE_DEVICE_DISK
        if device in _DEVICES:
            return _DEVICES[device]
        for prefix, kind in (("LPT", ITYPE_DEVICE_LPT), ("COM", ITYPE_DEVICE_COM)):
            if device.startswith(prefix) and device[3:].isdigit():
                return kind
        raise _BadPath(path)
    drive = 0
    rest = p
    if len(p) >= 2 and p[1] == ":":
        if not p[0].isalpha():
            raise _BadPath(path)
        drive, rest = _ITYPE_DRIVE, p[2:]
    if ":" in rest:
        raise _BadPath(path)
    absolute = _ITYPE_ABSOLUTE if rest.startswith("\\") else 0
    if absolute and not drive:
        head = rest[1:].split("\\", 1)
        sysdir = _SYS_DIRS.get(head[0].upper())
        if sysdir is not None and len(head) == 2 and head[1]:
            return ITYPE_PATH | sysdir | _ITYPE_ABSOLUTE
    return ITYPE_PATH | absolute | drive | wild


def canonicalize_path(path: str, prefix: str = "") -> tuple[str, int]:
    """NetprPathCanonicalize (MS-SRVS 3.1.4.30): ``/`` -> ``\\``, the prefix joined to a
    relative path, empty and ``.`` components dropped, ``..`` resolved; a ``..`` that climbs
    above the root is an invalid name (never a buffer walk).  The drive letter is upper-cased;
    other characters keep their case (U).  Returns (path, ITYPE_*)."""
    p = path.replace("/", "\\")
    if prefix and not p.startswith("\\") and not (len(p) >= 2 and p[1] == ":"):
        p = prefix.replace("/", "\\").rstrip("\\") + "\\" + p
    kind = path_type(p)
    if kind & 0xF000 == ITYPE_DEVICE_DISK:
        return p.rstrip(":").upper() + ":", kind
    if kind & ITYPE_UNC:
        root, rest = "\\\\", p[2:]
        server, _, rest = rest.partition("\\")
        root += server
        parts = rest.split("\\") if rest else []
        lead = root + ("\\" if parts else "")
    else:
        lead = ""
        rest = p
        if len(p) >= 2 and p[1] == ":":
            lead, rest = p[0].upper() + ":", p[2:]
        if rest.startswith("\\"):
            lead += "\\"
        parts = rest.split("\\")
    out: list[str] = []
    for part in parts:
        if part in ("", "."):
            continue
        if part == "..":
            if not out:
                raise _BadPath(path)
            out.pop()
            continue
        out.append(part)
    result = lead + "\\".join(out)
    if not result:
        raise _BadPath(path)
    return result, path_type(result)


#: MS-SRVS 3.1.4.29: NetprPathType's Flags value for old-style (MS-DOS, OS/2 1.1) paths.
_DOS_PATH_RULES: Final = 0x1
_MAX_PATH: Final = 260


def _dos_path(path: str) -> bool:
    """MS-SRVS 3.1.4.29 with Flags 1: a path of at most 128 bytes whose components are 8.3 names."""
    if len(path.encode("utf-16-le")) // 2 > 128:
        return False
    rest = path[2:] if len(path) >= 2 and path[1] == ":" else path
    for part in rest.replace("/", "\\").split("\\"):
        if part in ("", ".", ".."):
            continue
        base, dot, extension = part.partition(".")
        if len(base) > 8 or len(extension) > 3 or "." in extension or (dot and not base):
            return False
    return True


@INTERFACE.operation(30, "NetprPathType",
                     request=[("ServerName", SRVSVC_HANDLE), ("PathName", WStringRef),
                              ("Flags", uint32)],
                     response=[("PathType", uint32)], returns="WERROR")
def NetprPathType(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.29: the ITYPE_* of a path. Flags is 0 (long names) or 1 (the MS-DOS rules:
    at most 128 bytes, 8.3 components); anything else is ERROR_INVALID_PARAMETER, an empty path
    or one over 260 characters ERROR_INVALID_NAME."""
    flags, path = request["Flags"], request["PathName"]
    if flags not in (0, _DOS_PATH_RULES):
        return {"PathType": 0, "ReturnValue": ERROR_INVALID_PARAMETER}
    if not path or len(path) > _MAX_PATH or (flags == _DOS_PATH_RULES and not _dos_path(path)):
        return {"PathType": 0, "ReturnValue": ERROR_INVALID_NAME}
    try:
        return {"PathType": path_type(request["PathName"]), "ReturnValue": NERR_SUCCESS}
    except _BadPath:
        return {"PathType": 0, "ReturnValue": ERROR_INVALID_NAME}


#: MS-SRVS 3.1.4.30: ``[in, range(0, 64000)] DWORD OutbufLen``.
MAX_OUTBUF: Final = 64000


@INTERFACE.operation(31, "NetprPathCanonicalize",
                     request=[("ServerName", SRVSVC_HANDLE), ("PathName", WStringRef),
                              ("OutbufLen", uint32), ("Prefix", WStringRef),
                              ("PathType", uint32), ("Flags", uint32)],
                     response=[("Outbuf", ConformantBytes()), ("PathType", uint32)],
                     returns="WERROR")
def NetprPathCanonicalize(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.30: the canonical form of Prefix + PathName in a buffer of OutbufLen
    bytes (UTF-16 with its NUL); NERR_BufTooSmall if it does not fit, ERROR_INVALID_NAME for a
    bad path or one whose type differs from a non-zero PathType given by the caller."""
    size = request["OutbufLen"]
    if size > MAX_OUTBUF:
        raise RpcFault(RPC_X_INVALID_BOUND, "OutbufLen outside range(0, 64000)")
    blank = bytes(size)
    if not _check_flags(request["Flags"]):
        return {"Outbuf": blank, "PathType": 0, "ReturnValue": ERROR_INVALID_PARAMETER}
    try:
        result, kind = canonicalize_path(request["PathName"], request["Prefix"])
    except _BadPath:
        return {"Outbuf": blank, "PathType": 0, "ReturnValue": ERROR_INVALID_NAME}
    wanted = request["PathType"]
    if wanted and wanted != kind:
        return {"Outbuf": blank, "PathType": wanted, "ReturnValue": ERROR_INVALID_NAME}
    raw = (result + "\0").encode("utf-16-le")
    if len(raw) > size:
        return {"Outbuf": blank, "PathType": kind, "ReturnValue": NERR_BUF_TOO_SMALL}
    return {"Outbuf": raw + bytes(size - len(raw)), "PathType": kind,
            "ReturnValue": NERR_SUCCESS}


def _fixed_for_ms08_067(ctx: CallContext) -> bool:
    """Whether this release shipped with the MS08-067 fix (Microsoft Security Bulletin MS08-067,
    October 2008: 2000 SP4, XP, 2003 and 2008 were affected; Server 2008 SP2 (build 6002, 2009),
    Windows 7 / Server 2008 R2 and later shipped fixed). A fixed server answers a path with a ``..`` component ERROR_INVALID_NAME where
    an unpatched one canonicalizes it (nmap's smb-vuln-ms08-067 tells the two apart this way:
    INVALID_NAME = patched, success = vulnerable). The profiles are out-of-the-box releases."""
    identity = ctx.server.profile.identity
    version: tuple[int, int] = identity.version
    return version > (6, 0) or (version == (6, 0) and identity.build >= 6002)


@INTERFACE.operation(32, "NetprPathCompare",
                     request=[("ServerName", SRVSVC_HANDLE), ("PathName1", WStringRef),
                              ("PathName2", WStringRef), ("PathType", uint32),
                              ("Flags", uint32)],
                     returns="int32")
def NetprPathCompare(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.31: 0 when both paths name the same thing (compared case-insensitively
    after canonicalization unless Flags says they are canonical), -1 / 1 otherwise."""
    flags = request["Flags"]
    if not _check_flags(flags, _LM2X_COMPATIBLE | _ALREADY_CANONICAL):
        return {"ReturnValue": ERROR_INVALID_PARAMETER}
    paths = [request["PathName1"], request["PathName2"]]
    if _fixed_for_ms08_067(ctx) and any(".." in p.replace("/", "\\").split("\\") for p in paths):
        return {"ReturnValue": ERROR_INVALID_NAME}
    if not flags & _ALREADY_CANONICAL:
        try:
            paths = [canonicalize_path(p)[0] for p in paths]
        except _BadPath:
            return {"ReturnValue": ERROR_INVALID_NAME}
    a, b = (p.upper() for p in paths)
    return {"ReturnValue": (a > b) - (a < b)}


@INTERFACE.operation(34, "NetprNameCanonicalize",
                     request=[("ServerName", SRVSVC_HANDLE), ("Name", WStringRef),
                              ("OutbufLen", uint32), ("NameType", uint32), ("Flags", uint32)],
                     response=[("Outbuf", ConformantArray(uint16))], returns="WERROR")
def NetprNameCanonicalize(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.33: the canonical form of a name of ``NameType`` in
    ``[out, size_is(OutbufLen)] WCHAR* Outbuf``: the name validated as NetprNameValidate does
    (ERROR_INVALID_NAME / ERROR_INVALID_PARAMETER), upper-cased with LM2X_COMPATIBLE (the LM 2.x
    names were upper case), NERR_BufTooSmall when it does not fit in OutbufLen bytes with its
    NUL.  (U: whether Windows also folds case without LM2X_COMPATIBLE; kept as given.)"""
    size = request["OutbufLen"]
    if size > MAX_OUTBUF:
        raise RpcFault(RPC_X_INVALID_BOUND, "OutbufLen outside range(0, 64000)")
    blank = [0] * size
    name, flags = request["Name"], request["Flags"]
    status = validate_name(name, request["NameType"], flags & ~_ALREADY_CANONICAL)
    if status:
        return {"Outbuf": blank, "ReturnValue": status}
    if flags & _LM2X_COMPATIBLE:
        name = name.upper()
    units = list(memoryview((name + "\0").encode("utf-16-le")).cast("H"))
    if 2 * len(units) > size:
        return {"Outbuf": blank, "ReturnValue": NERR_BUF_TOO_SMALL}
    return {"Outbuf": units + blank[len(units):], "ReturnValue": NERR_SUCCESS}
