package inspect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/rules"
	"github.com/conductbot/conductbot/workday"
)

// formStep is one step of the report form: everything the form does while a draft is in the step. The form
// is the table formSteps; adding a field to the report is adding an entry to it (and the field to draft and
// Report).
type formStep struct {
	name step
	// page is the part of the form the step's header numbers (第 n/总 步 · page): steps with the same page share
	// its number, in the table's order; "" shows no header (the review and its dialogs).
	page string
	// title is the header's title when it is not the page (the item's number, say).
	title func(f *form) string
	// missing reports that the draft lacks the step's answer: the form goes to the first step, in the table's
	// order, whose answer is missing before it goes anywhere else.
	missing func(d *draft) bool
	// prompt writes the step's message below the header and returns its buttons.
	prompt func(f *form, b *strings.Builder) ([][]bot.Button, error)
	// buttons are the step's button actions, by action; the arguments are the button's after the action. A
	// button of another step is stale. Every step also takes go, new and c (formButton).
	buttons map[string]func(f *form, arg string) (notice string, err error)
	// typed takes a typed answer; nil asks for the buttons. replied: it has answered the inspector itself (a
	// problem with the input) and the draft is to be left as it is.
	typed func(f *form, text string) (notice string, replied bool, err error)
	// photos: photos sent in the step are kept (with the item at the cursor).
	photos bool
	// back is the ⬅ button (action b); nil: the step has none.
	back func(f *form)
	// next moves on once the step was answered (s.next); nil goes to the review.
	next func(d *draft, cl *Checklist)
	// edit is the step's button on the review, if the review lets the answer be changed.
	edit *editButton
	// review writes the step's lines of the review (summary).
	review func(f *form, b *strings.Builder)
}

// editButton is a step's button on the review: ✏️ label, action e with arg. Pressed, it goes to the step,
// and back to the review once the step was answered; or to via, a step choosing what to change.
type editButton struct {
	label, arg string
	via        step
}

// form is one handling of a draft: the request (nil while rendering), the draft and its checklist.
type form struct {
	*Service
	ctx  context.Context
	r    *bot.Request
	d    *draft
	cl   *Checklist
	code *rules.Code // the code in force, when the draft was started on it; rendering only
}

var (
	formSteps []*formStep        // the form, in order
	steps     map[step]*formStep // by name
	pages     map[step]int       // the header's number of each step with a page
	pageCount int                // the header's total
)

func init() {
	formSteps = formTable()
	steps = map[step]*formStep{}
	pages = map[step]int{}
	seen := map[string]int{}
	for _, st := range formSteps {
		steps[st.name] = st
		if st.page == "" {
			continue
		}
		if _, ok := seen[st.page]; !ok {
			seen[st.page] = len(seen) + 1
		}
		pages[st.name] = seen[st.page]
	}
	pageCount = len(seen)
}

