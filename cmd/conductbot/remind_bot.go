package main

import (
	"context"
	"sync"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/bot/telegram"
	"github.com/conductbot/conductbot/remind"
	"github.com/conductbot/conductbot/workday"
)

func init() {
	addBotFeature("remind", func(ctx context.Context, m *Main) (botCapability, error) {
		rem, err := m.openRemind(ctx)
		if err != nil {
			return nil, err
		}
		return &remindFeature{m: m, rem: rem, pacing: m.remindPacing()}, nil
	})
}

// remindFeature plugs the reminders into `serve` and `chat`: their commands and buttons always, the scheduler
// only on Telegram. It is also the program's calendar in force (the shipped years with those admins stored).
type remindFeature struct {
	m      *Main
	rem    *remind.Reminders
	pacing remind.Pacing

	once  sync.Once
	sched *remind.Scheduler
	err   error
}

// Calendar implements calendarSource: the calendar the daily jobs run on.
func (f *remindFeature) Calendar(ctx context.Context) (*workday.Calendar, error) {
	return f.rem.Calendar(ctx)
}

// DailyJobs implements dailyCapability: the calendar notices to admins, on Telegram only.
func (f *remindFeature) DailyJobs(out bot.Transport) []workday.Job {
	sched, err := f.scheduler(out)
	if err != nil || sched == nil {
		return nil
	}
	return sched.DailyJobs()
}

// scheduler is the reminders' scheduler on out, made once; nil in `conductbot chat`.
func (f *remindFeature) scheduler(out bot.Transport) (*remind.Scheduler, error) {
	if _, ok := out.(*telegram.Client); !ok {
		return nil, nil
	}
	f.once.Do(func() {
		var sender remind.Sender = out
		if s, err := telegram.NewBroadcastSender(f.m.Config.TelegramToken, f.m.Config.TelegramAPIURL); err == nil {
			sender = s
		} else {
			f.m.Log.Warn("remind: sending through the bot's client", "error", err)
		}
		f.sched, f.err = f.rem.Scheduler(remind.SchedulerOptions{Sender: sender, Pacing: f.pacing})
	})
	return f.sched, f.err
}

// Register implements botCapability.
func (f *remindFeature) Register(rt *bot.Router) { f.rem.Register(rt) }

// Run implements botRunner: on Telegram it runs the scheduler until ctx ends. It sends through a client of its
// own (pooled connections, no retries of its own, so the scheduler's pacing and retry_after pauses govern).
// In `conductbot chat` it does nothing: a terminal session must not take real users' deliveries.
func (f *remindFeature) Run(ctx context.Context, out bot.Transport) error {
	sched, err := f.scheduler(out)
	if err != nil {
		return err
	}
	if sched == nil {
		<-ctx.Done()
		return nil
	}
	return sched.Run(ctx)
}
