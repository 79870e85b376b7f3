package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/conductbot/conductbot/bot/bottest"
	"github.com/conductbot/conductbot/bot/telegramtest"
	"github.com/conductbot/conductbot/workday"
)

// updating reports whether -update was given: the golden transcripts in testdata/ are rewritten. The flag is
// the package's one -update (readme_test.go defines it; here when it does not).
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden files from the program's output")
	}
}

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
	var out, errOut bottest.LogBuffer
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
func (tr *adminTranscript) chat(t *testing.T, api *telegramtest.Server, u models.User, who, text string) {
	t.Helper()
	before := len(api.BotMessages(u.ID))
	api.Push(api.Text(telegramtest.Private(u), u, text))
	api.WaitSent(t, u.ID, before)
	// A command's answer may come in more than one message: wait until none has come for a moment.
	for n := -1; n != len(api.BotMessages(u.ID)); {
		n = len(api.BotMessages(u.ID))
		time.Sleep(150 * time.Millisecond)
	}
	fmt.Fprintf(&tr.b, "%s> %s\n", who, tr.mask(text))
	for _, m := range api.BotMessages(u.ID)[before:] {
		fmt.Fprintf(&tr.b, "规范助手：\n%s\n", tr.mask(m.Text))
		if m.Markup != nil {
			for _, row := range m.Markup.InlineKeyboard {
				var labels []string
				for _, btn := range row {
					labels = append(labels, "["+btn.Text+"]")
				}
				fmt.Fprintf(&tr.b, "  %s\n", strings.Join(labels, " "))
			}
		}
		tr.b.WriteString("\n")
	}
}

var inviteCode = regexp.MustCompile(`(?m)^[0-9A-Z]{5}-[0-9A-Z]{5}$`)

// TestAdminTranscript: an admin sets the bot up and looks after it — the window list, invite codes and the
// code's versions in the terminal; /start, /grant, /users, /windows and /gaps in the chat (Bot API stand-in,
// `conductbot serve`); the inspectors' list once one joined — compared with testdata/admin-transcript.golden
// (-update rewrites it) and read as a user would.
func TestAdminTranscript(t *testing.T) {
	api := telegramtest.New(t)
	serveEnv(t, api)
	t.Setenv("LOG_LEVEL", "warn")
	dir := os.Getenv("CONDUCTBOT_DATA_DIR")
	// The terminal's commands run on a clock that stands still: what they print does not depend on when the
	// test runs.
	still := workday.NewFake(bottest.Start)
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
	admin := telegramtest.User(9001, "boss", "主任")
	super := telegramtest.User(5005, "dujian", "督查员")
	insp := telegramtest.User(7351906642, "secret_shopper_qz", "林晓燕")
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
	path := filepath.Join("testdata", "admin-transcript.golden")
	if updating() {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./cmd/conductbot -run TestAdminTranscript -update writes it)", err)
	}
	if got != string(want) {
		t.Errorf("the transcript differs from %s (-update rewrites it):\n%s", path, diffLines(string(want), got))
	}
	for _, want := range []string{"valid until 2026-11-09 09:00 CST (+08:00)", "1 inspector; 1 unused invite code",
		"已授予 督查员 @dujian（ID 5005）督查身份", "4 windows in the file: 4 added"} {
		if !strings.Contains(got, want) {
			t.Errorf("the transcript lacks %q", want)
		}
	}
	checkTranscript(t, got)
}

// checkTranscript checks what a reader would: ASCII ,:() next to Chinese text in what the program says, a line
// said twice in one message, a text cut with "…".
func checkTranscript(t *testing.T, s string) {
	t.Helper()
	han := func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, "> ") || strings.HasPrefix(line, "$ ") {
			continue // typed
		}
		rs := []rune(line)
		for i, r := range rs {
			if strings.ContainsRune(",:()", r) && (i > 0 && han(rs[i-1]) || i+1 < len(rs) && han(rs[i+1])) {
				t.Errorf("ASCII %q next to Chinese text: %q", r, line)
			}
		}
		if strings.Contains(line, "…") && !strings.Contains(line, "……") {
			t.Errorf("a text cut short: %q", line)
		}
	}
	for _, msg := range strings.Split(s, "规范助手") {
		seen := map[string]bool{}
		for _, p := range strings.Split(msg, "\n") {
			p = strings.TrimSpace(p)
			if len([]rune(p)) < 12 || strings.HasPrefix(p, "[") {
				continue
			}
			if seen[p] {
				t.Errorf("said twice in one message: %q", p)
			}
			seen[p] = true
		}
	}
}

// diffLines lists the lines that differ, with their numbers.
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n  want %q\n  got  %q\n", i+1, wl, gl)
		}
	}
	return b.String()
}
