package telegram_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/bot/telegram"
	"github.com/conductbot/conductbot/internal/testkit"
)

// TestTokenNeverInErrorsOrLogs: the library puts the token in every URL; no error or log line may show it.
func TestTokenNeverInErrorsOrLogs(t *testing.T) {
	token := testkit.DefaultToken
	secret := strings.SplitN(token, ":", 2)[1]
	check := func(what, s string) {
		t.Helper()
		if strings.Contains(s, secret) {
			t.Errorf("%s shows the token: %s", what, s)
		}
	}
	// A server that is not there: the connection error names the URL.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + ln.Addr().String()
	ln.Close()
	env := testkit.NewBot(t, nil)
	log := &testkit.LogBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := telegram.New(ctx, telegram.Options{Token: token, ServerURL: dead, Router: env.Router, Attempts: 2,
		Sleep: func(context.Context, time.Duration) error { return nil }, Log: slogTo(log)})
	if err == nil {
		t.Fatal("New succeeded without a server")
	}
	check("New's error", err.Error())
	check("the log", log.String())

	// A working bot whose calls fail in every way the stand-in can fail.
	h := start(t, setup{})
	h.api.FailNext("sendMessage", 10, testkit.ServerError)
	_, err = h.bot.Client().Send(context.Background(), staff.ID, bot.Message{Text: "x"})
	if err == nil {
		t.Fatal("send succeeded through 500s")
	}
	check("a 500's error", err.Error())
	_, err = h.bot.Client().Download(context.Background(), "no-such-file", 0)
	check("a download's error", err.Error())
	f := h.api.AddFile("a.jpg", []byte("x"))
	h.api.Close() // the file server is gone too
	_, err = h.bot.Client().Download(context.Background(), f, 0)
	if err == nil {
		t.Fatal("download from a closed server succeeded")
	}
	check("a closed server's error", err.Error())
	if !strings.Contains(err.Error(), "/bot***/") && !strings.Contains(err.Error(), "/bot<token>/") {
		t.Errorf("the redaction was not exercised: %v", err)
	}
	h.stop()
	check("the bot's log", h.log.String())
}
