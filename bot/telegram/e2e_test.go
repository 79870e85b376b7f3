package telegram_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/bot/telegram"
	"github.com/conductbot/conductbot/internal/testkit"
	"github.com/conductbot/conductbot/qa"
)

func TestStart(t *testing.T) {
	h := start(t, setup{})
	c := h.ask(staffDM, staff, "/start")
	contains(t, c.Text(), "小王", "规范助手", "《如皋市行政服务中心工作人员服务规范》", "/rules", "您的身份：窗口工作人员")
	// The default menu has the staff commands; an admin's /start sets their own chat's menu with theirs.
	def := h.api.Commands("default")
	if len(def) == 0 || strings.Contains(fmt.Sprint(def), "gaps") {
		t.Errorf("default menu %v", def)
	}
	c = h.ask(adminDM, admin, "/start")
	contains(t, c.Text(), "/gaps", "管理员")
	if menu := h.api.Commands(fmt.Sprintf("chat:%d", admin.ID)); !strings.Contains(fmt.Sprint(menu), "gaps") {
		t.Errorf("admin's menu %v", menu)
	}
	c = h.ask(staffDM, staff, "/help")
	contains(t, c.Text(), "/clause", "/rules")
	if strings.Contains(c.Text(), "/gaps") {
		t.Errorf("staff /help shows /gaps: %q", c.Text())
	}
}

func TestQuestionAnsweredWithClauseID(t *testing.T) {
	h := start(t, setup{})
	// The quote is the whole clause: the answer offers no 查看原文, which would repeat it.
	c := h.ask(staffDM, staff, "上班时间可以在窗口吃东西吗？")
	contains(t, c.Text(), "不可以", "第 1.3.3 条", "服务仪表", "不得在窗口吃东西", "带小孩")
	if !strings.HasPrefix(c.Text(), "不可以") {
		t.Errorf("the verdict does not come first: %q", c.Text())
	}
	for _, b := range c.Buttons() {
		if strings.Contains(b.Text, "查看原文") {
			t.Errorf("查看原文 offered for a quote that is the whole clause: %q", c.Text())
		}
	}
	// The quote is one sentence of four: 查看原文 sends the whole clause with navigation.
	c = h.ask(staffDM, staff, "工作时可以穿拖鞋吗？")
	contains(t, c.Text(), "不可以", "第 1.3.2 条", "拖鞋")
	if strings.Contains(c.Text(), "胡须") {
		t.Errorf("the answer quotes more than the deciding sentence: %q", c.Text())
	}
	for _, b := range []string{"查看原文", "相关条款", "👍", "👎"} {
		button(t, c, b)
	}
	a := h.press(staffDM, staff, messageID(t, c), button(t, c, "查看原文"))
	if a.Params["text"] != "" {
		t.Errorf("answer %q", a.Params["text"])
	}
	orig := h.api.WaitSent(t, staffDM.ID, 2)
	contains(t, orig.Text(), "第 1.3.2 条", "一（三）2", "胡须")
	button(t, orig, "返回 服务仪表")

	h.press(staffDM, staff, messageID(t, c), button(t, c, "相关条款"))
	list := h.api.WaitSent(t, staffDM.ID, 3)
	contains(t, list.Text(), "相关条款")
}

func TestBrowseInOneMessage(t *testing.T) {
	h := start(t, setup{})
	c := h.ask(staffDM, staff, "/rules")
	contains(t, c.Text(), "如皋市行政服务中心工作人员服务规范", "请选择")
	id := messageID(t, c)
	steps := []struct{ button, want string }{
		{"规范化服务的内容", "（三）服务仪表"},
		{"服务仪表", "1.3.3 工作时不得在窗口吃东西"},
		{"1.3.3", "第 1.3.3 条"},
		{"上一条", "第 1.3.2 条"},
		{"返回 服务仪表", "一（三） 服务仪表"},
		{"返回 规范化服务的内容", "一、规范化服务的内容"},
		{"返回目录", "请选择要查看的部分"},
		{"规范化服务的管理", "第 2 条"},
	}
	for _, s := range steps {
		m, _ := h.api.Message(staffDM.ID, id)
		h.press(staffDM, staff, id, msgButton(t, m, s.button))
		// The press answered; the edit happened before the answer or right after it.
		ctx, cancel := context.WithTimeout(context.Background(), testkit.WaitTimeout)
		err := h.api.WaitFor(ctx, func([]testkit.Call) bool {
			m, _ := h.api.Message(staffDM.ID, id)
			return strings.Contains(m.Text, s.want)
		})
		cancel()
		if err != nil {
			m, _ := h.api.Message(staffDM.ID, id)
			t.Fatalf("after %q: message is %q, want %q", s.button, m.Text, s.want)
		}
	}
	if n := len(h.api.BotMessages(staffDM.ID)); n != 1 {
		t.Errorf("browsing sent %d messages, want 1 edited in place", n)
	}
	if u := h.api.Unanswered(); len(u) > 0 {
		t.Errorf("unanswered callback queries %v", u)
	}
	// /clause opens one clause directly; a bad reference is explained.
	c = h.ask(staffDM, staff, "/clause 1.3.3")
	contains(t, c.Text(), "第 1.3.3 条", "带小孩")
	c = h.ask(staffDM, staff, "/clause 一（五）1")
	contains(t, c.Text(), "第 1.5.1 条")
	c = h.ask(staffDM, staff, "/clause 9.9")
	contains(t, c.Text(), "没有找到条款")
}

