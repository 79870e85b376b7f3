package main

import (
	"context"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/conductbot/conductbot/internal/testkit"
)

func TestChat(t *testing.T) {
	t.Setenv("CONDUCTBOT_DATA_DIR", t.TempDir())
	t.Setenv("DATABASE_URL", "")
	t.Setenv("CONDUCTBOT_ADMINS", "")
	in, w := io.Pipe()
	var stdout, stderr testkit.LogBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(context.Background(), testClock(), []string{"chat", "--as", "supervisor", "--name", "督查小张"}, in, &stdout, &stderr)
	}()
	for _, l := range []string{"/start", "工作时可以穿拖鞋吗", "1", "/gaps", "99", "/quit"} {
		io.WriteString(w, l+"\n")
	}
	w.Close()
	if code := <-done; code != 0 {
		t.Fatalf("exit code %d: %s", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"身份：督查", "督查小张，您好", "您的身份：督查", "不可以。", "[1] 📄 查看原文", "第 1.3.2 条", "仅限管理员",
		"chat-files", "（没有按钮 99"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	var o2, e2 testkit.LogBuffer
	if code := run(context.Background(), testClock(), []string{"chat", "--as", "boss"}, strings.NewReader(""), &o2, &e2); code != 2 {
		t.Errorf("--as boss: exit code %d", code)
	}
}

// The terminal behaves like Telegram: a file the bot sends is written under the data dir and its path printed;
// the header and a change of role show the current role (an inspector who joined is no longer 窗口工作人员).
func TestChatFilesAndRole(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	t.Setenv("CONDUCTBOT_DATA_DIR", data)
	t.Setenv("DATABASE_URL", "")
	t.Setenv("CONDUCTBOT_ADMINS", "")
	t.Setenv("CONDUCTBOT_SEAL_KEY_FILE", "")

	code, out, errOut := runInspCmd(t, "/export\n/quit\n", "chat", "--as", "supervisor", "--user", "5")
	if code != 0 {
		t.Fatalf("chat: %d %s", code, errOut)
	}
	files, _ := filepath.Glob(filepath.Join(data, "chat-files", "*.xlsx"))
	if len(files) != 1 || !strings.Contains(out, "[文件 已保存："+files[0]) {
		t.Errorf("the export was not saved under the data dir (%v):\n%s", files, out)
	}
	if strings.Contains(out, "字节]") {
		t.Errorf("a file printed as its size only:\n%s", out)
	}

	code, out, _ = runInspCmd(t, "", "inspectors", "invite")
	invite := regexp.MustCompile(`(?m)^[0-9A-Z]{5}-[0-9A-Z]{5}$`).FindString(out)
	if code != 0 || invite == "" {
		t.Fatalf("invite: %d %q", code, out)
	}
	_, out, _ = runInspCmd(t, "/join "+invite+"\n/quit\n", "chat", "--as", "staff", "--user", "4242")
	if !strings.Contains(out, "身份：窗口工作人员\n") || !strings.Contains(out, "（当前身份：暗访人员）") {
		t.Errorf("joining as an inspector did not show the new role:\n%s", out)
	}
	_, out, _ = runInspCmd(t, "/quit\n", "chat", "--as", "staff", "--user", "4242")
	if !strings.HasPrefix(out, "规范助手 · 终端对话 · 身份：暗访人员\n") {
		t.Errorf("the header of an inspector's next session:\n%s", out)
	}
}
