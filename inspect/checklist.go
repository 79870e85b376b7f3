package inspect

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/conductbot/conductbot/rules"
)

// MaxWeight is the largest weight of a checklist item.
const MaxWeight = 10

// MaxItems is the most items a checklist may have: each becomes a step of the form.
const MaxItems = 30

// DefaultItems is the checklist the center starts with: the shipped code's pack's (rules/codes/rugao-2012/
// checklist.txt, part 一 of 皋行服中心〔2012〕25号). Admins change it with /checklist.
var DefaultItems = DefaultItemsFor(rules.Shipped())

// DefaultItemsFor is the default checklist of code: its pack's checklist.txt, its items following their
// clauses into code by text (Rebind: a reworded edition under the same title and number keeps the pack), or,
// for a code without one, the items DeriveItems makes from its clauses.
func DefaultItemsFor(code *rules.Code) []Item {
	p := rules.PackOf(code)
	if p == nil || strings.TrimSpace(p.Checklist) == "" {
		return DeriveItems(code)
	}
	items, probs := ParseItems(p.Checklist)
	probs = append(probs, ValidateItems(items, p.Parsed())...)
	if len(probs) > 0 { // an embedded file; the tests prevent it
		panic("inspect: pack " + p.Name + ": checklist.txt: " + strings.Join(probs, " "))
	}
	items, _ = Rebind(items, p.Parsed(), code)
	return items
}

var keyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,15}$`)

// ValidateItems checks a checklist against the code its clause IDs cite: keys well-formed and unique, titles
// present and short, weights in 1..MaxWeight, every clause present in code. It returns every problem, in
// Chinese, one per line; nil when there is none.
func ValidateItems(items []Item, code *rules.Code) []string {
	var probs []string
	if len(items) == 0 {
		probs = append(probs, "清单至少要有一项。")
	}
	if len(items) > MaxItems {
		probs = append(probs, fmt.Sprintf("清单最多 %d 项，现有 %d 项。", MaxItems, len(items)))
	}
	seen := map[string]bool{}
	for i, it := range items {
		where := fmt.Sprintf("第 %d 项", i+1)
		if !keyPattern.MatchString(it.Key) {
			probs = append(probs, fmt.Sprintf("%s：代号“%s”只能用小写英文字母开头，由小写字母、数字和下划线组成，不超过 16 个字符。", where, it.Key))
		} else if seen[it.Key] {
			probs = append(probs, fmt.Sprintf("%s：代号“%s”重复。", where, it.Key))
		}
		seen[it.Key] = true
		if t := strings.TrimSpace(it.Title); t == "" {
			probs = append(probs, where+"：缺少名称。")
		} else if utf8.RuneCountInString(t) > 60 {
			probs = append(probs, where+"：名称超过 60 字。")
		}
		if it.Weight < 1 || it.Weight > MaxWeight {
			probs = append(probs, fmt.Sprintf("%s：权重须为 1 到 %d 的整数。", where, MaxWeight))
		}
		if len(it.Clauses) == 0 {
			probs = append(probs, where+"：至少引用一个条款编号，例如 1.3.3。")
		}
		for _, id := range it.Clauses {
			if code == nil {
				continue
			}
			if _, ok := code.Clause(id); !ok {
				probs = append(probs, fmt.Sprintf("%s：现行规范中没有条款 %s。", where, id))
			}
		}
	}
	return probs
}

// FormatItems writes a checklist in the text form admins edit, one item a line:
//
//	代号 条款 权重 [关键] 名称
//	greet 1.2.1 2 起立、微笑、主动招呼
//	discipline 1.3.3 2 关键 无吃东西、打瞌睡、玩手机、串岗
func FormatItems(items []Item) string {
	var b strings.Builder
	for _, it := range items {
		fmt.Fprintf(&b, "%s %s %d ", it.Key, strings.Join(it.Clauses, ","), it.Weight)
		if it.Critical {
			b.WriteString("关键 ")
		}
		b.WriteString(it.Title)
		b.WriteByte('\n')
	}
	return b.String()
}

// ParseItems reads the text form of FormatItems. Blank lines and lines starting with # are skipped; clause IDs
// may be separated by commas (either width) or 、. Problems are returned in Chinese, one per bad line.
func ParseItems(text string) ([]Item, []string) {
	var items []Item
	var probs []string
	for n, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(strings.ReplaceAll(line, "\u3000", " "))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 {
			probs = append(probs, fmt.Sprintf("第 %d 行：应为“代号 条款 权重 [关键] 名称”，例如 greet 1.2.1 2 起立、微笑、主动招呼", n+1))
			continue
		}
		it := Item{Key: f[0]}
		for _, id := range strings.FieldsFunc(f[1], func(r rune) bool { return r == ',' || r == '\uff0c' || r == '、' }) {
			it.Clauses = append(it.Clauses, strings.TrimSpace(id))
		}
		w, err := strconv.Atoi(f[2])
		if err != nil {
			probs = append(probs, fmt.Sprintf("第 %d 行：权重“%s”不是整数。", n+1, f[2]))
			continue
		}
		it.Weight = w
		rest := f[3:]
		if rest[0] == "关键" || strings.EqualFold(rest[0], "critical") {
			it.Critical = true
			rest = rest[1:]
		}
		it.Title = strings.Join(rest, " ")
		if it.Title == "" {
			probs = append(probs, fmt.Sprintf("第 %d 行：缺少名称。", n+1))
			continue
		}
		items = append(items, it)
	}
	return items, probs
}

// sameItems reports whether two checklists have the same items.
func sameItems(a, b []Item) bool {
	return FormatItems(a) == FormatItems(b)
}
