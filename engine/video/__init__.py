"""Video: reading and writing video files (files), frame sources (webcam, file, image folder,
built-in demo clip), the one-slot latest-frame mailbox and the capture → inference → display
pipeline. Qt-free: the GUI polls the pipeline."""