func TestFeedbackWithReasonAndGaps(t *testing.T) {
	h := start(t, setup{})
	c := h.ask(staffDM, staff, "工作时可以穿拖鞋吗")
	h.press(staffDM, staff, messageID(t, c), button(t, c, "👎"))
	prompt := h.api.WaitSent(t, staffDM.ID, 1)
	contains(t, prompt.Text(), "哪里不对")
	for _, r := range []string{"答非所问", "条款不对", "规范没写", "其他"} {
		button(t, prompt, r)
	}
	h.press(staffDM, staff, messageID(t, prompt), button(t, prompt, "其他"))
	edited := h.api.WaitCall(t, "editMessageText", nil)
	contains(t, edited.Text(), "已记录：其他", "/cancel")
	note := h.ask(staffDM, staff, "规范只说大厅，没说后台办公区")
	contains(t, note.Text(), "已记录您的说明")

	// Another user rates the same answer 👎 with a fixed reason; a third question is not covered.
	c2 := h.ask(staff2DM, staff2, "工作时能不能穿拖鞋？")
	h.press(staff2DM, staff2, messageID(t, c2), button(t, c2, "👎"))
	p2 := h.api.WaitSent(t, staff2DM.ID, 1)
	h.press(staff2DM, staff2, messageID(t, p2), button(t, p2, "条款不对"))
	// Every reason offers to explain it; /cancel declines, and the next line is a question again.
	e2 := h.api.WaitCall(t, "editMessageText", func(c testkit.Call) bool { return strings.Contains(c.Params["text"], "条款不对") })
	contains(t, e2.Text(), "已记录：条款不对", "说明原因", "/cancel")
	contains(t, h.ask(staff2DM, staff2, "/cancel").Text(), "不再补充说明")
	h.ask(staffDM, staff, "食堂几点开饭")
	h.ask(staff2DM, staff2, "食堂几点开饭？")
	h.ask(staffDM, staff, "停车场在哪里")
	// Chat is no gap in the code: thanks, a thumbs-up, English.
	for _, chat := range []string{"谢谢", "👍", "hello", "ok thanks"} {
		h.ask(staff2DM, staff2, chat)
	}

	refused := h.ask(staffDM, staff, "/gaps")
	contains(t, refused.Text(), "仅限管理员")
	g := h.ask(adminDM, admin, "/gaps")
	contains(t, g.Text(), "规范未覆盖的问题（共 3 次，2 类）", "“食堂几点开饭？” ×2", "“停车场在哪里” ×1",
		"评价差的回答", "拖鞋", "👎2", "引用 1.3.2", "条款不对×1", "其他×1", "没说后台办公区")
}

