"""Commune report files in: read, validate, preview, write; and the template they start from.

The contract is `../shared/spec/reports-and-cli.md`. Each step is a module usable alone:

- `read`: bytes of a long CSV or a wide XLSX -> raw figures and file-level problems
  (encodings, separators, the bounds a spreadsheet bomb hits first);
- `validate`: each figure on its own, then together (plan checks, FY >= H1), and who may
  load it (scope, closed periods);
- `preview`: `prepare_import`, the dry run (`ImportPreview`), nothing written;
- `write`: `apply_import`, the preview in one transaction, all or nothing;
- `template`: the XLSX template communes fill in;
- `issues`: `ImportIssue` and the refusals, shared by all of them.

Callers import from here; the modules' private helpers stay theirs.
"""

from data_access.intake.issues import MAX_ISSUES, ImportConflict, ImportIssue, ImportRefused, ProgressCallback
from data_access.intake.preview import Change, ImportPreview, prepare_import, upload_limit_bytes
from data_access.intake.read import (
    MAX_CSV_ROWS,
    MAX_SHEET_CELLS,
    MAX_SHEET_COLUMNS,
    MAX_SHEET_ROWS,
    MAX_UNPACKED_BYTES,
    MAX_ZIP_PARTS,
    ParsedFile,
    RawFigure,
    decode_text,
    file_kind,
    read_report,
)
from data_access.intake.validate import Figure, fold_name, name_matches, parse_number
from data_access.intake.write import ImportResult, apply_import

__all__ = [
    "MAX_CSV_ROWS",
    "MAX_ISSUES",
    "MAX_SHEET_CELLS",
    "MAX_SHEET_COLUMNS",
    "MAX_SHEET_ROWS",
    "MAX_UNPACKED_BYTES",
    "MAX_ZIP_PARTS",
    "Change",
    "Figure",
    "ImportConflict",
    "ImportIssue",
    "ImportPreview",
    "ImportRefused",
    "ImportResult",
    "ParsedFile",
    "ProgressCallback",
    "RawFigure",
    "apply_import",
    "decode_text",
    "file_kind",
    "fold_name",
    "name_matches",
    "parse_number",
    "prepare_import",
    "read_report",
    "upload_limit_bytes",
]
