"""Where the trainer's files are: one project root (the repository, or a copy in tests)."""
from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

import yaml

from bot.settings import PROJECT_ROOT

# What a model's fingerprint covers besides config, domain and data: the code that shapes
# the model, and the pinned packages.
CODE_DIRS = ("bot/nlu", "bot/catalogue")
CODE_FILES = ("requirements.lock",)


@functools.lru_cache(maxsize=8)
def _domain_intents(path: str, mtime_ns: int, size: int) -> Tuple[str, ...]:
    """The intents of the domain file at ``path`` as it is at (``mtime_ns``, ``size``)."""
    domain = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return tuple(i if isinstance(i, str) else next(iter(i)) for i in domain.get("intents", []))


@dataclass(frozen=True)
class Project:
    root: Path = PROJECT_ROOT

    @property
    def config(self) -> Path:
        return self.root / "config.yml"

    @property
    def domain(self) -> Path:
        return self.root / "domain.yml"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def nlu_dir(self) -> Path:
        return self.root / "data" / "nlu"

    @property
    def held_out_dir(self) -> Path:
        return self.root / "tests" / "nlu"

    @property
    def models_dir(self) -> Path:
        return self.root / "models"

    @property
    def registry_dir(self) -> Path:
        return self.models_dir / "registry"

    @property
    def current_model(self) -> Path:
        return self.models_dir / "current.tar.gz"

    @property
    def fingerprint_file(self) -> Path:
        return self.models_dir / "current.fingerprint"

    @property
    def var_dir(self) -> Path:
        return self.root / "var"

    def intents(self) -> List[str]:
        """The domain's intents: the contract (README), what an example may be labelled.
        Read again only when the file changes (the NLU inbox lists them on every page)."""
        stat = self.domain.stat()
        return list(_domain_intents(str(self.domain), stat.st_mtime_ns, stat.st_size))

    def training_inputs(self, config: Optional[Path] = None) -> List[Path]:
        """What a model trained with ``config`` (default config.yml) depends on: when any
        of it changes, `make train` retrains.  The code is always the repository's (a
        test's copy of the project shares it)."""
        data = sorted(self.data_dir.rglob("*.yml"), key=lambda p: str(p.relative_to(self.root)))
        code = sorted(
            (p for d in CODE_DIRS for p in (PROJECT_ROOT / d).rglob("*")
             if p.is_file() and p.suffix in (".py", ".yml")),
            key=lambda p: str(p.relative_to(PROJECT_ROOT)),
        )
        return [config or self.config, self.domain, *data, *code,
                *(PROJECT_ROOT / f for f in CODE_FILES)]

    def fingerprint(self, config: Optional[Path] = None) -> str:
        """The one fingerprint of a model's inputs: `make train` (through ``python -m
        bot.ops.trainer fingerprint``) and the trainer's registry both use it."""
        digest = hashlib.sha256()
        for path in self.training_inputs(config):
            digest.update(path.read_bytes())
        return digest.hexdigest()[:16]

    def held_out_hash(self) -> str:
        """Identifies the held-out test set an evaluation was made on."""
        digest = hashlib.sha256()
        for path in sorted(self.held_out_dir.glob("*.yml")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        return digest.hexdigest()[:16]
