package rules

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Layouts of a code: the outline numbering of the shipped code (一、 (一) 1、), or articles (第一章 … 第一条 …),
// the usual layout of a Chinese 规范 or 办法.
const (
	LayoutOutline  = ""
	LayoutArticles = "articles"
)

// Chapter and section lines (titles, not part of clause IDs), and articles (第十二条: clause 12). Articles are
// numbered straight through the chapters.
var (
	reChapter = regexp.MustCompile(`^第\s*([一二三四五六七八九十百零〇两0-9]+)\s*章\s*(.*)$`)
	reSectCN  = regexp.MustCompile(`^第\s*([一二三四五六七八九十百零〇两0-9]+)\s*节\s*(.*)$`)
	reArticle = regexp.MustCompile(`^第\s*([一二三四五六七八九十百零〇两0-9]+)\s*条(?:\s+|[、:\x{FF1A}.\x{FF0E}]\s*|$)?`)
	// reArticleTitled is an article with a bracketed title: 第五条【着装要求】… or 第五条（着装要求）…
	reArticleTitle = regexp.MustCompile(`^[【\[]\s*([^】\]]{1,20})\s*[】\]]\s*`)
	reSpacedHan    = regexp.MustCompile(`(\p{Han})\s+(\p{Han})`)
)

// ChapterPrefix begins the IDs of chapter headings ("c3"; a section inside it is "c3.s1"): chapters group
// articles but are no part of an article's ID.
const ChapterPrefix = "c"

// isArticleCode reports whether src is written in articles: a line starting 第…条 or 第…章.
func isArticleCode(src string) bool {
	for _, line := range strings.Split(src, "\n") {
		l := normalizeLine(line)
		if reArticle.MatchString(l) {
			return true
		}
		if m := reChapter.FindStringSubmatch(l); m != nil && numberOf(m[1]) > 0 && looksLikeTitle(m[2]) {
			return true
		}
	}
	return false
}

// renderArticles writes an article code back as text that Parse reads into the same clauses.
func (c *Code) renderArticles(b *strings.Builder) {
	clauses := map[string]Clause{}
	for _, cl := range c.Clauses {
		clauses[cl.ID] = cl
	}
	headings := map[string]Heading{}
	groupPath := map[string]int{} // article → how many titles its chapter and section give its path
	for _, h := range c.Headings {
		headings[h.ID] = h
		for _, a := range h.Articles {
			groupPath[a] = strings.Count(h.ID, ".") + 1
		}
	}
	starts := map[string][]Heading{} // article ID → the chapter and section lines written before it
	for _, h := range c.Headings {
		if strings.HasPrefix(h.ID, ChapterPrefix) {
			first := ""
			if len(h.Articles) > 0 {
				first = h.Articles[0]
			}
			for _, s := range c.Headings { // a chapter whose first articles are in a section starts there
				if first == "" && strings.HasPrefix(s.ID, h.ID+".") && len(s.Articles) > 0 {
					first = s.Articles[0]
				}
			}
			starts[first] = append(starts[first], h)
		}
	}
	// Sections come after their chapter's line.
	for id, hs := range starts {
		slices.SortStableFunc(hs, func(a, b Heading) int { return strings.Count(a.ID, ".") - strings.Count(b.ID, ".") })
		starts[id] = hs
	}
	var ids []string
	for id := range clauses {
		if id != PreambleID {
			ids = append(ids, id)
		}
	}
	for id := range headings {
		if _, isClause := clauses[id]; !isClause && !strings.HasPrefix(id, ChapterPrefix) {
			ids = append(ids, id)
		}
	}
	sortIDs(ids)
	for _, id := range ids {
		for _, h := range starts[id] {
			word := "章"
			if strings.Contains(h.ID, ".") {
				word = "节"
			}
			n := atoi(h.ID[strings.LastIndexAny(h.ID, "cs")+1:])
			b.WriteString("第" + ChineseNumeral(n) + word + " " + h.Title + "\n")
		}
		parts := strings.Split(id, ".")
		cl, isClause := clauses[id]
		if len(parts) == 1 {
			b.WriteString("第" + ChineseNumeral(atoi(id)) + "条 ")
			if isClause && cl.Title != "" && len(cl.Path) == groupPath[id]+1 && cl.Path[len(cl.Path)-1] == cl.Title {
				b.WriteString("【" + cl.Title + "】")
			}
		} else {
			// Items below an article: （一）, then 1、, (1), ①.
			ranks := []int{rankSection, rankItem, rankSubItem, rankCircled}
			b.WriteString(markerLabel(ranks[min(len(parts)-2, len(ranks)-1)], atoi(parts[len(parts)-1])))
		}
		if isClause {
			b.WriteString(cl.Text)
		}
		b.WriteString("\n")
	}
}

