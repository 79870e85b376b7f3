package inspect

import (
	"context"
	"fmt"
	"strings"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/rules"
	"github.com/conductbot/conductbot/workday"
)

var weekdays = []string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}

// render shows the draft's step (formSteps): the message and its buttons, all carrying the draft's ID and
// revision.
func (s *Service) render(ctx context.Context, d *draft) (bot.Message, error) {
	cl, err := s.o.Store.Checklist(ctx, d.ChecklistID)
	if err != nil {
		return bot.Message{}, err
	}
	f := &form{Service: s, ctx: ctx, d: d, cl: cl}
	if v, err := s.o.Code.CodeInForce(ctx); err == nil && v.ID == d.CodeVersionID {
		f.code = v.Code
	}
	st := steps[d.Step]
	if st == nil {
		return bot.Message{}, fmt.Errorf("inspect: draft in unknown step %q", d.Step)
	}
	var b strings.Builder
	if st.page != "" {
		title := st.page
		if st.title != nil {
			title = st.title(f)
		}
		if d.Return {
			fmt.Fprintf(&b, "📝 暗访报告 · 修改%s\n\n", title)
		} else {
			fmt.Fprintf(&b, "📝 暗访报告 · 第 %d/%d 步 · %s\n\n", pages[st.name], pageCount, title)
		}
	}
	rows, err := st.prompt(f, &b)
	if err != nil {
		return bot.Message{}, err
	}
	return bot.Message{Text: b.String(), Buttons: rows}, nil
}

// renderResume is the prompt /report shows over an open draft.
func (s *Service) renderResume(ctx context.Context, d *draft) (bot.Message, error) {
	cl, err := s.o.Store.Checklist(ctx, d.ChecklistID)
	if err != nil {
		return bot.Message{}, err
	}
	answered := 0
	for _, it := range cl.Items {
		if d.Answers[it.Key].Valid() {
			answered++
		}
	}
	var what []string
	if d.WindowID != 0 {
		what = append(what, s.windowLabel(ctx, d.WindowID))
	}
	if !d.Visit.IsZero() {
		what = append(what, d.Visit.Chinese(s.today().Year)+d.Half.Chinese())
	}
	what = append(what, fmt.Sprintf("已填 %d/%d 项", answered, len(cl.Items)))
	text := fmt.Sprintf("您有一份未完成的暗访报告（%s），将于 %s 过期。继续填写，还是删除它重新开始？",
		strings.Join(what, "\uff0c"), s.clock(d.Expires))
	return bot.Message{Text: text, Buttons: [][]bot.Button{bot.Row(d.btn("继续填写", "go"), d.btn("重新开始", "new"))}}, nil
}

// summary is the draft as it would be filed: the steps' lines (formStep.review) and the answers counted.
func (s *Service) summary(ctx context.Context, d *draft, cl *Checklist) string {
	f := &form{Service: s, ctx: ctx, d: d, cl: cl}
	var b strings.Builder
	b.WriteString("📝 暗访报告 · 核对\n\n")
	for _, st := range formSteps {
		if st.review != nil {
			st.review(f, &b)
		}
	}
	items, _ := s.effective(d, cl)
	c := (&Report{Items: items}).Counts()
	fmt.Fprintf(&b, "\n合计：符合 %d，不符合 %d，未观察 %d", c.Pass, c.Fail, c.Unobserved)
	return b.String()
}

// clauseLine names the clauses an item cites, with their section titles and the start of their text.
func clauseLine(code *rules.Code, ids []string) string {
	var parts []string
	for _, id := range ids {
		line := "依据 " + id
		if code != nil {
			if c, ok := code.Clause(id); ok {
				line += " " + c.Title + "：" + c.Text // in full: the inspector judges by it
			}
		}
		parts = append(parts, line)
	}
	return strings.Join(parts, "\n")
}

func (s *Service) windowLabel(ctx context.Context, id int64) string {
	if id == 0 {
		return "未选择"
	}
	w, err := s.o.Store.Window(ctx, id)
	if err != nil {
		return "未知窗口"
	}
	return w.Label()
}

// compact writes a date as a callback argument: 20261102.
func compact(d workday.Date) string { return fmt.Sprintf("%04d%02d%02d", d.Year, d.Month, d.Day) }