func TestGroupOnlyCommandsMentionsAndReplies(t *testing.T) {
	h := start(t, setup{})
	// Not for the bot: ignored. The /help after it is answered, and updates of one chat are handled in order,
	// so had the first been answered, its answer would come first.
	h.api.Push(h.api.Text(group, staff, "上班可以吃东西吗"))
	c := h.ask(group, staff, "/help@conduct_test_bot")
	contains(t, c.Text(), "请 @我")
	if n := len(h.api.Sent(group.ID)); n != 1 {
		t.Fatalf("%d messages in the group, want only the /help answer", n)
	}
	// Another bot's command: ignored too.
	h.api.Push(h.api.Text(group, staff, "/start@other_bot"))
	c = h.ask(group, staff, "@conduct_test_bot 上班可以吃东西吗")
	contains(t, c.Text(), "不可以", "1.3.3")
	if c.Params["reply_parameters"] == "" {
		t.Errorf("a group answer should reply to its question")
	}
	c = h.api.WaitSent(t, group.ID, 1)
	n := len(h.api.Sent(group.ID))
	h.api.Push(h.api.Reply(group, staff2, messageID(t, c), "那可以带小孩吗"))
	c = h.api.WaitSent(t, group.ID, n)
	contains(t, c.Text(), "1.3.3")
}

func TestWebhook(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/tg/hook"
	h := start(t, setup{webhook: &telegram.Webhook{URL: url, Secret: "s3cret-Token_1", Listener: ln}})
	h.api.WaitCall(t, "setWebhook", nil)
	wh, _ := h.api.Webhook()
	if wh.URL != url || wh.Secret != "s3cret-Token_1" {
		t.Fatalf("webhook %+v", wh)
	}
	ctx := context.Background()

	// A wrong or missing secret is refused with 401 and never handled.
	for _, secret := range []string{"wrong", ""} {
		status, err := h.api.DeliverTo(ctx, url, secret, h.api.Text(staffDM, staff, "/start"))
		if err != nil || status != http.StatusUnauthorized {
			t.Fatalf("secret %q: status %d, %v", secret, status, err)
		}
	}
	status, err := h.api.Deliver(ctx, h.api.Text(staffDM, staff, "/help"))
	if err != nil || status != http.StatusOK {
		t.Fatalf("right secret: status %d, %v", status, err)
	}
	c := h.api.WaitSent(t, staffDM.ID, 0)
	contains(t, c.Text(), "命令")
	// A redelivered update is handled once.
	u := h.api.Text(staffDM, staff, "可以玩手机吗")
	for range 2 {
		if status, err := h.api.Deliver(ctx, u); err != nil || status != http.StatusOK {
			t.Fatalf("deliver: %d %v", status, err)
		}
	}
	h.api.WaitSent(t, staffDM.ID, 1)

	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	if n := len(h.api.Sent(staffDM.ID)); n != 2 {
		t.Errorf("%d answers, want 2 (the /start with a wrong secret and the redelivery are not handled)", n)
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Errorf("the webhook server still answers after shutdown")
	}
}

func TestRetryAfter429ThenSuccess(t *testing.T) {
	h := start(t, setup{})
	h.api.FailNext("sendMessage", 1, testkit.TooManyRequests(1))
	c := h.ask(staffDM, staff, "/help")
	contains(t, c.Text(), "命令")
	calls := h.api.Calls("sendMessage")
	if len(calls) != 2 || calls[0].Status != 429 || !calls[1].OK() {
		t.Fatalf("calls %+v", calls)
	}
	if s := h.slept(); len(s) != 1 || s[0] != time.Second {
		t.Errorf("waited %v, want [1s] (retry_after)", s)
	}
}

func TestServerErrorsRetriedWithBackoff(t *testing.T) {
	h := start(t, setup{})
	h.api.FailNext("sendMessage", 2, testkit.ServerError)
	h.api.FailNext("answerCallbackQuery", 1, testkit.BadGateway)
	c := h.ask(staffDM, staff, "/rules")
	if s := h.slept(); len(s) != 2 || s[0] != 500*time.Millisecond || s[1] != time.Second {
		t.Errorf("waited %v, want [500ms 1s]", s)
	}
	h.press(staffDM, staff, messageID(t, c), button(t, c, "规范化服务的内容"))
	if u := h.api.Unanswered(); len(u) > 0 {
		t.Errorf("unanswered %v", u)
	}
}

func TestBlockedUserReported(t *testing.T) {
	h := start(t, setup{})
	h.api.Block(staff.ID)
	_, err := h.bot.Client().Send(context.Background(), staff.ID, bot.Message{Text: "今日规范"})
	if !errors.Is(err, bot.ErrBlocked) {
		t.Fatalf("err %v, want bot.ErrBlocked", err)
	}
	if s := h.slept(); len(s) != 0 {
		t.Errorf("a 403 was retried: %v", s)
	}
	// A blocked user's update is handled without an error storm: logged, not retried.
	h.api.Push(h.api.Text(staffDM, staff, "/help"))
	h.api.WaitFor(context.Background(), func(calls []testkit.Call) bool {
		for _, c := range calls {
			if c.Method == "sendMessage" && c.Status == 403 && c.ChatID() == staff.ID {
				return true
			}
		}
		return false
	})
}

