package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conductbot/conductbot/internal/testkit"
)

// A code with a control character (NUL passes SQLite and fails PostgreSQL with a raw English error) or invalid
// UTF-8 is refused before anything is stored, naming the line in Chinese, on either store; a clean code is
// imported.
func TestImportRefusesControlCharacters(t *testing.T) {
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			dir := t.TempDir()
			t.Setenv("CONDUCTBOT_DATA_DIR", dir)
			t.Setenv("DATABASE_URL", "")
			if store == "postgres" {
				t.Setenv("DATABASE_URL", testkit.PostgresURL(t))
			}
			write := func(name, src string) string {
				p := filepath.Join(dir, name)
				if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
					t.Fatal(err)
				}
				return p
			}
			for _, c := range []struct{ name, src, want string }{
				{"nul.txt", "标题：测试规范\n一、总则\n1、讲普通话\x00。\n2、文明用语。\n", "第3行:含有控制字符（U+0000），请删除后再导入"},
				{"esc.txt", "标题：测试规范\n一、总则\n1、讲普通话。\n2、文明\x1b[31m用语。\n", "第4行:含有控制字符（U+001B）"},
				{"latin1.txt", "标题：测试规范\n一、总则\n1、讲普通话\xe9。\n", "第3行:文件不是 UTF-8 编码的文本"},
			} {
				for _, args := range [][]string{{"import", "--check"}, {"import"}} {
					code, out, errOut := runInspCmd(t, "", append(args, write(c.name, c.src))...)
					if code != 1 || !strings.Contains(errOut, c.want) {
						t.Errorf("%v %s: exit %d, stderr %q, want 1 and %q", args, c.name, code, errOut, c.want)
					}
					if strings.Contains(out, "imported") || strings.Contains(strings.ToLower(errOut), "invalid byte sequence") {
						t.Errorf("%v %s reached the store: %q %q", args, c.name, out, errOut)
					}
				}
			}
			code, out, errOut := runInspCmd(t, "", "versions")
			if code != 0 || strings.Contains(out, "测试规范") {
				t.Fatalf("versions after refused imports: %d %q %q", code, out, errOut)
			}
			// Tabs and CRLF line ends are not control characters to refuse.
			good := write("good.txt", "标题：测试规范\r\n一、总则\r\n1、讲普通话。\t\r\n2、文明用语。\r\n")
			if code, out, errOut := runInspCmd(t, "", "import", good); code != 0 || !strings.Contains(out, "now in force") {
				t.Fatalf("a clean code: exit %d %q %q", code, out, errOut)
			}
		})
	}
}

// TestImportShowsTheOutline: an import says what it understood — the layout, the chapters with their articles,
// the rules by kind and the penalty clauses — without log noise; a refused file names the line and the layouts
// that can be imported.
func TestImportShowsTheOutline(t *testing.T) {
	t.Setenv("CONDUCTBOT_DATA_DIR", t.TempDir())
	t.Setenv("DATABASE_URL", "")
	t.Setenv("LOG_LEVEL", "")
	out, errs, code := runCmd(t, "import", filepath.Join("..", "..", "rules", "testdata", "articles-sample.txt"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"格式：第X章／第X条；8 条条文", "第二章 服务行为", "  第一节 仪容仪表：第三条–第四条", "规定：禁止 5，要求 4，提倡 1",
		"处罚条款：第七条（扣2分、通报批评）", "imported as version 2, now in force"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	if strings.Contains(errs, "level=INFO") {
		t.Errorf("INFO logs on stderr:\n%s", errs)
	}
	bad := filepath.Join(t.TempDir(), "bad.txt")
	if err := os.WriteFile(bad, []byte("某办法\n第一条 应当着装。\n第三条 不得吸烟。\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, errs, code := runCmd(t, "import", "--check", bad); code == 0 || !strings.Contains(errs, "第3行") || !strings.Contains(errs, "可以导入的格式") {
		t.Errorf("a refused file: exit %d: %s", code, errs)
	}
}
