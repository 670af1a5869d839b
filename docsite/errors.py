"""The one error a build reports: what is wrong with its inputs and what to do."""


class DocsiteError(Exception):
    """Bad input (a report, a history file, missing generated docs, an option): the build writes nothing."""