func TestJunkAndForgedButtons(t *testing.T) {
	h := start(t, setup{})
	c := h.ask(staffDM, staff, "上班时间可以在窗口吃东西吗")
	id := messageID(t, c)
	other := h.ask(staff2DM, staff2, "可以玩手机吗") // a question of another chat
	otherQ := strings.Split(button(t, other, "👍"), ":")[2]
	junk := []string{
		"", "junk data!", "zz", "zz:1", "qa", "qa:o", "qa:x:1", "qa:o:zzzzzzzzzzzzzz", "fb:u:-1",
		"fb:u:" + otherQ, "fb:d:" + otherQ, "fb:r:" + otherQ + ":1", "fb:r:1:9", "fb:r:1:01", "rl:9.9.9", "rl:1:2",
		"rl:<script>", strings.Repeat("x", 65), "FB:u:1", "fb:u:1:extra",
	}
	for _, data := range junk {
		a := h.press(staffDM, staff, id, data)
		if data == "rl:9.9.9" {
			continue // answered with a notice, and the table of contents shown instead
		}
		if !strings.Contains(a.Params["text"], "失效") {
			t.Errorf("button %q answered %q", data, a.Params["text"])
		}
	}
	if n := len(h.api.Sent(staffDM.ID)); n != 1 {
		t.Errorf("junk buttons caused %d messages", n-1)
	}
	if n := len(h.api.Sent(staff2DM.ID)); n != 1 {
		t.Errorf("a forged button reached the other chat")
	}
	if u := h.api.Unanswered(); len(u) > 0 {
		t.Errorf("unanswered %v", u)
	}
}

func TestLongMessages(t *testing.T) {
	long := strings.Repeat("窗口工作人员应当文明用语，热情服务，做到百问不厌。", 200)[:0]
	for i := 0; len([]rune(long)) < 5000; i++ {
		long += fmt.Sprintf("第%d句：窗口工作人员应当文明用语，热情服务，做到百问不厌。", i)
	}
	long = string([]rune(long)[:5000])
	h := start(t, setup{register: func(rt *bot.Router) {
		rt.Command("long", bot.Staff, func(ctx context.Context, r *bot.Request) error {
			_, err := r.Reply(ctx, long, bot.Row(bot.Btn("📖 浏览规范", "rl")))
			return err
		})
	}})
	// Incoming: a 5,000-character question is refused politely.
	c := h.ask(staffDM, staff, long)
	contains(t, c.Text(), "问题太长了")
	// Outgoing: a 5,000-character answer is split at a sentence end, buttons on the last part.
	h.api.Push(h.api.Text(staffDM, staff, "/long"))
	parts := h.api.WaitCount(t, "sendMessage", 3)[1:]
	if got := parts[0].Text() + parts[1].Text(); got != long {
		t.Errorf("the parts do not add up to the text")
	}
	if !strings.HasSuffix(parts[0].Text(), "。") || len([]rune(parts[0].Text())) > 4096 {
		t.Errorf("first part of %d characters ends %q", len([]rune(parts[0].Text())), string([]rune(parts[0].Text())[len([]rune(parts[0].Text()))-3:]))
	}
	if parts[0].Markup() != nil || parts[1].Markup() == nil {
		t.Errorf("buttons should go with the last part")
	}
}

func TestPanickingHandler(t *testing.T) {
	h := start(t, setup{register: func(rt *bot.Router) {
		rt.Command("boom", bot.Staff, func(context.Context, *bot.Request) error { panic("kaboom") })
		rt.Callback("boom", bot.Staff, func(context.Context, *bot.Request) error { panic("kaboom button") })
	}})
	c := h.ask(staffDM, staff, "/boom")
	if c.Text() != bot.MsgError {
		t.Errorf("after a panic the user got %q", c.Text())
	}
	a := h.press(staffDM, staff, messageID(t, c), "boom")
	if a.Params["text"] != bot.MsgError || a.Params["show_alert"] != "true" {
		t.Errorf("a panicking button was answered %+v", a.Params)
	}
	c = h.ask(staffDM, staff, "/help")
	contains(t, c.Text(), "命令")
	log := h.log.String()
	contains(t, log, "handler panicked", "kaboom", "update_id=")
	if strings.Contains(log, "xiaowang") || strings.Contains(log, "1001") {
		t.Errorf("the log names the user:\n%s", log)
	}
	if u := h.api.Unanswered(); len(u) > 0 {
		t.Errorf("unanswered %v", u)
	}
}

