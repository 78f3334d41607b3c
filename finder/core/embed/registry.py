"""Provider registry: a name from the settings → the module that builds that provider.

Modules are imported lazily so that choosing the local model never imports httpx and the
CLI starts fast. Each module exposes ``create(settings, **kwargs) -> EmbeddingProvider``.
"""

from __future__ import annotations

import importlib
from typing import Any

from finder.core.config import Settings
from finder.core.embed.base import EmbeddingProvider
from finder.core.errors import ConfigError

# name → "module:function"; remote presets share the OpenAI-compatible module.
PROVIDERS: dict[str, str] = {
    "local": "finder.core.embed.local:create",
    "openai": "finder.core.embed.openai_compat:create",
    "openai-compatible": "finder.core.embed.openai_compat:create",
    "dashscope-compatible": "finder.core.embed.openai_compat:create",
    "zhipu": "finder.core.embed.openai_compat:create",
    "ollama": "finder.core.embed.openai_compat:create",
    "lmstudio": "finder.core.embed.openai_compat:create",
    "vllm": "finder.core.embed.openai_compat:create",
    "llamacpp": "finder.core.embed.openai_compat:create",
    "tei": "finder.core.embed.openai_compat:create",
    "infinity": "finder.core.embed.openai_compat:create",
    "gemini": "finder.core.embed.gemini:create",
    "dashscope": "finder.core.embed.dashscope:create",
}


def provider_names() -> list[str]:
    return list(PROVIDERS)


def create_provider(settings: Settings, **kwargs: Any) -> EmbeddingProvider:
    """Build the provider the settings select (cheap: models load on first use)."""
    target = PROVIDERS.get(settings.provider)
    if target is None:
        raise ConfigError(
            f"unknown embedding provider '{settings.provider}'; choose one of: {', '.join(PROVIDERS)}"
        )
    module_name, func_name = target.split(":")
    module = importlib.import_module(module_name)
    provider: EmbeddingProvider = getattr(module, func_name)(settings, **kwargs)
    return provider