func numberOf(s string) int {
	if n := atoi(s); n > 0 {
		return n
	}
	return chineseNumber(s)
}

// group is a chapter or a section of one: a heading over articles.
type group struct {
	id, title string
	line      int
	articles  []*node  // articles directly under it
	subs      []*group // a chapter's sections
}

// parseArticles reads a code in article layout: metadata, title, document number and preamble as Parse does
// for outline codes; then 第X章 and 第X节 titles, 第X条 articles numbered straight through them, and inside an
// article items （一） / 1. / (1) / ① whose IDs follow the article's (第十二条第（三）项 is 12.3). A paragraph of an
// article without a number of its own (款) stays in the article's text.
func parseArticles(src string) (*Code, error) {
	code := &Code{Layout: LayoutArticles}
	root := &node{}
	var (
		article  *node // the current article
		current  *node // the last numbered node inside it (or the article)
		last     *node
		h        head
		seen     = map[string]int{}
		ended    bool
		chapters []*group
		sections []*group // of the current chapter
		under    *group   // where the next article goes
	)
	lineNo := 0
	var lines []string
	var lineNos []int
	for i, raw := range strings.Split(src, "\n") {
		for _, l := range splitInlineCircled(normalizeLine(raw)) {
			lines, lineNos = append(lines, l), append(lineNos, i+1)
		}
	}
	for i, line := range lines {
		lineNo = lineNos[i]
		if line == "" || ended {
			continue
		}
		if reTrailer.MatchString(line) || (article != nil && isWebClutter(line)) {
			ended = ended || reTrailer.MatchString(line)
			continue
		}
		if article == nil {
			if took, err := h.meta(code, line, lineNo); err != nil {
				return nil, err
			} else if took {
				continue
			}
		}
		if took, end := closingDate(code, line, last, article != nil); took {
			ended = end
			continue
		}
		if m := reChapter.FindStringSubmatch(line); m != nil && numberOf(m[1]) > 0 && looksLikeTitle(m[2]) {
			n := numberOf(m[1])
			if want := len(chapters) + 1; n != want {
				return nil, &ParseError{Line: lineNo, Msg: fmt.Sprintf("章的编号“第%s章”不连续，这里应为“第%s章”", m[1], ChineseNumeral(want))}
			}
			g := &group{id: ChapterPrefix + strconv.Itoa(n), title: squeezeTitle(m[2]), line: lineNo}
			if g.title == "" {
				g.title = "第" + ChineseNumeral(n) + "章"
			}
			chapters, sections, under = append(chapters, g), nil, g
			current, last = nil, nil
			continue
		}
		if m := reSectCN.FindStringSubmatch(line); m != nil && numberOf(m[1]) > 0 && looksLikeTitle(m[2]) && len(chapters) > 0 {
			n := numberOf(m[1])
			if want := len(sections) + 1; n != want {
				return nil, &ParseError{Line: lineNo, Msg: fmt.Sprintf("节的编号“第%s节”不连续，这里应为“第%s节”", m[1], ChineseNumeral(want))}
			}
			ch := chapters[len(chapters)-1]
			g := &group{id: ch.id + ".s" + strconv.Itoa(n), title: squeezeTitle(m[2]), line: lineNo}
			if g.title == "" {
				g.title = "第" + ChineseNumeral(n) + "节"
			}
			ch.subs = append(ch.subs, g)
			sections, under = append(sections, g), g
			current, last = nil, nil
			continue
		}
		if loc := reArticle.FindStringSubmatchIndex(line); loc != nil && numberOf(line[loc[2]:loc[3]]) > 0 {
			n := &node{rank: rankPart, num: numberOf(line[loc[2]:loc[3]]), line: lineNo, inline: markerText(line[loc[1]:]), parent: root}
			if err := checkArticle(root, n, seen); err != nil {
				return nil, err
			}
			root.children = append(root.children, n)
			if under != nil {
				under.articles = append(under.articles, n)
			}
			article, current, last = n, n, n
			continue
		}
		if article == nil {
			if err := h.text(code, line, lineNo, len(chapters) == 0, "出现在第一条之前，既不是标题、章节名也不是前言（条文应以“第一条”开头）"); err != nil {
				return nil, err
			}
			continue
		}
		if last == nil { // text right after a chapter or section line, before its first article
			return nil, &ParseError{Line: lineNo, Msg: fmt.Sprintf("“%s”在章节标题之后、条文之前（条文应以“第X条”开头）", clip(line, 20))}
		}
		// Inside an article: an item marker, or a continuation of the text.
		if rank, num, rest, ok := matchMarker(line); ok && rank != rankPart || ok && rank == rankPart && article != nil {
			if rank == rankPart {
				rank = rankSection // 一、 inside an article ranks as （一）
			}
			parent := current
			for parent != article && parent.rank >= rank {
				parent = parent.parent
			}
			n := &node{rank: rank, num: num, line: lineNo, inline: rest, parent: parent}
			if err := checkNumber(parent, n, seen); err != nil {
				return nil, err
			}
			parent.children = append(parent.children, n)
			current, last = n, n
			continue
		}
		last.body = append(last.body, line)
	}
	if len(root.children) == 0 {
		return nil, h.empty(code, len(chapters) > 0, "条文（如“第一条”）")
	}
	h.finish(code)
	// Chapters and sections are headings; each article is emitted with the path of its chapter and section.
	pathOf := map[*node][]string{}
	for _, ch := range chapters {
		code.Headings = append(code.Headings, Heading{ID: ch.id, Title: ch.title, Articles: articleIDs(ch.articles)})
		for _, a := range ch.articles {
			pathOf[a] = []string{ch.title}
		}
		for _, s := range ch.subs {
			code.Headings = append(code.Headings, Heading{ID: s.id, Title: s.title, Articles: articleIDs(s.articles)})
			for _, a := range s.articles {
				pathOf[a] = []string{ch.title, s.title}
			}
		}
	}
	for _, a := range root.children {
		if err := emitArticle(code, a, pathOf[a]); err != nil {
			return nil, err
		}
	}
	return code, nil
}

