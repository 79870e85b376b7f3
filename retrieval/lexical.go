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
)

// lexDoc is one clause prepared for lexical matching.
type lexDoc struct {
	clause rules.Clause
	norm   string             // normalized title path and text
	tf     map[string]float64 // weighted gram frequencies
	length float64
	stmts  []lexStmt
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

func newLexicon(code *rules.Code, th *Thesaurus) *lexicon {
	lx := &lexicon{df: map[string]int{}, idf: map[string]float64{}, bigram: map[string]bool{}, formal: map[string]float64{},
		post: map[string][]posting{}}
	var total float64
	for _, c := range code.Clauses {
		titles, outside, inside := clauseText(c)
		d := lexDoc{clause: c, tf: map[string]float64{}, norm: normalize(titles + " " + c.Text)}
		add := func(text string, w float64) {
			for _, g := range grams(normalize(text), true) {
				gw := w
				if strings.HasPrefix(g, "1:") {
					gw *= unigramWeight
				} else if w == 1 {
					lx.bigram[g] = true // the code's own words, not its quoted examples
				}
				d.tf[g] += gw
				d.length += gw
			}
		}
		add(titles, 1)
		add(outside, 1)
		add(inside, quotedWeight)
		for g, tf := range d.tf {
			lx.df[g]++
			lx.post[g] = append(lx.post[g], posting{doc: len(lx.docs), tf: tf})
		}
		for _, s := range c.Statements {
			n := normalize(s.Text)
			gs := map[string]bool{}
			for _, g := range grams(n, false) {
				gs[g] = true
			}
			d.stmts = append(d.stmts, lexStmt{statement: s, norm: n, grams: gs})
		}
		total += d.length
		lx.docs = append(lx.docs, d)
	}
	n := float64(len(lx.docs))
	if n > 0 {
		lx.avgLen = total / n
	}
	for g, df := range lx.df {
		lx.idf[g] = math.Log(1 + (n-float64(df)+0.5)/(float64(df)+0.5))
	}
	lx.maxIDF = math.Log(1 + (n+0.5)/0.5)
	for f := range th.formalWords() {
		df := 0
		for i := range lx.docs {
			if strings.Contains(lx.docs[i].norm, f) {
				df++
			}
		}
		lx.formal[f] = math.Max(0.3, math.Log(1+(n-float64(df)+0.5)/(float64(df)+0.5))/lx.maxIDF)
	}
	return lx
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
