"""What the server answered when it refused a call: the one helper the operation tests share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError


def refused(action: Callable[[], Any]) -> tuple[str, str]:
    """(error code, message) of the ClientError `action` must raise."""
    with pytest.raises(ClientError) as caught:
        action()
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]
