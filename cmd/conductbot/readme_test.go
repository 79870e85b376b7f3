package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/conductbot/conductbot/internal/golden"
	"github.com/conductbot/conductbot/internal/testkit"
)

// updateReadme rewrites README.md's examples from what the program prints:
//
//	go test ./cmd/conductbot -run TestReadmeExamples -update

// readmePath is the README whose examples TestReadmeExamples checks.
const readmePath = "../../README.md"

// readmeExample is one example of README.md: a command as a reader types it and what the program prints, run
// for real through run. In README.md it stands between <!-- example: NAME --> and <!-- /example -->.
type readmeExample struct {
	name string
	args []string // after "conductbot", as README shows them
	// argFiles maps an argument as README shows it (a path from the repository's root) to the file the test
	// passes (a path from this package's directory).
	argFiles map[string]string
	// typed are lines typed into `conductbot chat`, shown after each prompt as a terminal echoes them.
	typed []string
}

var readmeExamples = []readmeExample{
	{name: "ask-json", args: []string{"ask", "--json", "窗口可以吃东西吗"}},
	{name: "ask-text", args: []string{"ask", "上班能玩手机吗"}},
	{name: "import-check", args: []string{"import", "--check", "rules/testdata/articles-sample.txt"},
		argFiles: map[string]string{"rules/testdata/articles-sample.txt": "../../rules/testdata/articles-sample.txt"}},
	{name: "chat-staff", args: []string{"chat", "--as", "staff", "--name", "小王"},
		typed: []string{"/start", "中午太困了能在窗口趴一会吗", "2", "/quit"}},
	{name: "chat-remind", args: []string{"chat", "--as", "staff", "--name", "小王"},
		typed: []string{"/remind 08:15", "/today", "/quit"}},
}

// TestReadmeExamples runs each of README.md's examples and fails when README shows other output than the
// program prints; -update writes the program's output into README.md.
func TestReadmeExamples(t *testing.T) {
	raw, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	blocks := readmeBlocks(t, readme)
	want := map[string]bool{}
	for _, ex := range readmeExamples {
		want[ex.name] = true
	}
	for name := range blocks {
		if !want[name] {
			t.Errorf("README.md has an example %q that no test runs: add it to readmeExamples", name)
		}
	}
	updated := readme
	for _, ex := range readmeExamples {
		b, ok := blocks[ex.name]
		if !ok {
			t.Errorf("README.md lacks the example %q (<!-- example: %s --> … <!-- /example -->)", ex.name, ex.name)
			continue
		}
		got := "\n" + ex.run(t) + "\n"
		if got == b.body {
			continue
		}
		if *golden.Update {
			updated = strings.Replace(updated, b.whole, b.open+got+b.close, 1)
			continue
		}
		t.Errorf("README.md's example %q is not what the program prints (go test ./cmd/conductbot -run TestReadmeExamples -update rewrites it)\nREADME:\n%s\nprogram:\n%s", ex.name, b.body, got)
	}
	if *golden.Update && updated != readme {
		if err := os.WriteFile(readmePath, []byte(updated), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Log("README.md updated")
	}
}

type readmeBlock struct{ whole, open, body, close string }

var readmeBlockRE = regexp.MustCompile(`(?s)(<!-- example: ([a-z0-9-]+) -->)(.*?)(<!-- /example -->)`)

// readmeBlocks finds README's examples by name.
func readmeBlocks(t *testing.T, readme string) map[string]readmeBlock {
	blocks := map[string]readmeBlock{}
	for _, m := range readmeBlockRE.FindAllStringSubmatch(readme, -1) {
		if _, dup := blocks[m[2]]; dup {
			t.Errorf("README.md has the example %q twice", m[2])
		}
		blocks[m[2]] = readmeBlock{whole: m[0], open: m[1], body: m[3], close: m[4]}
	}
	if n := strings.Count(readme, "<!-- example:"); n != len(readmeBlockRE.FindAllString(readme, -1)) {
		t.Errorf("README.md has %d example markers, %d of them well formed", n, len(blocks))
	}
	return blocks
}

// run runs the example on a fresh data dir, in the offline configuration README's set-up describes, on the
// command tests' clock, and returns it as README shows it: a fenced block with the command line, what was
// typed (for chat) and stdout.
func (ex readmeExample) run(t *testing.T) string {
	t.Helper()
	data := filepath.Join(t.TempDir(), "data")
	for _, kv := range [][2]string{{"CONDUCTBOT_DATA_DIR", data}, {"CONDUCTBOT_SEAL_KEY_FILE", ""}, {"DATABASE_URL", ""},
		{"CONDUCTBOT_ADMINS", ""}, {"OPENAI_API_KEY", ""}, {"OPENAI_BASE_URL", ""}, {"EMBEDDING_MODEL", ""},
		{"CHAT_MODEL", ""}, {"CONDUCTBOT_TZ", ""}, {"LOG_LEVEL", ""}} {
		t.Setenv(kv[0], kv[1])
	}
	args := make([]string, len(ex.args))
	for i, a := range ex.args {
		args[i] = a
		if f, ok := ex.argFiles[a]; ok {
			args[i] = f
		}
	}
	stdin := ""
	for _, l := range ex.typed {
		stdin += l + "\n"
	}
	var stdout, stderr testkit.LogBuffer
	if code := run(context.Background(), testClock(), args, strings.NewReader(stdin), &stdout, &stderr); code != 0 {
		t.Fatalf("conductbot %s: exit code %d\n%s", strings.Join(ex.args, " "), code, stderr.String())
	}
	// The data dir is a temporary one: show it as the default, ./data (printed cleaned, as "data").
	out := strings.ReplaceAll(stdout.String(), data, "data")
	if ex.typed != nil {
		out = echoTyped(t, out, ex.typed)
	}
	return fmt.Sprintf("```\n$ conductbot %s\n%s```", strings.Join(ex.args, " "), out)
}

// echoTyped puts each typed line after the prompt it answered, as a terminal shows them: the session prints
// "> " at the start of a line before it reads each line.
func echoTyped(t *testing.T, out string, typed []string) string {
	t.Helper()
	var b strings.Builder
	n, from := 0, 0
	for i := 0; i+len("> ") <= len(out); i++ {
		if !strings.HasPrefix(out[i:], "> ") || (i > 0 && out[i-1] != '\n') {
			continue
		}
		if n == len(typed) {
			t.Fatalf("more prompts than the %d typed lines:\n%s", len(typed), out)
		}
		b.WriteString(out[from:i] + "> " + typed[n] + "\n")
		n++
		i += len("> ") - 1
		from = i + 1
	}
	b.WriteString(out[from:])
	if n != len(typed) {
		t.Fatalf("%d prompts for %d typed lines:\n%s", n, len(typed), out)
	}
	return b.String()
}