func TestRedeliveredUpdateHandledOnce(t *testing.T) {
	h := start(t, setup{})
	u := h.api.Text(staffDM, staff, "可以玩手机吗")
	h.api.Push(u, u, h.api.Text(staffDM, staff, "/help"))
	c := h.api.WaitSent(t, staffDM.ID, 1) // ordered behind both
	contains(t, c.Text(), "命令")
	h.ask(staffDM, staff, "/help")
	if n := len(h.api.Sent(staffDM.ID)); n != 3 {
		t.Errorf("%d answers, want 3: the redelivered question once, and /help twice", n)
	}
}

func TestPerChatOrderAndParallelChats(t *testing.T) {
	release := make(chan struct{})
	h := start(t, setup{register: func(rt *bot.Router) {
		rt.Command("wait", bot.Staff, func(ctx context.Context, r *bot.Request) error {
			<-release
			_, err := r.Reply(ctx, "1")
			return err
		})
		rt.Command("echo", bot.Staff, func(ctx context.Context, r *bot.Request) error {
			_, err := r.Reply(ctx, r.Args)
			return err
		})
	}})
	h.api.Push(h.api.Text(staffDM, staff, "/wait"))
	for i := 2; i <= 10; i++ {
		h.api.Push(h.api.Text(staffDM, staff, fmt.Sprintf("/echo %d", i)))
	}
	// Another chat is not held up by the blocked one.
	c := h.ask(staff2DM, staff2, "/echo other")
	if c.Text() != "other" || len(h.api.Sent(staffDM.ID)) != 0 {
		t.Fatalf("chat 2 got %q; chat 1 got %d answers while its first update was still running", c.Text(), len(h.api.Sent(staffDM.ID)))
	}
	close(release)
	calls := h.api.WaitCount(t, "sendMessage", 11)
	var got []string
	for _, c := range calls {
		if c.ChatID() == staffDM.ID {
			got = append(got, c.Text())
		}
	}
	if want := "1 2 3 4 5 6 7 8 9 10"; strings.Join(got, " ") != want {
		t.Errorf("chat 1 answers in order %v, want %s", got, want)
	}
}

func TestRateLimit(t *testing.T) {
	h := start(t, setup{})
	for range qa.DefaultQuestionsPerMinute {
		h.api.Push(h.api.Text(staffDM, staff, "可以玩手机吗"))
	}
	h.api.Push(h.api.Text(staffDM, staff, "可以玩手机吗"), h.api.Text(staffDM, staff, "可以玩手机吗"))
	h.api.Push(h.api.Text(staffDM, staff, "/help"))
	h.api.WaitSent(t, staffDM.ID, qa.DefaultQuestionsPerMinute+1)
	sent := h.api.Sent(staffDM.ID)
	if len(sent) != qa.DefaultQuestionsPerMinute+2 {
		t.Fatalf("%d messages, want 20 answers, one notice and /help", len(sent))
	}
	contains(t, sent[qa.DefaultQuestionsPerMinute].Text(), "太快", "20")
	h.env.Clock.Advance(time.Minute)
	c := h.ask(staffDM, staff, "可以玩手机吗")
	contains(t, c.Text(), "1.3.3")
}

