"""The project's own exceptions: each message names the bad value and the fix.

The CLI turns any `InspectionQAError` into one line on stderr and the exit code below.
"""

from __future__ import annotations


class InspectionQAError(Exception):
    """Base of every error a user can cause and fix."""

    exit_code = 1


class ConfigError(InspectionQAError):
    """A setting has a value that cannot work."""

    exit_code = 2


class UnknownNameError(ConfigError):
    """A registry was asked for a name it does not hold."""

    def __init__(self, what: str, name: str, valid: list[str]) -> None:
        super().__init__(f"unknown {what} {name!r}; choose one of: {', '.join(sorted(valid))}")


class UnreadableFileError(InspectionQAError):
    """A file could not be turned into text; ingestion skips it and goes on."""

    def __init__(self, path: object, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class ModelMismatchError(InspectionQAError):
    """The index was built with another embedding model than the one asked for."""

    exit_code = 2


class ModelLoadError(InspectionQAError):
    """The embedding model could not be loaded."""

    exit_code = 2


class IndexBusyError(InspectionQAError):
    """Another process holds the write lock on the data folder."""

    exit_code = 3


class NotFoundError(InspectionQAError):
    """A named document (or other item) does not exist in the index."""


class QuestionSetError(InspectionQAError):
    """A question set file is malformed; the message names file, line and field."""

    exit_code = 2


class BadQuestionLinesError(QuestionSetError):
    """Lines of a question set that cannot be read, all found in one pass so they can be fixed at once.

    `problems` holds (line number, what is wrong and how to fix it) for the first bad lines, at most
    as many as the loader reports; `count` is how many lines are bad in all. The message is one line
    (the CLI prints it as is): one bad line reads `FILE:LINE: why`, as it always has; several read
    `FILE: N bad lines (fix each, then try again): line 2: why; line 5: why; line 7: why; and 4 more`.
    """

    NAMED_IN_MESSAGE = 3

    def __init__(self, name: object, problems: list[tuple[int, str]], count: int | None = None) -> None:
        self.name = str(name)
        self.problems = list(problems)
        self.count = max(count or 0, len(self.problems))
        if self.count == 1:
            line, why = self.problems[0]
            message = f"{self.name}:{line}: {why}"
        else:
            named = "; ".join(f"line {line}: {why}" for line, why in self.problems[: self.NAMED_IN_MESSAGE])
            rest = self.count - min(len(self.problems), self.NAMED_IN_MESSAGE)
            message = (f"{self.name}: {self.count} bad lines (fix each, then try again): {named}"
                       + (f"; and {rest} more" if rest else ""))
        super().__init__(message)

    @property
    def lines(self) -> list[str]:
        """Each reported problem as `FILE:LINE: why`."""
        return [f"{self.name}:{line}: {why}" for line, why in self.problems]

    @property
    def unlisted(self) -> int:
        """Bad lines beyond those in `problems`."""
        return self.count - len(self.problems)


class CorruptIndexError(InspectionQAError):
    """The stored index is inconsistent or unreadable."""


class GenerationError(InspectionQAError):
    """The language model could not write an answer (server down, too slow, a reply that is not one).

    The service catches it and shows the extractive answer with `notice`; it never ends a question.
    """

    def __init__(self, server: str, reason: str) -> None:
        self.server = server
        self.reason = reason
        super().__init__(f"the language model at {server} gave no usable answer ({reason})")
