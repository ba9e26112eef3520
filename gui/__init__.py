"""MobileNet Studio's PySide6 + pyqtgraph GUI. Talks to the engine through engine.api only."""
