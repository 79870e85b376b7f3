package rules

import (
	"bufio"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ParseError names the line of the source that could not be read.
type ParseError struct {
	Line int
	Msg  string
}

func (e *ParseError) Error() string {
	if e.Line <= 0 {
		return e.Msg
	}
	return fmt.Sprintf("第%d行:%s", e.Line, e.Msg)
}

// MaxSourceBytes bounds what Parse reads: a code of conduct is a few pages, but a center's collected rules may
// run to tens of thousands of clauses (20 MB holds about 100,000).
const MaxSourceBytes = 32 << 20

// marker ranks, outermost first: 一、 (一) 1、 (1) ①
const (
	rankPart = iota + 1
	rankSection
	rankItem
	rankSubItem
	rankCircled
)

// Full-width forms are written as escapes: （ = \x{FF08}, ） = \x{FF09}, ， = \x{FF0C}, ． = \x{FF0E},
// ： = \x{FF1A}, ［ = \x{FF3B}, ］ = \x{FF3D}. Full-width digits are folded to ASCII before matching.
// reItem's group 2 is the rune after "1." that shows it is no decimal (1.5米): it belongs to the text.
var (
	rePart     = regexp.MustCompile(`^([一二三四五六七八九十百零〇两]+)\s*[、.\x{FF0E}]\s*`)
	reSection  = regexp.MustCompile(`^[(\x{FF08}]\s*([一二三四五六七八九十百零〇两]+)\s*[)\x{FF09}]\s*[、.\x{FF0E}]?\s*`)
	reItem     = regexp.MustCompile(`^([0-9]{1,3})\s*(?:[、,\x{FF0C}]|[.\x{FF0E}]([^0-9]|$))\s*`)
	reSubItem  = regexp.MustCompile(`^[(\x{FF08}]\s*([0-9]{1,3})\s*[)\x{FF09}]\s*[、.\x{FF0E}]?\s*`)
	reCircled  = regexp.MustCompile(`^([①-⑳])\s*`)
	reMeta     = regexp.MustCompile(`^(标题|名称|发文机关|发布机关|制定机关|文号|发文字号|日期|发布日期|印发日期)\s*[:\x{FF1A}]\s*(.*)$`)
	reDocNo    = regexp.MustCompile(`[〔\[【(\x{FF08}\x{FF3B}]\s*[0-9]{4}\s*[〕\]】)\x{FF09}\x{FF3D}]\s*[0-9]+\s*号\s*$`)
	reDateCN   = regexp.MustCompile(`^([〇零一二三四五六七八九○О0-9]{4})\s*年\s*([一二三四五六七八九十0-9]{1,3})\s*月\s*([一二三四五六七八九十0-9]{1,3})\s*日$`)
	reDateISO  = regexp.MustCompile(`^([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?$`)
	reTrailer  = regexp.MustCompile(`^(?:(?:主题词|抄送|抄报|印发)(?:\s|[:\x{FF1A}]|$)|附件\s*[0-9]*\s*(?:[:\x{FF1A}]|$)|共印\s*[0-9]+\s*份|.*年.*月.*日\s*印发$)`)
	titleStops = "。;!?,:\uff1b\uff01\uff1f\uff0c\uff1a"
	proseMarks = ",。;\uff0c\uff1b"
)

// Punctuation that tells sentences and wrapped lines apart.
var (
	sentenceEnds = "。;!?\uff1b\uff01\uff1f"
	// continuationMarks cannot start a line of its own: a line starting with one goes on with the line before.
	continuationMarks = ",、。;:!?)\uff0c\uff1b\uff1a\uff01\uff1f\uff09”」』》〕】"
)

type node struct {
	rank     int
	num      int
	line     int
	inline   string // text on the numbered line after the marker
	body     []string
	children []*node
	parent   *node
}

func (n *node) id() string {
	var parts []string
	for x := n; x != nil && x.rank > 0; x = x.parent {
		parts = append([]string{strconv.Itoa(x.num)}, parts...)
	}
	return strings.Join(parts, ".")
}

// titleLike reports whether the numbered line is a heading (服务语言) rather than the start of a clause's text.
// For an item with lines below it and no items of its own, a first line that says what to do (工作时间必须按规定着装)
// or a next line that goes on mid-sentence (,有制服的…) means the item was wrapped, not titled.
func (n *node) titleLike() bool {
	t := n.inline
	if t == "" || utf8.RuneCountInString(t) > 30 || strings.ContainsAny(t, titleStops) {
		return false
	}
	if len(n.children) == 0 && len(n.body) > 0 {
		next, _ := utf8.DecodeRuneInString(n.body[0])
		return DetectModality(t) == None && !strings.ContainsRune(continuationMarks, next)
	}
	return true
}

// Parse reads a code of conduct from plain text. Before the first numbered heading it accepts metadata lines
// (标题:… 发文机关:… 文号:… 日期:…), a title line, a document number and a preamble; numbered lines may use
// 一、 / (一) or (一) / 1、 or 1. / (1) / ①; an unnumbered line continues the line before it. A closing date line
// (二〇一二年六月十二日) and trailing 主题词/抄送/印发 lines end the code. Errors name the line.
func Parse(src string) (*Code, error) {
	if len(src) > MaxSourceBytes {
		return nil, &ParseError{Msg: fmt.Sprintf("文件太大(超过 %d KB)", MaxSourceBytes>>10)}
	}
	if !utf8.ValidString(src) {
		return nil, &ParseError{Line: invalidUTF8Line(src), Msg: "文件不是 UTF-8 编码的文本"}
	}
	if line, r, ok := controlCharLine(src); ok {
		// NUL and the other controls are invisible in an editor, and PostgreSQL refuses NUL in text.
		return nil, &ParseError{Line: line, Msg: fmt.Sprintf("含有控制字符（U+%04X），请删除后再导入", r)}
	}
	if isArticleCode(src) {
		return parseArticles(src)
	}
	code := &Code{}
	root := &node{}
	var (
		current *node // last numbered node
		h       head
		last    *node              // node receiving continuation lines
		seen    = map[string]int{} // id → line
		ended   bool
	)
	sc := bufio.NewScanner(strings.NewReader(src))
	sc.Buffer(make([]byte, 0, 64*1024), MaxSourceBytes+1) // +1: a one-line input of MaxSourceBytes must fit
	lineNo := 0
	for sc.Scan() {
		lineNo++
		line := normalizeLine(sc.Text())
		if line == "" {
			continue
		}
		if ended {
			continue
		}
		if reTrailer.MatchString(line) {
			ended = true
			continue
		}
		if current == nil {
			if took, err := h.meta(code, line, lineNo); err != nil {
				return nil, err
			} else if took {
				continue
			}
		}
		if took, end := closingDate(code, line, last, current != nil); took {
			ended = end
			continue
		}
		rank, num, rest, ok := matchMarker(line)
		if !ok {
			if current == nil {
				if err := h.text(code, line, lineNo, true, "出现在第一个编号标题之前,既不是标题也不是前言"); err != nil {
					return nil, err
				}
				continue
			}
			if last.inline == "" && len(last.body) == 0 {
				last.inline = markerText(line) // the marker stood alone on its line
			} else {
				last.body = append(last.body, line)
			}
			continue
		}
		parent := root
		if current != nil {
			parent = current
			for parent != root && parent.rank >= rank {
				parent = parent.parent
			}
		}
		n := &node{rank: rank, num: num, line: lineNo, inline: rest, parent: parent}
		if err := checkNumber(parent, n, seen); err != nil {
			return nil, err
		}
		parent.children = append(parent.children, n)
		current, last = n, n
	}
	if err := sc.Err(); err != nil {
		return nil, &ParseError{Line: lineNo + 1, Msg: "行太长,无法读取"}
	}
	if len(root.children) == 0 {
		return nil, h.empty(code, false, "编号条款(如“一、”“(一)”“1、”)")
	}
	h.finish(code)
	for _, c := range root.children {
		if err := emit(code, c, nil, None); err != nil {
			return nil, err
		}
	}
	return code, nil
}

// emit walks the tree: a node with children is a heading; a node with text of its own is a clause. Items take
// the modality of a lead-in that gives it to its list (窗口工作人员不得有下列行为：1、… is a prohibition).
func emit(code *Code, n *node, path []string, lead Modality) error {
	id := n.id()
	title := n.inline
	hasBody := len(n.body) > 0
	var text string
	switch {
	case n.titleLike() && hasBody:
		text = joinLines(n.body)
	case n.titleLike():
		if len(n.children) == 0 {
			text = n.inline
		}
	default:
		text = joinLines(append([]string{n.inline}, n.body...))
		title = ""
	}
	if len(n.children) > 0 {
		ht := title
		if ht == "" {
			ht = clip(text, 20)
		}
		code.Headings = append(code.Headings, Heading{ID: id, Title: ht})
	}
	ownPath := path
	if title != "" && (len(n.children) > 0 || hasBody) {
		ownPath = append(append([]string{}, path...), title)
	}
	childLead := lead
	if strings.TrimSpace(text) != "" {
		ct := ""
		if len(ownPath) > 0 {
			ct = ownPath[len(ownPath)-1]
		}
		st := inherit(SplitStatements(text), lead)
		code.Clauses = append(code.Clauses, Clause{
			ID: id, Title: ct, Path: append([]string{}, ownPath...), Text: text, Statements: st,
		})
		if l := leadModality(text, st); l != None {
			childLead = l
		}
	} else if len(n.children) == 0 {
		return &ParseError{Line: n.line, Msg: fmt.Sprintf("编号 %s 下没有内容", id)}
	}
	childPath := path
	if title != "" {
		childPath = append(append([]string{}, path...), title)
	}
	for _, c := range n.children {
		if err := emit(code, c, childPath, childLead); err != nil {
			return err
		}
	}
	return nil
}

func checkNumber(parent, n *node, seen map[string]int) error {
	want := 1
	for _, sib := range parent.children {
		if sib.rank == n.rank {
			want = sib.num + 1
		}
	}
	label := markerLabel(n.rank, n.num)
	n.parent = parent
	id := n.id()
	if prev, dup := seen[id]; dup || n.num < want {
		if !dup {
			prev = 0
			for _, sib := range parent.children {
				if sib.rank == n.rank && sib.num == n.num {
					prev = sib.line
				}
			}
		}
		if prev > 0 {
			return &ParseError{Line: n.line, Msg: fmt.Sprintf("编号“%s”重复(第%d行已有)", label, prev)}
		}
		return &ParseError{Line: n.line, Msg: fmt.Sprintf("编号“%s”顺序不对,这里应为“%s”", label, markerLabel(n.rank, want))}
	}
	if n.num > want {
		return &ParseError{Line: n.line, Msg: fmt.Sprintf("编号“%s”不连续,这里应为“%s”", label, markerLabel(n.rank, want))}
	}
	seen[id] = n.line
	return nil
}

func matchMarker(line string) (rank, num int, rest string, ok bool) {
	try := func(re *regexp.Regexp, r int, conv func(string) int) bool {
		m := re.FindStringSubmatchIndex(line)
		if m == nil {
			return false
		}
		n := conv(line[m[2]:m[3]])
		if n <= 0 {
			return false
		}
		end := m[1]
		if len(m) > 4 && m[4] >= 0 {
			end = m[4] // a look-ahead group: the text starts there
		}
		rank, num, rest = r, n, markerText(line[end:])
		return true
	}
	switch {
	case try(reSection, rankSection, chineseNumber),
		try(reSubItem, rankSubItem, atoi),
		try(rePart, rankPart, chineseNumber),
		try(reItem, rankItem, atoi),
		try(reCircled, rankCircled, circled):
		return rank, num, rest, true
	}
	return 0, 0, "", false
}

// markerText is the text after a marker. 、 and . left at its start (一、、 (一)、. 1,、) are dropped: written after
// another marker they would be read as part of it, and the text would change when the code is rendered and read again.
func markerText(s string) string {
	return strings.TrimSpace(strings.TrimLeftFunc(s, func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune("、.\uff0e", r) }))
}

