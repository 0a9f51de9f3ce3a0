"""Text to topic: clean, find the need, gather evidence (names, words, meaning), fuse, decide."""
from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Sequence

import numpy as np

from bot.i18n import detect_language
from bot.messages import Why
from bot.understanding import calibration as cal
from bot.understanding.decision import Candidate, Decision, Verdict
from bot.understanding.glossary import spanish_to_english
from bot.understanding.meaning import MeaningIndex
from bot.understanding.model import MODEL_CHARS
from bot.understanding.names import MatchKind, TopicIndex
from bot.understanding.need import Need, find_need, names_elsewhere, owns_unknown, private_life
from bot.understanding.text import fold
from bot.understanding.vocabulary import content_words
from bot.understanding.words import TopicDocument, WordIndex, WordScores

_LOGGER = logging.getLogger(__name__)
_TYPO_WORDS = 5  # a typo of a whole name is looked for in questions up to this many words
_CONNECTORS = re.compile(r"\s(?:and|y|e|of|de)\s")  # "helth and safty" is "Health & Safety"
_SHORT_WORDS = 20  # a message up to this many words is a question, read whole for guards
_SENTENCES = 6  # sentences of a long message read one by one by the model
_PHRASE_WORDS = 4  # names and aliases are looked for as runs of up to this many words ...
_PHRASE_WORDS_READ = 80  # ... in the first and last words of the subject and of the context


class Directory:
    """Everything understanding needs about the live topics; indexes are built on first need."""

    def __init__(self, documents: Sequence[TopicDocument], names: TopicIndex,
                 meaning: Callable[["Directory"], MeaningIndex | None] | None = None) -> None:
        self.documents = {d.topic_id: d for d in documents}
        self.order = list(documents)
        self.position = {d.topic_id: i for i, d in enumerate(self.order)}
        self.taught = _taught(self.order)
        self.names = names
        self._meaning_factory = meaning
        self._words: WordIndex | None = None
        self._meaning: MeaningIndex | None = None
        self._meaning_tried = False
        self._words_lock = threading.Lock()
        self._meaning_lock = threading.Lock()  # apart: a slow model load must not hold up word lookups

    @property
    def words(self) -> WordIndex:
        with self._words_lock:
            if self._words is None:
                self._words = WordIndex(self.order)
            return self._words

    @property
    def meaning(self) -> MeaningIndex | None:
        with self._meaning_lock:
            if not self._meaning_tried and self._meaning_factory is not None:
                self._meaning_tried = True
                try:
                    self._meaning = self._meaning_factory(self)
                except Exception:  # a store error, a bad stored vector: answer on words for now
                    _LOGGER.exception("could not build the meaning index; answering on words and names")
            return self._meaning

    def warm(self) -> None:
        self.names.warm()
        _ = self.words, self.meaning


def understand(message: str, directory: Directory) -> Decision:
    """The one entry point: what the message asks for, as sure / close call / nothing."""
    need = find_need(message)
    if not need.query or not directory.order:
        return Decision(Verdict.nothing, query=need.query)
    named = _named(need, directory)
    if named is not None:
        return Decision(Verdict.sure, (named,), need.query)
    return _weigh(need, directory)


def _taught(documents: Sequence[TopicDocument]) -> dict[str, tuple[int, str]]:
    """Each taught phrasing (folded) that belongs to exactly one topic: (topic id, as taught)."""
    owners: dict[str, dict[int, str]] = {}
    for doc in documents:
        for example in doc.taught:
            owners.setdefault(fold(example), {})[doc.topic_id] = example
    return {key: next(iter(found.items())) for key, found in owners.items() if len(found) == 1}


def _named(need: Need, directory: Directory) -> Candidate | None:
    """The whole question is a topic's name or alias (up to case, accents, plurals, a typo), or
    else a phrasing taught for one topic. Names come first: teaching cannot take a name over."""
    short = len(need.query.split()) <= _TYPO_WORDS
    for query in dict.fromkeys((need.query, _CONNECTORS.sub(" ", f" {need.query} ").strip())):
        found = directory.names.whole(query, typos=short)  # a name of any length, typos in short ones
        if found is not None:
            kind = "typo" if found.kind is MatchKind.fuzzy else ("alias" if found.via_alias else "name")
            return Candidate(found.topic_id, 1.0, Why(kind, found.matched), {"name": 1.0})
    for key in dict.fromkeys((fold(need.text), need.query)):
        if key in directory.taught:
            topic_id, taught = directory.taught[key]
            return Candidate(topic_id, 1.0, Why("example", taught), {"example": 1.0})
    return None


def evidence(need: Need, directory: Directory) -> tuple[WordScores, dict[str, np.ndarray]]:
    """Each kind of evidence for every topic: words explained, names said, closeness in meaning."""
    head, tail = content_words(need.head), content_words(need.tail)
    bridge = spanish_to_english() if detect_language(need.text, "en") == "es" else None
    words = directory.words.score(head + tail, [1.0] * len(head) + [cal.TAIL_EMPHASIS] * len(tail), bridge)
    found = {"phrase": _phrases(need, directory),
             "elsewhere": np.full(len(directory.order), float(names_elsewhere(need.text, directory.words.known)),
                                  dtype=np.float32),
             "mine": np.full(len(directory.order), float(_short(need) and owns_unknown(need.text, directory.words.known)),
                             dtype=np.float32)}
    meaning = directory.meaning
    if meaning is None:
        return words, found
    texts = [_ends(need.text)]
    if need.tail:
        texts.append(need.head)
    sentences = _first_and_last(need.sentences) if need.long else []
    rest = _rest(words, directory)
    extra = [rest] if rest else []
    scores, parts, off_work = meaning.scores_many(texts + sentences + extra)
    found.update(_outside(scores[-1], float(off_work[-1])) if rest else _outside(scores[0], float(off_work[0])))
    scores = scores[:len(scores) - len(extra)]
    found.update(full=scores[0], head=scores[1] if need.tail else scores[0], part=parts)
    found["sentence"] = scores[len(texts):].max(axis=0) if sentences else scores[0]
    found["off_work"] = np.full_like(scores[0], off_work[0] - scores[0].max())
    return words, found


