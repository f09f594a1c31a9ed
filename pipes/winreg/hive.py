"""The emulated registry: a small tree generated from the live profile, the fixture and the
services catalog, rebuilt each time a predefined key is opened (so ``--set`` changes show at
the next OpenLocalMachine).

Only keys whose values the profile or the fixture decide are present; every other path answers
ERROR_FILE_NOT_FOUND, as a key Windows does not have.  Values Windows stores in a form the
profile does not keep (the case of NullSessionPipes entries: the profile lower-cases them) are
shown as the profile has them (U).
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, field
from typing import Any, Final

from smbemu.filetime import filetime_now

from .types import REG_DWORD, REG_EXPAND_SZ, REG_MULTI_SZ, REG_SZ

#: MS-SCMR 2.2.15 SERVICE_ERROR_NORMAL, the ErrorControl of the catalog's services.
SERVICE_ERROR_NORMAL: Final = 1
#: SV_TYPE_DOMAIN_CTRL / DOMAIN_BAKCTRL / SERVER_NT (MS-SRVS 2.2.2.7): a server SKU.
_SERVER_SKU_BITS: Final = 0x00000008 | 0x00000010 | 0x00008000


@dataclass(slots=True)
class Key:
    name: str
    values: list[tuple[str, int, bytes]] = field(default_factory=list)
    subkeys: dict[str, Key] = field(default_factory=dict)
    last_write: int = 0
    #: The key's class (RegCreateKeyEx lpClass): empty but for the boot-key parts under Lsa.
    class_name: str = ""
    #: On a hive's root: how many of the server's recorded changes it has (pipes/winreg/changes.py).
    replayed: int = 0

    def child(self, name: str) -> Key:
        """The subkey ``name`` (created when missing)."""
        key = self.subkeys.get(name.lower())
        if key is None:
            key = self.subkeys[name.lower()] = Key(name, last_write=self.last_write)
        return key

    def path(self, path: str) -> Key:
        key = self
        for part in filter(None, path.split("\\")):
            key = key.child(part)
        return key

    def find(self, path: str) -> Key | None:
        """The key at ``path`` below this one (case-insensitive, MS-RRP 3.1.1.1), or None."""
        key: Key | None = self
        for part in filter(None, path.split("\\")):
            assert key is not None
            key = key.subkeys.get(part.lower())
            if key is None:
                return None
        return key

    def value(self, name: str) -> tuple[str, int, bytes] | None:
        wanted = name.lower()
        return next((v for v in self.values if v[0].lower() == wanted), None)

    def sz(self, name: str, text: str, kind: int = REG_SZ) -> None:
        self.values.append((name, kind, (text + "\x00").encode("utf-16-le")))

    def multi_sz(self, name: str, items: list[str] | tuple[str, ...]) -> None:
        data = "".join(f"{item}\x00" for item in items) + "\x00"
        self.values.append((name, REG_MULTI_SZ, data.encode("utf-16-le")))

    def dword(self, name: str, number: int) -> None:
        self.values.append((name, REG_DWORD, struct.pack("<I", int(number) & 0xFFFFFFFF)))


#: "Network access: Remotely accessible registry paths" (AllowedExactPaths) and "... paths and
#: subpaths" (AllowedPaths): the defaults of Windows Server 2003 and later as Microsoft's
#: security-policy reference lists them (D: learn.microsoft.com, "Network access: Remotely
#: accessible registry paths [and subpaths]"; the same on later releases, W).
ALLOWED_EXACT_PATHS: Final = (
    "System\\CurrentControlSet\\Control\\ProductOptions",
    "System\\CurrentControlSet\\Control\\Server Applications",
    "Software\\Microsoft\\Windows NT\\CurrentVersion",
)
ALLOWED_PATHS: Final = (
    "System\\CurrentControlSet\\Control\\Print\\Printers",
    "System\\CurrentControlSet\\Services\\Eventlog",
    "Software\\Microsoft\\OLAP Server",
    "Software\\Microsoft\\Windows NT\\CurrentVersion\\Print",
    "Software\\Microsoft\\Windows NT\\CurrentVersion\\Windows",
    "System\\CurrentControlSet\\Control\\ContentIndex",
    "System\\CurrentControlSet\\Control\\Terminal Server",
    "System\\CurrentControlSet\\Control\\Terminal Server\\UserConfig",
    "System\\CurrentControlSet\\Control\\Terminal Server\\DefaultUserConfiguration",
    "Software\\Microsoft\\Windows NT\\CurrentVersion\\Perflib",
    "System\\CurrentControlSet\\Services\\SysmonLog",
)

SECURE_PIPE_SERVERS: Final = "SYSTEM\\CurrentControlSet\\Control\\SecurePipeServers\\winreg"


def remote_paths(version: tuple[int, int]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(exact paths, paths with their subpaths) a caller outside the winreg key's ACL may open.
    Windows 2000 has one list, AllowedPaths\\Machine, holding both (XP added AllowedExactPaths,
    W; the 2000 list's exact content is U: modelled as the union)."""
    if version < (5, 1):
        return (), ALLOWED_EXACT_PATHS + ALLOWED_PATHS
    return ALLOWED_EXACT_PATHS, ALLOWED_PATHS


