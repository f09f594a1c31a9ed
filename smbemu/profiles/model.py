"""The Profile value: what a loaded, validated profile says, section by section.

These frozen dataclasses are what the rest of the server reads (``config.profile.smb.dialects``);
`smbemu.profiles.schema` says which YAML key fills which field, `smbemu.profiles.loading` builds them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smbemu.dialects import Dialect
from smbemu.profiles.sddl import SecurityDescriptor, parse_sddl
from smbemu.sid import Sid

__all__ = [
    "Profile",
    "Identity",
    "NtlmIdentity",
    "SrvsvcIdentity",
    "SmbSettings",
    "AnonymousSettings",
    "RpcSettings",
    "SERVER_TYPE_BITS",
]

# MS-SRVS 2.2.2.7 / lmserver.h SV_TYPE_* bits for SERVER_INFO_101.sv101_type.
SERVER_TYPE_BITS: dict[str, int] = {
    "WORKSTATION": 0x00000001,
    "SERVER": 0x00000002,
    "SQLSERVER": 0x00000004,
    "DOMAIN_CTRL": 0x00000008,
    "DOMAIN_BAKCTRL": 0x00000010,
    "TIME_SOURCE": 0x00000020,
    "AFP": 0x00000040,
    "NOVELL": 0x00000080,
    "DOMAIN_MEMBER": 0x00000100,
    "PRINTQ_SERVER": 0x00000200,
    "DIALIN_SERVER": 0x00000400,
    "XENIX_SERVER": 0x00000800,
    "NT": 0x00001000,
    "WFW": 0x00002000,
    "SERVER_MFPN": 0x00004000,
    "SERVER_NT": 0x00008000,
    "POTENTIAL_BROWSER": 0x00010000,
    "BACKUP_BROWSER": 0x00020000,
    "MASTER_BROWSER": 0x00040000,
    "DOMAIN_MASTER": 0x00080000,
    "SERVER_OSF": 0x00100000,
    "SERVER_VMS": 0x00200000,
    "WINDOWS": 0x00400000,
    "DFS": 0x00800000,
    "CLUSTER_NT": 0x01000000,
    "TERMINALSERVER": 0x02000000,
    "CLUSTER_VS_NT": 0x04000000,
    "DCE": 0x10000000,
    "ALTERNATE_XPORT": 0x20000000,
    "LOCAL_LIST_ONLY": 0x40000000,
    "DOMAIN_ENUM": 0x80000000,
}


@dataclass(frozen=True, slots=True)
class NtlmIdentity:
    """Which optional parts the NTLM CHALLENGE carries (MS-NLMP 2.2.2.1, reference §4.3)."""

    dns_names: bool  # MsvAvDnsComputerName / MsvAvDnsDomainName
    dns_tree: bool  # MsvAvDnsTreeName (not sent by NT / 2000)
    timestamp: bool  # MsvAvTimestamp (sent from Vista / 2008 on)
    av_flags: int = 0  # MsvAvFlags value in the CHALLENGE; 0 = the pair is not sent


@dataclass(frozen=True, slots=True)
class SrvsvcIdentity:
    """SERVER_INFO_101 values (MS-DTYP 2.3.12 / MS-SRVS)."""

    platform_id: int
    version_major: int
    version_minor: int
    server_type: int  # sv101_type bits; see SERVER_TYPE_BITS
    # The order share enumerations list the shares in (NetrShareEnum, RAP NetShareEnum):
    # "created" = IPC$ then the fixture's order (shares added later at the end); "name" = sorted by
    # name, case-insensitively, as the SMB2-era server service lists them.
    share_order: str = "created"


# SMB2 NEGOTIATE Capabilities bits (MS-SMB2 2.2.4).
SMB2_CAPABILITY_BITS: dict[str, int] = {
    "DFS": 0x00000001,
    "LEASING": 0x00000002,
    "LARGE_MTU": 0x00000004,
    "MULTI_CHANNEL": 0x00000008,
    "PERSISTENT_HANDLES": 0x00000010,
    "DIRECTORY_LEASING": 0x00000020,
    "ENCRYPTION": 0x00000040,
}

# NETWORK_INTERFACE_INFO Capability bits (MS-SMB2 2.2.32.5).
INTERFACE_CAPABILITY_BITS: dict[str, int] = {"RSS": 0x00000001, "RDMA": 0x00000002}


@dataclass(frozen=True, slots=True)
class Smb2Identity:
    """What the SMB2 NEGOTIATE response says about the release (MS-SMB2 2.2.4, 3.3.5.4)."""

    global_capabilities: int  # SMB2_GLOBAL_CAP_* the release supports; masked per dialect (3.3.5.4)
    send_start_time: bool  # ServerStartTime = the server's start time (else 0)
    ipc_maximal_access: int  # TREE_CONNECT response MaximalAccess on IPC$ (MS-SMB2 2.2.10)
    spnego_mechs: tuple[str, ...]  # NEGOTIATE NegTokenInit mechTypes, in order (MS-SPNG 2.2.1)
    spnego_hint: bool  # negHints "not_defined_in_RFC4178@please_ignore"
    # negHints.hintName: "rfc4178" (that text) or "principal" ("<host>$@<REALM>", Windows 2000).
    spnego_hint_name: str = "rfc4178"
    # Credits granted (MS-SMB2 3.3.1.2) on the NEGOTIATE response and on the SESSION_SETUP response
    # carrying the NTLM CHALLENGE (STATUS_MORE_PROCESSING_REQUIRED); 0 = what the client asked for.
    negotiate_credits: int = 1
    challenge_credits: int = 1
    # FSCTL_QUERY_NETWORK_INTERFACE_INFO (MS-SMB2 2.2.32.5, 3.3.5.15.11): whether the release knows it
    # (SMB 3.x servers), and the Capability bits and LinkSpeed of the interface it lists.
    interface_info: bool = True
    interface_capabilities: int = 0
    interface_link_speed: int = 1000000000
    # FSCTL_PIPE_TRANSCEIVE response echoes the request's input (InputCount, MS-SMB2 3.3.5.15.3).
    transceive_echoes_input: bool = False
    # How CREATE numbers FileIds: "vista", "win8" (smbemu.smb2.file_ids) or "random".
    file_id_layout: str = "win8"
    # The 3.1.1 contexts the release answers (MS-SMB2 3.3.5.4): SMB2_COMPRESSION_CAPABILITIES
    # ("omit" = ignored, "none" = answered with algorithm NONE), SMB2_SIGNING_CAPABILITIES and
    # SMB2_RDMA_TRANSFORM_CAPABILITIES.
    compression_context: str = "omit"
    signing_context: bool = True
    rdma_transform_context: bool = False


@dataclass(frozen=True, slots=True)
class DfsIdentity:
    """How the release's DFS server on a DC answers referrals (MS-DFSC 3.3.5), over SMB1's
    TRANS2_GET_DFS_REFERRAL and SMB2's FSCTL_DFS_GET_REFERRALS alike (smbemu.dfs_referral)."""

    domain_ttl: int = 600  # TimeToLive of domain / DC referrals (MS-DFSC 3.3.5.2, 3.3.5.3)
    sysvol_ttl: int = 900  # TimeToLive of SYSVOL / NETLOGON referrals (3.3.5.4)
    max_referral_version: int = 4  # the highest referral version the server knows (3.2.5.1, <18>)
    # Domain / DC referrals asked below version 3: False = STATUS_UNSUCCESSFUL (3.3.5.2, 3.3.5.3);
    # True = answered in the version asked (<34>, <37>: NT 4.0, 2000, 2003).
    name_lists_below_v3: bool = False
    # The 16 padding bytes after a NameListReferral entry (2.2.5.3.2, <3>): "dc" = DC referrals
    # only (2008, 2008 R2), "all" = domain referrals too (2000, 2003).
    name_list_padding: str = "dc"
    # A root referral for a domain-based namespace that does not exist (3.3.5.5, <46>).
    missing_namespace_status: str = "NO_SUCH_FILE"
    # Off a DC: whether the release runs a DFS server by default (MS-DFSC 3.2); without one, every
    # referral is STATUS_FS_DRIVER_REQUIRED. With one, a SYSVOL referral (3.2.5.4, <20>) and a root
    # referral for a stand-alone namespace it does not host (3.2.5.5, <21>) fail with these statuses.
    member_dfs_server: bool = False
    member_sysvol_status: str = "NOT_FOUND"
    member_root_status: str = "NOT_FOUND"