// formTable is the report form, step by step.
func formTable() []*formStep {
	return []*formStep{{
		name:    stepWindow,
		page:    "窗口",
		missing: func(d *draft) bool { return d.WindowID == 0 },
		prompt:  promptWindow,
		buttons: map[string]func(*form, string) (string, error){"w": pickWindow},
		typed:   typedWindow,
		next:    afterVisit,
		edit:    &editButton{label: "✏️ 窗口", arg: "w"},
		review: func(f *form, b *strings.Builder) {
			fmt.Fprintf(b, "窗口：%s\n", f.windowLabel(f.ctx, f.d.WindowID))
		},
	}, {
		name:    stepDate,
		page:    "日期",
		missing: func(d *draft) bool { return d.Visit.IsZero() },
		prompt:  promptDate,
		buttons: map[string]func(*form, string) (string, error){"d": pickDay},
		typed:   typedDay,
		back:    toPrevious,
		next:    afterVisit,
		edit:    &editButton{label: "✏️ 日期", arg: "d"},
		review: func(f *form, b *strings.Builder) {
			fmt.Fprintf(b, "时间：%s %s", f.d.Visit.Chinese(f.today().Year), f.d.Half.Chinese())
			if info := f.calendar(f.ctx).Day(f.d.Visit); !info.Workday {
				fmt.Fprintf(b, "（休息日：%s）", offDayReason(info))
			}
		},
	}, {
		name:    stepOlder, // the days before yesterday
		page:    "日期",
		prompt:  promptOlder,
		buttons: map[string]func(*form, string) (string, error){"d": pickDay},
		typed:   typedDay,
		back:    func(f *form) { f.d.Step = stepWindow },
		next:    afterVisit,
	}, {
		name:   stepOffDay, // the day taken is a day off by the calendar: confirm it
		page:   "日期",
		prompt: promptOffDay,
		buttons: map[string]func(*form, string) (string, error){"oy": func(f *form, _ string) (string, error) {
			f.next(f.d, f.cl)
			return "", nil
		}},
		typed: typedOffDay,
		back:  func(f *form) { f.d.Step, f.d.Visit = stepDate, workday.Date{} }, // another day: the day off is not taken
		next:  afterVisit,
	}, {
		name:    stepHalf,
		page:    "时段",
		missing: func(d *draft) bool { return d.Half == "" },
		prompt:  promptHalf,
		buttons: map[string]func(*form, string) (string, error){"h": pickHalf},
		typed:   typedHalf,
		back:    toPrevious,
		next:    afterVisit,
		edit:    &editButton{label: "✏️ 时段", arg: "h"},
	}, {
		name:    stepItem,
		page:    "检查项",
		title:   itemTitle,
		prompt:  promptItem,
		buttons: map[string]func(*form, string) (string, error){"r": pickResult},
		typed:   typedResultOf,
		back: func(f *form) {
			d := f.d
			if d.Return {
				d.Step, d.Return = stepReview, false
			} else if d.Cursor > 0 {
				d.Cursor--
			} else {
				toPrevious(f)
			}
		},
		next:   afterItem,
		edit:   &editButton{label: "✏️ 检查项", arg: "i", via: stepEdits},
		review: reviewItems,
	}, {
		name:   stepNote, // a failed item's note and photos
		page:   "检查项",
		title:  itemTitle,
		prompt: promptNote,
		buttons: map[string]func(*form, string) (string, error){"n": func(f *form, _ string) (string, error) {
			f.next(f.d, f.cl)
			return "", nil
		}},
		typed:  typedNote,
		photos: true,
		back:   func(f *form) { f.d.Step = stepItem },
		next:   afterItem,
	}, {
		name:   stepDesc,
		page:   "描述",
		title:  func(*form) string { return "情况描述（可选）" },
		prompt: promptDesc,
		buttons: map[string]func(*form, string) (string, error){"sk": func(f *form, _ string) (string, error) { // skip
			f.d.DescDone = true
			f.next(f.d, f.cl)
			return "", nil
		}},
		typed: typedDesc,
		back:  backFromDesc,
		next: func(d *draft, _ *Checklist) {
			if !d.Return && len(d.Proposals) > 0 {
				d.Step = stepProps
			} else {
				d.Step, d.Return = stepReview, false
			}
		},
		edit: &editButton{label: "✏️ 描述", arg: "x"},
		review: func(f *form, b *strings.Builder) {
			if f.d.Description != "" {
				fmt.Fprintf(b, "\n描述：%s\n", bot.Clip(f.d.Description, 300))
			}
		},
	}, {
		name:    stepProps, // the clauses the description was matched to, to adopt or not
		page:    "描述",
		title:   func(*form) string { return "确认条款" },
		prompt:  promptProps,
		buttons: map[string]func(*form, string) (string, error){"pa": adopt(true), "pn": adopt(false), "pd": proposalsDone},
		back:    backFromDesc,
	}, {
		name:    stepReview,
		prompt:  promptReview,
		buttons: map[string]func(*form, string) (string, error){"e": editStep, "s": submitDraft},
	}, {
		name:   stepEdits, // the item to change
		prompt: promptEdits,
		buttons: map[string]func(*form, string) (string, error){"ei": func(f *form, arg string) (string, error) {
			i, err := strconv.Atoi(arg)
			if err != nil || i < 0 || i >= len(f.cl.Items) {
				return f.bad()
			}
			f.d.Step, f.d.Cursor, f.d.Return = stepItem, i, true
			return "", nil
		}},
		back: toReview,
	}, {
		name:    stepCancel, // asked before the draft is deleted
		prompt:  promptCancel,
		buttons: map[string]func(*form, string) (string, error){"cy": cancelConfirmed},
		back:    toReview,
	}}
}