def _system_root(version: tuple[int, int]) -> str:
    # NT 4 and 2000 install to WINNT, XP / 2003 to WINDOWS, Vista on to Windows (W).
    if version < (5, 1):
        return "C:\\WINNT"
    return "C:\\WINDOWS" if version < (6, 0) else "C:\\Windows"


def _service_pack(native_os: str) -> str:
    marker = native_os.find("Service Pack")
    return native_os[marker:] if marker >= 0 else ""


def _product_type(profile: Any) -> str:
    # ProductOptions\ProductType: WinNT (workstation), ServerNT (server), LanmanNT (DC) (D:
    # Microsoft's ProductType / OSVERSIONINFOEX wProductType documentation).
    if profile.is_dc:
        return "LanmanNT"
    return "ServerNT" if profile.identity.srvsvc.server_type & _SERVER_SKU_BITS else "WinNT"


#: The processor the emulated machine reports: one virtual CPU (U: invented -- the profiles do
#: not describe hardware; every Windows has these values, and nmap's smb-system-info fails without
#: NUMBER_OF_PROCESSORS).  x86 up to 2008 / Vista, x64 from 2008 R2 / 7 on (2008 R2 has no x86
#: edition, W).
_CPU_X86: Final = ("x86", "x86 Family 6 Model 15 Stepping 11, GenuineIntel", "6", "0f0b")
_CPU_X64: Final = ("AMD64", "Intel64 Family 6 Model 85 Stepping 4, GenuineIntel", "6", "5504")


#: The keys under Lsa whose classes hold the boot key ("syskey"), four bytes each in hex, in this
#: order (W: every Windows since NT 4.0 SP3 has them -- Microsoft KB 143475, SYSKEY -- and
#: impacket's secretsdump reads their classes remotely through winreg on every release).
BOOT_KEY_PARTS: Final = ("JD", "Skew1", "GBG", "Data")


def _boot_key_parts(lsa: Key, machine_sid: str) -> None:
    """JD / Skew1 / GBG / Data with the (scrambled) boot key as their classes.  Windows draws
    the boot key at random when it installs; here it is derived from the machine SID so one
    fixture always shows the same one (U: invented, as every install's is different)."""
    digest = hashlib.sha256(f"smbemu boot key {machine_sid}".encode()).hexdigest()
    for index, name in enumerate(BOOT_KEY_PARTS):
        lsa.child(name).class_name = digest[8 * index:8 * index + 8]


def _edition_id(identity: Any) -> str | None:
    """CurrentVersion\\EditionID, from Vista / 2008 on (W: "ServerStandard",
    "ServerDatacenter", "Professional"... -- the SKU word of the product name, prefixed with
    "Server" on a server release); None before."""
    if identity.version < (6, 0):
        return None
    sku = identity.os_name.split()[-1]
    return f"Server{sku}" if "Server" in identity.os_name else sku


