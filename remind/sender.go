package remind

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/conductbot/conductbot/bot"
)

// Sender sends one message to a chat and returns its ID. bot.Transport satisfies it (bot/telegram's Client,
// which retries 429s itself), and so does APISender (no retries: the scheduler paces and retries, pausing
// every send for a 429's retry_after). Errors are classified with errors.Is and errors.As:
//   - bot.ErrBlocked or go-telegram's ErrorForbidden: the chat blocked the bot (403) — unsubscribe;
//   - *RetryAfterError or go-telegram's *TooManyRequestsError: 429 — pause, then send again;
//   - anything else: try again later, up to MaxAttempts.
type Sender interface {
	Send(ctx context.Context, chatID int64, m bot.Message) (messageID int, err error)
}

// RetryAfterError is a 429 from a Sender other than go-telegram/bot's.
type RetryAfterError struct {
	After time.Duration
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("too many requests: retry after %v", e.After)
}

// retryAfter reports whether err is a 429, and how long to wait (at least a second).
func retryAfter(err error) (time.Duration, bool) {
	var tg *tgbot.TooManyRequestsError
	if errors.As(err, &tg) {
		return time.Duration(max(1, tg.RetryAfter)) * time.Second, true
	}
	var ra *RetryAfterError
	if errors.As(err, &ra) {
		return max(time.Second, ra.After), true
	}
	return 0, false
}

// blocked reports whether err says the chat is gone for the bot: blocked, kicked, deleted.
func blocked(err error) bool {
	return errors.Is(err, bot.ErrBlocked) || errors.Is(err, tgbot.ErrorForbidden) ||
		errors.Is(err, tgbot.ErrorBadRequest) && strings.Contains(err.Error(), "chat not found")
}

// APISender sends through go-telegram/bot without retrying, so that the scheduler alone paces the broadcast
// and honours retry_after. It never lets the token into an error: go-telegram/bot's transport errors carry
// the request URL, which holds it.
type APISender struct {
	API    *tgbot.Bot
	Redact func(string) string // removes the token from a text; bot/telegram's Client.Redact
}

// NewAPISender sends through api; redact removes the token from error texts (nil: a redactor of token).
func NewAPISender(api *tgbot.Bot, token string, redact func(string) string) *APISender {
	if redact == nil {
		redact = func(s string) string {
			if token == "" {
				return s
			}
			return strings.ReplaceAll(s, token, "<token>")
		}
	}
	return &APISender{API: api, Redact: redact}
}

// NewTelegramSender is an APISender on a go-telegram/bot client of its own, for token at serverURL (empty:
// Telegram's), whose HTTP connections are kept for reuse by concurrent sends (the default transport keeps two,
// and a broadcast would otherwise open a connection, with its TLS handshake, for most messages).
func NewTelegramSender(token, serverURL string) (*APISender, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 64, 64
	opts := []tgbot.Option{tgbot.WithSkipGetMe(), tgbot.WithHTTPClient(time.Minute, &http.Client{Transport: tr, Timeout: time.Minute})}
	if serverURL != "" {
		opts = append(opts, tgbot.WithServerURL(serverURL))
	}
	api, err := tgbot.New(token, opts...)
	if err != nil {
		return nil, fmt.Errorf("remind: telegram client: %s", strings.ReplaceAll(err.Error(), token, "<token>"))
	}
	return NewAPISender(api, token, nil), nil
}

// Send implements Sender. A text over one message's limit is clipped: reminders are short.
func (s *APISender) Send(ctx context.Context, chatID int64, m bot.Message) (int, error) {
	text := m.Text
	if bot.Len16(text) > bot.MaxMessageLen {
		text = bot.SplitText(text, bot.MaxMessageLen)[0]
	}
	p := &tgbot.SendMessageParams{ChatID: chatID, Text: text, DisableNotification: m.Silent,
		LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tgbot.True()}}
	if kb := keyboard(m.Buttons); kb != nil {
		p.ReplyMarkup = kb
	}
	msg, err := s.API.SendMessage(ctx, p)
	if err != nil {
		return 0, &sendError{msg: s.Redact(err.Error()), err: err}
	}
	return msg.ID, nil
}

// sendError keeps the library's error for errors.Is/As while its text is redacted.
type sendError struct {
	msg string
	err error
}

func (e *sendError) Error() string { return "telegram sendMessage: " + e.msg }
func (e *sendError) Unwrap() error { return e.err }

func keyboard(rows [][]bot.Button) *models.InlineKeyboardMarkup {
	kb := &models.InlineKeyboardMarkup{}
	for _, row := range rows {
		if len(row) == 0 {
			continue
		}
		r := make([]models.InlineKeyboardButton, len(row))
		for i, b := range row {
			r[i] = models.InlineKeyboardButton{Text: b.Text, CallbackData: b.Data, URL: b.URL}
		}
		kb.InlineKeyboard = append(kb.InlineKeyboard, r)
	}
	if len(kb.InlineKeyboard) == 0 {
		return nil
	}
	return kb
}
