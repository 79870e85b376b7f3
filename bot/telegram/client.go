// Package telegram runs ConductBot's conversations (package bot) on Telegram through go-telegram/bot: long
// polling or a webhook, updates of one chat handled in order and chats in parallel, sends that honour 429
// retry_after and retry 5xx and timeouts, long texts split at sentence boundaries, every button press
// answered, graceful shutdown, and a token that never reaches a log line.
package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/conductbot/conductbot/bot"
)

// Client is the bot.Transport and bot.CommandMenu on the Bot API. It is safe for concurrent use.
type Client struct {
	api      *tgbot.Bot
	upload   *uploader // files on disk, streamed
	redact   func(string) string
	download *http.Client
	log      *slog.Logger

	sleep       func(ctx context.Context, d time.Duration) error
	attempts    int
	callTimeout time.Duration
	backoff     time.Duration
}

var (
	_ bot.Transport   = (*Client)(nil)
	_ bot.CommandMenu = (*Client)(nil)
)

// SleepContext waits d or until ctx ends: the default pause between retries.
func SleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Error is a failed Bot API call. Its text never contains the token. errors.Is finds bot.ErrBlocked,
// bot.ErrMessageGone or bot.ErrTooLarge when they apply, and errors.As the library's own error
// (*tgbot.TooManyRequestsError …).
type Error struct {
	Method string
	msg    string
	kind   error
	err    error
}

func (e *Error) Error() string { return "telegram " + e.Method + ": " + e.msg }

// Unwrap exposes the kind and the library's error.
func (e *Error) Unwrap() []error {
	if e.kind != nil {
		return []error{e.kind, e.err}
	}
	return []error{e.err}
}

func (c *Client) wrap(method string, kind, err error) error {
	return &Error{Method: method, msg: c.redact(err.Error()), kind: kind, err: err}
}

// ServerError is a 5xx answer from the Bot API server (or a proxy before it).
type ServerError struct {
	Status int
	Body   string
}

func (e *ServerError) Error() string { return fmt.Sprintf("server error %d: %s", e.Status, e.Body) }

// doer is the library's HTTP client: it turns 5xx answers into *ServerError before the library tries to
// decode them (a proxy's 502 page is not JSON), so they can be retried.
type doer struct{ c *http.Client }

func (d doer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.c.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 500 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		resp.Body.Close()
		return nil, &ServerError{Status: resp.StatusCode, Body: strings.TrimSpace(string(body))}
	}
	return resp, nil
}

// call runs one API call with retries: a 429 waits retry_after (at least a second) and tries again; a 5xx,
// a timeout of one attempt or a broken connection backs off (0.5 s, 1 s, 2 s …) and tries again; a 403
// is bot.ErrBlocked at once. At most c.attempts tries.
func (c *Client) call(ctx context.Context, method string, f func(ctx context.Context) error) error {
	backoff := c.backoff
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, c.callTimeout)
		err := f(actx)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return c.wrap(method, nil, err)
		}
		var wait time.Duration
		var tooMany *tgbot.TooManyRequestsError
		switch {
		case errors.As(err, &tooMany):
			wait = time.Duration(max(1, tooMany.RetryAfter)) * time.Second
		case errors.Is(err, tgbot.ErrorForbidden):
			return c.wrap(method, bot.ErrBlocked, err)
		case retriable(err):
			wait = backoff
			backoff = min(2*backoff, 10*time.Second)
		default:
			return c.wrap(method, kindOf(err), err)
		}
		if attempt >= c.attempts {
			return c.wrap(method, nil, err)
		}
		c.log.LogAttrs(ctx, slog.LevelWarn, "telegram: retrying", slog.String("method", method),
			slog.Int("attempt", attempt), slog.Duration("wait", wait), slog.String("error", c.redact(err.Error())))
		if err := c.sleep(ctx, wait); err != nil {
			return c.wrap(method, nil, err)
		}
	}
}

