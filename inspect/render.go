package inspect

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/rules"
	"github.com/conductbot/conductbot/workday"
)

var weekdays = []string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}

// render shows the draft's step: the message and its buttons, all carrying the draft's ID and revision.
func (s *Service) render(ctx context.Context, d *draft) (bot.Message, error) {
	cl, err := s.o.Store.Checklist(ctx, d.ChecklistID)
	if err != nil {
		return bot.Message{}, err
	}
	var code *rules.Code
	if v, err := s.o.Code.CodeInForce(ctx); err == nil && v.ID == d.CodeVersionID {
		code = v.Code
	}
	today := s.today()
	cancel := d.btn("取消", "c")
	back := d.btn("⬅ 返回", "b")
	var b strings.Builder
	var rows [][]bot.Button
	header := func(n int, title string) {
		if d.Return {
			fmt.Fprintf(&b, "📝 暗访报告 · 修改%s\n\n", title)
			return
		}
		fmt.Fprintf(&b, "📝 暗访报告 · 第 %d/%d 步 · %s\n\n", n, totalSteps, title)
	}
	switch d.Step {
	case stepWindow:
		header(1, "窗口")
		b.WriteString("请选择暗访的窗口（也可以直接输入窗口号）：")
		ws, err := s.o.Store.Windows(ctx, false)
		if err != nil {
			return bot.Message{}, err
		}
		var row []bot.Button
		for _, w := range ws {
			label := w.Label()
			if w.ID == d.WindowID {
				label = "● " + label
			}
			row = append(row, d.btn(label, "w", bot.ID(w.ID)))
			if len(row) == 2 {
				rows = append(rows, row)
				row = nil
			}
		}
		if len(row) > 0 {
			rows = append(rows, row)
		}
		rows = append(rows, bot.Row(cancel))
	case stepDate:
		header(2, "日期")
		fmt.Fprintf(&b, "窗口：%s\n\n请选择暗访的日期（最近 %d 天内，不能是未来），也可以直接输入，如“11月2日”：", s.windowLabel(ctx, d.WindowID), VisitWindowDays)
		rows = append(rows,
			bot.Row(d.btn("今天 "+today.Chinese(today.Year), "d", compact(today)),
				d.btn("昨天 "+today.AddDays(-1).Chinese(today.Year), "d", compact(today.AddDays(-1)))),
			bot.Row(d.btn("更早…", "d", "o")),
			bot.Row(back, cancel))
	case stepOlder:
		header(2, "日期")
		b.WriteString("请选择暗访的日期：")
		var row []bot.Button
		for i := 2; i < VisitWindowDays; i++ {
			day := today.AddDays(-i)
			row = append(row, d.btn(day.Chinese(today.Year)+" "+weekdays[day.Weekday()], "d", compact(day)))
			if len(row) == 3 {
				rows = append(rows, row)
				row = nil
			}
		}
		if len(row) > 0 {
			rows = append(rows, row)
		}
		rows = append(rows, bot.Row(d.btn("⬅ 返回", "d", "b"), cancel))
	case stepOffDay:
		header(2, "日期")
		info := s.calendar(ctx).Day(d.Visit)
		fmt.Fprintf(&b, "窗口：%s\n日期：%s %s\n\n⚠️ 这一天是休息日（%s），服务中心通常不对外办理业务。暗访确实是在这一天吗？",
			s.windowLabel(ctx, d.WindowID), d.Visit.Chinese(today.Year), weekdays[d.Visit.Weekday()], offDayReason(info))
		rows = append(rows, bot.Row(d.btn("✅ 是这一天", "oy"), d.btn("📅 改选日期", "b")), bot.Row(cancel))
	case stepHalf:
		header(3, "时段")
		fmt.Fprintf(&b, "窗口：%s\n日期：%s\n\n暗访是在上午还是下午？", s.windowLabel(ctx, d.WindowID), d.Visit.Chinese(today.Year))
		row := bot.Row(d.btn("上午", "h", string(Morning)))
		if !s.futureHalf(d.Visit, Afternoon) {
			row = append(row, d.btn("下午", "h", string(Afternoon)))
		}
		rows = append(rows, row, bot.Row(back, cancel))
	case stepItem:
		it := cl.Items[d.Cursor]
		header(4, fmt.Sprintf("检查项 %d/%d", d.Cursor+1, len(cl.Items)))
		b.WriteString(it.Title)
		if it.Critical {
			b.WriteString("【关键项】")
		}
		b.WriteString("\n" + clauseLine(code, it.Clauses))
		if res := d.Answers[it.Key]; res.Valid() {
			fmt.Fprintf(&b, "\n\n当前答案：%s", res.Chinese())
		}
		b.WriteString("\n\n您看到的情况是否符合？")
		i := strconv.Itoa(d.Cursor)
		rows = append(rows,
			bot.Row(d.btn("✅ 符合", "r", i+".p"), d.btn("❌ 不符合", "r", i+".f"), d.btn("➖ 未观察", "r", i+".u")),
			bot.Row(d.btn("⬅ 上一步", "b"), cancel))
	case stepNote:
		it := cl.Items[d.Cursor]
		header(4, fmt.Sprintf("检查项 %d/%d", d.Cursor+1, len(cl.Items)))
		fmt.Fprintf(&b, "❌ %s：不符合\n\n", it.Title)
		fmt.Fprintf(&b, "可以直接发送文字补充说明看到的情况，也可以发送照片（每项最多 %d 张）。没有要补充的，点“下一项”。", MaxPhotosPerItem)
		if note := d.Notes[it.Key]; note != "" {
			fmt.Fprintf(&b, "\n\n已记下的说明：%s", bot.Clip(note, 300))
		}
		if n := len(d.Photos[it.Key]); n > 0 {
			fmt.Fprintf(&b, "\n已收到照片 %d 张。", n)
		}
		next := "下一项 ➡"
		if d.Return || d.Cursor == len(cl.Items)-1 {
			next = "完成 ➡"
		}
		rows = append(rows, bot.Row(d.btn(next, "n")), bot.Row(d.btn("⬅ 改答案", "b"), cancel))
	case stepDesc:
		header(5, "情况描述（可选）")
		b.WriteString("请用自己的话描述看到的情况，例如：“窗口人员一直在看手机，没抬头。”我会找出可能违反的条款，请您逐条确认。")
		if d.Description != "" {
			fmt.Fprintf(&b, "\n\n当前描述：%s\n发送新的文字将替换它。", bot.Clip(d.Description, 300))
		}
		skip := "跳过"
		if d.Description != "" {
			skip = "保留当前描述"
		}
		rows = append(rows, bot.Row(d.btn(skip, "sk")), bot.Row(back, cancel))
	case stepProps:
		header(5, "确认条款")
		b.WriteString("根据您的描述，可能涉及以下条款，请逐条确认：\n")
		for i, p := range d.Proposals {
			fmt.Fprintf(&b, "\n%d. “%s”\n   → %s %s", i+1, bot.Clip(p.Quote, 60), p.Clause, p.Title)
			if code != nil {
				if c, ok := code.Clause(p.Clause); ok {
					fmt.Fprintf(&b, "：%s", bot.Lead(c.Text, 60))
				}
			}
			if it, _, ok := cl.Item(p.ItemKey); ok {
				fmt.Fprintf(&b, "\n   （对应检查项“%s”，采纳后记为不符合）", it.Title)
			}
			switch {
			case p.Adopted == nil:
				b.WriteString("\n   待确认")
			case *p.Adopted:
				b.WriteString("\n   ✅ 已采纳")
			default:
				b.WriteString("\n   ✖ 不采纳")
			}
			n := strconv.Itoa(i + 1)
			rows = append(rows, bot.Row(d.btn("✅ 采纳 "+n, "pa", strconv.Itoa(i)), d.btn("✖ 不采纳 "+n, "pn", strconv.Itoa(i))))
		}
		rows = append(rows, bot.Row(d.btn("完成 ➡", "pd")), bot.Row(back, cancel))
	case stepReview:
		b.WriteString(s.summary(ctx, d, cl))
		b.WriteString("\n\n请核对。需要修改请点相应按钮；确认无误后点“提交”。")
		rows = append(rows,
			bot.Row(d.btn("✏️ 窗口", "e", "w"), d.btn("✏️ 日期", "e", "d"), d.btn("✏️ 时段", "e", "h")),
			bot.Row(d.btn("✏️ 检查项", "e", "i"), d.btn("✏️ 描述", "e", "x")),
			bot.Row(d.btn("✅ 提交", "s"), cancel))
	case stepEdits:
		b.WriteString("要修改哪一项？")
		items, _ := s.effective(d, cl)
		for i, it := range items {
			rows = append(rows, bot.Row(d.btn(fmt.Sprintf("%d. %s %s", i+1, it.Result.Symbol(), bot.Clip(it.Title, 20)), "ei", strconv.Itoa(i))))
		}
		rows = append(rows, bot.Row(back))
	case stepCancel:
		b.WriteString("确定取消这份报告吗？已填写的内容和照片将被删除。")
		rows = append(rows, bot.Row(d.btn("确定取消", "cy"), d.btn("继续填写", "b")))
	default:
		return bot.Message{}, fmt.Errorf("inspect: draft in unknown step %q", d.Step)
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

// summary is the draft as it would be filed.
func (s *Service) summary(ctx context.Context, d *draft, cl *Checklist) string {
	items, findings := s.effective(d, cl)
	var b strings.Builder
	b.WriteString("📝 暗访报告 · 核对\n\n")
	fmt.Fprintf(&b, "窗口：%s\n", s.windowLabel(ctx, d.WindowID))
	fmt.Fprintf(&b, "时间：%s %s", d.Visit.Chinese(s.today().Year), d.Half.Chinese())
	if info := s.calendar(ctx).Day(d.Visit); !info.Workday {
		fmt.Fprintf(&b, "（休息日：%s）", offDayReason(info))
	}
	b.WriteString("\n\n检查项：\n")
	photos := map[string]int{}
	notes := map[string]string{}
	for _, f := range findings {
		if f.ItemKey != "" {
			photos[f.ItemKey] = len(f.Photos)
			notes[f.ItemKey] = f.Note
		}
	}
	for i, it := range items {
		fmt.Fprintf(&b, "%d. %s %s\uff08%s\uff09", i+1, it.Result.Symbol(), it.Title, it.ClauseList())
		if it.Result == Fail {
			for _, line := range strings.Split(notes[it.Key], "\n") {
				line = strings.TrimSpace(line)
				if quote, ok := strings.CutPrefix(line, "（描述）"); ok {
					fmt.Fprintf(&b, "\n    描述中提到：%s", bot.Clip(quote, 80))
				} else if line != "" {
					fmt.Fprintf(&b, "\n    说明：%s", bot.Clip(line, 80))
				}
			}
			if n := photos[it.Key]; n > 0 {
				fmt.Fprintf(&b, "\n    照片 %d 张", n)
			}
		}
		b.WriteString("\n")
	}
	var extra []Finding
	for _, f := range findings {
		if f.Source == FromDescription {
			extra = append(extra, f)
		}
	}
	if len(extra) > 0 {
		b.WriteString("\n描述中确认的其他问题：\n")
		for _, f := range extra {
			fmt.Fprintf(&b, "• %s %s：“%s”\n", strings.Join(f.Clauses, "、"), f.Title, bot.Clip(f.Note, 60))
		}
	}
	if d.Description != "" {
		fmt.Fprintf(&b, "\n描述：%s\n", bot.Clip(d.Description, 300))
	}
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