// bad answers a button that does not fit the draft.
func (f *form) bad() (string, error) { return "", f.r.Alert(f.ctx, msgStale) }

// again tells the inspector what was wrong with the input and shows the step again.
func (f *form) again(msg string) (string, bool, error) {
	return "", true, f.reprompt(f.ctx, f.r, f.d, msg)
}

// toPrevious goes back to the step before the current one that has an answer of its own (missing).
func toPrevious(f *form) {
	prev := f.d.Step
	for _, st := range formSteps {
		if st.name == f.d.Step {
			break
		}
		if st.missing != nil {
			prev = st.name
		}
	}
	f.d.Step = prev
}

func toReview(f *form) { f.d.Step = stepReview }

// afterVisit follows the window, the day and the half-day: the first item not answered yet, or the review.
func afterVisit(d *draft, cl *Checklist) {
	switch {
	case d.Return:
		d.Step, d.Return = stepReview, false
	case firstUnanswered(d, cl) >= 0:
		d.Step, d.Cursor = stepItem, firstUnanswered(d, cl)
	default:
		d.Step = stepReview
	}
}

// afterItem follows an item: the next, one skipped, the description or the review; changed from the review,
// an item still unanswered or the review.
func afterItem(d *draft, cl *Checklist) {
	if d.Return {
		if i := firstUnanswered(d, cl); i >= 0 {
			d.Step, d.Cursor, d.Return = stepItem, i, false
		} else {
			d.Step, d.Return = stepReview, false
		}
		return
	}
	if d.Cursor+1 < len(cl.Items) {
		d.Step, d.Cursor = stepItem, d.Cursor+1
	} else if i := firstUnanswered(d, cl); i >= 0 {
		d.Step, d.Cursor = stepItem, i
	} else if !d.DescDone {
		d.Step = stepDesc
	} else {
		d.Step = stepReview
	}
}

func backFromDesc(f *form) {
	if f.d.Return {
		f.d.Step, f.d.Return = stepReview, false
	} else {
		f.d.Step, f.d.Cursor = stepItem, len(f.cl.Items)-1
	}
}

// The window.

func promptWindow(f *form, b *strings.Builder) ([][]bot.Button, error) {
	d := f.d
	b.WriteString("请选择暗访的窗口（也可以直接输入窗口号）：")
	ws, err := f.o.Store.Windows(f.ctx, false)
	if err != nil {
		return nil, err
	}
	var rows [][]bot.Button
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
	return append(rows, bot.Row(d.btn("取消", "c"))), nil
}

func pickWindow(f *form, arg string) (string, error) {
	id, ok := bot.ParseID(arg)
	if !ok {
		return f.bad()
	}
	w, err := f.o.Store.Window(f.ctx, id)
	if errors.Is(err, ErrNotFound) || err == nil && !w.Active {
		return "", f.r.Alert(f.ctx, "这个窗口已停用，请重新选择。")
	}
	if err != nil {
		return "", err
	}
	f.d.WindowID = w.ID
	f.next(f.d, f.cl)
	return "", nil
}

func typedWindow(f *form, text string) (string, bool, error) {
	ws, err := f.o.Store.Windows(f.ctx, false)
	if err != nil {
		return "", false, err
	}
	w, ok := matchWindow(ws, text)
	if !ok {
		return f.again("没有找到这个窗口。请点击按钮选择窗口。")
	}
	f.d.WindowID = w.ID
	f.next(f.d, f.cl)
	return "", false, nil
}

// The day.

func promptDate(f *form, b *strings.Builder) ([][]bot.Button, error) {
	d, today := f.d, f.today()
	fmt.Fprintf(b, "窗口：%s\n\n请选择暗访的日期（最近 %d 天内，不能是未来），也可以直接输入，如“11月2日”：", f.windowLabel(f.ctx, d.WindowID), VisitWindowDays)
	return [][]bot.Button{
		bot.Row(d.btn("今天 "+today.Chinese(today.Year), "d", compact(today)),
			d.btn("昨天 "+today.AddDays(-1).Chinese(today.Year), "d", compact(today.AddDays(-1)))),
		bot.Row(d.btn("更早…", "d", "o")),
		bot.Row(d.btn("⬅ 返回", "b"), d.btn("取消", "c"))}, nil
}

