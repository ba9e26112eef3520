"""Video: reading and writing video files (files), frame sources and the one factory that opens
them from a SourceSpec (sources: webcam, file, image folder, built-in demo clip), the one-slot
latest-frame mailbox, the capture → inference → display pipeline, its status records (stats)
and its recorder (recording). Qt-free: the GUI polls the pipeline."""
