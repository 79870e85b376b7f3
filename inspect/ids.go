package inspect

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"strings"
)

// idEncoding writes random IDs in lower-case base32: safe in callback data, URLs and file names.
var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewID returns a random 16-character ID (80 bits) for reports and photos. IDs are random so that they say
// nothing about the order or time of filing.
func NewID() string { return randomID(10) }

// NewDraftID returns a random 8-character ID (40 bits) for a report draft: it goes into the form's buttons so
// that a button of another or an older form is recognised.
func NewDraftID() string { return randomID(5) }

func randomID(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("inspect: no randomness: " + err.Error())
	}
	return idEncoding.EncodeToString(b)
}

// alphabet is Crockford's base32: digits and upper-case letters without I, L, O and U. Codes are read back
// with the look-alikes mapped (O→0, I and L→1), so a code copied from paper or read aloud comes out right.
const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// randomCode returns groups of random symbols of alphabet, joined by "-".
func randomCode(groups ...int) string {
	n := 0
	for _, g := range groups {
		n += g
	}
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("inspect: no randomness: " + err.Error())
	}
	var sb strings.Builder
	i := 0
	for gi, g := range groups {
		if gi > 0 {
			sb.WriteByte('-')
		}
		for range g {
			sb.WriteByte(alphabet[b[i]&31])
			i++
		}
	}
	return sb.String()
}

// ReceiptLen and InviteLen are the number of symbols of the codes.
const (
	ReceiptLen = 12
	InviteLen  = 10
)

// NewReceipt returns a random receipt code, 12 symbols (a little under 60 bits): K7P3-Q9XW-M2TA.
func NewReceipt() string { return codeWithDigit(4, 4, 4) }

// NewInviteCode returns a random one-time invite code, 10 symbols (a little under 50 bits), guarded by the
// lock-out after ten wrong codes: H4KD7-PQ2XM.
func NewInviteCode() string { return codeWithDigit(5, 5) }

// codeWithDigit is a random code with at least one digit, drawn again until it has one (1 in 40 would not):
// a code typed alone without its dashes is told from a word by its digits.
func codeWithDigit(groups ...int) string {
	for {
		if c := randomCode(groups...); strings.ContainsAny(c, "0123456789") {
			return c
		}
	}
}

// NormalizeCode reads a code as a user typed it: upper case, without spaces or dashes, full-width characters
// made ASCII, O read as 0 and I, L as 1.
func NormalizeCode(s string) string {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= 0xff01 && r <= 0xff5e: // full-width ASCII
			r -= 0xff01 - '!'
		}
		switch {
		case r == '-' || r == ' ' || r == '\u2014' || r == '\u2013' || r == '_' || r == '\u3000':
			continue
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
		}
		switch r {
		case 'O':
			r = '0'
		case 'I', 'L':
			r = '1'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ReceiptHash is what a store keeps of a receipt code: the SHA-256 of its normalized form, in hex.
func ReceiptHash(code string) string { return codeHash("receipt", code) }

// InviteHash is what a store keeps of an invite code.
func InviteHash(code string) string { return codeHash("invite", code) }

func codeHash(kind, code string) string {
	sum := sha256.Sum256([]byte("conductbot " + kind + " v1\x00" + NormalizeCode(code)))
	return hex.EncodeToString(sum[:])
}

// LooksLikeCode reports whether s, normalized, is n symbols of the alphabet: a check before a lookup.
func LooksLikeCode(s string, n int) bool {
	s = NormalizeCode(s)
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(alphabet, s[i]) < 0 {
			return false
		}
	}
	return true
}