func retriable(err error) bool {
	var se *ServerError
	var ne net.Error
	return errors.As(err, &se) || errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// kindOf maps the Bot API's 400s that handlers care about.
func kindOf(err error) error {
	if !errors.Is(err, tgbot.ErrorBadRequest) {
		return nil
	}
	s := err.Error()
	switch {
	case strings.Contains(s, "message to edit not found"), strings.Contains(s, "message can't be edited"):
		return bot.ErrMessageGone
	case strings.Contains(s, "chat not found"):
		return bot.ErrBlocked
	case strings.Contains(s, "file is too big"):
		return bot.ErrTooLarge
	}
	return nil
}

func notModified(err error) bool {
	return errors.Is(err, tgbot.ErrorBadRequest) && strings.Contains(err.Error(), "message is not modified")
}

func keyboard(rows [][]bot.Button) models.ReplyMarkup {
	if len(rows) == 0 {
		return nil
	}
	kb := &models.InlineKeyboardMarkup{InlineKeyboard: make([][]models.InlineKeyboardButton, 0, len(rows))}
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
	return kb
}

// Send implements bot.Transport: texts over 4096 characters go out as several messages cut at sentence
// boundaries, the buttons with the last.
func (c *Client) Send(ctx context.Context, chatID int64, m bot.Message) (int, error) {
	parts := bot.SplitText(m.Text, bot.MaxMessageLen)
	id := 0
	for i, part := range parts {
		p := &tgbot.SendMessageParams{ChatID: chatID, Text: part, DisableNotification: m.Silent,
			LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tgbot.True()}}
		if i == len(parts)-1 {
			p.ReplyMarkup = keyboard(m.Buttons)
		}
		if i == 0 && m.ReplyTo != 0 {
			p.ReplyParameters = &models.ReplyParameters{MessageID: m.ReplyTo, AllowSendingWithoutReply: true}
		}
		err := c.call(ctx, "sendMessage", func(ctx context.Context) error {
			msg, err := c.api.SendMessage(ctx, p)
			if err == nil {
				id = msg.ID
			}
			return err
		})
		if err != nil {
			return id, err
		}
	}
	return id, nil
}

// Edit implements bot.Transport. A text too long for one message keeps its first part in the message and
// sends the rest, with the buttons, after it.
func (c *Client) Edit(ctx context.Context, chatID int64, messageID int, m bot.Message) error {
	parts := bot.SplitText(m.Text, bot.MaxMessageLen)
	p := &tgbot.EditMessageTextParams{ChatID: chatID, MessageID: messageID, Text: parts[0],
		LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tgbot.True()}}
	if len(parts) == 1 {
		p.ReplyMarkup = keyboard(m.Buttons)
	}
	err := c.call(ctx, "editMessageText", func(ctx context.Context) error {
		_, err := c.api.EditMessageText(ctx, p)
		if notModified(err) {
			return nil
		}
		return err
	})
	if err != nil || len(parts) == 1 {
		return err
	}
	_, err = c.Send(ctx, chatID, bot.Message{Text: strings.Join(parts[1:], "\n"), Buttons: m.Buttons})
	return err
}

// AnswerCallback implements bot.Transport.
func (c *Client) AnswerCallback(ctx context.Context, callbackID string, n bot.Notice) error {
	p := &tgbot.AnswerCallbackQueryParams{CallbackQueryID: callbackID, Text: bot.Clip(n.Text, 200), ShowAlert: n.Alert}
	return c.call(ctx, "answerCallbackQuery", func(ctx context.Context) error {
		_, err := c.api.AnswerCallbackQuery(ctx, p)
		return err
	})
}

// SendPhoto implements bot.Transport.
func (c *Client) SendPhoto(ctx context.Context, chatID int64, f bot.File, m bot.Message) (int, error) {
	return c.sendFile(ctx, "sendPhoto", chatID, f, m)
}

// SendDocument implements bot.Transport.
func (c *Client) SendDocument(ctx context.Context, chatID int64, f bot.File, m bot.Message) (int, error) {
	return c.sendFile(ctx, "sendDocument", chatID, f, m)
}

