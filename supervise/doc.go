// Package supervise is the supervisors' capability (issue 5): the review of spot-check reports, rectification
// (整改) of what they find, window scores for the monthly evaluation with the ±5 adjustment (part 三 of the code),
// charts and exports.
//
// # Review
//
// /reports lists reports with filters (window, month of the visit, state) and pages of PageSize, with buttons;
// a report is named by its window and visit (暗访报告 · 3号窗口 不动产登记 · 11月3日上午), its ID only a reference
// line, and its problems are counted the same in the list and the report (every finding, from the checklist or
// the description). A report opens with its checklist answers, findings with the text of the clauses they
// break, notes, photos (sent on request), the inspector's own words and supplements, and its history — whole:
// a long report is paged (上一页/下一页), never cut, and a value of several lines is indented under its label. A supervisor confirms a
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
// with what they changed and optional photos (re-encoded like the reports' photos) — a draft kept as the chat's
// state (bot.StateStore: in the store, so it survives restarts) for 7 days, offered again by /rectify and by the
// request's button, and said to be kept; the supervisor accepts
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
// supervisor records with a reason (/adjust, or the button under /stats, whose form keeps a figure typed
// without its reason as a draft across restarts, shown again by /adjust): both are kept, every decision a new
// revision; a suggestion whose parts add to more than ±5 says it was capped (合计 −7，按上限计 −5). /stats [month] sends a PNG chart (Chart: windows' compliance this month and last, the
// most-violated clauses; Chinese drawn with the embedded font subset of fonts/) and a text summary, with a
// button for the export (also /export [month]): an XLSX workbook (sheets 窗口得分与调整, 暗访报告, 检查项, 整改) and the same as CSV
// files, also written by `conductbot export --month 2026-11`. The reminders' figures (Options.AfterStats) are of
// the last 30 days, so they follow /stats of the current month only; another month's says where to find them.
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
