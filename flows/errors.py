"""The project's error hierarchy. Stages raise these; only the CLI and flow hooks catch them."""

from __future__ import annotations

from typing import Any


class WenshuError(Exception):
    """Base class: every message says what went wrong and what to do."""


class ConfigurationError(WenshuError):
    """A setting, URL or name is unusable."""


class UnsafeNameError(ConfigurationError):
    """A dataset, version, resource or document name could escape its folder."""


class SourceError(WenshuError):
    """An input (landing file, reference file) cannot be read."""


class StorageError(WenshuError):
    """The store or work area refused or failed an operation."""


class ValidationFailed(WenshuError):
    """A validation gate failed; ``report`` holds the full machine-readable result."""

    def __init__(self, message: str, report: dict[str, Any]):
        super().__init__(message)
        self.report = report


class PublishError(WenshuError):
    """A package could not be published (or verified) completely."""


class IntegrityError(PublishError):
    """A published file does not match its recorded size or sha256."""
