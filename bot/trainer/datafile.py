"""Writes accepted examples into data/nlu/{en,sv}.yml, keeping formatting and comments.

ruamel.yaml round-trips the file (comments, quoting, indentation, the literal
``examples: |`` blocks); a new example is one more ``- text`` line at the end of its
intent's block, in the file of its language.  Refused: an example already in the
training data (any file, the generated catalogue.yml included) under the same or another
intent, one in the held-out test set (it would no longer be held out), masked personal
data, personal data masking missed (bot/privacy.personal_number_problem: the files are in
git), and texts Rasa would read as something else (entity markup, a /payload).
"""
from __future__ import annotations

import contextlib
import fcntl
import io
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.scalarstring import LiteralScalarString

from bot.catalogue.intents import FALLBACK_INTENT
from bot.privacy import personal_number_problem
from bot.trainer.project import Project
from bot.trainer.text import contains_mask, normalise, one_line

LANGUAGES = ("en", "sv")
GENERATED = "catalogue.yml"
MAX_EXAMPLE_CHARS = 300
_ENTITY_MARKUP = re.compile(r"\]\s*[({]")


class ExampleRefused(ValueError):
    """Why an example cannot be added (the message is meant for the trainer)."""


@dataclass(frozen=True)
class Added:
    text: str
    intent: str
    language: str
    path: Path


def _yaml() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 100_000  # never fold a long line
    return yaml


def _indentation(source: str) -> Tuple[int, int]:
    """(sequence indent, offset) of the file's ``- intent:`` items."""
    match = re.search(r"^( *)- intent:", source, re.M)
    offset = len(match.group(1)) if match else 0
    return offset + 2, offset


def block_examples(block: str) -> List[str]:
    return [line.strip()[2:].strip() for line in str(block).splitlines()
            if line.strip().startswith("- ")]


def _parse_examples(path: Path) -> List[Tuple[str, str]]:
    document = _yaml().load(path.read_text(encoding="utf-8")) or {}
    return [(str(item["intent"]), text) for item in document.get("nlu") or []
            if "intent" in item and "examples" in item for text in block_examples(item["examples"])]


# Parsed files by (path, inode, size, mtime): the NLU inbox reads every file on each
# request, and the round-trip YAML parser was half of its time.  A write replaces the
# file (a new inode and mtime), so a changed file is always parsed again.
_PARSED: Dict[Tuple[str, int, int, int], List[Tuple[str, str]]] = {}


def read_examples(folder: Path) -> Iterator[Tuple[str, str, Path]]:
    """(intent, text, file) for every example of every NLU file in ``folder``."""
    for path in sorted(folder.glob("*.yml")):
        stat = path.stat()
        key = (str(path.resolve()), stat.st_ino, stat.st_size, stat.st_mtime_ns)
        if key not in _PARSED:
            if len(_PARSED) > 64:
                _PARSED.clear()
            _PARSED[key] = _parse_examples(path)
        for intent, text in _PARSED[key]:
            yield intent, text, path


class TrainingData:
    def __init__(self, project: Project) -> None:
        self.project = project

    def index(self) -> Dict[str, Tuple[str, Path]]:
        """Every training example (normalised) with its intent and file."""
        return {normalise(text): (intent, path) for intent, text, path in read_examples(self.project.nlu_dir)}

    def held_out(self) -> Dict[str, str]:
        return {normalise(text): intent for intent, text, _ in read_examples(self.project.held_out_dir)}

    def known(self) -> set:
        """Normalised texts that need no inbox entry: in training or held-out data."""
        return set(self.index()) | set(self.held_out())

    def check(self, text: str, intent: str) -> str:
        """The example as it would be written, or ExampleRefused saying why not."""
        text = one_line(text)
        if not text:
            raise ExampleRefused("The example is empty.")
        if len(text) > MAX_EXAMPLE_CHARS:
            raise ExampleRefused(f"The example is longer than {MAX_EXAMPLE_CHARS} characters.")
        if contains_mask(text):
            raise ExampleRefused("The message contains masked personal data (like [e-mail]); "
                                 "masked text never becomes training data.")
        personal = personal_number_problem(text)
        if personal:
            raise ExampleRefused(f"The message may hold personal data: {personal}. Training data is "
                                 "kept in git: dismiss it, or add a wording with no such number.")
        if text.startswith("/") or _ENTITY_MARKUP.search(text):
            raise ExampleRefused("Rasa would read this text as a payload or entity markup.")
        intents = [i for i in self.project.intents() if i != FALLBACK_INTENT]
        if intent not in intents:
            raise ExampleRefused(f"Unknown intent {intent!r}: one of {', '.join(intents)}.")
        key = normalise(text)
        existing = self.index().get(key)
        if existing:
            owner, path = existing
            where = path.name
            if owner == intent:
                raise ExampleRefused(f"Already a training example of {intent} ({where}).")
            raise ExampleRefused(f"Another intent has this example: {owner} ({where}).")
        held = self.held_out().get(key)
        if held:
            raise ExampleRefused(f"This text is in the held-out test set ({held}); "
                                 "training on it would spoil the evaluation.")
        return text

    @contextlib.contextmanager
    def _locked(self):
        self.project.var_dir.mkdir(parents=True, exist_ok=True)
        with open(self.project.var_dir / "trainer-data.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def add(self, text: str, intent: str, language: str) -> Added:
        """Appends the example to its intent's block in data/nlu/<language>.yml."""
        if language not in LANGUAGES:
            raise ExampleRefused(f"The language is one of {', '.join(LANGUAGES)}.")
        with self._locked():
            text = self.check(text, intent)
            path = self.project.nlu_dir / f"{language}.yml"
            source = path.read_text(encoding="utf-8")
            updated = append_example(source, intent, text)
            _write_atomically(path, updated)
        return Added(text, intent, language, path)


def append_example(source: str, intent: str, text: str) -> str:
    """``source`` (an NLU file) with ``- text`` appended to ``intent``'s examples."""
    yaml = _yaml()
    sequence, offset = _indentation(source)
    yaml.indent(mapping=2, sequence=sequence, offset=offset)
    document = yaml.load(source)
    untouched = io.StringIO()
    yaml.dump(document, untouched)
    if untouched.getvalue() != source:
        # The file has a form ruamel.yaml would change: refuse rather than reformat it.
        raise ExampleRefused("The training file would not round-trip unchanged; add the example by hand.")
    items = document.setdefault("nlu", [])
    block = next((item for item in items if item.get("intent") == intent and "examples" in item), None)
    line = f"- {text}\n"
    if block is None:
        block = CommentedMap([("intent", intent), ("examples", LiteralScalarString(line))])
        items.append(block)
    else:
        examples = str(block["examples"])
        if examples and not examples.endswith("\n"):
            examples += "\n"
        block["examples"] = LiteralScalarString(examples + line)
    output = io.StringIO()
    yaml.dump(document, output)
    result = output.getvalue()
    check = _yaml().load(result)
    written = [i for i in check["nlu"] if i.get("intent") == intent]
    if not any(text in block_examples(i["examples"]) for i in written):
        raise ExampleRefused("The example did not survive writing; nothing was changed.")
    return result


def _write_atomically(path: Path, content: str) -> None:
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=str(path.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
        os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def language_of(text: str, fallback: Optional[str] = None) -> str:
    from bot.nlu.language import detect_language

    return detect_language(text) or (fallback if fallback in LANGUAGES else None) or "en"
