package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/bot/telegram"
	"github.com/conductbot/conductbot/remind"
	"github.com/conductbot/conductbot/supervise"
)

// Settings of supervision read from the environment (see README):
//
//	CONDUCTBOT_SCORE_SCALE     the scale of suggested adjustments (supervise.ParseScale), e.g.
//	                           "98=+3 95=+2 90=+1 85=0 80=-1 70=-2 60=-3 0=-4 critical=-1 trend=5:1 min=1" (the default)
//	CONDUCTBOT_RECTIFY_DAYS    working days to rectify a finding (default 5)
//	CONDUCTBOT_RECTIFY_REMIND  HH:MM on working days overdue rectifications are re-notified (default 09:00)
//	CONDUCTBOT_REPORT_CHAT     the group chat supervisors are told in (shared with the spot-check notifications)
const (
	envScoreScale    = "CONDUCTBOT_SCORE_SCALE"
	envRectifyDays   = "CONDUCTBOT_RECTIFY_DAYS"
	envRectifyRemind = "CONDUCTBOT_RECTIFY_REMIND"
	envSuperviseChat = "CONDUCTBOT_REPORT_CHAT"
)

// The feature is registered from this file, whose name sorts after remind_bot.go: the reminders' /stats is
// registered first, and supervision's scores then answer to /scores (supervise.Service.Register).
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

// Run implements botRunner. In `conductbot chat` it does nothing: a terminal session must not remind real users.
func (f *superviseFeature) Run(ctx context.Context, out bot.Transport) error {
	if _, ok := out.(*telegram.Client); !ok {
		<-ctx.Done()
		return nil
	}
	return f.svc.Run(ctx, out)
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
		Location: m.Config.TimeZone, Now: m.Now, Log: m.Log}
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
	}
	if v := strings.TrimSpace(os.Getenv(envSuperviseChat)); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id == 0 {
			return nil, fmt.Errorf("%s=%q: want a Telegram chat ID", envSuperviseChat, v)
		}
		o.NotifyChat = id
	}
	sc, err := supervise.ParseScale(os.Getenv(envScoreScale))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", envScoreScale, err)
	}
	o.Scale = sc
	if v := strings.TrimSpace(os.Getenv(envRectifyDays)); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 60 {
			return nil, fmt.Errorf("%s=%q: want working days, 1 to 60", envRectifyDays, v)
		}
		o.RectifyDays = n
	}
	if v := strings.TrimSpace(os.Getenv(envRectifyRemind)); v != "" {
		t, err := time.Parse("15:04", v)
		if err != nil || t.Hour() == 0 && t.Minute() == 0 {
			return nil, fmt.Errorf("%s=%q: want HH:MM after midnight", envRectifyRemind, v)
		}
		o.RemindAt = t.Hour()*60 + t.Minute()
	}
	return supervise.New(o)
}
