package retrieval

import (
	"math"
	"strings"

	"github.com/conductbot/conductbot/rules"
)

// BM25 parameters.
const (
	bm25K1 = 1.2
	bm25B  = 0.75

	unigramWeight = 0.3 // a single character is weak evidence next to a bigram
	quotedWeight  = 0.5 // the code's quoted examples are weaker evidence than its own words
	topicWeight   = 0.4 // a topic bigram (lexDoc.topic) counts at most this much of a bigram of the code
)

// lexDoc is one clause prepared for lexical matching.
type lexDoc struct {
	clause rules.Clause
	norm   string             // normalized title path and text
	tf     map[string]float64 // weighted gram frequencies
	length float64
	stmts  []lexStmt
	// topic holds the bigrams of the everyday words the thesaurus gives for this clause's formal words (头发
	// from 扎头发 and 长头发, for 披散发 and 长发): weak evidence for words the thesaurus does not list as such
	// (头发扎起来).
	topic map[string]bool
	// penalty: the clause punishes (扣2分, 通报批评) rather than rules; it never decides a verdict.
	penalty bool
}

type lexStmt struct {
	statement rules.Statement
	norm      string
	grams     map[string]bool
}

// lexicon is a BM25 index over the clauses of one code version.
type lexicon struct {
	docs   []lexDoc
	df     map[string]int
	idf    map[string]float64
	maxIDF float64
	avgLen float64
	bigram map[string]bool      // every bigram of the code: words a filler character may be part of
	post   map[string][]posting // gram → the documents that have it
	formal map[string]float64   // specificity of the thesaurus's formal words in this code, 0.3…1
	topic  map[string]float64   // specificity of a topic bigram: IDF over the clauses' topic sets, as a share of the highest
	th     *Thesaurus           // the vocabulary it was built with
	// lazy is set when the lexicon was loaded from its stored index: a document's frequencies, statements and
	// topics are prepared when doc first asks for it (persist.go). bm25 needs only lengths, which are loaded.
	lazy *lazyDocs
	// lessons are the version's lessons (lessons.go), added to their clauses' documents.
	lessons lessonSet
}

func clauseText(c rules.Clause) (titles, outside, inside string) {
	outside, inside = stripQuotes(c.Text)
	return strings.Join(c.Path, " ") + " " + c.Title, outside, inside
}

// posting is one document's weighted frequency of a gram.
type posting struct {
	doc int
	tf  float64
}

func newLexicon(code *rules.Code, th *Thesaurus, ls lessonSet) *lexicon {
	lx := &lexicon{df: map[string]int{}, idf: map[string]float64{}, bigram: map[string]bool{}, formal: map[string]float64{},
		post: map[string][]posting{}, topic: map[string]float64{}, th: th, lessons: ls}
	var total float64
	for _, c := range code.Clauses {
		d := newLexDoc(c, th, func(g string) { lx.bigram[g] = true })
		for g := range d.tf {
			lx.df[g]++
		}
		d.learn(ls.byClause[c.ID], th)
		for g, tf := range d.tf {
			lx.post[g] = append(lx.post[g], posting{doc: len(lx.docs), tf: tf})
		}
		total += d.length
		lx.docs = append(lx.docs, d)
	}
	lx.lessonOnlyDF()
	n := float64(len(lx.docs))
	if n > 0 {
		lx.avgLen = total / n
	}
	for g, df := range lx.df {
		lx.idf[g] = idf(n, float64(df))
	}
	lx.maxIDF = idf(n, 0)
	docsWith := map[string][]int{} // formal word → the clauses that have it
	for f := range th.formalWords() {
		for i := range lx.docs {
			if strings.Contains(lx.docs[i].norm, f) {
				docsWith[f] = append(docsWith[f], i)
			}
		}
		df := float64(len(docsWith[f]))
		lx.formal[f] = math.Max(0.3, idf(n, df)/lx.maxIDF)
	}
	lx.addTopics(th, docsWith)
	return lx
}

