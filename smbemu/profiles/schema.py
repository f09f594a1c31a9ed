"""The profile schema: every key a profile file may hold, its type, and what is allowed.

Each `Key` names its dotted YAML path, the dataclass attribute it fills (`smbemu.profiles.model`),
the names ``--set`` also accepts (Windows value names) and its *kind*: a parser from a YAML value
or a ``--set`` string that raises `Invalid` with what is allowed, and a printer for
``profiles show``. Defaults live in ``policies/_base.yaml``, not here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from smbemu.dialects import DIALECT_BY_LABEL, Dialect
from smbemu.profiles.model import (
    SERVER_TYPE_BITS,
    SMB1_CAPABILITY_BITS,
    SMB2_CAPABILITY_BITS,
    INTERFACE_CAPABILITY_BITS,
    AnonymousSettings,
    Identity,
    NtlmIdentity,
    RpcSettings,
    Smb1Settings,
    Smb2Identity,
    DfsIdentity,
    SmbSettings,
    SrvsvcIdentity,
)
from smbemu.profiles.sddl import parse_sddl
from smbemu.sid import WELL_KNOWN, WELL_KNOWN_BY_NAME, Sid

__all__ = ["KEYS", "Key", "Invalid", "KEY_BY_PATH", "SECTIONS", "SECTION_CLASSES", "FILE_ONLY_KEYS", "SHORT_NAMES", "children", "show_value"]

class Invalid(Exception):
    def __init__(self, problem: str, subkey: str = "") -> None:
        super().__init__(problem)
        self.problem = problem
        self.subkey = subkey


def show_value(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(show_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, str):
        return repr(value)
    return str(value)


_TRUE = {"true", "yes", "on", "1", "enabled"}
_FALSE = {"false", "no", "off", "0", "disabled"}
_NULL = {"null", "none", "~"}


class _Kind:
    allowed = ""

    def parse(self, value: Any) -> Any:
        raise NotImplementedError

    def parse_text(self, text: str) -> Any:
        return self.parse(text)

    def show(self, value: Any) -> str:
        """How `profiles show` prints the value: YAML-like, strings unquoted unless empty."""
        if isinstance(value, str):
            return value if value else '""'
        return show_value(value)


class _Bool(_Kind):
    """true/false; 1/0 too, because most of these mirror REG_DWORD switches."""

    allowed = "true or false (1 or 0)"

    def parse(self, value: Any) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        raise Invalid(f"{show_value(value)} is not a boolean; allowed: {self.allowed}")

    def parse_text(self, text: str) -> Any:
        lowered = text.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise Invalid(f"{text!r} is not a boolean; allowed: true, false, 1, 0, yes, no, on, off")


class _Int(_Kind):
    def __init__(self, lo: int, hi: int, choices: Sequence[int] = ()) -> None:
        self.lo, self.hi, self.choices = lo, hi, tuple(choices)
        self.allowed = ", ".join(map(str, choices)) if choices else f"{lo}–{hi}"

    def parse(self, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(f"{show_value(value)} is not an integer; allowed: {self.allowed}")
        if (self.choices and value not in self.choices) or not self.lo <= value <= self.hi:
            raise Invalid(f"{value} is out of range; allowed: {self.allowed}")
        return value

    def parse_text(self, text: str) -> Any:
        try:
            return self.parse(int(text.strip(), 0))
        except ValueError:
            raise Invalid(f"{text!r} is not an integer; allowed: {self.allowed}") from None


class _Choice(_Kind):
    def __init__(self, *choices: str) -> None:
        self.choices = choices
        self.allowed = ", ".join(choices)

    def parse(self, value: Any) -> Any:
        if value not in self.choices:
            raise Invalid(f"{show_value(value)} is not allowed; allowed: {self.allowed}")
        return value

    def parse_text(self, text: str) -> Any:
        return self.parse(text.strip())


class _Str(_Kind):
    def __init__(self, pattern: str | None = None, example: str = "") -> None:
        self.pattern = re.compile(pattern) if pattern else None
        self.allowed = f"a string like {example!r}" if example else "a string"

    def parse(self, value: Any) -> Any:
        if not isinstance(value, str):
            raise Invalid(f"{show_value(value)} is not a string; allowed: {self.allowed} (quote it)")
        if self.pattern is not None and not self.pattern.fullmatch(value):
            raise Invalid(f"{value!r} is not valid; allowed: {self.allowed}")
        return value


class _Mechs(_Kind):
    """SPNEGO mechanism names in order; NTLMSSP must be among them (the only one smbemu speaks)."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = tuple(names)
        self.allowed = "a list of " + ", ".join(self.names) + " (NTLMSSP included)"

    def parse(self, value: Any) -> Any:
        if not isinstance(value, list):
            raise Invalid(f"{show_value(value)} is not a list; allowed: {self.allowed}")
        out = tuple(str(item).upper() for item in value)
        for index, name in enumerate(out):
            if name not in self.names:
                raise Invalid(f"{show_value(value[index])} is not a mechanism; allowed: {self.allowed}", f"[{index}]")
        if "NTLMSSP" not in out or len(set(out)) != len(out):
            raise Invalid(f"{show_value(value)}: NTLMSSP once, each name at most once; allowed: {self.allowed}")
        return out

    def parse_text(self, text: str) -> Any:
        return self.parse([part.strip() for part in text.split(",") if part.strip()])

    def show(self, value: Any) -> str:
        return "[" + ", ".join(value) + "]"


