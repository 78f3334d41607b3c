"""The desktop app (Qt): window, results, preview, tray, hotkey, settings; drives finder.core."""
