"""What every aggregate's mutation types share: the interface of success payloads (which
aggregate, its new version, and a consistency token) and the `expectedVersion` input field."""

from __future__ import annotations

from typing import Self

import strawberry

from write.command_results import CommandResult

EXPECTED_VERSION = "Fail with VersionConflict unless the aggregate is at this version."
TOKEN = (
    "Pass to a query's `consistency` argument to read this write back: the query waits until "
    "the read side reflects it."
)


@strawberry.interface(description="The write side accepted and committed the command.")
class Accepted:
    id: strawberry.ID
    version: int = strawberry.field(description="The aggregate's version after the command.")
    consistency_token: str = strawberry.field(description=TOKEN)

    @classmethod
    def of(cls, result: CommandResult, token: str) -> Self:
        return cls(id=strawberry.ID(result.aggregate_id), version=result.version,
                   consistency_token=token)
