"""What an import changed, as data: the page shows it, the CLI prints it, and other modules' hooks act on it
(post-loan warnings for newly overdue loans; collection cases later)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

# Loan numbers listed per category in the stored summary; the counts are always complete.
LISTED = 200


@dataclass
class ImportSummary:
    as_of: date
    rows: int
    unchanged: int = 0
    new_loans: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    newly_overdue: list[str] = field(default_factory=list)
    repaid: list[str] = field(default_factory=list)
    written_off: list[str] = field(default_factory=list)
    manager_changed: list[tuple[str, int, int]] = field(default_factory=list)  # number, old, new manager id
    ids: dict[str, int] = field(default_factory=dict)  # loan number -> id, for every new or changed loan

    def loan_ids(self, numbers: list[str]) -> list[int]:
        return [self.ids[number] for number in numbers if number in self.ids]

    def counts(self) -> dict[str, int]:
        return {"rows": self.rows, "unchanged": self.unchanged, "new_loans": len(self.new_loans),
                "changed": len(self.changed), "newly_overdue": len(self.newly_overdue), "repaid": len(self.repaid),
                "written_off": len(self.written_off), "manager_changed": len(self.manager_changed)}

    def as_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "counts": self.counts(),
            "new_loans": self.new_loans[:LISTED],
            "newly_overdue": self.newly_overdue[:LISTED],
            "repaid": self.repaid[:LISTED],
            "written_off": self.written_off[:LISTED],
            "manager_changed": [list(item) for item in self.manager_changed[:LISTED]],
        }