// isLetterhead reports whether a title line is the letterhead of an official document (某某中心文件), which the
// real title follows.
func isLetterhead(title string) bool { return strings.HasSuffix(title, "文件") }

// splitInlineCircled splits a paragraph that numbers its items inline (应当做到：①…；②…；③…。) into the lead-in
// and one line an item, as if each item stood on its own line. A line needs ① and ② in order for that.
func splitInlineCircled(line string) []string {
	i1, i2 := strings.Index(line, "①"), strings.Index(line, "②")
	if i1 < 0 || i2 < i1 {
		return []string{line}
	}
	var out []string
	if lead := strings.TrimSpace(line[:i1]); lead != "" {
		out = append(out, lead)
	}
	rest := line[i1:]
	for n := 2; n <= 20; n++ {
		next := strings.Index(rest, string(rune('①'+n-1)))
		if next <= 0 {
			break
		}
		out = append(out, strings.TrimSpace(rest[:next]))
		rest = rest[next:]
	}
	return append(out, strings.TrimSpace(rest))
}

// squeezeTitle drops the spaces set between the characters of a short Chinese title (总  则 → 总则).
func squeezeTitle(s string) string {
	return reSpacedHan.ReplaceAllString(reSpacedHan.ReplaceAllString(strings.TrimSpace(s), "$1$2"), "$1$2")
}

func articleIDs(ns []*node) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.id()
	}
	return out
}

// checkArticle keeps article numbers straight through the chapters: 1, 2, 3 … without gaps or repeats.
func checkArticle(root, n *node, seen map[string]int) error {
	want := len(root.children) + 1
	label := "第" + ChineseNumeral(n.num) + "条"
	if prev, dup := seen[strconv.Itoa(n.num)]; dup {
		return &ParseError{Line: n.line, Msg: fmt.Sprintf("“%s”重复（第%d行已有）", label, prev)}
	}
	if n.num != want {
		return &ParseError{Line: n.line, Msg: fmt.Sprintf("“%s”不连续，这里应为“第%s条”（条文的编号跨章连续）", label, ChineseNumeral(want))}
	}
	seen[strconv.Itoa(n.num)] = n.line
	return nil
}

// emitArticle writes an article and its items as clauses: the article's own text is clause N (its lead-in
// when it has items), items N.k. Items take the modality of a lead-in that gives it to a list
// (严禁下列行为：（一）…).
func emitArticle(code *Code, a *node, path []string) error {
	title := ""
	inline := a.inline
	if m := reArticleTitle.FindStringSubmatch(inline); m != nil {
		title = strings.TrimSpace(m[1])
		inline = strings.TrimSpace(inline[len(m[0]):])
	}
	own := path
	if title != "" {
		own = append(append([]string{}, path...), title)
	}
	text := joinLines(append([]string{inline}, a.body...))
	if strings.TrimSpace(text) == "" && len(a.children) == 0 {
		return &ParseError{Line: a.line, Msg: fmt.Sprintf("第%s条下没有内容", ChineseNumeral(a.num))}
	}
	ct := ""
	if len(own) > 0 {
		ct = own[len(own)-1]
	}
	if len(a.children) > 0 {
		ht := title
		if ht == "" {
			ht = clip(text, 20)
		}
		code.Headings = append(code.Headings, Heading{ID: a.id(), Title: ht})
	}
	lead := None
	if strings.TrimSpace(text) != "" {
		st := SplitStatements(text)
		code.Clauses = append(code.Clauses, Clause{ID: a.id(), Title: ct, Path: append([]string{}, own...), Text: text, Statements: st})
		lead = leadModality(text, st)
	}
	for _, c := range a.children {
		if err := emitItem(code, c, own, ct, lead); err != nil {
			return err
		}
	}
	return nil
}

