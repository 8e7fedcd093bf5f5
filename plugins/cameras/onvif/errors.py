"""Errors of the ONVIF client, and the mapping from library exceptions to them."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

import aiohttp
import zeep.exceptions

from onvif.exceptions import ONVIFAuthError, ONVIFError, ONVIFTimeoutError

_T = TypeVar("_T")

__all__ = ["OnvifAuthError", "OnvifError", "OnvifFault", "OnvifUnavailable", "guarded"]


class OnvifError(Exception):
    """The camera answered something unusable (SOAP fault, malformed XML)."""


class OnvifFault(OnvifError):
    """The camera answered a SOAP fault (it is alive; the call was refused or unsupported)."""


class OnvifAuthError(OnvifError):
    """The camera refused our credentials."""


class OnvifUnavailable(OnvifError):
    """The camera did not answer (connection refused, timeout)."""


def _is_auth_fault(fault: zeep.exceptions.Fault) -> bool:
    text = f"{fault.message} {fault.code} {getattr(fault, 'subcodes', '')}"
    return "NotAuthorized" in text or "not authorized" in text.lower()


async def guarded(awaitable: Awaitable[_T], what: str, timeout: float) -> _T:
    """Await a device call with a timeout; translate every failure into an OnvifError."""
    try:
        async with asyncio.timeout(timeout):
            return await awaitable
    except zeep.exceptions.Fault as err:
        if _is_auth_fault(err):
            raise OnvifAuthError(f"{what}: not authorized") from err
        raise OnvifFault(f"{what}: SOAP fault {err.message}") from err
    except (TimeoutError, ONVIFTimeoutError) as err:
        raise OnvifUnavailable(f"{what}: no answer within {timeout:g} s") from err
    except ONVIFAuthError as err:
        raise OnvifAuthError(f"{what}: not authorized") from err
    except aiohttp.ClientError as err:
        raise OnvifUnavailable(f"{what}: {type(err).__name__}: {err}") from err
    except (zeep.exceptions.Error, ONVIFError) as err:
        cause = err.__cause__ or err
        if isinstance(cause, aiohttp.ClientError | OSError):
            raise OnvifUnavailable(f"{what}: {cause}") from err
        raise OnvifError(f"{what}: {type(err).__name__}: {err}") from err
    except (ValueError, AttributeError, TypeError, KeyError, IndexError) as err:
        # zeep may hand back objects missing the fields a reply should have
        raise OnvifError(f"{what}: unexpected answer ({type(err).__name__}: {err})") from err
