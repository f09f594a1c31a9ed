"""Who is calling: the one principal type every layer hands through.

The SMB session's identity (built by `smbemu.logon` from the NTLM outcome), the identity DCE/RPC
authentication establishes, what the policy decides on, what a handler reads as
``ctx.principal`` and what the audit log names are all one frozen :class:`Principal`: the SMB
session's object *is* the RPC call context's and the policy's (no copy, no adapter on the way).

This module imports nothing of smbemu, so the SMB layer, the RPC runtime, the policy and the
audit observer all depend on it without an import circle.

Plugin authors may spell a kind as a string: ``Principal("user", "alice")`` is coerced to
:class:`PrincipalKind` (case-insensitively), and :func:`as_principal` turns a principal-like
object of their own (``kind`` a string or an enum, ``user_name``, ``domain`` or
``domain_name``, optionally ``sid``) into a :class:`Principal`.  smbemu's own code builds the
type directly and never needs the adapter.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final

__all__ = ["PrincipalKind", "Principal", "ANONYMOUS", "ANONYMOUS_SID", "as_principal"]

#: MS-DTYP 2.4.2.4: ANONYMOUS LOGON, the SID of the NULL session.
ANONYMOUS_SID: Final = "S-1-5-7"


class PrincipalKind(enum.StrEnum):
    """Who is calling, in the terms the policy decides on: the group SIDs a network logon token
    holds follow from it (windows-defaults.md §0.1).

    A ``str``: ``kind == "anonymous"`` holds, and a kind prints and serializes as its value."""

    ANONYMOUS = "anonymous"
    GUEST = "guest"
    USER = "user"
    ADMINISTRATOR = "administrator"

    @classmethod
    def _missing_(cls, value: object) -> PrincipalKind:
        # Kinds written by hand (a plugin, a test, ``--set``) may be capitalized ("User").
        if isinstance(value, str):
            lowered = value.lower()
            for member in cls:
                if member.value == lowered:
                    return member
        raise ValueError(f"principal kind {value!r} is not one of "
                         + ", ".join(member.value for member in cls))


@dataclass(frozen=True, slots=True)
class Principal:
    """The identity behind a session or a call.

    ``domain`` is the domain the client named (NTLM's DomainName); ``workstation`` and
    ``package`` ("NTLM V2", "NTLM V1", "LM" or "": Windows' LmPackageName) are what the audit
    log's 4624 reports; ``sid`` is the account's SID when the logon layer knows it; ``groups``
    the group SIDs of the logon token (strings) beyond the kind's own that the policy decides on
    (``smbemu.policy.POLICY_GROUPS``: BUILTIN\\Account Operators on a DC), empty for most callers."""

    kind: PrincipalKind
    user_name: str = ""
    domain: str = ""
    workstation: str = ""
    package: str = ""
    sid: str | None = None
    groups: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if type(self.kind) is not PrincipalKind:
            # A kind spelled as a string (plugin code): checked and normalized once, here.
            object.__setattr__(self, "kind", PrincipalKind(self.kind))

    @property
    def is_anonymous(self) -> bool:
        return self.kind is PrincipalKind.ANONYMOUS

    @property
    def is_guest(self) -> bool:
        return self.kind is PrincipalKind.GUEST

    @property
    def display_name(self) -> str:
        """``DOMAIN\\user`` (or ``user``) as the logs print it; ANONYMOUS LOGON for the null session."""
        if self.kind is PrincipalKind.ANONYMOUS:
            return "ANONYMOUS LOGON"
        return f"{self.domain}\\{self.user_name}" if self.domain else self.user_name


#: The NULL session (MS-DTYP 2.4.2.4, ANONYMOUS LOGON): a new session's identity until it logs on.
ANONYMOUS: Final = Principal(PrincipalKind.ANONYMOUS, sid=ANONYMOUS_SID)


def as_principal(obj: object) -> Principal:
    """A :class:`Principal` from what a plugin author has at hand: a Principal (returned as is),
    a kind (``"user"``, a :class:`PrincipalKind`), or an object with ``kind`` (a string, or an
    enum whose value is one), ``user_name``, ``domain`` or ``domain_name`` and optionally
    ``sid``.  Raises ValueError for a kind that is none of the four."""
    if isinstance(obj, Principal):
        return obj
    if isinstance(obj, str):
        return Principal(PrincipalKind(obj))
    kind = getattr(obj, "kind", None)
    kind = getattr(kind, "value", kind)
    if not isinstance(kind, str):
        raise ValueError(f"principal kind {kind!r} is not one of "
                         + ", ".join(member.value for member in PrincipalKind))
    domain = getattr(obj, "domain", None)
    if domain is None:
        domain = getattr(obj, "domain_name", "")
    sid = getattr(obj, "sid", None)
    groups = frozenset(str(group) for group in getattr(obj, "groups", None) or ())
    return Principal(PrincipalKind(kind), str(getattr(obj, "user_name", "") or ""),
                     str(domain or ""), str(getattr(obj, "workstation", "") or ""),
                     str(getattr(obj, "package", "") or ""),
                     str(sid) if sid is not None else None, groups)
