"""SMB1 message layouts, each declared once (construct; the header also as one struct codec)."""