// sendFile uploads f; a caption over 1024 characters is sent as a message of its own after the file.
func (c *Client) sendFile(ctx context.Context, method string, chatID int64, f bot.File, m bot.Message) (int, error) {
	caption, rest := m.Text, ""
	if bot.Len16(caption) > bot.MaxCaptionLen {
		caption, rest = "", m.Text
	}
	buttons := keyboard(m.Buttons)
	if rest != "" {
		buttons = nil
	}
	id := 0
	err := c.call(ctx, method, func(ctx context.Context) error {
		var msg *models.Message
		if f.Path != "" && c.upload != nil {
			fields := map[string]string{"chat_id": strconv.FormatInt(chatID, 10)}
			if caption != "" {
				fields["caption"] = caption
			}
			if buttons != nil {
				markup, err := json.Marshal(buttons)
				if err != nil {
					return err
				}
				fields["reply_markup"] = string(markup)
			}
			if m.Silent {
				fields["disable_notification"] = "true"
			}
			field := "document"
			if method == "sendPhoto" {
				field = "photo"
			}
			msg, err := c.upload.send(ctx, method, fields, field, f)
			if err == nil {
				id = msg.ID
			}
			return err
		}
		data, err := f.Open()
		if err != nil {
			return err
		}
		defer data.Close()
		upload := &models.InputFileUpload{Filename: f.Name, Data: data}
		if method == "sendPhoto" {
			msg, err = c.api.SendPhoto(ctx, &tgbot.SendPhotoParams{ChatID: chatID, Photo: upload, Caption: caption,
				ReplyMarkup: buttons, DisableNotification: m.Silent})
		} else {
			msg, err = c.api.SendDocument(ctx, &tgbot.SendDocumentParams{ChatID: chatID, Document: upload, Caption: caption,
				ReplyMarkup: buttons, DisableNotification: m.Silent})
		}
		if err == nil {
			id = msg.ID
		}
		return err
	})
	if err != nil || rest == "" {
		return id, err
	}
	return c.Send(ctx, chatID, bot.Message{Text: rest, Buttons: m.Buttons, Silent: m.Silent})
}

// MaxDownload is the Bot API's limit on files a bot may download.
const MaxDownload = 20 << 20

// Download implements bot.Transport.
func (c *Client) Download(ctx context.Context, fileID string, maxBytes int64) ([]byte, error) {
	if maxBytes <= 0 || maxBytes > MaxDownload {
		maxBytes = MaxDownload
	}
	var f *models.File
	err := c.call(ctx, "getFile", func(ctx context.Context) error {
		var err error
		f, err = c.api.GetFile(ctx, &tgbot.GetFileParams{FileID: fileID})
		return err
	})
	if err != nil {
		return nil, err
	}
	if f.FileSize > maxBytes {
		return nil, &Error{Method: "getFile", msg: fmt.Sprintf("file of %d bytes, at most %d", f.FileSize, maxBytes), kind: bot.ErrTooLarge, err: bot.ErrTooLarge}
	}
	var data []byte
	err = c.call(ctx, "download", func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.api.FileDownloadLink(f), nil)
		if err != nil {
			return err
		}
		resp, err := c.download.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode >= 500 {
			return &ServerError{Status: resp.StatusCode}
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("download: HTTP %d", resp.StatusCode)
		}
		data, err = io.ReadAll(io.LimitReader(resp.Body, maxBytes+1))
		return err
	})
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > maxBytes {
		return nil, &Error{Method: "download", msg: fmt.Sprintf("file over %d bytes", maxBytes), kind: bot.ErrTooLarge, err: bot.ErrTooLarge}
	}
	return data, nil
}

// SetCommands implements bot.CommandMenu: chatID 0 sets the default menu.
func (c *Client) SetCommands(ctx context.Context, chatID int64, cmds []bot.CommandInfo) error {
	p := &tgbot.SetMyCommandsParams{Scope: &models.BotCommandScopeDefault{}}
	if chatID != 0 {
		p.Scope = &models.BotCommandScopeChat{ChatID: chatID}
	}
	for _, cmd := range cmds {
		p.Commands = append(p.Commands, models.BotCommand{Command: cmd.Name, Description: bot.Clip(cmd.Description, 256)})
	}
	return c.call(ctx, "setMyCommands", func(ctx context.Context) error {
		_, err := c.api.SetMyCommands(ctx, p)
		return err
	})
}

// API is the underlying go-telegram/bot client, for calls the Transport does not cover. Its errors may
// carry the token: pass them through Redact before logging.
func (c *Client) API() *tgbot.Bot { return c.api }

// Redact removes the token from s.
func (c *Client) Redact(s string) string { return c.redact(s) }

func redactor(token string) func(string) string {
	return func(s string) string {
		if token == "" {
			return s
		}
		return strings.ReplaceAll(s, token, "<token>")
	}
}
