package inspect_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/conductbot/conductbot/bot"
)

func group(u bot.Identity) bot.Update {
	return bot.Update{ChatID: -100555, ChatType: bot.ChatSupergroup, From: u}
}

func TestJoin(t *testing.T) {
	e := newEnv(t)
	e.seedWindows()
	expect(t, e.say(inspUser, "/join").Text, "用法")
	code := e.invite()

	// Nine wrong codes: refused, with a warning near the end.
	for i := 1; i < 10; i++ {
		m := e.say(inspUser, "/join WRONG-CODE1")
		expect(t, m.Text, "邀请码不正确")
		if i >= 7 && !strings.Contains(m.Text, "再错") {
			t.Errorf("no warning after %d wrong codes: %s", i, m.Text)
		}
	}
	// The tenth locks the chat out for an hour, even for the right code.
	expect(t, e.say(inspUser, "/join 00000-00000").Text, "错误次数过多", "10:00")
	expect(t, e.say(inspUser, "/join "+code).Text, "次数过多", "10:00")
	// Another chat is not locked.
	expect(t, e.say(inspUser2, "/join "+code).Text, "欢迎加入")
	e.clock.Advance(time.Hour)
	expect(t, e.say(inspUser, "/join "+code).Text, "已经使用过")
	expect(t, e.say(inspUser2, "/join "+e.invite()).Text, "已经是暗访人员")

	// Expired after seven days.
	old := e.invite()
	e.clock.Advance(7*24*time.Hour + time.Minute)
	expect(t, e.say(inspUser, "/join "+old).Text, "已过期")

	// A code shown in a group is burnt.
	leaked := e.invite()
	up := group(inspUser)
	up.Text, up.Command, up.Args = "/join "+leaked, "join", leaked
	e.handle(up)
	expect(t, e.last(-100555).Text, "已作废")
	expect(t, e.say(inspUser, "/join "+leaked).Text, "已经使用过或已作废")

	// Lower-case, spaced and full-width forms of a code are the same code.
	fresh := e.invite()
	typed := strings.ToLower(strings.ReplaceAll(fresh, "-", " "))
	expect(t, e.say(inspUser, "/join "+typed).Text, "欢迎加入")
	expect(t, e.say(inspUser, "/report").Text, "第 1/5 步")
}

func TestInviteAndInspectors(t *testing.T) {
	e := newEnv(t)
	e.seedWindows()
	expect(t, e.say(staffUser, "/invite").Text, "仅限管理员")
	expect(t, e.say(adminUser, "/invite 0").Text, "用法")
	expect(t, e.say(adminUser, "/invite 51").Text, "用法")
	m := e.say(adminUser, "/invite 3 2")
	if codes := codePattern.FindAllString(m.Text, -1); len(codes) != 3 {
		t.Fatalf("codes in %q", m.Text)
	}
	expect(t, m.Text, "11月4日 09:00")
	e.join(inspUser)
	e.join(inspUser2)

	m = e.say(adminUser, "/inspectors")
	expect(t, m.Text, "暗访员01", "暗访员02", "有效 2 人")
	for _, bad := range []string{inspUser.Username, inspUser.Name, "7351906642"} {
		if strings.Contains(m.Text, bad) {
			t.Errorf("the list names an inspector: %q", bad)
		}
	}
	e.press(adminUser, "撤销 暗访员01")
	expect(t, e.last(adminUser.ID).Text, "确定撤销 暗访员01")
	m = e.press(adminUser, "确定撤销")
	expect(t, m.Text, "已撤销 暗访员01")
	expect(t, e.last(inspUser.ID).Text, "资格已被管理员撤销")
	expect(t, e.say(inspUser, "/report").Text, "仅限暗访人员")
	expect(t, e.say(adminUser, "/inspectors revoke 01").Text, "没有有效的 暗访员01")
	expect(t, e.say(adminUser, "/inspectors revoke 02").Text, "已撤销 暗访员02")
	// Forged admin button from a non-admin.
	e.pressData(staffUser, 1, "ins:ok:2")
	if n := e.out.lastAnswer(); !strings.Contains(n.Text, "仅限管理员") {
		t.Errorf("a staff press on an admin button: %+v", n)
	}
	// Back with a new code, under a new label.
	e.join(inspUser)
	expect(t, e.say(adminUser, "/inspectors").Text, "暗访员03")
}

