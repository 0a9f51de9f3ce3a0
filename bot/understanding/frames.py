"""Question frames in English and Spanish: what is peeled off to leave the topic words."""
from __future__ import annotations

import re

from bot.understanding.text import fold

_GREETING = r"(?:(?:hey|hi|hello|hola|buenas|buenos dias|please|por favor|pocbot|poc bot)\s+)*"
# "can you tell me who ...", "¿sabes quién ...": a polite way in, before the frame itself
_POLITE = (
    r"(?:(?:(?:can|could|would)\s+(?:you|someone|anyone)\s+(?:please\s+)?tell\s+me|do\s+you\s+know|"
    r"does\s+(?:anyone|anybody|someone)\s+know|(?:anyone|anybody)\s+know|any\s+idea|i\s+(?:d|would)\s+like\s+to\s+know|"
    r"i\s+(?:m|am|was)\s+wondering|me\s+(?:puedes|podeis|podrias)\s+decir|sabes|sabeis|alguien\s+sabe)\s+)?"
)
_ROLE = (
    r"(?:poc|pocs|point of contact|points of contact|contact person|contact|owner|"
    r"go to person|go to|person|expert|lead|responsible|right person|best person)"
)
_FRAMES = [
    # English
    rf"who(?:s| s| is| are)?\s+(?:the\s+|our\s+|a\s+)?{_ROLE}\s+(?:for|of|on|about|regarding|behind|in charge of)",
    r"who(?:s| s| is)?\s+(?:responsible for|in charge of)",
    r"who\s+(?:owns|handles|manages|runs|covers|maintains|looks after|takes care of|deals with|"
    r"knows about|is handling|is on|can help with|can help me with|does)",
    r"(?:who|whom)\s+(?:do|should|can|could|would)\s+(?:i|we)\s+(?:talk|speak|ask|contact|reach out|"
    r"go|turn|write|email|ping|message|call)(?:\s+to)?\s+(?:about|for|regarding|re|on|with)",
    r"(?:i need|i need to talk to|looking for)\s+(?:the\s+|a\s+|someone for\s+|someone about\s+)?"
    rf"(?:{_ROLE}\s+(?:for|of|on|about)\s*)?",
    r"(?:(?:can you|could you)\s+)?help(?:\s+me)?\s+with",
    r"(?:i|we)\s+(?:need|want|would like|d like)\s+(?:some\s+)?help\s+(?:with|on|for)",
    rf"(?:the\s+)?{_ROLE}\s+(?:for|of|on|about)",
    r"(?:poc|pocs|point of contact)",
    # Spanish (accents are folded away before matching)
    r"quien(?:es)?\s+(?:es|son)\s+(?:el|la|los|las)\s+(?:punto de contacto|puntos de contacto|"
    r"responsable|responsables|contacto|encargado|encargada|poc|referente|duena|dueno)\s+"
    r"(?:para|de|del|sobre|en)",
    r"quien\s+(?:lleva|gestiona|maneja|lleva el tema de|se encarga de|se ocupa de|sabe de|sabe sobre|"
    r"lleva lo de|ve|atiende)",
    r"con\s+quien\s+(?:hablo|puedo hablar|debo hablar|tengo que hablar|hablamos|trato)\s+"
    r"(?:sobre|de|para|acerca de|por)",
    r"a\s+quien\s+(?:pregunto|le pregunto|contacto|escribo|acudo)\s+(?:sobre|por|para|de|acerca de)",
    r"a\s+quien\s+(?:le\s+|les\s+|se\s+lo\s+|se\s+la\s+|se\s+los\s+|se\s+las\s+)?"
    r"(?:mando|envio|pido|aviso|llamo|escribo|entrego|reporto|doy|paso|comunico|notifico|digo)",
    r"necesito\s+ayuda\s+(?:con|para|sobre)",
    # "a question about X", "need someone from legal": the topic follows
    r"(?:(?:i\s+have\s+|got\s+)?(?:a\s+)?(?:quick\s+)?question\s+(?:about|on|regarding|re|for))",
    r"(?:(?:i\s+)?need\s+(?:someone|somebody|a person)\s+(?:from|in|at|for|on))",
    r"(?:(?:tengo\s+)?una\s+(?:pregunta|duda)\s+(?:sobre|de|acerca de))",
    r"(?:necesito\s+(?:a\s+)?(?:alguien|una persona)\s+(?:de|del|en))",
    r"(?:punto de contacto|contacto|responsable)\s+(?:para|de|del|sobre)",
]
FRAME = re.compile(rf"^{_GREETING}{_POLITE}(?:{'|'.join(_FRAMES)})(?:\s+|$)", re.IGNORECASE)
_LEADING_FILLER = re.compile(r"^(?:the|our|my|a|an|el|la|los|las|lo|un|una|mi|nuestro|nuestra)\s+")
_TRAILING_FILLER = re.compile(
    r"\s+(?:please|pls|thanks|thank you|por favor|gracias|here|now|today|at acme|aqui|ahora|"
    r"poc|contact|point of contact|contacto|who s the contact|who is the contact)$"
)

# A question asked after its topic ("payslips, who do I ask?"): only asking words follow "who".
_ASKING_WORDS = frozenset(
    "who whom s is are the a an our contact poc pocs person right best do does did i we you should would could can "
    "ask tell talk speak to go contact ping email write reach out that this it be for about with help me us handles "
    "handle deals responsible in charge of knows know anyone anybody someone please pls thanks "
    "quien a con le les se lo la los las me nos pido pregunto hablo aviso llamo escribo acudo mando da dan otra otro "
    "puede pueden ayudar ayuda es el encarga sabe de esto eso por favor gracias".split()
)
_TRAILING_ASK = re.compile(r"\s(?:who|whom|quien)\b")


def _without_trailing_ask(folded: str) -> str:
    for found in reversed(list(_TRAILING_ASK.finditer(folded))):
        rest = folded[found.start():].split()
        if all(word in _ASKING_WORDS for word in rest):
            head = re.sub(r"\s(?:a|con|y|and|so|then)$", "", folded[:found.start()])
            return head.strip() if head.strip() else folded
    return folded


def topic_query(question: str) -> str:
    """Strip the question around the topic: 'who is the POC for travel?' -> 'travel'."""
    folded = fold(question)
    previous = None
    while previous != folded:  # "hi, who is the poc for ..." peels in steps
        previous = folded
        folded = FRAME.sub("", folded, count=1)
        folded = _LEADING_FILLER.sub("", folded)
        folded = _TRAILING_FILLER.sub("", folded)
        folded = _without_trailing_ask(folded)
    return folded.strip()
