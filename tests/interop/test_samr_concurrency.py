"""Issue 16, concurrency: two clients changing the same account at the same time see consistent
results -- no lost update.  Each client (impacket over SMB, its own connection and handles) sets
a different attribute of the same user and adds its own members to the same alias, many times,
interleaved; every change of both is there at the end.  (The server runs every connection in one
event-loop thread and a change is one synchronous call, and a handle is answered from the account
as it is now -- `lookup_handle` -- never from the copy it was opened with.)"""

from __future__ import annotations

import threading
from typing import Any

from helpers import HOST, ServerThread, corp_rid

ROUNDS = 15  # corp.yaml has 30 ordinary users (alice and after): one new member per round and client
ALICE = corp_rid("alice", "dc")  # the DC's domain RID of the first of them


def _client(port: int) -> tuple[Any, Any, Any]:
    from impacket.dcerpc.v5 import samr, transport  # type: ignore[import-untyped]

    rpc = transport.SMBTransport(HOST, port, r"\samr", username="Administrator", password="Adm!n2003", domain="CORP")
    dce = rpc.get_dce_rpc()
    dce.connect()
    dce.bind(samr.MSRPC_UUID_SAMR)
    server = samr.hSamrConnect(dce)["ServerHandle"]
    sid = samr.hSamrLookupDomainInSamServer(dce, server, "CORP")["DomainId"]
    domain = samr.hSamrOpenDomain(dce, server, samr.MAXIMUM_ALLOWED, sid)["DomainHandle"]
    return samr, dce, domain


def test_two_clients_change_the_same_account_without_losing_an_update() -> None:
    with ServerThread("win2016-dc") as server:
        samr, dce, domain = _client(server.port)
        alias = samr.hSamrCreateAliasInDomain(dce, domain, "Shared", samr.MAXIMUM_ALLOWED)["RelativeId"]
        errors: list[BaseException] = []
        user_sids = [str(u.sid) for u in server.config.directory.users if u.rid >= ALICE][:2 * ROUNDS]

        def work(which: int) -> None:
            try:
                samr_, dce_, domain_ = _client(server.port)
                user = samr_.hSamrOpenUser(dce_, domain_, samr_.MAXIMUM_ALLOWED, ALICE)["UserHandle"]
                group = samr_.hSamrOpenAlias(dce_, domain_, samr_.MAXIMUM_ALLOWED, alias)["AliasHandle"]
                for n in range(ROUNDS):
                    buffer = samr_.SAMPR_USER_INFO_BUFFER()
                    if which == 0:
                        buffer["tag"] = samr_.USER_INFORMATION_CLASS.UserAdminCommentInformation
                        buffer["AdminComment"]["AdminComment"] = f"comment {n}"
                    else:
                        buffer["tag"] = samr_.USER_INFORMATION_CLASS.UserFullNameInformation
                        buffer["FullName"]["FullName"] = f"Alice {n}"
                    samr_.hSamrSetInformationUser2(dce_, user, buffer)
                    from impacket.dcerpc.v5.dtypes import RPC_SID  # type: ignore[import-untyped]

                    member = RPC_SID()
                    member.fromCanonical(user_sids[2 * n + which])
                    samr_.hSamrAddMemberToAlias(dce_, group, member)
                dce_.disconnect()
            except BaseException as error:  # reported to the test
                errors.append(error)

        threads = [threading.Thread(target=work, args=(which,)) for which in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert not errors, errors
        alice = server.config.directory.find_user("alice")
        assert (alice.description, alice.full_name) == (f"comment {ROUNDS - 1}", f"Alice {ROUNDS - 1}")
        members = {str(s) for s in server.config.directory.account_domain.alias(alias).members}
        assert members == set(user_sids), len(members)
