"""Which extractor reads which file: by suffix (case-insensitive) or by well-known file name."""

from __future__ import annotations

from pathlib import Path

from finder.core.extract.base import Extractor
from finder.core.extract.html import HtmlExtractor
from finder.core.extract.pdf import PdfExtractor
from finder.core.extract.text import MarkdownExtractor, TextExtractor


def _suffixes(words: str) -> frozenset[str]:
    return frozenset("." + word for word in words.split())


TEXT_SUFFIXES = _suffixes("txt text me nfo srt vtt adoc asciidoc org")
CODE_SUFFIXES = _suffixes("""
    py pyi pyw pyx js mjs cjs ts mts cts tsx jsx c h cpp hpp cc hh cxx hxx c++ inl ino cs fs fsx
    vb java kt kts groovy gradle go rs rb erb php sh bash zsh fish ksh ps1 psm1 bat cmd sql css
    scss sass less lua r pl pm swift m mm scala sc dart tex sty cls bib vue svelte astro hs lhs ml
    mli ex exs erl hrl clj cljs edn lisp el scm rkt jl nim zig v sv vhd vhdl asm s f f90 f95 pas
    d cr elm purs sol proto graphql gql tf hcl nix cmake mk mak make awk sed vim diff patch
    dockerfile j2 jinja tmpl tpl hbs mustache twig liquid pug ejs coffee ada adb ads cob cbl tcl gd
    glsl hlsl wgsl cu cuh qml
""")
DATA_SUFFIXES = _suffixes("""
    json jsonl ndjson json5 geojson ipynb yaml yml csv tsv toml ini cfg conf properties xml xsd
    xsl plist svg log
""")
MARKDOWN_SUFFIXES = _suffixes("md markdown mdown mkd mkdn mdx")
RST_SUFFIXES = _suffixes("rst rest")
HTML_SUFFIXES = _suffixes("html htm xhtml shtml")
PDF_SUFFIXES = _suffixes("pdf")

TEXT = TextExtractor("text", "text", TEXT_SUFFIXES)
CODE = TextExtractor("code", "code", CODE_SUFFIXES)
DATA = TextExtractor("data", "data", DATA_SUFFIXES)
RST = TextExtractor("rst", "rst", RST_SUFFIXES)
MARKDOWN = MarkdownExtractor(MARKDOWN_SUFFIXES)
HTML = HtmlExtractor(HTML_SUFFIXES)
PDF = PdfExtractor(PDF_SUFFIXES)

EXTRACTORS: tuple[Extractor, ...] = (TEXT, CODE, DATA, RST, MARKDOWN, HTML, PDF)

# suffix (lower case, with the dot) → extractor
REGISTRY: dict[str, Extractor] = {s: e for e in EXTRACTORS for s in e.suffixes}

# Files known by their whole name (lower case), usually without a suffix.
FILENAMES: dict[str, Extractor] = {
    **dict.fromkeys("""readme license licence copying changelog changes authors contributors
        contributing notice todo install news history thanks credits""".split(), TEXT),
    **dict.fromkeys("""makefile gnumakefile dockerfile containerfile jenkinsfile vagrantfile gemfile
        rakefile procfile justfile brewfile podfile cmakelists.txt .bashrc .bash_profile .zshrc
        .profile .vimrc .gitignore .gitattributes .dockerignore .editorconfig""".split(), CODE),
}

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(REGISTRY)


def extractor_for(path: Path) -> Extractor | None:
    """The extractor for ``path`` by its name, or None when we do not read that type."""
    name = path.name.lower()
    known = FILENAMES.get(name)
    if known is not None:
        return known
    if name.startswith(("dockerfile.", "makefile.")):
        return CODE
    suffix = path.suffix.lower()
    return REGISTRY.get(suffix) if suffix else None