func markerLabel(rank, n int) string {
	switch rank {
	case rankPart:
		return ChineseNumeral(n) + "、"
	case rankSection:
		return "(" + ChineseNumeral(n) + ")"
	case rankItem:
		return strconv.Itoa(n) + "、"
	case rankSubItem:
		return "(" + strconv.Itoa(n) + ")"
	default:
		if n >= 1 && n <= 20 {
			return string(rune('①' + n - 1))
		}
		return strconv.Itoa(n)
	}
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0
	}
	return n
}

func circled(s string) int {
	r, _ := utf8.DecodeRuneInString(s)
	return int(r-'①') + 1
}

var cnDigits = map[rune]int{'零': 0, '〇': 0, '○': 0, 'О': 0, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}

// chineseNumber reads 一 … 九十九 (and 一百 …); it returns 0 for anything else.
func chineseNumber(s string) int {
	total, cur := 0, 0
	seenUnit := false
	for _, r := range s {
		switch r {
		case '十':
			if cur == 0 {
				cur = 1
			}
			total += cur * 10
			cur = 0
			seenUnit = true
		case '百':
			if cur == 0 {
				cur = 1
			}
			total += cur * 100
			cur = 0
			seenUnit = true
		default:
			d, ok := cnDigits[r]
			if !ok {
				return 0
			}
			if cur != 0 && !seenUnit {
				return 0 // 一二 is not a number
			}
			cur = d
		}
	}
	return total + cur
}

