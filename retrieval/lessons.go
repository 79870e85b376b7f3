package retrieval

import (
	"context"
	"sort"
	"strings"

	"github.com/conductbot/conductbot/rules"
)

// LessonSource gives the lessons of a code version (rules.Lesson): everyday questions and paraphrases of its
// clauses, written by the chat model at import (Teach) or attached by an admin. A store implementing it next to
// CodeSource or VectorStore gets used by the engine; the SQLite and PostgreSQL stores do.
type LessonSource interface {
	Lessons(ctx context.Context, versionID int64) ([]rules.Lesson, error)
}

// How much a lesson's grams count next to the code's own words (1) in a clause's BM25 frequencies and in the
// share of a question it explains. A lesson's text is never a statement: it finds a clause, and the clause's
// own statements still decide the verdict. An admin's lesson is a question staff really asked, checked by a
// person; the model's are guesses, and count as the code's quoted examples do.
const (
	modelLessonWeight = quotedWeight
	adminLessonWeight = 0.5
)

// lessonSet is the lessons of one version, as the lexicon uses them.
type lessonSet struct {
	byClause map[string][]lessonText
	// key names the set in the stored index's format: a change of the lessons builds the index again.
	key string
}

type lessonText struct {
	norm   string
	weight float64
}

// newLessonSet keeps the lessons of the code's clauses (others are ignored), each text once per clause (an
// admin's lesson outweighs the model's of the same text).
func newLessonSet(code *rules.Code, ls []rules.Lesson) lessonSet {
	set := lessonSet{byClause: map[string][]lessonText{}}
	has := make(map[string]bool, len(code.Clauses))
	for _, c := range code.Clauses {
		has[c.ID] = true
	}
	weight := map[[2]string]float64{}
	for _, l := range ls {
		n := normalize(l.Text)
		if !has[l.ClauseID] || n == "" {
			continue
		}
		w := modelLessonWeight
		if l.Source == rules.LessonAdmin {
			w = adminLessonWeight
		}
		k := [2]string{l.ClauseID, n}
		weight[k] = max(weight[k], w)
	}
	if len(weight) == 0 {
		return set
	}
	keys := make([][2]string, 0, len(weight))
	for k := range weight {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i][0] < keys[j][0] || keys[i][0] == keys[j][0] && keys[i][1] < keys[j][1]
	})
	var b strings.Builder
	for _, k := range keys {
		set.byClause[k[0]] = append(set.byClause[k[0]], lessonText{norm: k[1], weight: weight[k]})
		b.WriteString(k[0] + "\x00" + k[1] + "\x00")
		if weight[k] == adminLessonWeight {
			b.WriteString("a\n")
		} else {
			b.WriteString("m\n")
		}
	}
	set.key = "/l" + rules.TextHash(b.String())[:16]
	return set
}

// lessons reads the lessons of v from the engine's store; without a LessonSource, or when it fails (logged),
// the version has none.
func (e *Engine) lessons(ctx context.Context, v *rules.Version) lessonSet {
	var src LessonSource
	if s, ok := e.opts.Codes.(LessonSource); ok {
		src = s
	} else if s, ok := e.opts.Vectors.(LessonSource); ok {
		src = s
	}
	if src == nil {
		return lessonSet{}
	}
	ls, err := src.Lessons(ctx, v.ID)
	if err != nil {
		e.log.Warn("could not read the lessons of the code; answering without them", "version", v.Number, "err", err)
		return lessonSet{}
	}
	return newLessonSet(v.Code, ls)
}

// Learn rebuilds the index of the version in force when its lessons changed since it was built (an admin
// attached a question to a clause): the same question finds the clause at once. Answers keep coming from the
// old index until the new one is ready. Other processes learn the lessons at their next Reload.
func (e *Engine) Learn(ctx context.Context) error { return e.Reload(ctx) }

// learn adds the clause's lessons to a prepared document: their grams to its BM25 frequencies and length, their
// text (with the formal words its everyday words mean) to the text thesaurus words are looked for in, after a
// separator no question word spans. Statements are untouched: a lesson never decides a verdict.
func (d *lexDoc) learn(ls []lessonText, th *Thesaurus) {
	if len(ls) == 0 {
		return
	}
	own := d.norm
	known := func(g string) bool { return strings.Contains(own, g) }
	var b strings.Builder
	b.WriteString(d.norm)
	for _, l := range ls {
		// What the lesson asks about, without the words that make it a question (可以…吗, 我咋说): those would
		// tie every question asked that way to the clause.
		content := analyze(l.norm, th, known).content
		for _, g := range grams(content, true) {
			w := l.weight
			if strings.HasPrefix(g, "1:") {
				w *= unigramWeight
			}
			d.tf[g] += w
			d.length += w
		}
		b.WriteString("\x00")
		b.WriteString(withSameAs(th, content))
	}
	d.norm = b.String()
}

// lessonOnlyDF gives the grams only lessons have their document frequency over the lessons. A gram of the code
// keeps the frequency over the code's own text: lessons must not change how telling the code's words are, which
// decides the verdict (bigramWeight, charWeight).
func (lx *lexicon) lessonOnlyDF() {
	for g, ps := range lx.post {
		if _, ok := lx.df[g]; !ok {
			lx.df[g] = len(ps)
		}
	}
}