func TestLongTextsAndMedia(t *testing.T) {
	e := newEnv(t)
	e.seedWindows()
	e.join(inspUser)
	e.say(inspUser, "/report")
	e.press(inspUser, "3号窗口")
	e.press(inspUser, "今天")
	e.press(inspUser, "上午")
	// A photo where none is asked for.
	expect(t, e.photo(inspUser, "", gpsJPEG(t, 32, 32, 1)).Text, "现在不需要照片", "检查项 1/11")
	// A typed answer.
	expect(t, e.say(inspUser, "符合").Text, "检查项 2/11")
	e.press(inspUser, "不符合")
	e.say(inspUser, "第一句说明")
	// A note of 10,000 characters: refused, the first note kept.
	m := e.say(inspUser, strings.Repeat("很长", 5000))
	expect(t, m.Text, "说明太长了", "10000 字", "之前填写的内容都还在")
	// A video or a sticker.
	up := private(inspUser)
	up.HasMedia = true
	e.handle(up)
	expect(t, e.last(inspUser.ID).Text, "暂不接收视频")
	m = e.press(inspUser, "下一项")
	expect(t, m.Text, "检查项 3/11")
	for i := 3; i <= 11; i++ {
		e.press(inspUser, "➖ 未观察")
	}
	m = e.say(inspUser, strings.Repeat("描", 10000))
	expect(t, m.Text, "描述太长了")
	m = e.press(inspUser, "跳过")
	expect(t, m.Text, "核对", "第一句说明")
	if strings.Contains(m.Text, "很长很长") {
		t.Errorf("the refused note was kept")
	}
	// Text where a button is expected.
	expect(t, e.say(inspUser, "好的").Text, "请点击上方消息中的按钮")
	// Change an answer from the review: the item's note and photos go with a 符合.
	e.press(inspUser, "✏️ 检查项")
	e.press(inspUser, "2. ❌")
	m = e.press(inspUser, "✅ 符合")
	expect(t, m.Text, "核对", "2. ✅ 使用文明用语")
	if strings.Contains(m.Text, "第一句说明") {
		t.Errorf("the note of an item answered 符合 stayed")
	}
}

func TestSupplementWhileDraftOpen(t *testing.T) {
	e := newEnv(t)
	e.seedWindows()
	e.join(inspUser)
	receipt := e.fileReport(inspUser, nil)
	e.say(inspUser, "/report")
	e.press(inspUser, "4号窗口")
	e.say(inspUser, "/status "+receipt)
	e.clock.Advance(time.Second) // the newest chat state is the open form
	e.press(inspUser, "补充情况")
	m := e.say(inspUser, "补充：还看到有人插队")
	expect(t, m.Text, "已补充", "未完成的暗访报告")
	// The draft goes on where it was.
	m = e.say(inspUser, "昨天")
	expect(t, m.Text, "休息日（周末）") // 11月1日 is a Sunday: confirmed by a typed 是
	m = e.say(inspUser, "是")
	expect(t, m.Text, "上午还是下午")
	// A supplement button of another chat is refused (signed for the chat).
	var data string
	for _, s := range e.out.to(inspUser.ID) {
		if b, ok := s.button("补充情况"); ok {
			data = b.Data
		}
	}
	e.join(inspUser2)
	e.pressData(inspUser2, 1, data)
	if n := e.out.lastAnswer(); !strings.Contains(n.Text, "失效") {
		t.Errorf("another chat's supplement button: %+v", n)
	}
	// An expired one.
	e.clock.Advance(31 * time.Minute)
	e.pressData(inspUser, 1, data)
	if n := e.out.lastAnswer(); !strings.Contains(n.Text, "过期") {
		t.Errorf("an expired supplement button: %+v", n)
	}
	// Receipts: wrong form, unknown code.
	expect(t, e.say(inspUser, "/status 1234").Text, "格式不对")
	expect(t, e.say(inspUser, "/status 0000-0000-0000").Text, "没有找到")
}

func TestDraftExpires(t *testing.T) {
	e := newEnv(t)
	e.seedWindows()
	e.join(inspUser)
	e.say(inspUser, "/report")
	e.press(inspUser, "3号窗口")
	e.press(inspUser, "今天")
	e.press(inspUser, "上午")
	e.press(inspUser, "不符合")
	e.photo(inspUser, "", gpsJPEG(t, 32, 32, 1))
	msg, b := func() (*sent, bot.Button) {
		m := e.last(inspUser.ID)
		b, _ := m.button("下一项")
		return m, b
	}()
	e.clock.Advance(24*time.Hour + time.Minute)
	e.pressData(inspUser, msg.ID, b.Data)
	if n := e.out.lastAnswer(); !strings.Contains(n.Text, "过期") {
		t.Errorf("a button of an expired draft: %+v", n)
	}
	expect(t, e.say(inspUser, "/report").Text, "第 1/5 步")
	e.clock.Advance(2 * time.Hour)
	n, err := e.svc.Sweep(context.Background())
	if err != nil || n != 1 {
		t.Errorf("Sweep: %d %v, want the expired draft's photo", n, err)
	}
}
