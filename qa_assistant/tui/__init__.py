"""The Textual chat.  Importing this package is cheap: the app lives in ``tui.app``."""
