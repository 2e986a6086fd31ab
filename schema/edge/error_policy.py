"""Which errors a client sees as they are, which are masked, and how each is logged.

A client's mistake (a syntax or validation error, a variable that does not coerce, a refused
limit, a typed query error) is shown as it is, with an `extensions.code`, and logged at INFO in
one line per operation. Only bugs are masked ("Unexpected error.", `INTERNAL_SERVER_ERROR`) and
logged with their traceback. A bug is an error that carries an original exception and no code,
raised while executing a field (it has a path) or outside any place in the document.
"""

from __future__ import annotations

import logging

from graphql import GraphQLError, GraphQLSyntaxError
from graphql.validation.validate import ValidationAbortedError
from strawberry.extensions import MaskErrors
from strawberry.schema.exceptions import InvalidOperationTypeError

log = logging.getLogger("diptych.graphql")
MASKED = "Unexpected error."
MAX_MESSAGE = 500
TOO_COMPLEX_TO_VALIDATE = (
    "The document repeats fields in too many ways to validate them against each other; "
    "send fewer copies of the same field"
)


def is_bug(error: GraphQLError) -> bool:
    if (error.extensions or {}).get("code") or error.original_error is None:
        return False
    if isinstance(error.original_error, InvalidOperationTypeError):
        return False  # an operation the transport does not carry (a query over graphql-ws)
    return error.path is not None or not error.locations


def code_of(error: GraphQLError) -> str:
    """The error's code; request errors without one get the code GraphQL servers use for them."""
    code = (error.extensions or {}).get("code")
    if isinstance(code, str):
        return code
    if is_bug(error):
        return "INTERNAL_SERVER_ERROR"
    if isinstance(error, GraphQLSyntaxError):
        return "GRAPHQL_PARSE_FAILED"
    if isinstance(error, ValidationAbortedError):
        return "VALIDATION_TOO_COMPLEX"  # graphql-core's own budget for comparing fields
    if isinstance(error.original_error, InvalidOperationTypeError):
        return "BAD_REQUEST"
    if error.path is None and error.message.startswith("Variable "):
        return "BAD_USER_INPUT"  # a variable that does not coerce to its type
    if error.path is None:
        return "GRAPHQL_VALIDATION_FAILED"
    return "BAD_REQUEST"


class ErrorPolicy(MaskErrors):
    """strawberry's MaskErrors, masking bugs only and giving every error its code."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_bug, error_message=MASKED)

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        processed = []
        for error in errors:
            code = code_of(error)
            if is_bug(error):
                error = self.anonymise_error(error)
            elif (error.extensions or {}).get("code") == code:
                processed.append(error)
                continue
            message = TOO_COMPLEX_TO_VALIDATE if code == "VALIDATION_TOO_COMPLEX" else error.message
            processed.append(GraphQLError(
                _shortened(message), nodes=error.nodes, source=error.source,
                positions=error.positions, path=error.path,
                extensions={**(error.extensions or {}), "code": code},
            ))
        return processed


def _shortened(message: str) -> str:
    """A client's own 5,000-digit literal need not come back whole in the error."""
    return message if len(message) <= MAX_MESSAGE else message[:MAX_MESSAGE] + "..."


def log_errors(errors: list[GraphQLError]) -> None:
    """Bugs with their traceback; a client's mistakes in one INFO line per operation."""
    mistakes = []
    for error in errors:
        if is_bug(error):
            original = error.original_error
            log.error("unexpected error at %s: %s", error.path, error.message,
                      exc_info=(type(original), original, original.__traceback__)
                      if original is not None else None)
        else:
            mistakes.append(error)
    if mistakes:
        first = mistakes[0]
        more = f" (and {len(mistakes) - 1} more)" if len(mistakes) > 1 else ""
        log.info("refused: %s %s%s", code_of(first), first.message[:200], more)
