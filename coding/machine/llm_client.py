"""Talking to an OpenAI-compatible chat-completions endpoint (llama.cpp server, Ollama, vLLM, a hosted API).

One function, :func:`chat`: POST ``{"model", "messages", "temperature": 0}``
(plus ``response_format: json_object`` when the endpoint takes it) to
``.../v1/chat/completions`` and return ``choices[0].message.content`` with
the raw body, the latency and the attempts it took.  The standard library's
:mod:`urllib` does the HTTP (no new dependency); every request has a
timeout, and timeouts, refused connections, HTTP 429 and 5xx answers are
tried again a limited number of times with a short backoff.  Anything else
(HTTP 4xx, a body that is not a chat completion) fails at once.  Every
failure is an :class:`EndpointError` that says what happened and where.

An API key is never stored: :class:`Endpoint` holds the *name* of the
environment variable that holds it, read at each call.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from dazi.errors import DaziError, ValidationError

__all__ = ["Endpoint", "EndpointError", "Reply", "chat", "chat_url"]

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: HTTP statuses worth another try (the server is busy or failed for a moment).
_RETRY_STATUS = {408, 429, 500, 502, 503, 504}


class EndpointError(DaziError):
    """The model server could not be reached, failed, or answered something that is not a chat completion."""


def chat_url(url: str) -> str:
    """The chat-completions address of ``url``: a base (``http://host:8080``, ``.../v1``) or the full address.

    >>> chat_url("http://127.0.0.1:8080")
    'http://127.0.0.1:8080/v1/chat/completions'
    >>> chat_url("https://api.example.com/v1/")
    'https://api.example.com/v1/chat/completions'
    >>> chat_url("http://localhost:11434/v1/chat/completions")
    'http://localhost:11434/v1/chat/completions'
    """
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(f"Not an http(s) address of a model server: {url!r}",
                              "Give the server's address, e.g. http://127.0.0.1:8080/v1 (llama.cpp), "
                              "http://127.0.0.1:11434/v1 (Ollama) or https://api.openai.com/v1.")
    if parts.query or parts.fragment:
        raise ValidationError(f"The model server's address has a query or fragment: {url!r}",
                              "Give the address without '?...' or '#...'.")
    path = parts.path.rstrip("/")
    if not path.endswith("/chat/completions"):
        path = (path if path.endswith("/v1") else path + "/v1") + "/chat/completions"
    return f"{parts.scheme}://{parts.netloc}{path}"


@dataclass(frozen=True)
class Endpoint:
    """Where a language-model coder is and how to ask it.

    Attributes
    ----------
    url : str
        The chat-completions address (see :func:`chat_url`).
    model : str
        The model name the server knows (``qwen2.5:7b``, ``gpt-4o-mini`` ...).
    api_key_env : str, optional
        The environment variable holding the API key, sent as ``Authorization: Bearer``.
    timeout : float
        Seconds to wait for the server (to connect, and between bytes of the answer).
    retries : int
        Further tries after a timeout, a refused connection, HTTP 429 or 5xx.
    json_mode : bool
        Send ``response_format: {"type": "json_object"}`` (turn off for servers that refuse it).
    """

    url: str
    model: str
    api_key_env: str | None = None
    timeout: float = 60.0
    retries: int = 2
    json_mode: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "url", chat_url(self.url))
        if not (self.model or "").strip():
            raise ValidationError("No model name given for the endpoint.",
                                  "Pass the name the server knows, e.g. --model qwen2.5:7b.")
        if self.api_key_env is not None and not _ENV_NAME.match(self.api_key_env):
            raise ValidationError(f"Not the name of an environment variable: {self.api_key_env!r}",
                                  "Pass the variable's name (e.g. OPENAI_API_KEY), never the key itself.")
        if not 0 < float(self.timeout) <= 3600:
            raise ValidationError(f"A timeout of {self.timeout} s is out of range.", "Use 1 to 3600 seconds.")
        if not 0 <= int(self.retries) <= 10:
            raise ValidationError(f"{self.retries} retries is out of range.", "Use 0 to 10.")

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def is_local(self) -> bool:
        """The server is this computer (a loopback address or ``localhost``)."""
        host = self.host
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    def destination(self) -> str:
        """Where post text goes, in plain words (shown before any call)."""
        if self.is_local:
            return (f"Post text will be sent to {self.url} (model {self.model}): a server on this computer, "
                    "so it does not leave the machine.")
        return (f"Post text will be sent to {self.url} (model {self.model}) on {self.host}: it LEAVES this "
                "machine, and that server's owner can read and keep it.")

    def to_settings(self) -> dict[str, Any]:
        return {"endpoint": self.url, "model": self.model, "api_key_env": self.api_key_env,
                "timeout": float(self.timeout), "retries": int(self.retries), "json_mode": bool(self.json_mode)}

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> Endpoint:
        return cls(settings["endpoint"], settings["model"], settings.get("api_key_env"),
                   float(settings.get("timeout", 60.0)), int(settings.get("retries", 2)),
                   bool(settings.get("json_mode", True)))


@dataclass(frozen=True)
class Reply:
    """A chat completion: the message's text, the raw HTTP body, latency in ms and tries."""

    content: str
    raw: str
    latency_ms: float
    attempts: int


def _excerpt(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit] + "..."


def _headers(endpoint: Endpoint) -> dict[str, str]:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if endpoint.api_key_env:
        key = os.environ.get(endpoint.api_key_env)
        if not key:
            raise EndpointError(f"The environment variable {endpoint.api_key_env} (the API key of "
                                f"{endpoint.url}) is not set. Nothing was sent.",
                                f"Set it before running: export {endpoint.api_key_env}=...")
        headers["Authorization"] = f"Bearer {key}"
    return headers


def _content(endpoint: Endpoint, body: str) -> str:
    try:
        data = json.loads(body)
        content = data["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise EndpointError(f"The model server at {endpoint.url} answered something that is not a chat "
                            f"completion (no choices[0].message.content): {_excerpt(body)!r}",
                            "Check that the address is an OpenAI-compatible /v1/chat/completions endpoint.") from None
    if not isinstance(content, str):
        raise EndpointError(f"The model server at {endpoint.url} answered a message without text: {_excerpt(body)!r}")
    return content


def chat(endpoint: Endpoint, messages: list[dict[str, str]], *,
         sleep: Callable[[float], None] = time.sleep) -> Reply:
    """Send ``messages`` at temperature 0 and return the reply (see the module docstring).

    Raises
    ------
    EndpointError
        The server timed out or refused the connection on every try, answered
        an HTTP error, or answered something that is not a chat completion.
    """
    payload: dict[str, Any] = {"model": endpoint.model, "messages": messages, "temperature": 0}
    if endpoint.json_mode:
        payload["response_format"] = {"type": "json_object"}
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    headers = _headers(endpoint)
    tries = int(endpoint.retries) + 1
    problem = ""
    for attempt in range(1, tries + 1):
        request = urllib.request.Request(endpoint.url, data=data, headers=headers, method="POST")
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=endpoint.timeout) as response:  # noqa: S310 - http(s) only
                body = response.read().decode("utf-8", errors="replace")
        except urllib.error.HTTPError as exc:
            text = exc.read().decode("utf-8", errors="replace") if exc.fp else ""
            problem = f"answered HTTP {exc.code} {exc.reason}: {_excerpt(text)!r}"
            if exc.code not in _RETRY_STATUS:
                hint = ("Check the API key's environment variable." if exc.code in (401, 403) else
                        "Check the address and the model name (dazi model llm NAME --endpoint ... --model ...).")
                raise EndpointError(f"The model server at {endpoint.url} {problem}", hint) from None
        except TimeoutError:
            problem = f"did not answer within {endpoint.timeout:g} s"
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError):
                problem = f"did not answer within {endpoint.timeout:g} s"
            else:
                problem = f"could not be reached ({reason})"
        except (ConnectionError, OSError) as exc:
            problem = f"dropped the connection ({exc})"
        else:
            latency = (time.perf_counter() - started) * 1000
            return Reply(_content(endpoint, body), body, latency, attempt)
        if attempt < tries:
            sleep(min(0.5 * 2 ** (attempt - 1), 8.0))
    raise EndpointError(f"The model server at {endpoint.url} {problem} ({tries} tries).",
                        "Check that the server is running and reachable, or raise --timeout / --retries.")
