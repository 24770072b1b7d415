"""Writes for registration: entrant profiles, entries and their lifecycle, batch import.

Every service: validate → lock → write → audit → on_commit for mail and tasks. The entry
status is written by ``contest.core.lifecycle.transition`` only, against ``Entry.lifecycle``.

The package re-exports every public name of its submodules, so callers keep writing
``services.<name>``: common (shared helpers), profiles, entries, lifecycle, notifications
(mail), duplicates (detection and its task), configuration (windows and eligibility rules), import_rows and
importing (the two phases of the batch import).
"""

from contest.registration.services.common import S, dump
from contest.registration.services.configuration import (
    clean_eligibility_rule,
    delete_eligibility_rule,
    save_eligibility_rule,
    set_registration_window,
)
from contest.registration.services.duplicates import (
    SUMMARY_DUPLICATE,
    TITLE_DUPLICATE,
    find_duplicates,
    record_duplicates,
)
from contest.registration.services.entries import (
    ENTRY_TEXT_FIELDS,
    MAX_LENGTHS,
    REQUIRED_ON_SUBMIT,
    clean_entry,
    create_entry,
    ensure_open,
    remove_image,
    update_entry,
    window_for,
)
from contest.registration.services.files import plan_identity_hits, submitted_sha256s
from contest.registration.services.import_rows import (
    ELIGIBILITY_COLUMN,
    ENTRY_IMPORT_COLUMNS,
    IMPORT_HEADERS,
    IMPORT_ROW_LIMIT,
    PLACEHOLDER_PREFIX,
    EntryImportReport,
    ImportedRow,
    ImportRefused,
    industry_from_cell,
)
from contest.registration.services.importing import import_entries
from contest.registration.services.lifecycle import (
    BulkResult,
    bulk_review,
    disqualify_entry,
    eligibility_failures,
    manifest_for,
    qualify_entry,
    record_submission,
    reopen_entry,
    return_entry,
    submit_entry,
    withdraw_entry,
)
from contest.registration.services.notifications import SUBJECTS
from contest.registration.services.profiles import (
    clean_enterprise,
    division_for_code,
    save_enterprise,
    save_team,
)

__all__ = [
    "ELIGIBILITY_COLUMN",
    "ENTRY_IMPORT_COLUMNS",
    "ENTRY_TEXT_FIELDS",
    "IMPORT_HEADERS",
    "IMPORT_ROW_LIMIT",
    "MAX_LENGTHS",
    "PLACEHOLDER_PREFIX",
    "REQUIRED_ON_SUBMIT",
    "SUBJECTS",
    "SUMMARY_DUPLICATE",
    "TITLE_DUPLICATE",
    "BulkResult",
    "EntryImportReport",
    "ImportRefused",
    "ImportedRow",
    "S",
    "bulk_review",
    "clean_eligibility_rule",
    "clean_enterprise",
    "clean_entry",
    "create_entry",
    "delete_eligibility_rule",
    "disqualify_entry",
    "division_for_code",
    "dump",
    "eligibility_failures",
    "ensure_open",
    "find_duplicates",
    "import_entries",
    "industry_from_cell",
    "manifest_for",
    "plan_identity_hits",
    "qualify_entry",
    "record_duplicates",
    "record_submission",
    "remove_image",
    "reopen_entry",
    "return_entry",
    "save_eligibility_rule",
    "save_enterprise",
    "save_team",
    "set_registration_window",
    "submit_entry",
    "submitted_sha256s",
    "update_entry",
    "window_for",
    "withdraw_entry",
]
