// Package inspect is the spot-check (暗访) capability: inspectors, invited with one-time codes, visit windows as
// ordinary applicants and file reports in the chat against a checklist built from the code's clauses; the
// reports wait for supervisors' review (issue 5) in the states 待审核 / 已确认 / 已驳回 / 整改中 / 已整改.
//
// # Anonymity
//
// The threat is anyone — window staff, supervisors, whoever later reads the database or the logs — wanting to
// know which inspector filed a report. The package keeps these rules (DESIGN.md, "Anonymity of spot-check
// reports"), and the tests of both stores prove each one:
//
//   - A Report holds no Telegram user ID, username, name or chat ID, nor anything derived from them. The
//     inspector registry (Inspector, keyed by user ID, shown by a neutral label) has no link to reports, and
//     filing a report never writes to it.
//   - Report, finding-photo and draft IDs are random (NewID); no table of reports has a sequence.
//   - A report keeps the visit's date and half-day and the date it was filed (Date, no instant); supplements and
//     state changes keep dates too.
//   - The inspector follows up with a random receipt code (NewReceipt); only its SHA-256 is stored.
//   - Photos are decoded and re-encoded (Reencode) before they are stored: EXIF (GPS, device, time) and every
//     other metadata segment are gone.
//   - Log lines around filing carry no user identity, and no report ID either: a log line's timestamp next to
//     a report ID would be the instant of submission the report itself does not keep.
//   - The draft of a report lives in the bot's per-chat state (it must survive restarts) under a random draft
//     ID; its photos are stored under that draft ID, never the chat. Submitting or cancelling deletes the
//     state; the report gets a new random ID and keeps nothing of the draft.
//   - Supervisors are notified through an outbox with no timestamps; the notification carries the report's
//     content and nothing about who filed it, and can be held back to a fixed time of day (Release) so that its
//     timing does not point to the visit. Several instances claim outbox rows with a lease: the row records only
//     the claiming instance's random ID, and the lease's expiry lives in notifier_leases, one row per instance,
//     naming no report and deleted as soon as the instance holds nothing.
//   - A receipt or invite code sent without its command is taken as /status or /join (codeGuard), so that it
//     never reaches the question log (which, for other users, keeps questions with the asker's user ID).
//
// What this package cannot close on its own, outside its tables: the bot's users table (bot_users) records
// every user, inspectors included (the bot does not refresh an inspector's last-seen time, and does not log an
// inspector's questions); PostgreSQL stamps every row with the ID of the transaction that wrote it (xmin), which
// orders a report among the other writes of the day. SQLite runs with PRAGMA secure_delete, so a deleted draft
// does not linger in free pages.
package inspect
