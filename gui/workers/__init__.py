"""Background work for the GUI: nothing slow runs on the UI thread."""
