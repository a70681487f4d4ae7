"""The Data API's exceptions, as the service model names them; each knows its HTTP status and the extra
members its shape carries (``ResourceId``, ``StatementId``)."""

from __future__ import annotations


class DataApiFault(Exception):
    """An error answer: ``{"__type": <name>, "message": ..., <extra members>}`` with ``status``."""

    status = 400

    def __init__(self, message: str, **members: str) -> None:
        super().__init__(message)
        self.message = message
        self.members = members

    @property
    def type_name(self) -> str:
        return type(self).__name__

    def body(self) -> dict[str, str]:
        return {"__type": self.type_name, "message": self.message, **self.members}


class ValidationException(DataApiFault):
    pass


class ResourceNotFoundException(DataApiFault):
    def __init__(self, message: str, resource_id: str) -> None:
        super().__init__(message, ResourceId=resource_id)


class ActiveStatementsExceededException(DataApiFault):
    pass


class ActiveSessionsExceededException(DataApiFault):
    pass


class ExecuteStatementException(DataApiFault):
    status = 500

    def __init__(self, message: str, statement_id: str) -> None:
        super().__init__(message, StatementId=statement_id)


class BatchExecuteStatementException(ExecuteStatementException):
    pass


class DatabaseConnectionException(DataApiFault):
    status = 500


class InternalServerException(DataApiFault):
    status = 500


class UnknownOperationException(DataApiFault):
    """Not in the model: what AWS answers for an ``X-Amz-Target`` it does not serve."""


class MissingAuthenticationTokenException(DataApiFault):
    """Not in the model: AWS's answer to a request that is not signed with SigV4."""

    status = 403
