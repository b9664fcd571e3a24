"""Where a workstation's files live inside its data folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

STORE_FILE = "cars.db"
VAULT_FILE = "vault.json"
JOURNAL_FILE = "unlock_journal.jsonl"


@dataclass(frozen=True)
class StoreLayout:
    """The files of one workstation store; everything but the vault and journal is encrypted."""

    data_dir: Path

    @property
    def database(self) -> Path:
        return self.data_dir / STORE_FILE

    @property
    def vault(self) -> Path:
        return self.data_dir / VAULT_FILE

    @property
    def journal(self) -> Path:
        return self.data_dir / JOURNAL_FILE

    def exists(self) -> bool:
        """A store is present if either of its two essential files is."""
        return self.vault.exists() or self.database.exists()

    def store_files(self) -> list[Path]:
        """The database and its SQLite side files, as far as they exist."""
        names = [STORE_FILE, STORE_FILE + "-wal", STORE_FILE + "-shm", STORE_FILE + "-journal"]
        return [self.data_dir / n for n in names if (self.data_dir / n).exists()]
