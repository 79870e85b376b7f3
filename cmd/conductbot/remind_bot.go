package main

import (
	"context"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/bot/telegram"
	"github.com/conductbot/conductbot/remind"
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
// only on Telegram.
type remindFeature struct {
	m      *Main
	rem    *remind.Reminders
	pacing remind.Pacing
}

// Register implements botCapability.
func (f *remindFeature) Register(rt *bot.Router) { f.rem.Register(rt) }

// Run implements botRunner: on Telegram it runs the scheduler until ctx ends. It sends through a client of its
// own (pooled connections, no retries of its own, so the scheduler's pacing and retry_after pauses govern).
// In `conductbot chat` it does nothing: a terminal session must not take real users' deliveries.
func (f *remindFeature) Run(ctx context.Context, out bot.Transport) error {
	if _, ok := out.(*telegram.Client); !ok {
		<-ctx.Done()
		return nil
	}
	var sender remind.Sender = out
	if s, err := remind.NewTelegramSender(f.m.Config.TelegramToken, f.m.Config.TelegramAPIURL); err == nil {
		sender = s
	} else {
		f.m.Log.Warn("remind: sending through the bot's client", "error", err)
	}
	sched, err := f.rem.Scheduler(remind.SchedulerOptions{Sender: sender, Pacing: f.pacing})
	if err != nil {
		return err
	}
	return sched.Run(ctx)
}
