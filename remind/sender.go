package remind

import (
	"context"
	"errors"
	"time"

	"github.com/conductbot/conductbot/bot"
)

// Sender sends one message to a chat and returns its ID. bot.Transport satisfies it (bot/telegram's Client,
// which retries 429s itself), and so does bot/telegram's BroadcastSender (no retries: the scheduler paces and
// retries, pausing every send for a 429's retry_after). Errors are classified with errors.Is and errors.As:
//   - bot.ErrBlocked: the chat blocked the bot (403) — unsubscribe;
//   - *bot.RetryAfterError: 429 — pause, then send again;
//   - anything else: try again later, up to MaxAttempts.
type Sender interface {
	Send(ctx context.Context, chatID int64, m bot.Message) (messageID int, err error)
}

// RetryAfterError is bot.RetryAfterError, a 429.
type RetryAfterError = bot.RetryAfterError

// retryAfter reports whether err is a 429, and how long to wait (at least a second).
func retryAfter(err error) (time.Duration, bool) {
	var ra *bot.RetryAfterError
	if errors.As(err, &ra) {
		return max(time.Second, ra.After), true
	}
	return 0, false
}

// blocked reports whether err says the chat is gone for the bot: blocked, kicked, deleted.
func blocked(err error) bool {
	return errors.Is(err, bot.ErrBlocked)
}
