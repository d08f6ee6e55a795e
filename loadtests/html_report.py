"""Placeholder replaced below."""
from __future__ import annotations
from typing import Any
def render(result: dict[str, Any], title: str) -> str:
    return "<html></html>"
