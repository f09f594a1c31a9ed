"""netlogon: the Netlogon Remote Protocol (MS-NRPC), on ``\\PIPE\\netlogon``.

UUID 12345678-1234-abcd-ef00-01234567cffb version 1.0 (MS-NRPC 2.1); bind_ack names
``\\PIPE\\lsass`` as the secondary address (netlogon lives in lsass from Windows 2000 on, like
lsarpc and samr).  Every opnum from 0 to 49 (the methods MS-NRPC 3.5.4 defines for the
releases smbemu emulates, NetrLogonUasLogon .. NetrChainSetClientAttributes) is declared here, in
one of these ways:

* **emulated, answered per the profile's role** (``ctx.server.profile.role``):

  ================================  ====================================  ===============================
  call                              domain controller (``role: dc``)       member / standalone server
  ================================  ====================================  ===============================
  NetrLogonControl (12),            NETLOGON_INFO_1..4: no replication     the same structures, but the
  NetrLogonControl2 (14),           flags, PDC status NERR_Success, the    secure channel to the domain
  NetrLogonControl2Ex (18)          "trusted DC" is the DC itself           has no DC to reach (there is
  (query function codes)                                                  none in the emulation):
                                                                          status ERROR_NO_LOGON_SERVERS
  NetrGetDCName (11)                ``\\\\LEGACYSRV`` (its own domain)     NERR_DCNotFound (2453)
  NetrGetAnyDCName (13)             ``\\\\LEGACYSRV`` (its own domain)     ERROR_NO_LOGON_SERVERS (1311)
  DsrGetDcName (20) / Ex (27) /     DOMAIN_CONTROLLER_INFOW of itself       ERROR_NO_SUCH_DOMAIN (1355),
  Ex2 (34)                          (flags per Windows release)             what DsGetDcName answers when
                                                                          no DC can be located
  DsrGetSiteName (28)               "Default-First-Site-Name"               ERROR_NO_SITENAME (1919)
  NetrEnumerateTrustedDomains (19), its own domain (the forest root,       the primary (joined) domain,
  NetrEnumerateTrustedDomainsEx     PRIMARY | IN_FOREST | TREE_ROOT, +      + DIRECT_OUTBOUND; a
  (36), DsrEnumerateDomainTrusts    NATIVE_MODE from 2008); the fixture     standalone server (a
  (40)                              declares no other trust                 workgroup) lists nothing
  ================================  ====================================  ===============================

* **the secure channel**: NetrServerReqChallenge (4) answers a random 8-byte server challenge
  and keeps it for the association (MS-NRPC 3.5.4.4.1); NetrServerAuthenticate / 2 / 3 (5, 15,
  26) always fail — the fixture holds no machine-account secrets, so no client credential can be
  verified: STATUS_ACCESS_DENIED (0xC0000022) when no challenge was requested on this
  association or when the account exists (the credential "does not match"),
  STATUS_NO_TRUST_SAM_ACCOUNT (0xC000018B) when the account is not a trust account of the
  account domain (a member server's local SAM has none).  The challenge is consumed by the
  attempt, so a Zerologon checker (CVE-2020-1472) sees a patched DC.  The calls that need an
  established secure channel and whose [out] parameters are simple (NetrServerPasswordSet / 2,
  NetrServerPasswordGet, NetrServerTrustPasswordsGet, NetrLogonGetCapabilities) answer
  STATUS_ACCESS_DENIED with a zero return authenticator, as Windows does when the client
  authenticator cannot be checked (MS-NRPC 3.5.4.4.5 and 3.1.4.5).
* **Opnum47NotUsedOnWire** (MS-NRPC 3.5.4: not used on the wire): fault nca_op_rng_error
  0x1C010002; so does any opnum from 50 on (the runtime's range check).
* **answered with a status** (the LAN Manager calls, the trust-secret, site, DNS and
  forest-trust calls): ``statuses``, the status Windows gives the caller;
* **the calls that need a secure channel and carry [in] unions** (pass-through logon:
  NetrLogonSamLogon / Ex / WithFlags / SamLogoff, ``pass_through``; NT 4 and LAN Manager
  replication, ``replication``; the RODC calls NetrLogonSendToSam, DsrUpdateReadOnlyServerDnsRecords,
  NetrChainSetClientAttributes, ``rodc``; NetrLogonGetDomainInfo, NetrGetForestTrustInformation,
  NetrServerGetTrustInfo, ``secure_channel``): STATUS_ACCESS_DENIED (STATUS_NOT_IMPLEMENTED for
  NetrAccountDeltas / NetrAccountSync), with the [in] unions decoded so that the [out] unions
  they select are encoded with their tag and a NULL arm, and [in, out] parameters echoed.
  :data:`NOT_EMULATED` is empty: no opnum of MS-NRPC faults nca_op_rng_error but 47.

NetrLogonControl function codes (MS-NRPC 3.5.4.9.1): NETLOGON_CONTROL_QUERY (1) and
NETLOGON_CONTROL_TC_QUERY (6, what ``nltest /sc_query`` sends) are answered; the codes that act
on the service (REPLICATE, SYNCHRONIZE, PDC_REPLICATE, REDISCOVER — what ``rpcclient logonctrl2``
sends by default —, TRANSPORT_NOTIFY, CHANGE_PASSWORD, TC_VERIFY, FORCE_DNS_REG,
BACKUP_CHANGE_LOG, TRUNCATE_LOG, SET_DBFLAG, BREAKPOINT) need NETLOGON_CONTROL_ACCESS, which only
Administrators (and Account / Server Operators) hold: ERROR_ACCESS_DENIED (5) — for an
administrator too, the emulated server being read-only (as srvsvc/wkssvc refuse their
"change the server" calls); QUERY_DNS_REG (12) answers NETLOGON_INFO_1 on a DC and
ERROR_NOT_SUPPORTED elsewhere (only DCs register DC records); FIND_USER (8, NetrLogonControl2 /
2Ex) answers administrators NERR_UserNotFound (no trusted domain holds the account, control.py);
any other code is
ERROR_NOT_SUPPORTED (50).  The level rules: NetrLogonControl takes level 1 only (2 →
ERROR_NOT_SUPPORTED, higher → ERROR_INVALID_LEVEL, MS-NRPC 3.5.4.9.3), NetrLogonControl2 levels
1-3 (4 → ERROR_INVALID_LEVEL, 3.5.4.9.2), NetrLogonControl2Ex levels 1-4.

Every call asks the policy first through its call context (``ctx.decide(level=...)``; the
NetrLogonControl* levels are passed as the level) and returns its status when it refuses.  No
netlogon rule exists yet: everything is allowed to whoever reached the pipe (the pipe-open rules,
NullSessionPipes, already filtered anonymous callers).  The refusals this package makes itself
(no secure channel, no server challenge, the read-only control function codes) are recorded
with ``ctx.deny``, so the audit log names them.  Identity facts (role, names, the domain GUID
and SID) come from the profile and the directory.

Where MS-NRPC is silent, choices are tagged U in comments (what they follow is said there).

The package, one module per sub-area (each declares its operations on ``objects.INTERFACE``):
``types`` (NDR types and constants), ``objects`` (the interface, role and name helpers),
``secure_channel`` (challenge, authentication, the calls that need a secure channel),
``pass_through``, ``replication`` and ``rodc`` (the secure-channel calls with [in] unions),
``statuses`` (the calls answered with a status), ``control`` (NetrLogonControl*) and ``locator``
(DC location and trusts).
"""

from __future__ import annotations

# Importing the sub-area modules runs their @INTERFACE.operation decorators.
from . import control, locator, pass_through, replication, rodc, secure_channel, statuses  # noqa: F401
from .objects import INTERFACE, NOT_EMULATED, NOT_USED_ON_WIRE
from .types import (
    DEFAULT_SITE,
    DOMAIN_CONTROLLER_INFOW,
    NETLOGON_CONTROL_QUERY_INFORMATION,
    NETLOGON_TRUSTED_DOMAIN_ARRAY,
)

__all__ = ["INTERFACE", "NOT_EMULATED", "NOT_USED_ON_WIRE", "DOMAIN_CONTROLLER_INFOW",
           "NETLOGON_CONTROL_QUERY_INFORMATION", "NETLOGON_TRUSTED_DOMAIN_ARRAY",
           "DEFAULT_SITE"]
