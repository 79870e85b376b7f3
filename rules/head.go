package rules

import (
	"fmt"
	"strings"
)

// head gathers what stands before a code's first numbered line, in either layout: metadata lines
// (标题：… 文号：…), the title (after a letterhead 某某中心文件), the document number and the preamble; a web
// page's frame lines are skipped.
type head struct {
	preamble []string
	preLine  int // the preamble's first line
}

// meta takes a web page's frame line or a metadata line; it reports whether it took the line.
func (h *head) meta(code *Code, line string, lineNo int) (bool, error) {
	if isWebClutter(line) { // 发布日期：… 来源：… 浏览次数：… is the web page, not metadata
		return true, nil
	}
	if m := reMeta.FindStringSubmatch(line); m != nil {
		return true, setMeta(code, m[1], strings.TrimSpace(m[2]), lineNo)
	}
	return false, nil
}

// text places an unnumbered line: the document number, the title (while titled is allowed and no preamble was
// read), or the preamble; any other line is an error, told with what the body must start with.
func (h *head) text(code *Code, line string, lineNo int, titled bool, expected string) error {
	switch {
	case reDocNo.MatchString(line) && code.DocNumber == "" && !looksLikeProse(line): // 依据…〔2012〕25号 is preamble
		code.DocNumber = line
	case (code.Title == "" || isLetterhead(code.Title)) && len(h.preamble) == 0 && titled && looksLikeTitle(line):
		code.Title = line
	case looksLikeProse(line):
		if len(h.preamble) == 0 {
			h.preLine = lineNo
		}
		h.preamble = append(h.preamble, line)
	case len(h.preamble) > 0:
		h.preamble[len(h.preamble)-1] += line // a wrapped preamble line
	default:
		return &ParseError{Line: lineNo, Msg: fmt.Sprintf("“%s”%s", clip(line, 20), expected)}
	}
	return nil
}

// empty is the error of a document without a numbered line: wanted names what was looked for.
func (h *head) empty(code *Code, found bool, wanted string) error {
	if len(h.preamble) > 0 || code.Title != "" || found {
		return &ParseError{Line: max(h.preLine, 1), Msg: "没有找到任何" + wanted}
	}
	return &ParseError{Msg: "文档是空的"}
}

// finish gives the code a title when it has none, and its preamble as clause 0.
func (h *head) finish(code *Code) {
	if code.Title == "" {
		code.Title = "服务规范"
	}
	if len(h.preamble) > 0 {
		text := joinLines(h.preamble)
		code.Clauses = append(code.Clauses, Clause{ID: PreambleID, Title: "前言", Text: text, Statements: SplitStatements(text)})
	}
}

// closingDate takes a date line: the first is the code's date; one after the body began (inBody) closes the
// code, and the short line before it is the issuer's signature. It reports whether it took the line and
// whether the code ended.
func closingDate(code *Code, line string, last *node, inBody bool) (taken, ended bool) {
	d, ok := parseDate(line)
	if !ok {
		return false, false
	}
	if code.Issued == "" {
		code.Issued = d
	}
	if inBody {
		takeSignature(code, last)
		return true, true
	}
	return true, false
}
