// Package remind keeps the code of conduct in front of staff: on every working day each subscribed chat gets
// one message at its own time — 今日规范 (a clause of the code in force, rotating without repeats until all
// were shown, weighted toward the clauses most often found broken in confirmed spot-check reports of the last
// 30 days, with a one-line practical reading and a button to ask about it) and 每日一题 (a multiple-choice
// question built from the clauses, answered with buttons; each user's accuracy is kept).
//
// # Working days
//
// Working days follow China's calendar: weekends off, public holidays off, make-up working days (调休) on. The
// calendar is one data file per year (calendar/2026.txt, official; calendar/2027.txt, provisional until the
// State Council announces the year); admins store a new or corrected year with
//
//	conductbot remind calendar 2027.txt
//
// which overrides the shipped file. A year without a file falls back to Monday–Friday, with a warning in the
// log and to the configured admins (once across restarts and instances).
//
// # Delivery
//
// Every chat gets its reminder once per working day: (chat, day) is a row of the store, created when the
// chat's time has come, claimed under a lease by one scheduler (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: a
// write transaction), sent, and marked sent. A reminder due while the process was down goes out late the same
// day; nothing is sent at or after 21:00 (CONDUCTBOT_TZ), and a day's unsent reminders are never sent on
// another day. Sends are paced (25 a second overall, one a second per chat); a 429 pauses every send for its
// retry_after; a 403 (the user blocked the bot) unsubscribes the chat. On shutdown, sends under way finish and
// are recorded and claimed deliveries not yet sent are given back, so a restart neither repeats nor loses one.
// A process killed between Telegram's answer and the store's write may repeat that one message after the lease
// (5 minutes) ends: a reminder is never lost, and at most the messages in flight at a crash repeat.
//
// # Wiring (conductbot serve)
//
// cmd/conductbot/remind_bot.go plugs the reminders into serve and chat with addBotFeature. By hand:
//
//	rem, err := remind.New(remind.Config{Store: store, Code: engine, Asker: engine, Violations: counter,
//		Location: cfg.TimeZone, Admins: cfg.Admins, Log: log})
//	rem.Register(router)                      // before the transport starts: /remind /today /stats /calendar
//	sender, err := telegram.NewBroadcastSender(cfg.TelegramToken, cfg.TelegramAPIURL)
//	sched, err := rem.Scheduler(remind.SchedulerOptions{Sender: sender})
//	go sched.Run(ctx)                         // returns nil when ctx ends, after finishing sends under way
//
// Every instance runs a scheduler; on one PostgreSQL they share the work and each chat still gets one
// message a day. The Bot API's rate limit is the bot's, so with N instances give each Pacing.PerSecond 25/N
// (CONDUCTBOT_REMIND_RATE). The clock (Config.Clock) is injected: tests use testkit.NewRushingClock, whose sleeps take
// no wall time.
package remind
