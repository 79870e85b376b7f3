package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/conductbot/conductbot/bot"
)

// defaultServerURL is Telegram's Bot API.
const defaultServerURL = "https://api.telegram.org"

// pollLimit is how many updates one getUpdates asks for (Telegram's maximum).
const pollLimit = 100

// apiFailure is an error answer of the Bot API to getUpdates.
type apiFailure struct {
	Code        int
	Description string
	RetryAfter  int
}

func (e *apiFailure) Error() string { return fmt.Sprintf("getUpdates: %d %s", e.Code, e.Description) }

// poll calls getUpdates until ctx ends. An offset acknowledges every update below it, so it passes a batch
// only after accept stored it: a crash before that leaves the batch with Telegram, which sends it again.
func (b *Bot) poll(ctx context.Context) {
	offset := int64(0)
	if id := b.lastID.Load(); id > 0 {
		offset = id + 1
	}
	var wait time.Duration
	for {
		if wait > 0 {
			if SleepContext(ctx, wait) != nil {
				return
			}
		}
		raws, err := b.getUpdates(ctx, offset)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			var f *apiFailure
			if errors.As(err, &f) && f.RetryAfter > 0 {
				wait = time.Duration(f.RetryAfter) * time.Second
			} else {
				wait = nextWait(wait)
			}
			b.log.LogAttrs(ctx, slog.LevelWarn, "telegram: polling", slog.String("error", b.client.redact(err.Error())),
				slog.Duration("wait", wait))
			continue
		}
		batch := make([]bot.RawUpdate, 0, len(raws))
		last := offset - 1
		for _, raw := range raws {
			var head struct {
				ID int64 `json:"update_id"`
			}
			if json.Unmarshal(raw, &head) != nil || head.ID == 0 {
				b.log.LogAttrs(ctx, slog.LevelWarn, "telegram: update without an ID skipped", slog.Int("bytes", len(raw)))
				continue
			}
			last = max(last, head.ID)
			if head.ID < offset {
				continue // acknowledged before: Telegram should not send it
			}
			batch = append(batch, bot.RawUpdate{ID: head.ID, Data: raw})
		}
		if err := b.accept(ctx, batch); err != nil {
			wait = nextWait(wait)
			b.log.LogAttrs(ctx, slog.LevelError, "telegram: updates not stored; Telegram will send them again",
				slog.Int("count", len(batch)), slog.String("error", err.Error()), slog.Duration("wait", wait))
			continue
		}
		if len(raws) > 0 && last < offset {
			wait = nextWait(wait) // nothing could move the offset: do not ask again at full speed
			continue
		}
		if last >= offset {
			offset = last + 1
			b.lastID.Store(last)
		}
		wait = 0
	}
}

// nextWait backs off from 100 ms, doubling, to 5 s.
func nextWait(d time.Duration) time.Duration {
	if d <= 0 {
		return 100 * time.Millisecond
	}
	return min(2*d, 5*time.Second)
}

// getUpdates is one long poll from offset.
func (b *Bot) getUpdates(ctx context.Context, offset int64) ([]json.RawMessage, error) {
	timeout := max(1, int((b.opts.PollTimeout - time.Second).Seconds()))
	body, err := json.Marshal(map[string]any{"offset": offset, "limit": pollLimit, "timeout": timeout,
		"allowed_updates": []string{models.AllowedUpdateMessage, models.AllowedUpdateCallbackQuery}})
	if err != nil {
		return nil, err
	}
	server := b.opts.ServerURL
	if server == "" {
		server = defaultServerURL
	}
	ctx, cancel := context.WithTimeout(ctx, time.Duration(timeout)*time.Second+10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(server, "/")+"/bot"+b.opts.Token+"/getUpdates", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("getUpdates: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := doer{b.opts.HTTPClient}.Do(req)
	if err != nil {
		return nil, fmt.Errorf("getUpdates: %w", err)
	}
	defer resp.Body.Close()
	var r struct {
		OK          bool              `json:"ok"`
		Result      []json.RawMessage `json:"result"`
		ErrorCode   int               `json:"error_code"`
		Description string            `json:"description"`
		Parameters  struct {
			RetryAfter int `json:"retry_after"`
		} `json:"parameters"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&r); err != nil {
		return nil, fmt.Errorf("getUpdates: HTTP %d: %w", resp.StatusCode, err)
	}
	if !r.OK {
		return nil, &apiFailure{Code: r.ErrorCode, Description: r.Description, RetryAfter: r.Parameters.RetryAfter}
	}
	return r.Result, nil
}