// withSameAs appends to a clause's or statement's normalized text the formal words its everyday words mean
// (Thesaurus.sameAs), after a separator no question word spans, so that the code's choice among synonyms does
// not decide whether a question finds it.
func withSameAs(th *Thesaurus, norm string) string {
	if extra := th.sameAs(norm); len(extra) > 0 {
		return norm + "\x00" + strings.Join(extra, "\x00")
	}
	return norm
}

// newLexDoc prepares one clause for lexical matching (all but its topic bigrams); own is told every bigram of
// the code's own words (not its quoted examples).
func newLexDoc(c rules.Clause, th *Thesaurus, own func(g string)) lexDoc {
	titles, outside, inside := clauseText(c)
	d := lexDoc{clause: c, tf: map[string]float64{}, norm: withSameAs(th, normalize(titles+" "+c.Text)), penalty: len(rules.PenaltyTerms(c.Text)) > 0}
	add := func(text string, w float64) {
		for _, g := range grams(normalize(text), true) {
			gw := w
			if strings.HasPrefix(g, "1:") {
				gw *= unigramWeight
			} else if w == 1 {
				own(g)
			}
			d.tf[g] += gw
			d.length += gw
		}
	}
	add(titles, 1)
	add(outside, 1)
	add(inside, quotedWeight)
	for _, s := range c.Statements {
		n := normalize(s.Text)
		gs := map[string]bool{}
		for _, g := range grams(n, false) {
			gs[g] = true
		}
		d.stmts = append(d.stmts, lexStmt{statement: s, norm: withSameAs(th, n), grams: gs})
	}
	return d
}

// idf is the BM25 inverse document frequency of a term in df of n documents.
func idf(n, df float64) float64 { return math.Log(1 + (n-df+0.5)/(df+0.5)) }

// addTopics gives each clause the bigrams of the everyday words that stand for its formal words, and weighs each
// bigram by how few clauses share it.
func (lx *lexicon) addTopics(th *Thesaurus, docsWith map[string][]int) {
	for i := range lx.docs {
		lx.docs[i].topic = map[string]bool{}
	}
	for word, senses := range th.senses {
		gs := grams(word, false)
		for _, s := range senses {
			for _, f := range s.formal {
				for _, i := range docsWith[f] {
					d := &lx.docs[i]
					for _, g := range gs {
						if d.tf[g] == 0 {
							d.topic[g] = true
						}
					}
				}
			}
		}
	}
	topicDF := map[string]int{}
	for i := range lx.docs {
		for g := range lx.docs[i].topic {
			topicDF[g]++
		}
	}
	n := float64(len(lx.docs))
	for g, df := range topicDF {
		lx.topic[g] = idf(n, float64(df)) / lx.maxIDF
	}
}

// specificity is how telling a thesaurus word is in this code: the most specific of its formal words (服务对象,
// in a third of the clauses, tells little; 争辩 tells much).
func (lx *lexicon) specificity(u unit) float64 {
	best := 0.0
	for _, s := range u.senses {
		for _, f := range s.formal {
			best = math.Max(best, lx.formal[f])
		}
	}
	if best == 0 {
		return 1
	}
	return best
}

// known reports whether a two-character string occurs in the code.
func (lx *lexicon) known(bigram string) bool { return lx.bigram[bigram] }

// weightedTerm is a query gram with its weight.
type weightedTerm struct {
	gram   string
	weight float64
}

// bm25 scores every document against the weighted query terms, through the postings of each term.
func (lx *lexicon) bm25(terms []weightedTerm) []float64 {
	scores := make([]float64, len(lx.docs))
	for _, t := range terms {
		idf, ok := lx.idf[t.gram]
		if !ok {
			continue
		}
		for _, p := range lx.post[t.gram] {
			d := &lx.docs[p.doc]
			norm := p.tf * (bm25K1 + 1) / (p.tf + bm25K1*(1-bm25B+bm25B*d.length/lx.avgLen))
			scores[p.doc] += t.weight * idf * norm
		}
	}
	return scores
}

// hasGram reports whether the clause has the bigram g outside quoted examples.
func (d *lexDoc) hasGram(g string) bool { return d.tf[g] >= 1 }

// hasGram reports whether the statement has the bigram g.
func (st *lexStmt) hasGram(g string) bool { return st.grams[g] }