@dataclass(frozen=True, slots=True)
class Identity:
    """What the server says it is."""

    os_name: str
    os_version: str  # "5.0"
    build: int
    native_os: str  # SMB1 SESSION_SETUP_ANDX NativeOS (MS-CIFS 2.2.4.53.2)
    native_lanman: str  # SMB1 SESSION_SETUP_ANDX NativeLanMan
    ntlm_version: tuple[int, int, int] | None  # NTLM VERSION (major, minor, build); None = never sent
    ntlm: NtlmIdentity
    srvsvc: SrvsvcIdentity
    smb2: Smb2Identity
    dfs: DfsIdentity

    @property
    def version(self) -> tuple[int, int]:
        major, minor = self.os_version.split(".")
        return int(major), int(minor)

    @property
    def ntlm_dns_tree(self) -> bool:
        """Shorthand for ``ntlm.dns_tree``."""
        return self.ntlm.dns_tree

    @property
    def ntlm_timestamp(self) -> bool:
        """Shorthand for ``ntlm.timestamp``."""
        return self.ntlm.timestamp


@dataclass(frozen=True, slots=True)
class SmbSettings:
    """SMB behaviour and logon settings."""

    dialects: tuple[Dialect, ...]  # SMB2 dialects, sorted ascending; () = no SMB2 (pre-Vista)
    smb1: bool  # SMB1 (NT LM 0.12) served: LanmanServer\\Parameters\\SMB1
    signing_required: bool
    encrypt_data: bool
    reject_unencrypted_access: bool
    guest_account_enabled: bool
    lm_compatibility_level: int
    no_lm_hash: bool
    limit_blank_password_use: bool
    max_transact_size: int
    max_read_size: int
    max_write_size: int


