package telegram

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

// BroadcastSender sends through go-telegram/bot without retrying, so that the scheduler alone paces the broadcast
// and honours retry_after. It never lets the token into an error: go-telegram/bot's transport errors carry
// the request URL, which holds it.
type BroadcastSender struct {
	API    *tgbot.Bot
	Redact func(string) string // removes the token from a text; bot/telegram's Client.Redact
}

// BroadcastSenderOn sends through api; redact removes the token from error texts (nil: a redactor of token).
func BroadcastSenderOn(api *tgbot.Bot, token string, redact func(string) string) *BroadcastSender {
	if redact == nil {
		redact = func(s string) string {
			if token == "" {
				return s
			}
			return strings.ReplaceAll(s, token, "<token>")
		}
	}
	return &BroadcastSender{API: api, Redact: redact}
}

// NewBroadcastSender is a BroadcastSender on a go-telegram/bot client of its own, for token at serverURL (empty:
// Telegram's), whose HTTP connections are kept for reuse by concurrent sends (the default transport keeps two,
// and a broadcast would otherwise open a connection, with its TLS handshake, for most messages).
func NewBroadcastSender(token, serverURL string) (*BroadcastSender, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 64, 64
	opts := []tgbot.Option{tgbot.WithSkipGetMe(), tgbot.WithHTTPClient(time.Minute, &http.Client{Transport: tr, Timeout: time.Minute})}
	if serverURL != "" {
		opts = append(opts, tgbot.WithServerURL(serverURL))
	}
	api, err := tgbot.New(token, opts...)
	if err != nil {
		return nil, fmt.Errorf("telegram: broadcast client: %s", strings.ReplaceAll(err.Error(), token, "<token>"))
	}
	return BroadcastSenderOn(api, token, nil), nil
}

// Send implements remind.Sender. A text over one message's limit is clipped: reminders are short.
func (s *BroadcastSender) Send(ctx context.Context, chatID int64, m bot.Message) (int, error) {
	text := m.Text
	if bot.Len16(text) > bot.MaxMessageLen {
		text = bot.SplitText(text, bot.MaxMessageLen)[0]
	}
	p := &tgbot.SendMessageParams{ChatID: chatID, Text: text, DisableNotification: m.Silent,
		LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tgbot.True()}}
	if kb := keyboard(m.Buttons); kb != nil {
		p.ReplyMarkup = kb // the client's converter: one for every send
	}
	msg, err := s.API.SendMessage(ctx, p)
	if err != nil {
		var kind error
		var tooMany *tgbot.TooManyRequestsError
		switch {
		case errors.As(err, &tooMany):
			kind = &bot.RetryAfterError{After: time.Duration(max(1, tooMany.RetryAfter)) * time.Second}
		case errors.Is(err, tgbot.ErrorForbidden), errors.Is(err, tgbot.ErrorBadRequest) && strings.Contains(err.Error(), "chat not found"):
			kind = bot.ErrBlocked
		}
		return 0, &sendError{msg: s.Redact(err.Error()), err: err, kind: kind}
	}
	return msg.ID, nil
}

// sendError keeps the library's error for errors.Is/As while its text is redacted.
type sendError struct {
	msg  string
	err  error
	kind error // bot.ErrBlocked or a *bot.RetryAfterError, when it is one
}

func (e *sendError) Error() string { return "telegram sendMessage: " + e.msg }
func (e *sendError) Unwrap() []error {
	if e.kind != nil {
		return []error{e.kind, e.err}
	}
	return []error{e.err}
}
