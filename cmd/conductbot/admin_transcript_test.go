package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/conductbot/conductbot/internal/golden"
	"github.com/conductbot/conductbot/internal/testkit"
	"github.com/conductbot/conductbot/workday"
)

// adminTranscript writes an admin's session as the admin reads it: the commands typed in the terminal with
// their output, and the chat with the bot (what was typed, each new message with its buttons).
type adminTranscript struct {
	b     strings.Builder
	codes map[string]string // random codes → placeholders
}

func (tr *adminTranscript) mask(s string) string {
	for code, ph := range tr.codes {
		s = strings.ReplaceAll(s, code, ph)
	}
	return s
}

// cli runs a command as the admin would in a terminal, on clock, and writes it with what it printed (stdout,
// then stderr).
func (tr *adminTranscript) cli(t *testing.T, clock workday.Clock, args ...string) (stdout, stderr string) {
	t.Helper()
	var out, errOut testkit.LogBuffer
	if code := run(context.Background(), clock, args, strings.NewReader(""), &out, &errOut); code != 0 {
		t.Fatalf("conductbot %s: exit %d\n%s", strings.Join(args, " "), code, errOut.String())
	}
	stdout = out.String()
	// Log lines (the seal key file made on the first start) carry the time and a temporary path: not written.
	for _, line := range strings.SplitAfter(errOut.String(), "\n") {
		if !strings.HasPrefix(line, "time=") {
			stderr += line
		}
	}
	return stdout, stderr
}

func (tr *adminTranscript) writeCLI(args []string, stdout, stderr string) {
	fmt.Fprintf(&tr.b, "$ conductbot %s\n%s%s\n", strings.Join(args, " "), tr.mask(stdout), tr.mask(stderr))
}

// chat sends text from u and writes it with the bot's new messages in u's chat.
func (tr *adminTranscript) chat(t *testing.T, api *testkit.API, u models.User, who, text string) {
	t.Helper()
	before := len(api.BotMessages(u.ID))
	api.Push(api.Text(testkit.Private(u), u, text))
	api.WaitSent(t, u.ID, before)
	// A command's answer may come in more than one message: wait until none has come for a moment.
	for n := -1; n != len(api.BotMessages(u.ID)); {
		n = len(api.BotMessages(u.ID))
		time.Sleep(150 * time.Millisecond)
	}
	fmt.Fprintf(&tr.b, "%s> %s\n", who, tr.mask(text))
	for _, m := range api.BotMessages(u.ID)[before:] {
		fmt.Fprintf(&tr.b, "规范助手：\n%s\n", tr.mask(m.Text))
		tr.b.WriteString(golden.Buttons(m.Markup))
		tr.b.WriteString("\n")
	}
}

var inviteCode = regexp.MustCompile(`(?m)^[0-9A-Z]{5}-[0-9A-Z]{5}$`)

// TestAdminTranscript: an admin sets the bot up and looks after it — the window list, invite codes and the
// code's versions in the terminal; /start, /grant, /users, /windows and /gaps in the chat (Bot API stand-in,
// `conductbot serve`); the inspectors' list once one joined — compared with testdata/admin-transcript.golden
// (-update rewrites it) and read as a user would.
func TestAdminTranscript(t *testing.T) {
	api := testkit.NewAPI(t)
	serveEnv(t, api)
	t.Setenv("LOG_LEVEL", "warn")
	dir := os.Getenv("CONDUCTBOT_DATA_DIR")
	// The terminal's commands run on a clock that stands still: what they print does not depend on when the
	// test runs.
	still := testkit.NewClock(testkit.Start)
	tr := &adminTranscript{codes: map[string]string{}}

	list := writeFile(t, filepath.Dir(dir), "windows.txt", "3 不动产登记\n4 公积金\n5 社保\n12 税务综合\n")
	out, errOut := tr.cli(t, still, "windows", "load", list)
	tr.writeCLI([]string{"windows", "load", "windows.txt"}, out, errOut)
	out, errOut = tr.cli(t, still, "windows", "list")
	tr.writeCLI([]string{"windows", "list"}, out, errOut)
	args := []string{"inspectors", "invite", "--count", "2", "--days", "7"}
	out, errOut = tr.cli(t, still, args...)
	codes := inviteCode.FindAllString(out, -1)
	if len(codes) != 2 {
		t.Fatalf("invite codes: %q", out)
	}
	tr.codes[codes[0]], tr.codes[codes[1]] = "H4KD7-PQ2XM", "M2TA9-K7P3Q"
	tr.writeCLI(args, out, errOut)
	out, errOut = tr.cli(t, still, "versions")
	tr.writeCLI([]string{"versions"}, out, errOut)

	stop := serve(t)
	admin := testkit.User(9001, "boss", "主任")
	super := testkit.User(5005, "dujian", "督查员")
	insp := testkit.User(7351906642, "secret_shopper_qz", "林晓燕")
	tr.chat(t, api, super, "督查员", "/start")
	tr.chat(t, api, admin, "管理员", "/start")
	tr.chat(t, api, admin, "管理员", "/grant @dujian supervisor")
	tr.chat(t, api, admin, "管理员", "/users")
	tr.chat(t, api, admin, "管理员", "/windows")
	tr.chat(t, api, admin, "管理员", "/gaps")
	tr.chat(t, api, insp, "暗访人员", "/join "+codes[0])
	if code, log := stop(); code != 0 {
		t.Fatalf("serve: exit %d\n%s", code, log)
	}
	out, errOut = tr.cli(t, still, "inspectors", "list")
	tr.writeCLI([]string{"inspectors", "list"}, out, errOut)

	got := tr.b.String()
	golden.Compare(t, filepath.Join("testdata", "admin-transcript.golden"), got)
	for _, want := range []string{"valid until 2026-11-09 09:00 CST (+08:00)", "1 inspector; 1 unused invite code",
		"已授予 督查员 @dujian（ID 5005）督查身份", "4 windows in the file: 4 added"} {
		if !strings.Contains(got, want) {
			t.Errorf("the transcript lacks %q", want)
		}
	}
	golden.Readable(t, got, "规范助手", func(line string) bool { return strings.Contains(line, "> ") || strings.HasPrefix(line, "$ ") })
}
