"""Text → lexical terms: CJK runs become character bigrams so FTS5 can match Chinese and Japanese."""

from __future__ import annotations

import re
import unicodedata

# CJK ideographs, kana, hangul and CJK punctuation-free ranges; one character is one unit of meaning.
_CJK = (
    "\u3040-\u30ff"  # hiragana, katakana
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uf900-\ufaff"  # compatibility ideographs
    "\uac00-\ud7af"  # hangul syllables
    "\U00020000-\U0002ebef"  # extensions B–F
)
CJK_RUN = re.compile(f"[{_CJK}]+")
CJK_CHAR = re.compile(f"[{_CJK}]")
WORD = re.compile(r"\w+", re.UNICODE)

# Short English stop list: words that carry no meaning for search and make OR queries slow.
STOPWORDS = frozenset(
    """a an and are as at be been but by can could did do does for from had has have how i if in
    into is it its me my no not of on or our should so than that the their them then there these
    they this those to too was we were what when where which while who whom why will with would
    you your yours about all any also some such via just only own same each other more most very
    way want need find file files document documents show tell get use using used""".split()
)
# Chinese function words and filler that dominate bigram postings.
ZH_STOP_BIGRAMS = frozenset(
    "一个 什么 怎么 如何 哪个 哪些 这个 那个 我们 你们 他们 可以 需要 进行 的是 是一 一下 是否 以及 或者"
    " 有关 关于 用于 使用 通过 所有 没有 如果 因为 所以 时候 的文 文件 怎样".split()
)
ZH_STOP_CHARS = frozenset("的了是在和与或及把被给对也都就而并这那我你他她它们吗呢吧啊个之")


def normalise(text: str) -> str:
    """Fold width and compatibility forms (full-width Latin, ligatures) and case."""
    return unicodedata.normalize("NFKC", text).lower()


def has_cjk(text: str) -> bool:
    return CJK_CHAR.search(text) is not None


def _bigrams(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def index_text(text: str) -> str:
    """The form of ``text`` stored in FTS5: CJK runs replaced by space-separated bigrams."""
    text = normalise(text)
    if not has_cjk(text):
        return text
    return CJK_RUN.sub(lambda m: " " + " ".join(_bigrams(m.group())) + " ", text)


def query_terms(query: str) -> list[str]:
    """Meaningful terms of a natural-language query, in order, without duplicates.

    English words lose stop words; CJK runs become bigrams minus function-word bigrams.
    The porter stemmer inside FTS5 handles inflections, so terms stay as typed.
    """
    text = normalise(query)
    terms: list[str] = []
    seen: set[str] = set()

    def add(term: str) -> None:
        if term and term not in seen:
            seen.add(term)
            terms.append(term)

    pos = 0
    for match in CJK_RUN.finditer(text):
        for word in WORD.findall(text[pos : match.start()]):
            if word not in STOPWORDS:
                add(word)
        run = match.group()
        for gram in _bigrams(run):
            if gram in ZH_STOP_BIGRAMS:
                continue
            if len(gram) == 2 and gram[0] in ZH_STOP_CHARS and gram[1] in ZH_STOP_CHARS:
                continue
            add(gram)
        pos = match.end()
    for word in WORD.findall(text[pos:]):
        if word not in STOPWORDS:
            add(word)
    if not terms:  # a query of only stop words: search them anyway
        for word in WORD.findall(text):
            add(word)
        for match in CJK_RUN.finditer(text):
            for gram in _bigrams(match.group()):
                add(gram)
    return terms


def fts_quote(term: str) -> str:
    """Quote one term for an FTS5 MATCH expression."""
    return '"' + term.replace('"', '""') + '"'


def highlight_terms(query: str) -> list[str]:
    """Strings to highlight in snippets: English words and CJK runs of the query."""
    text = normalise(query)
    out: list[str] = []
    for word in WORD.findall(CJK_RUN.sub(" ", text)):
        if word not in STOPWORDS and len(word) > 1:
            out.append(word)
    for match in CJK_RUN.finditer(text):
        out.extend(g for g in _bigrams(match.group()) if g not in ZH_STOP_BIGRAMS)
    return out