func promptOlder(f *form, b *strings.Builder) ([][]bot.Button, error) {
	d, today := f.d, f.today()
	b.WriteString("请选择暗访的日期：")
	var rows [][]bot.Button
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
	return append(rows, bot.Row(d.btn("⬅ 返回", "d", "b"), d.btn("取消", "c"))), nil
}

func promptOffDay(f *form, b *strings.Builder) ([][]bot.Button, error) {
	d, today := f.d, f.today()
	info := f.calendar(f.ctx).Day(d.Visit)
	fmt.Fprintf(b, "窗口：%s\n日期：%s %s\n\n⚠️ 这一天是休息日（%s），服务中心通常不对外办理业务。暗访确实是在这一天吗？",
		f.windowLabel(f.ctx, d.WindowID), d.Visit.Chinese(today.Year), weekdays[d.Visit.Weekday()], offDayReason(info))
	return [][]bot.Button{bot.Row(d.btn("✅ 是这一天", "oy"), d.btn("📅 改选日期", "b")), bot.Row(d.btn("取消", "c"))}, nil
}

// pickDay is a day's button (arg 20261102), 更早… (o) or the older days' ⬅ (b).
func pickDay(f *form, arg string) (string, error) {
	switch arg {
	case "o":
		f.d.Step = stepOlder
		return "", nil
	case "b":
		f.d.Step = stepDate
		return "", nil
	}
	day, err := time.Parse("20060102", arg)
	if err != nil {
		return f.bad()
	}
	if msg := f.checkVisitDate(workday.DateOf(day, nil)); msg != "" {
		return "", f.r.Alert(f.ctx, msg)
	}
	f.takeVisit(f.ctx, f.d, f.cl, workday.DateOf(day, nil))
	return "", nil
}

func typedDay(f *form, text string) (string, bool, error) {
	day, ok := f.parseDay(text)
	if !ok {
		return f.again("没有看懂这个日期。请点击按钮选择，或输入如“11月2日”“11-02”“昨天”。")
	}
	return f.typedVisit(day)
}

func typedOffDay(f *form, text string) (string, bool, error) {
	if confirmWords[text] {
		f.next(f.d, f.cl)
		return "", false, nil
	}
	day, ok := f.parseDay(text)
	if !ok {
		return f.again(msgUseButtons)
	}
	return f.typedVisit(day)
}

func (f *form) typedVisit(day workday.Date) (string, bool, error) {
	if msg := f.checkVisitDate(day); msg != "" {
		return f.again(msg)
	}
	f.takeVisit(f.ctx, f.d, f.cl, day)
	return "", false, nil
}

// The half-day.

func promptHalf(f *form, b *strings.Builder) ([][]bot.Button, error) {
	d := f.d
	fmt.Fprintf(b, "窗口：%s\n日期：%s\n\n暗访是在上午还是下午？", f.windowLabel(f.ctx, d.WindowID), d.Visit.Chinese(f.today().Year))
	row := bot.Row(d.btn("上午", "h", string(Morning)))
	if !f.futureHalf(d.Visit, Afternoon) {
		row = append(row, d.btn("下午", "h", string(Afternoon)))
	}
	return [][]bot.Button{row, bot.Row(d.btn("⬅ 返回", "b"), d.btn("取消", "c"))}, nil
}

func pickHalf(f *form, arg string) (string, error) {
	h := HalfDay(arg)
	if !h.Valid() {
		return f.bad()
	}
	if f.futureHalf(f.d.Visit, h) {
		return "", f.r.Alert(f.ctx, "下午还没到，不能选择未来的时段。")
	}
	f.d.Half = h
	f.next(f.d, f.cl)
	return "", nil
}

func typedHalf(f *form, text string) (string, bool, error) {
	var h HalfDay
	switch text {
	case "上午", "am", "AM":
		h = Morning
	case "下午", "pm", "PM":
		h = Afternoon
	default:
		return f.again(msgUseButtons)
	}
	if f.futureHalf(f.d.Visit, h) {
		return f.again("下午还没到，不能选择未来的时段。")
	}
	f.d.Half = h
	f.next(f.d, f.cl)
	return "", false, nil
}

// The checklist items.

func itemTitle(f *form) string { return fmt.Sprintf("检查项 %d/%d", f.d.Cursor+1, len(f.cl.Items)) }

