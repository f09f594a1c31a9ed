"""Authentication: SPNEGO (RFC 4178 / MS-SPNG) and the server side of NTLMSSP (MS-NLMP).

The split follows pyspnego's: ``ntlm_messages`` (wire formats), ``ntlm_crypto`` (pure functions
named after MS-NLMP's), ``ntlm`` (the acceptor state machine and session security), ``spnego``
(the DER tokens wrapped around NTLM in SMB2 SESSION_SETUP and DCE/RPC auth type 9).
"""
