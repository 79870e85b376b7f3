package console_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/bot/console"
	"github.com/conductbot/conductbot/internal/testkit"
)

// session types lines into a console through a pipe and returns everything it printed.
func session(t *testing.T, rt *bot.Router, user bot.Identity, lines ...string) string {
	t.Helper()
	in, w := io.Pipe()
	out := &testkit.LogBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- console.Run(context.Background(), console.Options{Router: rt, In: in, Out: out, User: user})
	}()
	for _, l := range lines {
		if _, err := io.WriteString(w, l+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func contains(t *testing.T, s string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("output does not contain %q:\n%s", w, s)
		}
	}
}

var me = bot.Identity{ID: 1, Name: "本机用户"}

func TestConsoleStaff(t *testing.T) {
	env := testkit.NewBot(t, nil)
	out := session(t, env.Router, me,
		"/start",
		"工作时可以穿拖鞋吗？",
		"1", // 📄 查看原文
		"1", // ‹ 上一条 on the clause view
		"/rules",
		"1",  // 前言
		"1",  // « 返回目录
		"2",  // 一、规范化服务的内容
		"99", // no such button: told so
		"/gaps",
	)
	contains(t, out,
		"本机用户，您好", "您的身份：窗口工作人员",
		"不可以。", "1.3.2", "[1] 📄 查看原文", "[3] 👍 有帮助", "[4] 👎 没帮助",
		"第 1.3.2 条 · 一（三）2 · 服务仪表", "[1] ‹ 上一条", "第 1.3.1 条", "（没有按钮 99：上面的按钮编号为 1–6。）",
		"请选择要查看的部分", "[1] 前言", "前言\n\n为进一步加强", "（更新了上面的消息）", "（一）服务语言",
		"抱歉，此功能仅限管理员使用。",
	)
	if strings.Count(out, "> ") < 10 {
		t.Errorf("prompts missing:\n%s", out)
	}
}

func TestConsoleFeedbackAndAdmin(t *testing.T) {
	env := testkit.NewBot(t, nil)
	env2 := env // the same stores for the admin session
	out := session(t, env.Router, me,
		"工作时可以穿拖鞋吗",
		"4", // 👎
		"4", // 其他
		"规范只说了大厅",
		"食堂几点开饭",
	)
	contains(t, out, "哪里不对", "[1] 答非所问", "已记录：其他", "已记录您的说明，谢谢！", "规范中没有相关规定")
	admin := testkit.Router(t, withRoles(env2.Config, bot.StaticRoles{2: bot.Roles(bot.Admin)}), env2.QA)
	out = session(t, admin, bot.Identity{ID: 2, Name: "主任"}, "/gaps", "/users", "/grant 1 supervisor", "/users")
	contains(t, out, "“食堂几点开饭” ×1", "“工作时可以穿拖鞋吗” 👎1", "其他×1", "规范只说了大厅",
		"本机用户（ID 1）：窗口工作人员", "已授予 本机用户（ID 1）督查身份", "本机用户（ID 1）：督查",
		"→ 发给 会话 1：\n管理员已授予您督查身份")
}

func withRoles(c bot.Config, s bot.RoleSource) bot.Config {
	c.RoleSources = append(c.RoleSources, s)
	return c
}

func TestConsoleFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "窗口.jpg")
	if err := os.WriteFile(path, []byte("JPEG"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := testkit.NewBot(t, nil)
	rt := bot.NewRouter(bot.Options{})
	rt.Photo(bot.Staff, func(ctx context.Context, r *bot.Request) error {
		p, _ := r.LargestPhoto()
		data, err := r.Out.Download(ctx, p.FileID, 100)
		if err != nil {
			return err
		}
		_, err = r.Out.SendPhoto(ctx, r.ChatID, bot.File{Name: "back.jpg", Data: data}, bot.Message{Text: "收到 " + r.Text})
		return err
	})
	_ = env
	out := session(t, rt, me, "/photo "+path+" 台面", "/photo /nonexistent")
	contains(t, out, "[图片 back.jpg，4 字节]\n收到 台面", "用法：/photo")
}

// Pictures and files the bot sends are written under the files directory, never over an earlier one, and the
// path is printed.
func TestConsoleSavesFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "chat-files")
	var buf bytes.Buffer
	c := console.New(&buf, 1)
	c.SaveFilesTo(dir)
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if _, err := c.SendPhoto(ctx, 1, bot.File{Name: "stats-2026-12.png", Data: []byte("PNG")}, bot.Message{Text: "图表"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.SendDocument(ctx, 1, bot.File{Name: "../export.xlsx", Data: []byte("XLSX")}, bot.Message{}); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"stats-2026-12.png": "PNG", "stats-2026-12-2.png": "PNG", "export.xlsx": "XLSX"} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(got) != want {
			t.Errorf("%s: %q, %v", name, got, err)
		}
	}
	contains(t, buf.String(), "[图片 已保存："+filepath.Join(dir, "stats-2026-12.png")+"（3 字节）]\n图表",
		"[文件 已保存："+filepath.Join(dir, "export.xlsx")+"（4 字节）]")
}

// Where the latest message offers a typed choice, a bare number is text even within the buttons (with a hint,
// once), #N presses and #N past the buttons is told so; a message to another chat is a delivery whose buttons no
// number presses; where the latest message offers no typed choice, a bare number presses.
func TestConsoleTypedNumbersAndDeliveries(t *testing.T) {
	var got []string
	rt := bot.NewRouter(bot.Options{})
	rt.Command("ask", bot.Staff, func(ctx context.Context, r *bot.Request) error {
		_, err := r.Reply(ctx, "请输入数量：", bot.Row(bot.Btn("取消", "x", "cancel")))
		return err
	})
	rt.Command("notify", bot.Staff, func(ctx context.Context, r *bot.Request) error {
		_, err := r.Out.Send(ctx, 77, bot.Message{Text: "新报告", Buttons: [][]bot.Button{bot.Row(bot.Btn("查看", "x", "view"))}})
		return err
	})
	rt.Command("plain", bot.Staff, func(ctx context.Context, r *bot.Request) error {
		_, err := r.Reply(ctx, "选一个：", bot.Row(bot.Btn("甲", "x", "a"), bot.Btn("乙", "x", "b")))
		return err
	})
	rt.Text(bot.Staff, func(ctx context.Context, r *bot.Request) error {
		got = append(got, "text:"+r.Text)
		return nil
	})
	rt.Callback("x", bot.Staff, func(ctx context.Context, r *bot.Request) error {
		got = append(got, "press:"+r.Arg(0))
		return r.Answer(ctx, "")
	})
	var buf bytes.Buffer
	c := console.New(&buf, 1)
	c.NameChat(77, "督查")
	if err := console.Run(context.Background(), console.Options{Router: rt, In: strings.NewReader("/ask\n1\n5\n#1\n#2\n/notify\n1\n/plain\n2\n3\n#1\n"), Out: &buf, User: me, Console: c}); err != nil {
		t.Fatal(err)
	}
	want := []string{"text:1", "text:5", "press:cancel", "text:1", "press:b", "press:a"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("handled %v, want %v", got, want)
	}
	out := buf.String()
	contains(t, out, "# 加编号", "（没有按钮 2：上面的按钮编号为 1–1。）", "→ 发给 督查：\n新报告\n  [查看]", "（没有按钮 3：上面的按钮编号为 1–2。）")
	if strings.Count(out, "# 加编号") != 1 {
		t.Errorf("the hint is printed more than once:\n%s", out)
	}
	if strings.Contains(fmt.Sprint(got), "press:view") {
		t.Error("a number pressed a button of another chat's message")
	}
}
