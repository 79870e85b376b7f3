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
//   - The draft of a report lives in the bot's per-chat state (it must survive restarts), sealed with AES-256-GCM
//     under a key kept outside the database and the data directory (Options.SealKey, CONDUCTBOT_SEAL_KEY_FILE),
//     bound to its chat and kind. The state row is keyed not by the chat but by its keyed pseudonym
//     (bot.ChatPseudonym under the same key, bot.Request.StateChat): the table of states names no chat. Sealed inside are the
//     answers, notes and description, the random draft ID its photos are stored under (so the chat→photo link
//     is sealed too; photo rows name the draft, never the chat), and, once 提交 was pressed, the report ID and
//     receipt code it files under. The supplement form's state (the report it is for) is sealed alike.
//   - Submitting is one transaction (ReportStore.Submit): the report, its outbox row, the draft's photos moved or
//     deleted, the draft's state deleted and the receipt put in its place, sealed (KindReceipt) until it was
//     sent — both under the chat's pseudonym, so the transaction writes and deletes no row naming the inspector. A 提交 repeated after a crash files under the same report ID, which the store files once; with the
//     draft gone, any update of the chat shows the waiting receipt, once. The SQLite store then checkpoints its
//     write-ahead log with TRUNCATE, so the frames of the draft's states leave the data directory.
//   - Supervisors are notified through an outbox with no timestamps; the notification carries the report's
//     content and nothing about who filed it, and by default goes out once a day at the release time
//     (DefaultRelease, 17:30; CONDUCTBOT_REPORT_RELEASE), the day's reports shuffled, so that its timing points
//     neither to the visit nor to the moment of filing; Release{Immediate: true} is an admin's explicit choice of
//     promptness over this. Several instances claim outbox rows with a lease: the row records only the claiming
//     instance's random ID, and the lease's expiry lives in notifier_leases, one row per instance, naming no
//     report and deleted as soon as the instance holds nothing.
//   - A receipt or invite code sent without its command is taken as /status or /join (codeGuard), so that it
//     never reaches the question log (which, for other users, keeps questions with the asker's user ID).
//
// # What an attacker learns
//
// With the database (a dump, a backup, PostgreSQL's files, a copy of the SQLite data directory with its
// write-ahead log, taken at any moment, replayed to any commit — TestNoLinkAtRestSQLite and
// TestNoLinkAtRestPostgres check every state, every raw page, every commit and every tuple's transaction
// stamps): who the inspectors are (the registry, and bot_users, which records every user); the reports with
// their content, days and photos; that some chat, under a pseudonym, has an open draft or a receipt waiting
// (the state's kind), when it was last changed and when it expires. Not which chat that is, nor which report
// a draft became: the content, draft ID, report ID and receipt are ciphertext, PostgreSQL's dead tuples of
// the draft included, and the rows the filing's transaction writes or deletes (PostgreSQL's xmin and xmax, a
// SQLite log copied between the filing's commit and its checkpoint) name a pseudonym, never the chat. What
// is left is timing across transactions: a copy of the log shows the order of commits, so when a single
// inspector was active it shows that the filing followed their /join or their last question. The bot does
// not log an inspector's questions nor refresh their last-seen time, which keeps such traces rare.
//
// With the data directory alone: the same as with the database; the key file is not in it (config refuses a
// key file inside the data directory).
//
// With the host (the key file too, or the running process's memory): the open drafts, waiting receipts and
// supplement forms of each chat, i.e. the link for reports in the making; each chat's pseudonym, and with it,
// until PostgreSQL vacuums or SQLite checkpoints, which chat's draft the filing's transaction deleted; and,
// watching as reports are filed, all of the above. The key does not reveal who filed a report whose draft and receipt are gone: nothing sealed
// remains of it. Rotating the key (replacing the file) makes every open draft unreadable; they are discarded.
//
// What this package cannot close on its own, outside its tables: the bot's users table (bot_users) records
// every user, inspectors included (the bot does not refresh an inspector's last-seen time, and does not log an
// inspector's questions); SQLite runs with PRAGMA secure_delete, so deleted rows do not linger in the database
// file's free pages, and the log is checkpointed after each filing and hourly.
package inspect
