package console_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/bot/console"
)

func TestSanitize(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"上班时间可以吃东西吗？\n\t第二行", "上班时间可以吃东西吗？\n\t第二行"},
		{"\x1b[31m红色\x1b[0m", "红色"},
		{"清屏\x1b[2J\x1b[H之后", "清屏之后"},
		{"\x1b[38;5;196m颜色\x1b[m", "颜色"},
		{"标题\x1b]0;owned\x07正文", "标题正文"},
		{"链接\x1b]8;;http://evil.example\x1b\\点我\x1b]8;;\x1b\\", "链接点我"},
		{"8位\u009b31m红\u009b0m", "8位红"},
		{"8位OSC\u009d0;title\u009c完", "8位OSC完"},
		{"回车\r覆盖", "回车覆盖"},
		{"退格\b\b\b和响铃\a和NUL\x00和DEL\x7f", "退格和响铃和NUL和DEL"},
		{"字符集\x1b(0切换", "字符集切换"},
		{"反向\u202e文字\u202c", "反向文字"},
		{"坏\xff字节", "坏\ufffd字节"},
		{"结尾的ESC\x1b", "结尾的ESC"},
		{"未终止\x1b]0;标题", "未终止"},
	} {
		if got := console.Sanitize(c.in); got != c.want {
			t.Errorf("Sanitize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// Every text the console prints goes through Sanitize: messages, edits, button labels, notices, documents.
func TestConsolePrintsNoEscapes(t *testing.T) {
	var out bytes.Buffer
	c := console.New(&out, 7)
	ctx := context.Background()
	evil := "问题\x1b[2J\x1b]0;pwned\x07\x1b[31m红\u009b1m\r\x00"
	if _, err := c.Send(ctx, 7, bot.Message{Text: evil, Buttons: [][]bot.Button{{{Text: "按钮\x1b[5m", Data: "x:1"}}}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Edit(ctx, 7, 1, bot.Message{Text: "改\x1b[1A后"}); err != nil {
		t.Fatal(err)
	}
	if err := c.AnswerCallback(ctx, "cb", bot.Notice{Text: "提示\x1b[K"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SendDocument(ctx, 8, bot.File{Name: "a\x1b[2J.txt", Data: []byte("x")}, bot.Message{Text: "文件\x07"}); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, bad := range []string{"\x1b", "\u009b", "\r", "\x00", "\x07"} {
		if strings.Contains(got, bad) {
			t.Errorf("printed %q:\n%q", bad, got)
		}
	}
	for _, want := range []string{"问题红", "[1] 按钮", "改后", "（提示）", "a.txt", "文件"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}