#: CurrentVersion\InstallDate (REG_DWORD, seconds since 1970) -- every install has one; here the
#: release's general-availability date (W: Microsoft's lifecycle pages), by build number (U:
#: invented, the machine's real install date being unknowable).
_RELEASE_DATES: Final = {1381: 838598400, 2195: 950745600, 2600: 1003968000, 3790: 1051142400,
                         6001: 1204070400, 6002: 1204070400, 7600: 1256169600,
                         7601: 1256169600, 9200: 1346716800, 9600: 1382054400,
                         14393: 1476230400, 17763: 1538438400, 20348: 1629244800}


def _environment_and_processor(hklm: Key, control: Key, version: tuple[int, int]) -> None:
    arch, identifier, level, revision = _CPU_X64 if version >= (6, 1) else _CPU_X86
    environment = control.path("Session Manager\\Environment")
    environment.sz("ComSpec", "%SystemRoot%\\system32\\cmd.exe", REG_EXPAND_SZ)
    environment.sz("NUMBER_OF_PROCESSORS", "1")
    environment.sz("OS", "Windows_NT")
    # The default Path of a fresh install (W).
    environment.sz("Path", "%SystemRoot%\\system32;%SystemRoot%;%SystemRoot%\\System32\\Wbem",
                   REG_EXPAND_SZ)
    environment.sz("PROCESSOR_ARCHITECTURE", arch)
    environment.sz("PROCESSOR_IDENTIFIER", identifier)
    environment.sz("PROCESSOR_LEVEL", level)
    environment.sz("PROCESSOR_REVISION", revision)
    cpu = hklm.path("HARDWARE\\DESCRIPTION\\System\\CentralProcessor\\0")
    cpu.dword("~MHz", 2400)
    cpu.sz("Identifier", identifier.rsplit(",", 1)[0])
    cpu.sz("ProcessorNameString", "Virtual CPU")
    cpu.sz("VendorIdentifier", "GenuineIntel")