func promptItem(f *form, b *strings.Builder) ([][]bot.Button, error) {
	d := f.d
	it := f.cl.Items[d.Cursor]
	b.WriteString(it.Title)
	if it.Critical {
		b.WriteString("【关键项】")
	}
	b.WriteString("\n" + clauseLine(f.code, it.Clauses))
	if res := d.Answers[it.Key]; res.Valid() {
		fmt.Fprintf(b, "\n\n当前答案：%s", res.Chinese())
	}
	b.WriteString("\n\n您看到的情况是否符合？")
	i := strconv.Itoa(d.Cursor)
	return [][]bot.Button{
		bot.Row(d.btn("✅ 符合", "r", i+".p"), d.btn("❌ 不符合", "r", i+".f"), d.btn("➖ 未观察", "r", i+".u")),
		bot.Row(d.btn("⬅ 上一步", "b"), d.btn("取消", "c"))}, nil
}

// pickResult answers the item: arg is "<index>.<p|f|u>". An item no longer failed loses its note and photos.
func pickResult(f *form, arg string) (string, error) {
	d, cl := f.d, f.cl
	idx, res, ok := parseAnswer(arg)
	if !ok || idx != d.Cursor || idx >= len(cl.Items) {
		return f.bad()
	}
	key := cl.Items[idx].Key
	d.Answers[key] = res
	f.dropProposalsFor(d, key, res)
	if res == Fail {
		d.Step = stepNote
		return "", nil
	}
	if len(d.Photos[key]) > 0 || d.Notes[key] != "" {
		if err := f.o.Store.DeleteDraftPhotos(f.ctx, d.ID, refIDs(d.Photos[key])...); err != nil {
			return "", err
		}
		delete(d.Photos, key)
		delete(d.Notes, key)
	}
	f.next(d, cl)
	return "", nil
}

// typedResultOf answers the item by its answer's name. Unlike the button, it leaves a note and photos.
func typedResultOf(f *form, text string) (string, bool, error) {
	d, cl := f.d, f.cl
	res, ok := typedResult(text)
	if !ok {
		return f.again(msgUseButtons)
	}
	key := cl.Items[d.Cursor].Key
	d.Answers[key] = res
	f.dropProposalsFor(d, key, res)
	if res == Fail {
		d.Step = stepNote
	} else {
		f.next(d, cl)
	}
	return "", false, nil
}

func promptNote(f *form, b *strings.Builder) ([][]bot.Button, error) {
	d := f.d
	it := f.cl.Items[d.Cursor]
	fmt.Fprintf(b, "❌ %s：不符合\n\n", it.Title)
	fmt.Fprintf(b, "可以直接发送文字补充说明看到的情况，也可以发送照片（每项最多 %d 张）。没有要补充的，点“下一项”。", MaxPhotosPerItem)
	if note := d.Notes[it.Key]; note != "" {
		fmt.Fprintf(b, "\n\n已记下的说明：%s", bot.Clip(note, 300))
	}
	if n := len(d.Photos[it.Key]); n > 0 {
		fmt.Fprintf(b, "\n已收到照片 %d 张。", n)
	}
	next := "下一项 ➡"
	if d.Return || d.Cursor == len(f.cl.Items)-1 {
		next = "完成 ➡"
	}
	return [][]bot.Button{bot.Row(d.btn(next, "n")), bot.Row(d.btn("⬅ 改答案", "b"), d.btn("取消", "c"))}, nil
}

func typedNote(f *form, text string) (string, bool, error) {
	key := f.cl.Items[f.d.Cursor].Key
	note := f.d.Notes[key]
	if note != "" {
		note += "\n"
	}
	note += text
	if n := utf8.RuneCountInString(note); n > MaxNoteLen {
		if t := utf8.RuneCountInString(text); t > MaxNoteLen {
			return f.again(fmt.Sprintf("说明太长了（%d 字），每项最多 %d 字。这段文字没有保存，请精简后重新发送；之前填写的内容都还在。", t, MaxNoteLen))
		}
		return f.again(fmt.Sprintf("加上已记下的说明共 %d 字，超过了每项 %d 字的上限。这段文字没有保存，请精简后重新发送；之前填写的内容都还在。", n, MaxNoteLen))
	}
	f.d.Notes[key] = note
	return "已记下说明。", false, nil
}

