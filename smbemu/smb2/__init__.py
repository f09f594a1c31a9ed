"""SMB2: constants, the header, and one module per command; `dispatch.COMMANDS` ties them together.

Kept empty so that `smbemu.smb2.constants` can be imported without loading every command.
"""
