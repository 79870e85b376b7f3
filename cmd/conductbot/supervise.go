package main

import (
	"context"
	"fmt"
	"time"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/bot/telegram"
	"github.com/conductbot/conductbot/remind"
	"github.com/conductbot/conductbot/supervise"
	"github.com/conductbot/conductbot/workday"
)

// Supervision owns /stats; the reminders' quiz statistics follow its scores there (and are /quizstats alone).
func init() {
	addBotFeature("supervise", func(ctx context.Context, m *Main) (botCapability, error) {
		svc, err := m.openSupervise(ctx)
		if err != nil {
			return nil, err
		}
		return &superviseFeature{svc: svc}, nil
	})
}

// superviseFeature plugs supervision into `serve` and `chat`: its commands always, the daily re-notification of
// overdue rectifications only on Telegram.
type superviseFeature struct{ svc *supervise.Service }

// Register implements botCapability.
func (f *superviseFeature) Register(rt *bot.Router) { f.svc.Register(rt) }

// DailyJobs implements dailyCapability. In `conductbot chat` there are none: a terminal session must not remind
// real users.
func (f *superviseFeature) DailyJobs(out bot.Transport) []workday.Job {
	if _, ok := out.(*telegram.Client); !ok {
		return nil
	}
	return f.svc.DailyJobs(out)
}

// openSupervise builds supervision on the opened store (and the engine, when open, for the code in force).
func (m *Main) openSupervise(ctx context.Context) (*supervise.Service, error) {
	if err := m.OpenStore(ctx); err != nil {
		return nil, err
	}
	st, ok := m.Store.(supervise.Store)
	if !ok {
		return nil, fmt.Errorf("the store %T does not keep supervision", m.Store)
	}
	reps, ok := m.Store.(supervise.ReportStore)
	if !ok {
		return nil, fmt.Errorf("the store %T does not keep spot-check reports", m.Store)
	}
	o := supervise.Options{Store: st, Reports: reps, Code: m.Store, Versions: m.Store, Admins: m.Config.Admins,
		Location: m.Config.TimeZone, Clock: m.Clock, Log: m.Log}
	if m.Engine != nil {
		o.Code = m.Engine
	}
	if us, ok := m.Store.(bot.UserStore); ok {
		o.Users = us
	}
	if rs, ok := m.Store.(remind.Store); ok {
		// The reminders' calendar: the shipped years with the ones admins stored over them.
		rem, err := remind.New(remind.Config{Store: rs, Code: m.Store, Location: m.Config.TimeZone, Log: m.Log})
		if err != nil {
			return nil, err
		}
		o.Calendar = rem
		o.AfterStats = rem.QuizStats // /stats: the scores, then the daily question's participation
	}
	// CONDUCTBOT_REPORT_CHAT, CONDUCTBOT_SCORE_SCALE, CONDUCTBOT_RECTIFY_DAYS and CONDUCTBOT_RECTIFY_REMIND,
	// validated by config.
	c := m.Config
	o.NotifyChat = c.ReportChat
	sc, err := supervise.ParseScale(c.ScoreScale)
	if err != nil {
		return nil, fmt.Errorf("CONDUCTBOT_SCORE_SCALE: %w", err)
	}
	o.Scale = sc
	o.RectifyDays = c.RectifyDays
	if t, err := time.Parse("15:04", c.RectifyRemind); err == nil {
		o.RemindAt = t.Hour()*60 + t.Minute()
	}
	return supervise.New(o)
}