// reviewItems is the items as they would be filed, and the findings of the description.
func reviewItems(f *form, b *strings.Builder) {
	items, findings := f.effective(f.d, f.cl)
	b.WriteString("\n\n检查项：\n")
	photos := map[string]int{}
	notes := map[string]string{}
	for _, fd := range findings {
		if fd.ItemKey != "" {
			photos[fd.ItemKey] = len(fd.Photos)
			notes[fd.ItemKey] = fd.Note
		}
	}
	for i, it := range items {
		fmt.Fprintf(b, "%d. %s %s\uff08%s\uff09", i+1, it.Result.Symbol(), it.Title, it.ClauseList())
		if it.Result == Fail {
			for _, line := range strings.Split(notes[it.Key], "\n") {
				line = strings.TrimSpace(line)
				if quote, ok := strings.CutPrefix(line, "（描述）"); ok {
					fmt.Fprintf(b, "\n    描述中提到：%s", bot.Clip(quote, 80))
				} else if line != "" {
					fmt.Fprintf(b, "\n    说明：%s", bot.Clip(line, 80))
				}
			}
			if n := photos[it.Key]; n > 0 {
				fmt.Fprintf(b, "\n    照片 %d 张", n)
			}
		}
		b.WriteString("\n")
	}
	var extra []Finding
	for _, fd := range findings {
		if fd.Source == FromDescription {
			extra = append(extra, fd)
		}
	}
	if len(extra) > 0 {
		b.WriteString("\n描述中确认的其他问题：\n")
		for _, fd := range extra {
			fmt.Fprintf(b, "• %s %s：“%s”\n", strings.Join(fd.Clauses, "、"), fd.Title, bot.Clip(fd.Note, 60))
		}
	}
}

// The description and the clauses it was matched to.

func promptDesc(f *form, b *strings.Builder) ([][]bot.Button, error) {
	d := f.d
	b.WriteString("请用自己的话描述看到的情况，例如：“窗口人员一直在看手机，没抬头。”我会找出可能违反的条款，请您逐条确认。")
	if d.Description != "" {
		fmt.Fprintf(b, "\n\n当前描述：%s\n发送新的文字将替换它。", bot.Clip(d.Description, 300))
	}
	skip := "跳过"
	if d.Description != "" {
		skip = "保留当前描述"
	}
	return [][]bot.Button{bot.Row(d.btn(skip, "sk")), bot.Row(d.btn("⬅ 返回", "b"), d.btn("取消", "c"))}, nil
}

func typedDesc(f *form, text string) (notice string, replied bool, err error) {
	d, cl := f.d, f.cl
	if n := utf8.RuneCountInString(text); n > MaxDescriptionLen {
		return f.again(fmt.Sprintf("描述太长了（%d 字），最多 %d 字。这段文字没有保存，请精简后重新发送；之前填写的内容都还在。", n, MaxDescriptionLen))
	}
	d.Description, d.DescDone, d.Proposals = text, true, nil
	if f.o.Observer != nil {
		var code *rules.Code
		if v, err := f.o.Code.CodeInForce(f.ctx); err == nil && v.ID == d.CodeVersionID {
			code = v.Code
		}
		ps, err := Propose(f.ctx, f.o.Observer, code, cl, text)
		if err != nil {
			f.log.LogAttrs(f.ctx, slog.LevelWarn, "inspect: matching a description to clauses", slog.String("error", err.Error()))
		}
		d.Proposals = ps
	}
	if len(d.Proposals) == 0 {
		notice = "已保存描述。没有找到明显对应的条款，督查人员会阅读您的描述。"
	}
	d.Return = false
	f.next(d, cl)
	return notice, false, nil
}

