package telegram

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/conductbot/conductbot/bot"
)

// maxBody is the largest webhook request body read (Telegram's updates are far smaller).
const maxBody = 1 << 20

func setWebhookDefaults(w *Webhook) {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&w.ReadHeaderTimeout, 5*time.Second)
	def(&w.ReadTimeout, 10*time.Second)
	def(&w.WriteTimeout, 30*time.Second)
	def(&w.IdleTimeout, 60*time.Second)
	def(&w.WarnEvery, time.Minute)
	if w.MaxHeaderBytes <= 0 {
		w.MaxHeaderBytes = 16 << 10
	}
}

func (b *Bot) runWebhook(ctx context.Context) error {
	wh := b.opts.Webhook
	u, err := url.Parse(wh.URL)
	if err != nil || u.Host == "" {
		return fmt.Errorf("telegram: WEBHOOK_URL %q is not a URL", wh.URL)
	}
	secret := wh.Secret
	if secret == "" {
		var buf [24]byte
		_, _ = rand.Read(buf[:])
		secret = hex.EncodeToString(buf[:])
	}
	path := u.Path
	if path == "" {
		path = "/"
	}
	ln := wh.Listener
	if ln == nil {
		if ln, err = net.Listen("tcp", wh.Listen); err != nil {
			return fmt.Errorf("telegram: webhook listen: %w", err)
		}
	}
	b.addrMu.Lock()
	b.addr = ln.Addr()
	b.addrMu.Unlock()
	srv := &http.Server{Handler: b.webhookHandler(path, secret),
		ReadHeaderTimeout: wh.ReadHeaderTimeout, ReadTimeout: wh.ReadTimeout, WriteTimeout: wh.WriteTimeout,
		IdleTimeout: wh.IdleTimeout, MaxHeaderBytes: wh.MaxHeaderBytes,
		// The server's own complaints (bad requests, TLS noise) are anyone's to cause: debug only.
		ErrorLog: log.New(slogWriter{b.log}, "", 0)}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	err = b.client.call(ctx, "setWebhook", func(ctx context.Context) error {
		_, err := b.api.SetWebhook(ctx, &tgbot.SetWebhookParams{URL: wh.URL, SecretToken: secret,
			AllowedUpdates: []string{models.AllowedUpdateMessage, models.AllowedUpdateCallbackQuery}})
		return err
	})
	if err == nil {
		b.log.LogAttrs(ctx, slog.LevelInfo, "telegram: webhook", slog.String("bot", "@"+b.self.username),
			slog.String("listen", ln.Addr().String()), slog.String("path", path), slog.Bool("inbox", b.opts.Inbox != nil))
		select {
		case <-ctx.Done():
		case err = <-serveErr:
			err = fmt.Errorf("telegram: webhook server: %w", err)
		}
	}
	// Stop taking updates: the server finishes the requests in flight, each of which has stored and queued
	// its update before answering.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), b.opts.DrainTimeout)
	defer cancel()
	if serr := srv.Shutdown(sctx); serr != nil {
		_ = srv.Close()
		err = errors.Join(err, fmt.Errorf("telegram: webhook shutdown: %w", serr))
	}
	b.badSecret.flush(b.log, "telegram: webhook requests with a wrong secret token")
	b.healthWarn.flush(b.log, "telegram: health check failed")
	return err
}

// webhookHandler serves the updates and /healthz. A request's secret token is checked before its body is read
// (401, and the connection closed); the body is stored in the inbox and queued before the 200, so that
// Telegram sends again whatever was not stored; a body that is not an update gets 400. Nothing of a body
// is ever logged but its size.
func (b *Bot) webhookHandler(path, secret string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if b.opts.Health != nil {
			ctx, cancel := context.WithTimeout(r.Context(), b.opts.HealthTimeout)
			err := b.opts.Health.Ping(ctx)
			cancel()
			if err != nil {
				b.healthWarn.hit(b.log, "telegram: health check failed", slog.String("error", clip(err.Error(), 200)))
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = w.Write([]byte("store unavailable\n"))
				return
			}
		}
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("POST "+path, func(w http.ResponseWriter, r *http.Request) {
		got := r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
		if subtle.ConstantTimeCompare([]byte(got), []byte(secret)) != 1 {
			b.badSecret.hit(b.log, "telegram: webhook requests with a wrong secret token", slog.String("remote", clip(r.RemoteAddr, 64)))
			w.Header().Set("Connection", "close") // the body is never read
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			status := http.StatusBadRequest
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				status = http.StatusRequestEntityTooLarge
			}
			b.log.LogAttrs(r.Context(), slog.LevelWarn, "telegram: webhook body not read", slog.Int("status", status), slog.Int("bytes", len(body)))
			w.Header().Set("Connection", "close")
			http.Error(w, http.StatusText(status), status)
			return
		}
		var u models.Update
		if err := json.Unmarshal(body, &u); err != nil || u.ID <= 0 {
			b.log.LogAttrs(r.Context(), slog.LevelWarn, "telegram: webhook body is not an update", slog.Int("bytes", len(body)))
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if err := b.accept(r.Context(), []bot.RawUpdate{{ID: u.ID, Data: body}}); err != nil {
			b.log.LogAttrs(r.Context(), slog.LevelError, "telegram: update not stored; Telegram will send it again",
				slog.Int64("update_id", u.ID), slog.String("error", err.Error()))
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	return mux
}

// warnLimiter writes at most one WARN line per `every` about a kind of event, with how many happened since
// the last line; the first event of a quiet spell is written at once.
type warnLimiter struct {
	every time.Duration

	mu    sync.Mutex
	last  time.Time // when the last line was written
	count int       // events since
	attrs []slog.Attr
}

func (l *warnLimiter) hit(log *slog.Logger, msg string, attrs ...slog.Attr) {
	l.mu.Lock()
	l.count++
	now := time.Now()
	if !l.last.IsZero() && now.Sub(l.last) < l.every {
		l.attrs = attrs // the latest sample, written with the tally
		l.mu.Unlock()
		return
	}
	n := l.count
	l.count, l.last, l.attrs = 0, now, nil
	l.mu.Unlock()
	log.LogAttrs(context.Background(), slog.LevelWarn, msg, append([]slog.Attr{slog.Int("count", n)}, attrs...)...)
}

// flush writes the tally of the events not yet written, if any.
func (l *warnLimiter) flush(log *slog.Logger, msg string) {
	l.mu.Lock()
	n, attrs := l.count, l.attrs
	l.count, l.attrs = 0, nil
	l.mu.Unlock()
	if n > 0 {
		log.LogAttrs(context.Background(), slog.LevelWarn, msg, append([]slog.Attr{slog.Int("count", n)}, attrs...)...)
	}
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// slogWriter turns the HTTP server's log lines into DEBUG records.
type slogWriter struct{ log *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	w.log.LogAttrs(context.Background(), slog.LevelDebug, "telegram: webhook server", slog.String("detail", clip(string(p), 200)))
	return len(p), nil
}