// ChineseNumeral writes 1…999 as 一…九百九十九, the numbering of parts and sections (all that Parse reads back).
func ChineseNumeral(n int) string {
	digits := []string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"}
	if n <= 0 || n >= 1000 {
		return strconv.Itoa(n)
	}
	var b strings.Builder
	if n >= 100 {
		b.WriteString(digits[n/100] + "百")
		n %= 100
		if n > 0 && n < 10 {
			b.WriteString("零")
		}
	}
	if n >= 10 {
		if n/10 > 1 || b.Len() > 0 {
			b.WriteString(digits[n/10])
		}
		b.WriteString("十")
		n %= 10
	}
	if n > 0 {
		b.WriteString(digits[n])
	}
	return b.String()
}

func setMeta(code *Code, key, val string, line int) error {
	switch key {
	case "标题", "名称":
		code.Title = val
	case "发文机关", "发布机关", "制定机关":
		code.Issuer = val
	case "文号", "发文字号":
		code.DocNumber = val
	default:
		d, ok := parseDate(val)
		if !ok {
			return &ParseError{Line: line, Msg: fmt.Sprintf("日期“%s”看不懂,请写成 2012-06-12 或 二〇一二年六月十二日", clip(val, 20))}
		}
		code.Issued = d
	}
	return nil
}