class _NameList(_Kind):
    """A list of names (pipes, shares); --set takes them comma-separated, empty = []."""

    def __init__(self, *, lower: bool, pipe: bool = False) -> None:
        self.lower, self.pipe = lower, pipe
        self.allowed = "a list of pipe names" if pipe else "a list of names"

    def parse(self, value: Any) -> Any:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise Invalid(f"{show_value(value)} is not a list; allowed: {self.allowed}")
        out: list[str] = []
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip() or "/" in item:
                raise Invalid(f"{show_value(item)} is not a name; allowed: {self.allowed}", f"[{index}]")
            name = item.strip()
            if self.pipe and name.lower().startswith("\\pipe\\"):
                name = name[6:]
            name = name.lower() if self.lower else name
            if name.lower() not in (n.lower() for n in out):
                out.append(name)
        return tuple(out)

    def parse_text(self, text: str) -> Any:
        return self.parse([part.strip() for part in text.split(",") if part.strip()])

    def show(self, value: Any) -> str:
        return "[" + ", ".join(value) + "]"


class _Dialects(_Kind):
    allowed = ", ".join(DIALECT_BY_LABEL)

    def parse(self, value: Any) -> Any:
        if not isinstance(value, list):
            raise Invalid(f"{show_value(value)} is not a list of dialects ([] for none); allowed: {self.allowed}")
        out: set[Dialect] = set()
        for index, item in enumerate(value):
            # YAML reads an unquoted 2.1 or 3.0 as a float; take it back as written.
            text = item.strip() if isinstance(item, str) else str(item) if isinstance(item, float) else None
            if text is None or text not in DIALECT_BY_LABEL:
                shown = repr(text) if text is not None else show_value(item)
                raise Invalid(f"{shown} is not a dialect; allowed: {self.allowed}", f"[{index}]")
            out.add(DIALECT_BY_LABEL[text])
        return tuple(sorted(out))

    def parse_text(self, text: str) -> Any:
        return self.parse([part.strip() for part in text.split(",") if part.strip()])

    def show(self, value: Any) -> str:
        return "[" + ", ".join(Dialect(d).label for d in value) + "]"


