// Package rules holds a code of conduct (服务规范) as data: its clauses with the IDs of the document's own
// numbering, the statements inside each clause with their modality, the parser for Chinese official-document
// numbering, the versions a store keeps, and the code the center ships with.
package rules

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Modality says what a statement does to the conduct it names.
type Modality string

const (
	None       Modality = "none"       // describes, explains or gives examples
	Prohibited Modality = "prohibited" // 禁止/不得/不准/严禁/不要/不能 …
	Required   Modality = "required"   // 必须/要/应/一律 …
	Encouraged Modality = "encouraged" // 提倡/尽量 …
	Permitted  Modality = "permitted"  // 可/可以 …
)

// Statement is one normative sentence or clause fragment inside a clause, e.g. "不留胡须".
type Statement struct {
	Text     string   `json:"text"`
	Modality Modality `json:"modality"`
}

// Heading is a numbered title that groups clauses: a part (一、规范化服务的内容, ID "1") or a section
// ((三)服务仪表, ID "1.3").
type Heading struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// Articles lists, for a chapter or section of an article code (ID "c3", "c3.s1"), the articles directly
	// under it: their IDs (the article numbers) do not say which chapter they belong to.
	Articles []string `json:"articles,omitempty"`
}

// Clause is the unit the bot cites. Its ID is the path of the document's numbering ("1.3.3"); the preamble is "0".
type Clause struct {
	ID         string      `json:"id"`
	Title      string      `json:"title"` // the nearest heading's title, e.g. 服务仪表
	Path       []string    `json:"path"`  // heading titles from the top, e.g. [规范化服务的内容 服务仪表]
	Text       string      `json:"text"`
	Statements []Statement `json:"statements"`
}

// PreambleID is the clause ID of the text before the first numbered heading.
const PreambleID = "0"

// Code is a whole code of conduct.
type Code struct {
	// Layout is LayoutOutline (一、 (一) 1、) or LayoutArticles (第一章 … 第一条 …); it decides how a clause is cited.
	Layout    string    `json:"layout,omitempty"`
	Title     string    `json:"title"`
	Issuer    string    `json:"issuer,omitempty"`
	DocNumber string    `json:"doc_number,omitempty"`
	Issued    string    `json:"issued,omitempty"` // YYYY-MM-DD
	Headings  []Heading `json:"headings"`
	Clauses   []Clause  `json:"clauses"`
}

// Clause returns the clause with the given ID.
func (c *Code) Clause(id string) (Clause, bool) {
	for _, cl := range c.Clauses {
		if cl.ID == id {
			return cl, true
		}
	}
	return Clause{}, false
}

// Heading returns the heading with the given ID.
func (c *Code) Heading(id string) (Heading, bool) {
	for _, h := range c.Headings {
		if h.ID == id {
			return h, true
		}
	}
	return Heading{}, false
}

// Children lists the headings and clauses directly below id ("" is the top of the document), in document order.
// In an article code, a chapter's children are its sections and the articles it lists; the top holds the
// chapters and any article outside them.
func (c *Code) Children(id string) (headings []Heading, clauses []Clause) {
	grouped := map[string]string{} // article ID → its chapter's or section's ID
	for _, h := range c.Headings {
		for _, a := range h.Articles {
			grouped[a] = h.ID
		}
	}
	parentOf := func(x string) string {
		if g, ok := grouped[x]; ok {
			return g
		}
		return ParentID(x)
	}
	for _, h := range c.Headings {
		if parentOf(h.ID) == id {
			headings = append(headings, h)
		}
	}
	for _, cl := range c.Clauses {
		if parentOf(cl.ID) == id && (cl.ID != PreambleID || id == "") {
			clauses = append(clauses, cl)
		}
	}
	return headings, clauses
}

// ParentID is the ID one level up: "1.3.3" → "1.3", "1" → "".
func ParentID(id string) string {
	if i := strings.LastIndexByte(id, '.'); i >= 0 {
		return id[:i]
	}
	return ""
}

// Within reports whether id equals ancestor or lies below it ("2.1" is within "2"; "1.3.3" within "1.3").
func Within(id, ancestor string) bool {
	return id == ancestor || strings.HasPrefix(id, ancestor+".")
}

// CompareIDs orders clause IDs numerically, component by component ("1.10" after "1.9").
func CompareIDs(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, _ := strconv.Atoi(as[i])
		y, _ := strconv.Atoi(bs[i])
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return len(as) - len(bs)
}

// Hash identifies the code's content: two codes with equal hashes say the same thing under the same numbers.
func (c *Code) Hash() string {
	h := sha256.New()
	if c.Layout != LayoutOutline {
		h.Write([]byte("L" + c.Layout + "\x00"))
	}
	for _, s := range []string{c.Title, c.Issuer, c.DocNumber, c.Issued} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	for _, hd := range c.Headings {
		h.Write([]byte("H" + hd.ID + "\x00" + hd.Title + "\x00"))
	}
	for _, cl := range c.Clauses {
		h.Write([]byte("C" + cl.ID + "\x00" + cl.Text + "\x00"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TextHash identifies a piece of text; stores key cached embeddings by it.
func TextHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:16])
}

// Version is one imported version of a code. Exactly one version is in force; older ones stay readable so that
// a report can show the wording it was judged against.
type Version struct {
	ID        int64     `json:"id"`
	Number    int       `json:"number"` // 1, 2, 3 … in order of import
	Hash      string    `json:"hash"`
	InForce   bool      `json:"in_force"`
	CreatedAt time.Time `json:"created_at"`
	Source    string    `json:"-"` // the text it was imported from
	Code      *Code     `json:"code,omitempty"`
}

// ErrNotFound is returned by stores when the thing asked for does not exist.
var ErrNotFound = errors.New("not found")

// Store keeps the versions of the code. The PostgreSQL and SQLite stores implement it.
type Store interface {
	// PutCode stores code as a new version in force, unless a version with the same content exists: then that
	// version is put in force and created is false.
	PutCode(ctx context.Context, code *Code, source string, now time.Time) (v *Version, created bool, err error)
	// CodeInForce returns the version in force with its clauses, or ErrNotFound when none was imported.
	CodeInForce(ctx context.Context) (*Version, error)
	// CodeVersion returns one version with its clauses, or ErrNotFound.
	CodeVersion(ctx context.Context, id int64) (*Version, error)
	// CodeVersions lists all versions, newest first, without their clauses.
	CodeVersions(ctx context.Context) ([]Version, error)
}

// SortClauses puts clauses in numeric ID order.
func SortClauses(cs []Clause) {
	sort.SliceStable(cs, func(i, j int) bool { return CompareIDs(cs[i].ID, cs[j].ID) < 0 })
}

// ParseNumeral reads a part or section number written in Chinese (三, 十二) or digits; 0 when it is neither.
func ParseNumeral(s string) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return chineseNumber(s)
}