def _short(need: Need) -> bool:
    """A question, not a chatty message (whose asides say "my weekend"), however many sentences."""
    return len(need.text.split()) <= _SHORT_WORDS


def _rest(words: WordScores, directory: Directory) -> str:
    """The question's words that the topic explaining most of them leaves unexplained ("catering at
    my sister's wedding": the wedding); empty when it explains none or all of them."""
    if not len(words.scores) or float(words.scores.max()) <= 0:
        return ""
    best = int(directory.words.topic_ids[int(np.argmax(words.scores))])
    explained = {h.word for h in directory.words.hits(words.words, best, directory.documents, words.stems)}
    rest = [w for w in words.words if w not in explained]
    return " ".join(rest) if len(rest) < len(words.words) else ""


def _outside(scores: np.ndarray, off_work: float) -> dict[str, np.ndarray]:
    """Where the rest of the question sits: near some topic, or nearer private life than any topic."""
    best = float(scores.max())
    spread = max(float(scores.std()), cal.SPREAD_FLOOR)
    return {"rest_best": np.full_like(scores, best), "rest_off": np.full_like(scores, off_work - best),
            "rest_z": np.full_like(scores, (best - float(scores.mean())) / spread)}


def _ends(text: str) -> str:
    """What the model reads of a long text: its start and its end (the ask is often last)."""
    half = MODEL_CHARS // 2
    return text if len(text) <= MODEL_CHARS else f"{text[:half]} … {text[-half:]}"


def _first_and_last(sentences: Sequence[str]) -> list[str]:
    """The sentences of a long message read one by one: the first few and the last few."""
    half = _SENTENCES // 2
    chosen = list(sentences) if len(sentences) <= _SENTENCES else [*sentences[:half], *sentences[-half:]]
    return list(dict.fromkeys(chosen))


def _phrases(need: Need, directory: Directory) -> np.ndarray:
    """1 for a topic whose name or alias is said in the subject, a little for one said in the context."""
    said = np.zeros(len(directory.order), dtype=np.float32)
    for text, weight in ((need.tail, cal.TAIL_EMPHASIS), (need.head, 1.0)):
        words = text.split()
        if len(words) > _PHRASE_WORDS_READ:  # the start and the end of a long message
            words = words[: _PHRASE_WORDS_READ // 2] + words[-_PHRASE_WORDS_READ // 2:]
        for size in range(min(_PHRASE_WORDS, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                topic_id = directory.names.exact(" ".join(words[start:start + size]))
                if topic_id is not None and topic_id in directory.position:
                    said[directory.position[topic_id]] = weight
    return said


def _weigh(need: Need, directory: Directory) -> Decision:
    words, meaning = evidence(need, directory)
    private = private_life(need.text)
    features = cal.features(words, meaning, private)
    ranked = cal.rank(features)
    top = _top(ranked, cal.SHORTLIST)
    sure = cal.certainty(cal.decide_features(ranked, top, features))
    likely = cal.within(cal.within_features(ranked, top, features, sure)) if len(top) else 0.0
    candidates = tuple(_candidate(int(i), ranked, features, words, directory) for i in top)
    semantic = "full" in meaning
    stands_out = float(features["full"][top[0]]) if semantic and len(top) else 0.0
    explained = [float(features["words"][i]) for i in top]
    ranks = [float(ranked[i]) for i in top]
    outside = private or bool(features["mine"][0])  # private life, or a thing of the asker's own no topic knows
    verdict = cal.verdict(sure, semantic, words.known, stands_out, outside, likely, cal.tied(explained) > 1)
    offered = (cal.likely_count if verdict is Verdict.likely else cal.choices)(ranks, explained)
    return Decision(verdict, candidates, need.query, semantic, sure, likely, offered)


def _top(values: np.ndarray, count: int) -> np.ndarray:
    if len(values) > count:
        part = np.argpartition(-values, count)[:count]
        return part[np.argsort(-values[part], kind="stable")]
    return np.argsort(-values, kind="stable")


def _candidate(position: int, confidence: np.ndarray, features: dict[str, np.ndarray], words: WordScores,
               directory: Directory) -> Candidate:
    topic_id = int(directory.words.topic_ids[position])
    evidence = {name: float(values[position]) for name, values in features.items()}
    return Candidate(topic_id, float(confidence[position]), _why(topic_id, words, evidence, directory), evidence)


def _why(topic_id: int, words: WordScores, evidence: dict[str, float], directory: Directory) -> Why:
    hits = directory.words.hits(words.words, topic_id, directory.documents, words.stems)
    if hits and evidence["words"] >= cal.WORDS_EXPLAIN:
        field = hits[0].field
        if field == "parent":
            return Why("parent", directory.documents[topic_id].parent)
        return Why(field, " ".join(h.word for h in hits if h.field == field))
    return Why("meaning")