def build_local_machine(profile: Any, directory: Any, services: tuple[Any, ...] | None) -> Key:
    """HKEY_LOCAL_MACHINE as the profile describes it."""
    now = filetime_now()
    hklm = Key("HKEY_LOCAL_MACHINE", last_write=now)
    version = profile.identity.version
    identity, anonymous, smb = profile.identity, profile.anonymous, profile.smb
    for hive in ("HARDWARE", "SAM", "SECURITY", "SOFTWARE", "SYSTEM"):
        hklm.child(hive)

    cv = hklm.path("SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion")
    cv.sz("ProductName", identity.os_name)
    # Windows 8.1 and later keep "6.3" in CurrentVersion for old software; 10.0 adds
    # CurrentMajor/MinorVersionNumber (W: every Windows 10 / Server 2016+ registry).
    cv.sz("CurrentVersion", "6.3" if version >= (6, 3) else identity.os_version)
    if version >= (10, 0):
        cv.dword("CurrentMajorVersionNumber", version[0])
        cv.dword("CurrentMinorVersionNumber", version[1])
    cv.sz("CurrentBuildNumber", str(identity.build))
    cv.sz("CurrentBuild", str(identity.build))
    service_pack = _service_pack(identity.native_os)
    if service_pack:
        cv.sz("CSDVersion", service_pack)
    cv.sz("CurrentType", "Multiprocessor Free")           # U: depends on the kernel installed
    cv.sz("SystemRoot", _system_root(version))
    edition = _edition_id(identity)
    if edition:
        cv.sz("EditionID", edition)
    cv.dword("InstallDate", _RELEASE_DATES.get(identity.build, 950745600))
    cv.child("Windows")
    cv.child("Perflib")

    control = hklm.path("SYSTEM\\CurrentControlSet\\Control")
    control.path("ProductOptions").sz("ProductType", _product_type(profile))
    _environment_and_processor(hklm, control, version)
    control.child("Print").child("Printers")

    lsa = control.child("Lsa")
    # Lsa values (windows-defaults.md §0.1 / §3; Microsoft's security-policy reference, D).
    lsa.dword("RestrictAnonymous", anonymous.restrict_anonymous)
    if version >= (5, 1):
        # RestrictAnonymousSAM, EveryoneIncludesAnonymous, NoLMHash and LimitBlankPasswordUse
        # appeared with XP / 2003 (§0.1, D).
        lsa.dword("RestrictAnonymousSAM", anonymous.restrict_anonymous_sam)
        lsa.dword("EveryoneIncludesAnonymous", anonymous.everyone_includes_anonymous)
        lsa.dword("NoLMHash", smb.no_lm_hash)
        lsa.dword("LimitBlankPasswordUse", smb.limit_blank_password_use)
    lsa.dword("LmCompatibilityLevel", smb.lm_compatibility_level)
    if anonymous.turn_off_anonymous_block:
        lsa.dword("TurnOffAnonymousBlock", 1)
    if anonymous.restrict_remote_sam:
        lsa.sz("RestrictRemoteSAM", anonymous.restrict_remote_sam)
    if directory is not None:
        _boot_key_parts(lsa, str(directory.machine.sid))

    winreg = hklm.path(SECURE_PIPE_SERVERS)
    winreg.sz("Description", "Registry Server")
    exact, subpaths = remote_paths(version)
    if exact:
        winreg.child("AllowedExactPaths").multi_sz("Machine", exact)
    winreg.child("AllowedPaths").multi_sz("Machine", subpaths)

    services_key = hklm.path("SYSTEM\\CurrentControlSet\\Services")
    for service in services or ():
        key = services_key.child(service.name)
        key.sz("DisplayName", service.display_name)
        key.dword("ErrorControl", SERVICE_ERROR_NORMAL)
        key.sz("ImagePath", service.binary_path, REG_EXPAND_SZ)
        if service.account:
            key.sz("ObjectName", service.account)
        key.dword("Start", service.start_type)
        key.dword("Type", service.service_type)
    services_key.child("Eventlog")

    params = services_key.child("LanmanServer").child("Parameters")
    params.multi_sz("NullSessionPipes", anonymous.null_session_pipes)
    params.multi_sz("NullSessionShares", anonymous.null_session_shares)
    params.dword("RestrictNullSessAccess", anonymous.restrict_null_sess_access)
    params.dword("RequireSecuritySignature", smb.signing_required)
    params.dword("EnableSecuritySignature", profile.smb1.signing_enabled)
    if version >= (6, 0):
        # SMB1 / SMB2 switches, honoured from Vista / 2008 on (D: Microsoft KB 2696547); Windows
        # leaves them absent while enabled: shown here so the profile's state can be read (U).
        params.dword("SMB1", smb.smb1)
        params.dword("SMB2", bool(smb.dialects))
    return hklm


#: HKEY_USERS of a machine nobody is logged on to interactively: the default profile and the
#: service accounts' hives (LocalService S-1-5-19 and NetworkService S-1-5-20 from XP on, W).
def build_users(version: tuple[int, int]) -> Key:
    hku = Key("HKEY_USERS", last_write=filetime_now())
    names = [".DEFAULT", "S-1-5-18"] + (["S-1-5-19", "S-1-5-20"] if version >= (5, 1) else [])
    for name in names:
        hku.child(name)
    return hku


def build_root(which: str, profile: Any, directory: Any,
               services: tuple[Any, ...] | None = None) -> Key:
    """The predefined key ``which`` ("HKLM", "HKU", "HKCU", "HKCR", "HKCC", "HKPD")."""
    if which == "HKLM":
        return build_local_machine(profile, directory, services)
    if which == "HKU":
        return build_users(profile.identity.version)
    # HKCU (the caller's own hive, empty: a network logon loads no profile), HKCR, HKCC and
    # the performance keys: present but without content here (U).
    return Key(which, last_write=filetime_now())
