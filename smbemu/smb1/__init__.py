"""SMB1 (the NT LM 0.12 dialect of MS-CIFS, with the MS-SMB extensions) for the profiles whose
Windows spoke it: the engine (`engine.Smb1Engine`), one module per command, layouts declared
once (`layouts/`). Sans-I/O like `smbemu.smb2`: messages in, messages out."""
