package main

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/conductbot/conductbot/internal/testkit"
	"github.com/conductbot/conductbot/workday"
)

// serveEnv points serve at the stand-in with a fresh SQLite store.
func serveEnv(t *testing.T, api *testkit.API) {
	t.Setenv("TELEGRAM_BOT_TOKEN", api.Token)
	t.Setenv("TELEGRAM_API_URL", api.URL)
	t.Setenv("CONDUCTBOT_DATA_DIR", t.TempDir())
	t.Setenv("CONDUCTBOT_ADMINS", "9001")
	t.Setenv("DATABASE_URL", "")
	t.Setenv("WEBHOOK_URL", "")
	t.Setenv("LOG_LEVEL", "debug")
}

// serve runs `conductbot serve` until stop is called, which returns the exit code and the log.
func serve(t *testing.T) (stop func() (int, string)) {
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr testkit.LogBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, testClock(), []string{"serve", "--drain", "5s"}, strings.NewReader(""), &stdout, &stderr)
	}()
	return func() (int, string) {
		cancel()
		select {
		case code := <-done:
			return code, stderr.String()
		case <-time.After(20 * time.Second):
			t.Fatal("serve did not stop")
			return 0, ""
		}
	}
}

func TestServePolling(t *testing.T) {
	api := testkit.NewAPI(t)
	serveEnv(t, api)
	stop := serve(t)
	staff := testkit.User(1001, "xiaowang", "小王")
	admin := testkit.User(9001, "boss", "主任")
	api.Push(api.Text(testkit.Private(staff), staff, "/start"))
	c := api.WaitSent(t, staff.ID, 0)
	if !strings.Contains(c.Text(), "窗口工作人员") {
		t.Errorf("/start: %q", c.Text())
	}
	api.Push(api.Text(testkit.Private(staff), staff, "上班可以玩手机吗"))
	c = api.WaitSent(t, staff.ID, 1)
	if !strings.Contains(c.Text(), "1.3.3") {
		t.Errorf("answer: %q", c.Text())
	}
	api.Push(api.Text(testkit.Private(admin), admin, "/gaps"))
	c = api.WaitSent(t, admin.ID, 0)
	if !strings.Contains(c.Text(), "规范盲区") {
		t.Errorf("/gaps: %q", c.Text())
	}
	code, log := stop()
	if code != 0 {
		t.Fatalf("exit code %d\n%s", code, log)
	}
	if strings.Contains(log, api.Token) || strings.Contains(log, strings.SplitN(api.Token, ":", 2)[1]) {
		t.Errorf("the token is in the log:\n%s", log)
	}
	if !strings.Contains(log, "bot: stopped") {
		t.Errorf("no clean stop in the log:\n%s", log)
	}
}

func TestServeWebhook(t *testing.T) {
	api := testkit.NewAPI(t)
	serveEnv(t, api)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	t.Setenv("WEBHOOK_URL", "http://"+addr+"/telegram")
	t.Setenv("WEBHOOK_LISTEN", addr)
	t.Setenv("WEBHOOK_SECRET", "Right_Secret-1")
	stop := serve(t)
	api.WaitCall(t, "setWebhook", nil)
	staff := testkit.User(1001, "xiaowang", "小王")
	ctx := context.Background()
	if status, err := api.DeliverTo(ctx, "http://"+addr+"/telegram", "wrong", api.Text(testkit.Private(staff), staff, "/start")); err != nil || status != http.StatusUnauthorized {
		t.Fatalf("wrong secret: %d %v", status, err)
	}
	if status, err := api.Deliver(ctx, api.Text(testkit.Private(staff), staff, "/help")); err != nil || status != http.StatusOK {
		t.Fatalf("right secret: %d %v", status, err)
	}
	c := api.WaitSent(t, staff.ID, 0)
	if !strings.Contains(c.Text(), "/rules") {
		t.Errorf("/help: %q", c.Text())
	}
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz %v %v", resp, err)
	}
	resp.Body.Close()
	if code, log := stop(); code != 0 {
		t.Fatalf("exit code %d\n%s", code, log)
	}
	if n := len(api.Sent(staff.ID)); n != 1 {
		t.Errorf("%d messages; the wrong secret's update must not be handled", n)
	}
}

func TestServeNeedsToken(t *testing.T) {
	t.Setenv("TELEGRAM_BOT_TOKEN", "")
	var stdout, stderr testkit.LogBuffer
	if code := run(context.Background(), testClock(), []string{"serve"}, strings.NewReader(""), &stdout, &stderr); code != 1 {
		t.Fatalf("exit code %d", code)
	}
	if !strings.Contains(stderr.String(), "@BotFather") {
		t.Errorf("stderr %q", stderr.String())
	}
}

// testClock is the clock of the command tests: the program started on the tests' Monday morning, running at
// the wall clock's pace from there, so no test depends on the day it runs.
func testClock() workday.Clock { return workday.Started(testkit.Start) }