# SMB1 CAP_* bits of the NEGOTIATE response (MS-CIFS 2.2.4.52.2, MS-SMB 2.2.4.5.2.1).
SMB1_CAPABILITY_BITS: dict[str, int] = {
    "RAW_MODE": 0x00000001,
    "MPX_MODE": 0x00000002,
    "UNICODE": 0x00000004,
    "LARGE_FILES": 0x00000008,
    "NT_SMBS": 0x00000010,
    "RPC_REMOTE_APIS": 0x00000020,
    "STATUS32": 0x00000040,
    "LEVEL_II_OPLOCKS": 0x00000080,
    "LOCK_AND_READ": 0x00000100,
    "NT_FIND": 0x00000200,
    "DFS": 0x00001000,
    "INFOLEVEL_PASSTHRU": 0x00002000,
    "LARGE_READX": 0x00004000,
    "LARGE_WRITEX": 0x00008000,
    "LWIO": 0x00010000,
    "UNIX": 0x00800000,
    "COMPRESSED_DATA": 0x02000000,
    "DYNAMIC_REAUTH": 0x20000000,
    "PERSISTENT_HANDLES": 0x40000000,
    "EXTENDED_SECURITY": 0x80000000,
}


@dataclass(frozen=True, slots=True)
class Smb1Settings:
    """What the SMB1 NEGOTIATE response says (MS-CIFS 2.2.4.52.2, MS-SMB 2.2.4.5.2)."""

    max_mpx_count: int
    max_number_vcs: int
    max_buffer_size: int
    max_raw_size: int
    capabilities: int  # CAP_* bits; EXTENDED_SECURITY = the server can do SPNEGO
    signing_enabled: bool  # EnableSecuritySignature: NEGOTIATE_SECURITY_SIGNATURES_ENABLED
    server_time_zone: int  # minutes from UTC, as the NEGOTIATE response's ServerTimeZone
    ipc_maximal_access: int = 0x001F01FF  # TREE_CONNECT_ANDX extended response on IPC$ (MS-SMB 2.2.4.7.2)


@dataclass(frozen=True, slots=True)
class AnonymousSettings:
    """The knobs that decide what a null session gets (reference §0–§1)."""

    restrict_anonymous: int
    restrict_anonymous_sam: bool
    everyone_includes_anonymous: bool
    restrict_null_sess_access: bool
    null_session_pipes: tuple[str, ...]  # lower case, without \pipe\
    null_session_shares: tuple[str, ...]  # as written; compare case-insensitively
    lsa_restrict_anonymous: bool
    turn_off_anonymous_block: bool
    lsa_anonymous_name_lookup: bool
    restrict_remote_sam: str | None  # SDDL; None = feature absent, "" = nobody restricted
    pre2000_compatible_access_members: tuple[Sid, ...]
    pipe_anonymous_refusal: tuple[str, ...]  # lower case

    @property
    def anonymous_block_in_force(self) -> bool:
        """MS-LSAD 3.1.1.6.1: LsaRestrictAnonymous, unless TurnOffAnonymousBlock is non-zero."""
        return self.lsa_restrict_anonymous and not self.turn_off_anonymous_block

    @property
    def remote_sam_descriptor(self) -> SecurityDescriptor | None:
        """The parsed RestrictRemoteSam descriptor; None when absent or empty (no one restricted)."""
        if not self.restrict_remote_sam:
            return None
        return parse_sddl(self.restrict_remote_sam)


@dataclass(frozen=True, slots=True)
class RpcSettings:
    """RPC-level rules that are not registry values."""

    share_enum_admin_levels: tuple[int, ...]
    #: The NDR64 transfer syntax is spoken and preferred (x64 Windows from Vista / 2008 on).
    ndr64: bool = False
    #: bind_ack's secondary address for the lsass pipes (lsarpc, samr, netlogon): its case
    #: differs by version.
    lsass_pipe_address: str = "\\PIPE\\lsass"


@dataclass(frozen=True)
class Profile:
    """An effective, validated profile. ``sources`` maps every key path to where its value came from."""

    name: str
    description: str
    role: str  # "standalone" | "member" | "dc"
    identity: Identity
    smb: SmbSettings
    smb1: Smb1Settings
    anonymous: AnonymousSettings
    rpc: RpcSettings
    sources: Mapping[str, str] = field(repr=False, compare=False)
    chain: tuple[str, ...] = field(repr=False)  # files merged, root first (then "--set" if used)
    path: Path | None = field(default=None, repr=False)
    values: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_dc(self) -> bool:
        return self.role == "dc"

    def get(self, key: str) -> Any:
        """The effective value of a dotted key path (``anonymous.RestrictAnonymous``)."""
        return self.values[key]

