"""Every error a client sees carries a code, and nothing unexpected leaks.

`ApiErrors` is Strawberry's MaskErrors with two additions: an outage of the store is reported as
STORE_UNAVAILABLE (gateway.app answers it with HTTP 503), and every error without a code gets
one, as Apollo Server names them: GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED,
BAD_USER_INPUT (a variable or argument that does not coerce) or INTERNAL_SERVER_ERROR.
"""

from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import MaskErrors

from resolvers.store import is_unavailable

STORE_UNAVAILABLE = "STORE_UNAVAILABLE"
STORE_MESSAGE = "The data store is unavailable. Try again in a few seconds."


def code_of(error: GraphQLError) -> str:
    original = error.original_error
    if isinstance(error, GraphQLSyntaxError):
        return "GRAPHQL_PARSE_FAILED"
    if error.message.startswith("Variable '$") or isinstance(original, GraphQLError):
        return "BAD_USER_INPUT"
    if error.path is None and original is None:
        return "GRAPHQL_VALIDATION_FAILED"
    return "INTERNAL_SERVER_ERROR"


def with_code(error: GraphQLError) -> GraphQLError:
    if not (error.extensions or {}).get("code"):
        error.extensions = {**(error.extensions or {}), "code": code_of(error)}
    return error


class ApiErrors(MaskErrors):
    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        if is_unavailable(error.original_error):
            return GraphQLError(STORE_MESSAGE, nodes=error.nodes, path=error.path,
                                extensions={"code": STORE_UNAVAILABLE})
        return super().anonymise_error(error)

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return [with_code(error) for error in super()._process_errors(errors)]
