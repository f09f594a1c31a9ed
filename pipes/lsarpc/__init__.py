"""lsarpc: the Local Security Authority Remote Protocol (MS-LSAD policy calls and MS-LSAT
translation calls), on ``\\PIPE\\lsarpc``.

UUID 12345778-1234-abcd-ef00-0123456789ab version 0.0 (MS-LSAD 2.1, MS-LSAT 2.1).  Both
specifications share one interface; every opnum from 0 to 81 (the last one Windows Server 2003
defines, Samba's lsa.idl agrees) is declared here, in one of four ways:

* **emulated** — answered from the fixture directory (``ctx.server.directory``): LsarClose (0),
  LsarEnumeratePrivileges (2), LsarOpenPolicy (6), LsarQueryInformationPolicy (7),
  LsarEnumerateAccounts (11), LsarLookupNames (14),
  LsarLookupSids (15), LsarOpenAccount (17), LsarEnumeratePrivilegesAccount (18),
  LsarGetSystemAccessAccount (23), LsarLookupPrivilegeValue (31), LsarLookupPrivilegeName (32),
  LsarLookupPrivilegeDisplayName (33), LsarEnumerateAccountsWithUserRight (35),
  LsarEnumerateAccountRights (36), LsarOpenPolicy2 (44), LsarGetUserName (45),
  LsarQueryInformationPolicy2 (46), LsarLookupSids2 (57),
  LsarLookupNames2 (58), LsarLookupNames3 (68);
* **changes** (issue 16) — account objects, privileges and rights (``account_writes``),
  secrets (``secrets``), the audit policy, the Kerberos / EFS domain policies and the objects'
  security descriptors (``policy_writes``, kept through ``policy_store``) for administrators,
  in the directory; everyone else gets STATUS_ACCESS_DENIED, as on Windows;
* **trusted domains** (issue 15) -- trusted domain objects an administrator creates, opens,
  queries, changes and deletes, their forest trust records and the enumerations
  (``trusted_domains``, ``trust_info``, kept by ``trust_store`` beside the other LSA settings);
  POLICY_TRUST_ADMIN on the policy handle, which only Administrators hold;
* **LsarLookupSids3 (76) / LsarLookupNames4 (77)** — MS-LSAT 2.1 and 3.2: TCP/IP with a Netlogon
  secure channel only.  Over a named pipe they fault with access denied (0x5), as Samba's
  server does for the same case (W: Samba's wire-tested behaviour; MS-LSAT leaves the answer
  to a wrong transport unstated);
* **queries** — LsarDelete (1), LsarQuerySecurityObject (3) and
  LsarQueryDomainInformationPolicy (53): ``queries``;
* **faulted** — "OpnumNNNotUsedOnWire" (MS-LSAD 3.1.4): nca_op_rng_error 0x1C010002, listed in
  :data:`NOT_USED_ON_WIRE`.

Access: LsarOpenPolicy / LsarOpenPolicy2 first ask the policy (``ctx.decide(access=...)``: the
anonymous rules of windows-defaults.md §0 rule 5), then grant the requested mask from the
caller's rights on the policy object (``ctx.grant(LSA_POLICY, ...)``: the default policy DACL of
MS-LSAD 3.1.1.1 the policy models — Everyone POLICY_EXECUTE, Administrators POLICY_ALL_ACCESS,
and from XP on an explicit ANONYMOUS LOGON ACE for 0x801, §0 rule 6).  The handle carries the
granted mask; each call checks the right MS-LSAD / MS-LSAT names for it (``ctx.require``:
STATUS_ACCESS_DENIED when it is missing), then asks the policy about the call itself (per
information class where there is one).  A handle lsarpc never issued to the caller (closed,
unknown, another association's, a samr handle) is the RPC runtime's fault
nca_s_fault_context_mismatch (``objects.lsa_handle``, MS-RPCE 2.2.4.15 strict_context_handle);
a live lsarpc handle of the wrong type (an account handle where a policy handle is taken) gets
STATUS_INVALID_HANDLE.

Translation (MS-LSAT 3.1.4): names and SIDs resolve through the directory's role rule
(``Directory.lookup_name`` / ``lookup_sid``: well-known SIDs, BUILTIN, the account domain —
the machine's SAM on a member or standalone server, the domain on a DC — then the primary
domain's groups on a member).  Referenced domains are listed once each, in the order first
met; MappedCount counts the translated entries; the status is STATUS_SUCCESS,
STATUS_SOME_NOT_MAPPED (0x107) or STATUS_NONE_MAPPED (0xC0000073) with the [out] structures
filled in every case, as Windows does (the Win32 LsaLookupSids page: the buffers must be
freed "even when the function fails with STATUS_NONE_MAPPED or STATUS_SOME_NOT_MAPPED").

The package, one module per sub-area (each declares its operations on ``objects.INTERFACE``):
``types`` (NDR types and constants), ``objects`` (the interface, handle checks), ``policy``
(the policy object: open, close, query, trusted domains), ``lookups`` (MS-LSAT translation and
LsarGetUserName), ``rights`` (accounts, privileges and rights), ``account_writes`` and ``secrets``
(their changes), ``policy_writes`` / ``policy_store`` (the policy settings an administrator
changes), ``queries`` (objects that do not exist, security descriptors) and ``refused`` (trusted
domains).
"""

from __future__ import annotations

# Importing the sub-area modules runs their @INTERFACE.operation decorators.
from . import (  # noqa: F401
    account_writes, lookups, policy, policy_writes, queries, rights, secrets, trust_info, trusted_domains)
from .lookups import Translation, translate_name, translate_sid, user_name
from .objects import INTERFACE, NOT_EMULATED, NOT_USED_ON_WIRE
from .policy import CLASS_ACCESS, policy_information
from .rights import (
    DC_RIGHTS,
    LOGON_RIGHTS,
    MEMBER_RIGHTS,
    PRIVILEGES,
    Privilege,
    accounts,
    privileges,
    rights_table,
)
from .types import LSAPR_POLICY_INFORMATION, LSAPR_REFERENCED_DOMAIN_LIST

__all__ = ["INTERFACE", "NOT_EMULATED", "NOT_USED_ON_WIRE", "PRIVILEGES", "LOGON_RIGHTS",
           "MEMBER_RIGHTS", "DC_RIGHTS", "CLASS_ACCESS", "policy_information", "translate_sid", "translate_name", "user_name",
           "accounts", "privileges", "rights_table", "Translation", "Privilege",
           "LSAPR_POLICY_INFORMATION", "LSAPR_REFERENCED_DOMAIN_LIST"]
