package main

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/conductbot/conductbot/bot/bottest"
)

func TestChat(t *testing.T) {
	t.Setenv("CONDUCTBOT_DATA_DIR", t.TempDir())
	t.Setenv("DATABASE_URL", "")
	t.Setenv("CONDUCTBOT_ADMINS", "")
	in, w := io.Pipe()
	var stdout, stderr bottest.LogBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(context.Background(), testClock(), []string{"chat", "--as", "supervisor", "--name", "督查小张"}, in, &stdout, &stderr)
	}()
	for _, l := range []string{"/start", "上班时间可以在窗口吃东西吗", "1", "/gaps", "/quit"} {
		io.WriteString(w, l+"\n")
	}
	w.Close()
	if code := <-done; code != 0 {
		t.Fatalf("exit code %d: %s", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"身份：督查", "督查小张，您好", "您的身份：督查", "不可以。", "[1] 📄 查看原文", "第 1.3.3 条", "仅限管理员"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	var o2, e2 bottest.LogBuffer
	if code := run(context.Background(), testClock(), []string{"chat", "--as", "boss"}, strings.NewReader(""), &o2, &e2); code != 2 {
		t.Errorf("--as boss: exit code %d", code)
	}
}
