package inspect

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/conductbot/conductbot/bot"
)

// KindSupplement is the bot state of a supplement being written: it holds the report's ID, sealed, for at most
// supplementTTL and is deleted once the supplement is added.
const KindSupplement = "report.supplement"

const (
	supplementTTL    = 30 * time.Minute
	MaxSupplementLen = 2000
	MaxSupplements   = 20
)

func (s *Service) registerStatus(rt *bot.Router) {
	rt.Command("status", bot.Inspector, s.status, bot.PrivateOnly(), bot.Describe("凭回执码查看暗访报告的处理进度：/status 回执码"))
	rt.Callback("rs", bot.Inspector, s.statusButton)
	rt.Form(bot.Form{Kind: KindSupplement, Need: bot.Inspector, Handle: s.supplementInput, Cancel: s.supplementCancel})
}

func (s *Service) status(ctx context.Context, r *bot.Request) error {
	if _, err := s.pendingReceipt(ctx, r); err != nil {
		return err
	}
	code := strings.TrimSpace(r.Args)
	if code == "" {
		_, err := r.Reply(ctx, "用法：/status 回执码\n回执码是提交报告时收到的，例如 /status K7P3-Q9XW-M2TA 。")
		return err
	}
	if ok, notify := s.statusRL.Allow(r.ChatID); !ok {
		if notify {
			_, err := r.Reply(ctx, "查询太频繁了，请一小时后再试。")
			return err
		}
		return nil
	}
	if !LooksLikeCode(code, ReceiptLen) {
		_, err := r.Reply(ctx, "回执码的格式不对：应为 12 位字母和数字，如 K7P3-Q9XW-M2TA 。")
		return err
	}
	rep, err := s.o.Store.ReportByReceipt(ctx, ReceiptHash(code))
	if errors.Is(err, ErrNotFound) {
		_, err := r.Reply(ctx, "没有找到这个回执码对应的报告，请核对后重试。")
		return err
	}
	if err != nil {
		return err
	}
	text, rows := s.statusView(r.ChatID, rep)
	_, err = r.Reply(ctx, text, rows...)
	return err
}

// statusView is what the inspector sees of their report: its state, the reason of a rejection, their
// supplements; and the button to add one, signed for this chat and report for supplementTTL.
func (s *Service) statusView(chatID int64, rep *Report) (string, [][]bot.Button) {
	year := s.today().Year
	var b strings.Builder
	c := rep.Counts()
	fmt.Fprintf(&b, "暗访报告（%s，%s %s）\n", rep.WindowLabel, rep.VisitDate.Chinese(year), rep.HalfDay.Chinese())
	fmt.Fprintf(&b, "提交日期：%s\n", rep.Filed.Chinese(year))
	fmt.Fprintf(&b, "检查结果：符合 %d，不符合 %d，未观察 %d\n", c.Pass, c.Fail, c.Unobserved)
	fmt.Fprintf(&b, "\n处理状态：%s", rep.State.Chinese())
	if rep.Changed != rep.Filed && !rep.Changed.IsZero() {
		fmt.Fprintf(&b, "\uff08%s\uff09", rep.Changed.Chinese(year))
	}
	if rep.State == Rejected && rep.StateReason != "" {
		fmt.Fprintf(&b, "\n驳回原因：%s", rep.StateReason)
	}
	if len(rep.Supplements) > 0 {
		fmt.Fprintf(&b, "\n\n您的补充（%d 条）：", len(rep.Supplements))
		for _, sp := range rep.Supplements {
			fmt.Fprintf(&b, "\n%d. %s %s", sp.No, sp.Added.Chinese(year), bot.Clip(sp.Text, 100))
		}
	}
	if len(rep.Supplements) >= MaxSupplements {
		return b.String(), nil
	}
	exp := strconv.FormatInt(s.now().Add(supplementTTL).Unix(), 36)
	tag := s.sign("supplement", strconv.FormatInt(chatID, 10), rep.ID, exp)
	return b.String(), [][]bot.Button{bot.Row(bot.Btn("✏️ 补充情况", "rs", "sup", rep.ID, exp, tag))}
}

// statusButton opens the supplement form. The button is checked against its signature: it names a report,
// and only the chat that showed it with the receipt code, within supplementTTL, may use it.
func (s *Service) statusButton(ctx context.Context, r *bot.Request) error {
	id, exp, tag := r.Arg(1), r.Arg(2), r.Arg(3)
	t, err := strconv.ParseInt(exp, 36, 64)
	if r.Arg(0) != "sup" || err != nil || id == "" || !hmacEqual(tag, s.sign("supplement", strconv.FormatInt(r.ChatID, 10), id, exp)) {
		return r.Alert(ctx, "此按钮已失效。")
	}
	if s.now().Unix() > t {
		return r.Alert(ctx, "按钮已过期，请重新发送 /status 回执码。")
	}
	if _, err := s.o.Store.Report(ctx, id); err != nil {
		if errors.Is(err, ErrNotFound) {
			return r.Alert(ctx, "此按钮已失效。")
		}
		return err
	}
	if err := s.putSealed(ctx, r, KindSupplement, supplementState{ReportID: id}, supplementTTL); err != nil {
		return err
	}
	_ = r.Answer(ctx, "")
	_, err = r.Reply(ctx, fmt.Sprintf("请发送要补充的情况（文字，%d 字以内）。补充同样是匿名的。发送 /cancel 放弃。", MaxSupplementLen))
	return err
}

func hmacEqual(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	var v byte
	for i := 0; i < len(a); i++ {
		v |= a[i] ^ b[i]
	}
	return v == 0
}

type supplementState struct {
	ReportID string `json:"report"`
}

func (s *Service) supplementInput(ctx context.Context, r *bot.Request) error {
	var st supplementState
	if ok, err := s.openState(ctx, r, KindSupplement, r.State.Data, &st); err != nil || !ok {
		if err == nil {
			_, err = r.Reply(ctx, "补充表单已失效，请重新发送 /status 回执码。")
		}
		return err
	}
	text := strings.TrimSpace(r.Text)
	if len(r.Photos) > 0 || r.Document != nil || r.HasMedia || text == "" {
		_, err := r.Reply(ctx, "补充情况只接收文字。请发送文字，或发送 /cancel 放弃。")
		return err
	}
	if n := utf8.RuneCountInString(text); n > MaxSupplementLen {
		_, err := r.Reply(ctx, fmt.Sprintf("补充内容太长了（%d 字），最多 %d 字。这段文字没有保存，请精简后重新发送。", n, MaxSupplementLen))
		return err
	}
	n, err := s.o.Store.AddSupplement(ctx, st.ReportID, text, s.today())
	if err != nil {
		return err
	}
	if err := r.ClearState(ctx, KindSupplement); err != nil {
		return err
	}
	msg := fmt.Sprintf("已补充（第 %d 条），督查人员审核时会看到。", n)
	if ok, _ := r.LoadState(ctx, KindDraft, &draft{}); ok {
		msg += "\n您还有一份未完成的暗访报告，发送 /report 继续填写。"
	}
	_, err = r.Reply(ctx, msg)
	return err
}

func (s *Service) supplementCancel(ctx context.Context, r *bot.Request) error {
	if err := r.ClearState(ctx, KindSupplement); err != nil {
		return err
	}
	_, err := r.Reply(ctx, "已放弃补充。")
	return err
}