class _NtlmVersion(_Kind):
    allowed = "null or [major, minor, build] (e.g. [5, 2, 3790])"

    def parse(self, value: Any) -> Any:
        if value is None:
            return None
        if (
            not isinstance(value, list)
            or len(value) != 3
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
            or not (0 <= value[0] <= 255 and 0 <= value[1] <= 255 and 0 <= value[2] <= 65535)
        ):
            raise Invalid(f"{show_value(value)} is not an NTLM version; allowed: {self.allowed}")
        return (value[0], value[1], value[2])

    def parse_text(self, text: str) -> Any:
        text = text.strip()
        if text.lower() in _NULL or not text:
            return None
        try:
            return self.parse([int(p) for p in re.split(r"[.,]", text)])
        except ValueError:
            raise Invalid(f"{text!r} is not an NTLM version; allowed: null or MAJOR.MINOR.BUILD") from None

    def show(self, value: Any) -> str:
        return "null" if value is None else f"[{value[0]}, {value[1]}, {value[2]}]"


class _BitNames(_Kind):
    """A 32-bit set of named bits, written as an integer or a list of names (the prefix optional):
    SV_TYPE_* server types, SMB1 CAP_* capabilities."""

    def __init__(self, bits: dict[str, int], prefix: str, what: str, a_name: str) -> None:
        self.bits, self.prefix, self.what, self.a_name = bits, prefix, what, a_name
        self.allowed = f"an integer or a list of {prefix.rstrip('_')} names (" + ", ".join(bits) + ")"

    def parse(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            if not 0 <= value <= 0xFFFFFFFF:
                raise Invalid(f"{value} is out of range; allowed: 0–0xFFFFFFFF")
            return value
        if not isinstance(value, list):
            raise Invalid(f"{show_value(value)} is not {self.what}; allowed: {self.allowed}")
        bits = 0
        for index, item in enumerate(value):
            name = item.upper().removeprefix(self.prefix) if isinstance(item, str) else None
            if name not in self.bits:
                raise Invalid(f"{show_value(item)} is not {self.a_name}; allowed: {', '.join(self.bits)}",
                              f"[{index}]")
            bits |= self.bits[name]
        return bits

    def parse_text(self, text: str) -> Any:
        text = text.strip()
        try:
            return self.parse(int(text, 0))
        except ValueError:
            return self.parse([part.strip() for part in text.split(",") if part.strip()])

    def show(self, value: Any) -> str:
        names = [name for name, bit in self.bits.items() if value & bit]
        return f"0x{value:08X} [{', '.join(names)}]"


class _SidList(_Kind):
    allowed = "a list of SIDs or well-known names (Everyone, ANONYMOUS LOGON, Authenticated Users, ...)"

    def parse(self, value: Any) -> Any:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise Invalid(f"{show_value(value)} is not a list; allowed: {self.allowed}")
        out: list[Sid] = []
        for index, item in enumerate(value):
            sid = self._one(item)
            if sid is None:
                raise Invalid(f"{show_value(item)} is not a SID or a well-known name; allowed: {self.allowed}", f"[{index}]")
            if sid not in out:
                out.append(sid)
        return tuple(out)

    @staticmethod
    def _one(item: object) -> Sid | None:
        if not isinstance(item, str):
            return None
        text = item.strip()
        if text.lower().startswith("nt authority\\"):
            text = text[len("nt authority\\"):]
        elif text.lower().startswith("builtin\\"):
            text = text[len("builtin\\"):]
        if text[:2].upper() == "S-":
            try:
                return Sid.parse(text)
            except ValueError:
                return None
        return WELL_KNOWN_BY_NAME.get(text.lower())

    def parse_text(self, text: str) -> Any:
        return self.parse([part.strip() for part in text.split(",") if part.strip()])

    def show(self, value: Any) -> str:
        return "[" + ", ".join(WELL_KNOWN[s].name if s in WELL_KNOWN else str(s) for s in value) + "]"


class _Sddl(_Kind):
    allowed = "null (not present), \"\" (nobody restricted) or an SDDL string like 'O:SYG:SYD:(A;;RC;;;BA)'"

    def parse(self, value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, str):
            raise Invalid(f"{show_value(value)} is not an SDDL string; allowed: {self.allowed}")
        if value.strip():
            try:
                parse_sddl(value)
            except ValueError as exc:
                raise Invalid(f"{value!r} is not valid SDDL: {exc}") from None
        return value

    def parse_text(self, text: str) -> Any:
        return None if text.strip().lower() in _NULL else self.parse(text)


class _IntList(_Kind):
    def __init__(self, choices: Sequence[int]) -> None:
        self.choices = tuple(choices)
        self.allowed = "a list of " + ", ".join(map(str, choices))

    def parse(self, value: Any) -> Any:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise Invalid(f"{show_value(value)} is not a list; allowed: {self.allowed}")
        for index, item in enumerate(value):
            if isinstance(item, bool) or item not in self.choices:
                raise Invalid(f"{show_value(item)} is not allowed; allowed: {', '.join(map(str, self.choices))}", f"[{index}]")
        return tuple(sorted(set(value)))

    def parse_text(self, text: str) -> Any:
        try:
            return self.parse([int(p, 0) for p in text.split(",") if p.strip()])
        except ValueError:
            raise Invalid(f"{text!r} is not a comma-separated list of integers; allowed: {self.allowed}") from None


@dataclass(frozen=True)
class Key:
    path: str  # dotted path in the YAML ("anonymous.RestrictAnonymous")
    attr: str  # attribute on the section dataclass ("restrict_anonymous")
    kind: _Kind
    aliases: tuple[str, ...] = ()  # other names accepted by --set (registry value names)


_SIZE = _Int(65536, 8388608)

# The schema. Defaults live in policies/_base.yaml, not here.
KEYS: tuple[Key, ...] = (
    Key("description", "description", _Str()),
    Key("role", "role", _Choice("standalone", "member", "dc")),
    Key("identity.os_name", "os_name", _Str()),
    Key("identity.os_version", "os_version", _Str(r"\d{1,2}\.\d{1,2}", "5.0")),
    Key("identity.build", "build", _Int(0, 65535)),
    Key("identity.native_os", "native_os", _Str()),
    Key("identity.native_lanman", "native_lanman", _Str()),
    Key("identity.ntlm_version", "ntlm_version", _NtlmVersion()),
    Key("identity.ntlm.dns_names", "dns_names", _Bool()),
    Key("identity.ntlm.dns_tree", "dns_tree", _Bool()),
    Key("identity.ntlm.timestamp", "timestamp", _Bool()),
    Key("identity.ntlm.av_flags", "av_flags", _Int(0, 0xFFFFFFFF)),
    Key("identity.srvsvc.platform_id", "platform_id", _Int(300, 700, (300, 400, 500, 600, 700))),
    Key("identity.srvsvc.version_major", "version_major", _Int(0, 255)),
    Key("identity.srvsvc.version_minor", "version_minor", _Int(0, 255)),
    Key("identity.srvsvc.server_type", "server_type", _BitNames(SERVER_TYPE_BITS, "SV_TYPE_", "a server type", "an SV_TYPE name")),
    Key("identity.srvsvc.share_order", "share_order", _Choice("created", "name")),
    Key("identity.smb2.global_capabilities", "global_capabilities", _BitNames(SMB2_CAPABILITY_BITS, "SMB2_GLOBAL_CAP_", "a capability set", "an SMB2_GLOBAL_CAP name")),
    Key("identity.smb2.send_start_time", "send_start_time", _Bool()),
    Key("identity.smb2.ipc_maximal_access", "ipc_maximal_access", _Int(0, 0xFFFFFFFF)),
    Key("identity.smb2.spnego_mechs", "spnego_mechs", _Mechs(("NEGOEX", "MS_KRB5", "KRB5", "KRB5_U2U", "NTLMSSP"))),
    Key("identity.smb2.spnego_hint", "spnego_hint", _Bool()),
    Key("identity.smb2.spnego_hint_name", "spnego_hint_name", _Choice("rfc4178", "principal")),
    Key("identity.smb2.negotiate_credits", "negotiate_credits", _Int(0, 8192)),
    Key("identity.smb2.challenge_credits", "challenge_credits", _Int(0, 8192)),
    Key("identity.smb2.interface_info", "interface_info", _Bool()),
    Key("identity.smb2.interface_capabilities", "interface_capabilities", _BitNames(INTERFACE_CAPABILITY_BITS, "", "a capability set", "RSS or RDMA")),
    Key("identity.smb2.interface_link_speed", "interface_link_speed", _Int(1, 2**63 - 1)),
    Key("identity.smb2.transceive_echoes_input", "transceive_echoes_input", _Bool()),
    Key("identity.smb2.file_id_layout", "file_id_layout", _Choice("vista", "win8", "random")),
    Key("identity.smb2.compression_context", "compression_context", _Choice("omit", "none")),
    Key("identity.smb2.signing_context", "signing_context", _Bool()),
    Key("identity.smb2.rdma_transform_context", "rdma_transform_context", _Bool()),
    Key("identity.dfs.domain_ttl", "domain_ttl", _Int(0, 0xFFFFFFFF)),
    Key("identity.dfs.sysvol_ttl", "sysvol_ttl", _Int(0, 0xFFFFFFFF)),
    Key("identity.dfs.max_referral_version", "max_referral_version", _Int(1, 4)),
    Key("identity.dfs.name_lists_below_v3", "name_lists_below_v3", _Bool()),
    Key("identity.dfs.name_list_padding", "name_list_padding", _Choice("dc", "all")),
    Key("identity.dfs.missing_namespace_status", "missing_namespace_status",
        _Choice("NO_SUCH_FILE", "UNSUCCESSFUL", "NO_SUCH_DEVICE")),
    Key("identity.dfs.member_dfs_server", "member_dfs_server", _Bool()),
    Key("identity.dfs.member_sysvol_status", "member_sysvol_status", _Choice("NOT_FOUND", "NO_SUCH_DEVICE")),
    Key("identity.dfs.member_root_status", "member_root_status", _Choice("NOT_FOUND", "NO_SUCH_DEVICE")),
    Key("smb.dialects", "dialects", _Dialects()),
    Key("smb.smb1", "smb1", _Bool(), ("SMB1",)),
    Key("smb.signing_required", "signing_required", _Bool(), ("RequireSecuritySignature", "RequireMessageSigning")),
    Key("smb.encrypt_data", "encrypt_data", _Bool(), ("EncryptData",)),
    Key("smb.reject_unencrypted_access", "reject_unencrypted_access", _Bool(), ("RejectUnencryptedAccess",)),
    Key("smb.guest_account_enabled", "guest_account_enabled", _Bool(), ("EnableGuestAccount",)),
    Key("smb.lm_compatibility_level", "lm_compatibility_level", _Int(0, 5), ("LmCompatibilityLevel",)),
    Key("smb.no_lm_hash", "no_lm_hash", _Bool(), ("NoLMHash",)),
    Key("smb.limit_blank_password_use", "limit_blank_password_use", _Bool(), ("LimitBlankPasswordUse",)),
    Key("smb.max_transact_size", "max_transact_size", _SIZE),
    Key("smb.max_read_size", "max_read_size", _SIZE),
    Key("smb.max_write_size", "max_write_size", _SIZE),
    Key("smb1.max_mpx_count", "max_mpx_count", _Int(1, 65535), ("MaxMpxCt",)),
    Key("smb1.max_number_vcs", "max_number_vcs", _Int(0, 65535)),
    Key("smb1.max_buffer_size", "max_buffer_size", _Int(1024, 65535)),
    Key("smb1.max_raw_size", "max_raw_size", _Int(0, 0xFFFFFFFF)),
    Key("smb1.capabilities", "capabilities", _BitNames(SMB1_CAPABILITY_BITS, "CAP_", "a capability set", "a CAP name")),
    Key("smb1.signing_enabled", "signing_enabled", _Bool(), ("EnableSecuritySignature",)),
    Key("smb1.server_time_zone", "server_time_zone", _Int(-1440, 1440)),
    Key("smb1.ipc_maximal_access", "ipc_maximal_access", _Int(0, 0xFFFFFFFF)),
    Key("anonymous.RestrictAnonymous", "restrict_anonymous", _Int(0, 2)),
    Key("anonymous.RestrictAnonymousSAM", "restrict_anonymous_sam", _Bool()),
    Key("anonymous.EveryoneIncludesAnonymous", "everyone_includes_anonymous", _Bool()),
    Key("anonymous.RestrictNullSessAccess", "restrict_null_sess_access", _Bool()),
    Key("anonymous.NullSessionPipes", "null_session_pipes", _NameList(lower=True, pipe=True)),
    Key("anonymous.NullSessionShares", "null_session_shares", _NameList(lower=False)),
    Key("anonymous.LsaRestrictAnonymous", "lsa_restrict_anonymous", _Bool()),
    Key("anonymous.TurnOffAnonymousBlock", "turn_off_anonymous_block", _Bool()),
    Key("anonymous.LSAAnonymousNameLookup", "lsa_anonymous_name_lookup", _Bool()),
    Key("anonymous.RestrictRemoteSAM", "restrict_remote_sam", _Sddl(), ("RestrictRemoteSam",)),
    Key("anonymous.pre2000_compatible_access_members", "pre2000_compatible_access_members", _SidList()),
    Key("anonymous.pipe_anonymous_refusal", "pipe_anonymous_refusal", _NameList(lower=True, pipe=True)),
    Key("rpc.share_enum_admin_levels", "share_enum_admin_levels", _IntList((0, 1, 2, 501, 502, 503))),
    Key("rpc.ndr64", "ndr64", _Bool()),
    Key("rpc.lsass_pipe_address", "lsass_pipe_address",
        _Str(r"\\(?i:pipe)\\lsass", r"\pipe\lsass")),
)
KEY_BY_PATH = {key.path: key for key in KEYS}
SECTIONS: tuple[str, ...] = ("identity.ntlm", "identity.srvsvc", "identity.smb2", "identity.dfs", "identity", "smb", "smb1", "anonymous", "rpc")
SECTION_CLASSES: dict[str, type] = {
    "identity.ntlm": NtlmIdentity,
    "identity.srvsvc": SrvsvcIdentity,
    "identity.smb2": Smb2Identity,
    "identity.dfs": DfsIdentity,
    "identity": Identity,
    "smb": SmbSettings,
    "smb1": Smb1Settings,
    "anonymous": AnonymousSettings,
    "rpc": RpcSettings,
}
FILE_ONLY_KEYS = ("extends",)


def children(prefix: str) -> list[str]:
    """The keys allowed directly under ``prefix`` ("" = top level)."""
    out: list[str] = []
    for path in (*(k.path for k in KEYS), *SECTIONS):
        if prefix and not path.startswith(prefix + "."):
            continue
        rest = path[len(prefix) + 1 :] if prefix else path
        head = rest.split(".")[0]
        if head not in out:
            out.append(head)
    return out if prefix else [*FILE_ONLY_KEYS, *out]


def _short_names() -> dict[str, list[Key]]:
    names: dict[str, list[Key]] = {}
    for key in KEYS:
        for name in {key.path, key.attr, key.path.rsplit(".", 1)[-1], *key.aliases}:
            bucket = names.setdefault(name.lower(), [])
            if key not in bucket:
                bucket.append(key)
    return names


SHORT_NAMES = _short_names()

