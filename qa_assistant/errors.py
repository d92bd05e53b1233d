"""Errors a user can act on.  Each message is one line naming the file, value or
setting at fault and what to do; the CLI prints it without a traceback and the
TUI shows it as a notification."""


class QAError(Exception):
    """Base of every error meant for the user."""


class IngestError(QAError):
    """One article file could not be read or has no text."""


class IndexMissingError(QAError):
    """No index at the given folder."""


class IndexCorruptError(QAError):
    """The index's files are damaged or disagree; the message names the recovery command."""


class IndexLockedError(QAError):
    """Another update of the same index is running."""


class EmbedderMismatchError(QAError):
    """The index was built with another embedding model."""


class ModelLoadError(QAError):
    """A model (embedder or GGUF) could not be found or loaded; the message names the setting."""


class DiskFullError(QAError):
    """The disk ran out of space while writing; the message names the folder and the space needed."""