func parseDate(s string) (string, bool) {
	s = strings.TrimSpace(strings.Trim(s, "()（）"))
	var y, m, d int
	if g := reDateISO.FindStringSubmatch(s); g != nil {
		y, m, d = atoi(g[1]), atoi(g[2]), atoi(g[3])
	} else if g := reDateCN.FindStringSubmatch(s); g != nil {
		y = 0
		for _, r := range g[1] {
			if r >= '0' && r <= '9' {
				y = y*10 + int(r-'0')
			} else {
				y = y*10 + cnDigits[r]
			}
		}
		m, d = numOrCN(g[2]), numOrCN(g[3])
	} else {
		return "", false
	}
	if y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 || d > 31 {
		return "", false
	}
	return fmt.Sprintf("%04d-%02d-%02d", y, m, d), true
}

func numOrCN(s string) int {
	if n := atoi(s); n > 0 {
		return n
	}
	return chineseNumber(s)
}

// normalizeLine trims the line, turns full-width digits and the ideographic space into their plain forms and
// drops control characters.
func normalizeLine(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '\uff10' && r <= '\uff19': // full-width digits
			b.WriteRune(r - '\uff10' + '0')
		case r == '\u3000' || r == '\u00a0' || r == '\t':
			b.WriteRune(' ')
		case r == '\ufeff' || unicode.IsControl(r):
		default:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}

func looksLikeTitle(s string) bool {
	return utf8.RuneCountInString(s) <= 40 && !strings.ContainsAny(s, titleStops)
}

func looksLikeProse(s string) bool {
	return utf8.RuneCountInString(s) >= 10 && strings.ContainsAny(s, proseMarks)
}

// joinLines joins wrapped lines: CJK text joins directly, Latin words get a space.
func joinLines(lines []string) string {
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			prev, _ := utf8.DecodeLastRuneInString(b.String())
			next, _ := utf8.DecodeRuneInString(l)
			if prev < 0x2E80 && next < 0x2E80 && prev != ' ' {
				b.WriteByte(' ')
			}
		}
		b.WriteString(l)
	}
	return b.String()
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// invalidUTF8Line is the line of the first byte that is not UTF-8.
func invalidUTF8Line(src string) int {
	line := 1
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRuneInString(src[i:])
		if r == utf8.RuneError && size == 1 {
			break
		}
		if r == '\n' {
			line++
		}
		i += size
	}
	return line
}

// controlCharLine finds the first C0 or C1 control character (or DEL) other than newline, carriage return and
// tab, and its line.
func controlCharLine(src string) (line int, r rune, ok bool) {
	line = 1
	for _, r := range src {
		switch {
		case r == '\n':
			line++
		case r == '\r' || r == '\t':
		case r < 0x20 || r >= 0x7F && r <= 0x9F:
			return line, r, true
		}
	}
	return 0, 0, false
}

// takeSignature moves a signature line (如皋市行政服务中心) written between the last clause and the closing date out
// of the clause's text into the code's issuer. Only a short line without punctuation after a finished sentence counts.
func takeSignature(code *Code, last *node) {
	n := len(last.body)
	if n == 0 {
		return
	}
	sig := last.body[n-1]
	prev := last.inline
	if n > 1 {
		prev = last.body[n-2]
	}
	end, _ := utf8.DecodeLastRuneInString(prev)
	if !looksLikeTitle(sig) || !strings.ContainsRune(sentenceEnds, end) || (code.Issuer != "" && code.Issuer != sig) {
		return
	}
	code.Issuer = sig
	last.body = last.body[:n-1]
}