func promptProps(f *form, b *strings.Builder) ([][]bot.Button, error) {
	d := f.d
	var rows [][]bot.Button
	b.WriteString("根据您的描述，可能涉及以下条款，请逐条确认：\n")
	for i, p := range d.Proposals {
		fmt.Fprintf(b, "\n%d. “%s”\n   → %s %s", i+1, bot.Clip(p.Quote, 60), p.Clause, p.Title)
		if f.code != nil {
			if c, ok := f.code.Clause(p.Clause); ok {
				fmt.Fprintf(b, "：%s", bot.Lead(c.Text, 60))
			}
		}
		if len(p.Matches) > 0 {
			var ms []string
			for _, m := range p.Matches {
				if m.Seen == m.Clause {
					ms = append(ms, "“"+m.Seen+"”")
				} else {
					ms = append(ms, "“"+m.Seen+"”→“"+m.Clause+"”")
				}
			}
			fmt.Fprintf(b, "\n   （描述与条款相符之处：%s）", strings.Join(ms, "，"))
		}
		if it, _, ok := f.cl.Item(p.ItemKey); ok {
			fmt.Fprintf(b, "\n   （对应检查项“%s”，采纳后记为不符合）", it.Title)
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
	return append(rows, bot.Row(d.btn("完成 ➡", "pd")), bot.Row(d.btn("⬅ 返回", "b"), d.btn("取消", "c"))), nil
}

// adopt is 采纳 (pa, yes) or 不采纳 (pn) of a proposal; arg is its index.
func adopt(yes bool) func(f *form, arg string) (string, error) {
	return func(f *form, arg string) (string, error) {
		d := f.d
		i, err := strconv.Atoi(arg)
		if err != nil || i < 0 || i >= len(d.Proposals) {
			return f.bad()
		}
		d.Proposals[i].Adopted = &yes
		if yes && d.Proposals[i].ItemKey != "" {
			if it, _, ok := f.cl.Item(d.Proposals[i].ItemKey); ok && d.Answers[it.Key] == Pass {
				return fmt.Sprintf("“%s”将记为不符合", it.Title), nil
			}
		}
		return "", nil
	}
}

func proposalsDone(f *form, _ string) (string, error) {
	for _, p := range f.d.Proposals {
		if p.Adopted == nil {
			return "", f.r.Alert(f.ctx, "还有条款没有确认：请对每一条选择“采纳”或“不采纳”。")
		}
	}
	f.next(f.d, f.cl)
	return "", nil
}

// The review.

func promptReview(f *form, b *strings.Builder) ([][]bot.Button, error) {
	d := f.d
	b.WriteString(f.summary(f.ctx, d, f.cl))
	b.WriteString("\n\n请核对。需要修改请点相应按钮；确认无误后点“提交”。")
	var rows [][]bot.Button
	var row []bot.Button
	for _, st := range formSteps {
		if st.edit == nil {
			continue
		}
		row = append(row, d.btn(st.edit.label, "e", st.edit.arg))
		if len(row) == 3 {
			rows = append(rows, row)
			row = nil
		}
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	return append(rows, bot.Row(d.btn("✅ 提交", "s"), d.btn("取消", "c"))), nil
}

// editStep is a ✏️ button of the review.
func editStep(f *form, arg string) (string, error) {
	for _, st := range formSteps {
		if st.edit == nil || st.edit.arg != arg {
			continue
		}
		if st.edit.via != "" {
			f.d.Step, f.d.Return = st.edit.via, false
		} else {
			f.d.Step, f.d.Return = st.name, true
		}
		return "", nil
	}
	f.d.Return = true
	return f.bad()
}

func submitDraft(f *form, _ string) (string, error) { return "", f.submit(f.ctx, f.r, f.d, f.cl) }

func promptEdits(f *form, b *strings.Builder) ([][]bot.Button, error) {
	d := f.d
	b.WriteString("要修改哪一项？")
	var rows [][]bot.Button
	items, _ := f.effective(d, f.cl)
	for i, it := range items {
		rows = append(rows, bot.Row(d.btn(fmt.Sprintf("%d. %s %s", i+1, it.Result.Symbol(), bot.Clip(it.Title, 20)), "ei", strconv.Itoa(i))))
	}
	return append(rows, bot.Row(d.btn("⬅ 返回", "b"))), nil
}

func promptCancel(f *form, b *strings.Builder) ([][]bot.Button, error) {
	b.WriteString("确定取消这份报告吗？已填写的内容和照片将被删除。")
	return [][]bot.Button{bot.Row(f.d.btn("确定取消", "cy"), f.d.btn("继续填写", "b"))}, nil
}

func cancelConfirmed(f *form, _ string) (string, error) {
	if err := f.discard(f.ctx, f.r, f.d); err != nil {
		return "", err
	}
	f.d.Step = ""
	_ = f.r.Answer(f.ctx, "已取消")
	return "", f.r.Edit(f.ctx, bot.Message{Text: "已取消，草稿和照片已删除。"})
}
