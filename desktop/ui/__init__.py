"""The Qt layer. Only this package (and the entry point) imports PySide6."""
