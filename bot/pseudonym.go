package bot

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
)

// ChatPseudonym returns the keyed pseudonym under which a chat's conversation states are stored
// (Options.StateKey): HMAC-SHA-256 of the chat ID under a key derived from key, taken to 62 bits and placed at
// or above 2^62. Telegram's chat IDs have at most 52 significant bits, so a stored ID at or above 2^62 is
// always a pseudonym (IsPseudonym) and never a chat. Chat 0, the bot-wide state, stays 0.
//
// With pseudonyms, the state table names no chat: a copy of the database shows that some chat has a form open,
// not which; and the transaction that files a spot-check report, which deletes the draft's state, touches no
// row naming the inspector (inspect's doc, "What an attacker learns"). Whoever holds key can compute a known
// chat's pseudonym.
func ChatPseudonym(key []byte) func(chatID int64) int64 {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("conductbot chat pseudonym v1"))
	derived := mac.Sum(nil)
	return func(chatID int64) int64 {
		if chatID == 0 {
			return 0
		}
		m := hmac.New(sha256.New, derived)
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], uint64(chatID))
		m.Write(b[:])
		v := binary.BigEndian.Uint64(m.Sum(nil))
		return int64(v>>2 | 1<<62)
	}
}

// IsPseudonym reports whether a stored chat ID is a pseudonym made by ChatPseudonym.
func IsPseudonym(id int64) bool { return id >= 1<<62 }

// StateRekeyer is a state store that can move the states stored under plain chat IDs (those of a version that
// did not use pseudonyms) to the keys chatKey gives; it returns how many it moved. A state whose new key is
// taken is dropped.
type StateRekeyer interface {
	RekeyStates(ctx context.Context, chatKey func(int64) int64) (int, error)
}
