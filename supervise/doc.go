// Package supervise is the supervisors' capability (issue 5): the review of spot-check reports, rectification
// (整改) of what they find, window scores for the monthly evaluation with the ±5 adjustment (part 三 of the code),
// charts and exports.
//
// # Review
//
// /reports lists reports with filters (window, month of the visit, state) and pages of PageSize, with buttons.
// A report opens with its checklist answers, findings with the text of the clauses they break, notes, photos
// (sent on request), the inspector's own words and supplements, and its history. A supervisor confirms a
// pending report or rejects it with a required reason, which the inspector reads through their receipt code
// (inspect's /status); a rejected report can be reopened. Only confirmed reports (已确认, 整改中, 已整改: Counted)
// count in scores.
//
// # Rectification
//
// For a finding of a confirmed report, a supervisor requires rectification with a deadline in working days
// (DefaultRectifyDays, or 3/10/15) counted on China's working-day calendar (workday.Calendar: public holidays
// and make-up working days, 调休), the report moving to 整改中. Each window's responsible person (窗口负责人,
// registered by an admin with /heads) is notified with the problem, the clause and the deadline; they answer
// with what they changed and optional photos (re-encoded like the reports' photos); the supervisor accepts
// (the report moves to 已整改 when its last rectification is accepted) or sends it back with a reason and a new
// deadline. Overdue rectifications are listed in /rectify and re-notified every working day (Run). Every step
// is kept (RectEvent).
//
// # Scores
//
// Per window and month (of the visit date, a day of CONDUCTBOT_TZ): compliance = weighted passed items ÷
// weighted observed items over the month's confirmed reports (未观察 excluded), the critical items answered 不符合,
// violations per clause (the reports whose findings break it), the change against the previous month; a
// suggested adjustment from the Scale (documented there; CONDUCTBOT_SCORE_SCALE), and the final figure a
// supervisor records with a reason (/adjust, or the button under /stats): both are kept, every decision a new
// revision. /stats [month] sends a PNG chart (Chart: windows' compliance this month and last, the
// most-violated clauses; Chinese drawn with the embedded font subset of fonts/) and a text summary, with a
// button for the export: an XLSX workbook (sheets 窗口得分与调整, 暗访报告, 检查项, 整改) and the same as CSV
// files, also written by `conductbot export --month 2026-11`.
//
// # Access
//
// Every path checks the role on the server, whatever buttons a client shows: reports, scores, adjustments and
// exports need bot.Supervisor (admins hold it too) at the router and again in the handler; /heads needs
// bot.Admin; a rectification's buttons for window staff check that the presser is the responsible person of
// that window; inspectors keep seeing only their own reports through receipt codes (package inspect).
//
// # Anonymity
//
// Nothing shown here identifies an inspector: reports keep nothing that could (package inspect), and the review
// screens do not even show the day a report was filed. What a window's responsible person is shown of a
// rectification leaves out the visit's day and half-day, the inspector's notes, description and photos, so that
// the window cannot work out who the visitor was: it names the problem, the clauses, the day rectification was
// required and the deadline. The store's tables (migrations 030_supervise.sql, 031_supervise_tallies.sql) name
// window heads, never inspectors.
package supervise
