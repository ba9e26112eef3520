"""Video: reading and writing video files, frame sources, the latest-frame mailbox and the
live pipeline (one module each)."""