func TestGracefulShutdownDrainsHandlers(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	h := start(t, setup{register: func(rt *bot.Router) {
		rt.Command("slow", bot.Staff, func(ctx context.Context, r *bot.Request) error {
			close(started)
			<-release
			_, err := r.Reply(ctx, "done")
			return err
		})
	}})
	h.api.Push(h.api.Text(staffDM, staff, "/slow"))
	<-started
	stopped := make(chan error, 1)
	go func() { stopped <- h.stop() }()
	select {
	case err := <-stopped:
		t.Fatalf("Run returned (%v) while a handler was running", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	c := h.api.WaitCall(t, "sendMessage", nil)
	if c.Text() != "done" {
		t.Errorf("the drained handler's reply: %q", c.Text())
	}
	// The offset is saved, so a restart does not see the batch again.
	st, err := h.env.Store.ActiveState(context.Background(), 0, time.Now())
	if err != nil || !strings.HasPrefix(st.Kind, "telegram.offset.") {
		t.Fatalf("offset state %+v %v", st, err)
	}
}

func TestPhotoDownloadAndFiles(t *testing.T) {
	h := start(t, setup{register: func(rt *bot.Router) {
		rt.Photo(bot.Staff, func(ctx context.Context, r *bot.Request) error {
			p, _ := r.LargestPhoto()
			data, err := r.Out.Download(ctx, p.FileID, 1<<20)
			if err != nil {
				return err
			}
			if _, err := r.Out.SendPhoto(ctx, r.ChatID, bot.File{Name: "back.jpg", Data: data}, bot.Message{Text: "收到"}); err != nil {
				return err
			}
			_, err = r.Out.SendDocument(ctx, r.ChatID, bot.File{Name: "r.csv", Data: []byte("a,b\n")}, bot.Message{Text: strings.Repeat("长", 1100)})
			return err
		})
	}})
	img := []byte(strings.Repeat("JPEGDATA", 100))
	h.api.Push(h.api.Photo(staffDM, staff, "", img))
	p := h.api.WaitCall(t, "sendPhoto", nil)
	if string(p.Files["photo"].Data) != string(img) {
		t.Errorf("the largest size was not downloaded: %d bytes", len(p.Files["photo"].Data))
	}
	d := h.api.WaitCall(t, "sendDocument", nil)
	if d.Params["caption"] != "" || string(d.Files["document"].Data) != "a,b\n" {
		t.Errorf("document %+v", d.Params)
	}
	h.api.WaitCall(t, "sendMessage", func(c testkit.Call) bool { return strings.HasPrefix(c.Text(), "长长") })
	_, err := h.bot.Client().Download(context.Background(), p.Files["photo"].Name, 1)
	if err == nil {
		t.Errorf("an unknown file downloaded")
	}
}

// TestFileFromDisk: a file sent from disk (bot.File.Path) is streamed in a multipart upload with its caption
// and buttons; a 429 is waited out and the whole file sent again; a 403 is bot.ErrBlocked.
func TestFileFromDisk(t *testing.T) {
	h := start(t, setup{})
	path := filepath.Join(t.TempDir(), "export.xlsx")
	data := bytes.Repeat([]byte("PK\x03\x04 workbook "), 50000) // 0.8 MB
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	h.api.FailNext("sendDocument", 1, testkit.TooManyRequests(3))
	f := bot.File{Name: "conductbot-2026-11.xlsx", Path: path}
	id, err := h.bot.Client().SendDocument(ctx, staff.ID, f, bot.Message{Text: "📥 报表", Buttons: [][]bot.Button{bot.Row(bot.Btn("再次导出", "ss", "x"))}, Silent: true})
	if err != nil || id == 0 {
		t.Fatalf("SendDocument: %d, %v", id, err)
	}
	calls := h.api.Calls("sendDocument")
	if len(calls) != 2 || !slices.Contains(h.slept(), 3*time.Second) {
		t.Fatalf("%d sendDocument calls, slept %v; want the 429 waited out and one more", len(calls), h.slept())
	}
	d := calls[1]
	if doc := d.Files["document"]; doc.Name != f.Name || !bytes.Equal(doc.Data, data) {
		t.Fatalf("document %q: %d bytes, want %d", doc.Name, len(doc.Data), len(data))
	}
	if d.Params["caption"] != "📥 报表" || d.Params["disable_notification"] != "true" || len(d.Buttons()) != 1 ||
		d.Buttons()[0].CallbackData != "ss:x" || d.Params["chat_id"] != strconv.FormatInt(staff.ID, 10) {
		t.Fatalf("params %+v", d.Params)
	}
	h.api.Block(staff.ID)
	if _, err := h.bot.Client().SendDocument(ctx, staff.ID, f, bot.Message{}); !errors.Is(err, bot.ErrBlocked) ||
		strings.Contains(err.Error(), h.api.Token) {
		t.Fatalf("to a chat that blocked the bot: %v", err)
	}
	if _, err := h.bot.Client().SendDocument(ctx, staff2.ID, bot.File{Name: "gone.xlsx", Path: path + ".gone"}, bot.Message{}); err == nil {
		t.Fatal("a missing file sent")
	}
}