func emitItem(code *Code, n *node, path []string, title string, lead Modality) error {
	text := joinLines(append([]string{n.inline}, n.body...))
	if strings.TrimSpace(text) == "" && len(n.children) == 0 {
		return &ParseError{Line: n.line, Msg: fmt.Sprintf("编号 %s 下没有内容", n.id())}
	}
	if len(n.children) > 0 {
		code.Headings = append(code.Headings, Heading{ID: n.id(), Title: clip(text, 20)})
	}
	own := lead
	if strings.TrimSpace(text) != "" {
		st := inherit(SplitStatements(text), lead)
		code.Clauses = append(code.Clauses, Clause{ID: n.id(), Title: title, Path: append([]string{}, path...), Text: text, Statements: st})
		if l := leadModality(text, st); l != None {
			own = l
		}
	}
	for _, c := range n.children {
		if err := emitItem(code, c, path, title, own); err != nil {
			return err
		}
	}
	return nil
}

// leadModality is the modality a text gives the list after it: a text ending in a colon that forbids or
// requires (不得有下列行为： / 应当做到：) passes it on; any other text passes nothing.
func leadModality(text string, st []Statement) Modality {
	t := strings.TrimSpace(text)
	end, _ := utf8.DecodeLastRuneInString(t)
	if end != ':' && end != '\uff1a' || len(st) == 0 {
		return None
	}
	switch m := st[len(st)-1].Modality; m {
	case Prohibited, Required, Encouraged, Permitted:
		return m
	}
	return None
}

// inherit gives statements without a modality of their own the modality of their lead-in.
func inherit(st []Statement, lead Modality) []Statement {
	if lead == None {
		return st
	}
	for i := range st {
		if st[i].Modality == None {
			st[i].Modality = lead
		}
	}
	return st
}

// webClutter are the words of a web page's frame around a pasted document: navigation, print and font
// buttons, view counters. General to web pages, nothing of any code.
var webClutter = []string{"当前位置", "您的位置", "您现在的位置", "【打印", "打印本页", "【关闭", "关闭窗口", "字体：", "字体:", "【字体",
	"字号：", "分享到", "浏览次数", "阅读次数", "点击数", "访问量", "返回顶部", "上一篇", "下一篇", "扫一扫", "发布时间：", "发布时间:",
	"来源：", "来源:", "责任编辑", "【大】", "【中】", "【小】", "网站标识码", "备案号", "ICP备", "主办单位", "主办：", "承办：",
	"技术支持：", "版权所有", "Copyright", "网站地图", "联系我们"}

// isWebClutter reports whether a line is part of a web page's frame (首页 > 政务公开, 【打印】【关闭】,
// 字体：大 中 小, 发布时间：… 浏览次数：…), not of the document: it has such words and no sentence of its own.
func isWebClutter(line string) bool {
	if utf8.RuneCountInString(line) > 80 || strings.ContainsAny(line, "。；;") {
		return false
	}
	if _, _, _, numbered := matchMarker(line); numbered || reArticle.MatchString(line) {
		return false
	}
	for _, w := range webClutter {
		if strings.Contains(line, w) {
			return true
		}
	}
	return strings.Contains(line, "首页") && strings.ContainsAny(line, ">＞»›")
}

// Cite is how the document itself cites a clause: 第十二条第（三）项 in an article code, 第 1.3.3 条 in an outline
// code, 前言 for the preamble.
func (c *Code) Cite(id string) string {
	if id == PreambleID {
		return "前言"
	}
	if c == nil || c.Layout != LayoutArticles {
		return "第 " + id + " 条"
	}
	parts := strings.Split(id, ".")
	var b strings.Builder
	for i, p := range parts {
		n := atoi(p)
		switch i {
		case 0:
			b.WriteString("第" + ChineseNumeral(n) + "条")
		case 1:
			b.WriteString("第（" + ChineseNumeral(n) + "）项")
		default:
			b.WriteString("第" + strconv.Itoa(n) + "目")
		}
	}
	return b.String()
}
