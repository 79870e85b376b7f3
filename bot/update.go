package bot

import (
	"strings"
	"time"
)

// ChatType is the kind of chat an update comes from.
type ChatType string

// The chat types of the Bot API.
const (
	ChatPrivate    ChatType = "private"
	ChatGroup      ChatType = "group"
	ChatSupergroup ChatType = "supergroup"
	ChatChannel    ChatType = "channel"
)

// IsGroup reports whether the chat has several members (a group or a supergroup).
func (t ChatType) IsGroup() bool { return t == ChatGroup || t == ChatSupergroup }

// Identity is who sent an update, as the transport reports it.
type Identity struct {
	ID       int64
	Username string // without the @; may be empty
	Name     string // first and last name
	Language string // IETF language tag of the user's client, if known
}

// Update is one incoming message or button press, already mapped from the transport's own format.
type Update struct {
	ID        int64 // the transport's update ID (Telegram's update_id); 0 when the transport has none
	ChatID    int64
	ChatType  ChatType
	From      Identity
	MessageID int       // the incoming message, or the message whose button was pressed
	Date      time.Time // when the message was sent; zero when unknown

	// Text is the message text (or a photo's caption) with the bot's @mention removed and trimmed.
	Text string
	// Command is the command name without "/" and "@bot", lower case ("start"); empty when the text is not a
	// command. Args is the rest of the text after the command, trimmed.
	Command string
	Args    string

	Callback *Callback // a button press; nil for messages
	Photos   []Photo   // the sizes of a photo, smallest first, as Telegram sends them
	Document *Document // a file sent as a document
	HasMedia bool      // the message carries media the bot does not take (video, voice, sticker …)

	ReplyToBot bool // the message replies to one of the bot's messages
	Mentioned  bool // the message @mentions the bot
}

// Callback is a pressed inline button.
type Callback struct {
	ID          string // to answer the query with
	Data        string // the button's callback data: untrusted input
	MessageText string // the text of the message the button belongs to, when the transport has it
}

// Photo is one size of a photo.
type Photo struct {
	FileID   string
	UniqueID string
	Width    int
	Height   int
	Size     int64 // bytes; 0 when unknown
}

// Document is a file sent as a document.
type Document struct {
	FileID   string
	UniqueID string
	Name     string
	MIME     string
	Size     int64
}

// LargestPhoto returns the largest size of the update's photo: the last one, as Telegram orders them.
func (u *Update) LargestPhoto() (Photo, bool) {
	if len(u.Photos) == 0 {
		return Photo{}, false
	}
	best := u.Photos[len(u.Photos)-1]
	for _, p := range u.Photos {
		if p.Width*p.Height > best.Width*best.Height {
			best = p
		}
	}
	return best, true
}

// Kind names what the update is, for logs: "callback", "command", "photo", "document", "text", "media".
func (u *Update) Kind() string {
	switch {
	case u.Callback != nil:
		return "callback"
	case u.Command != "":
		return "command"
	case len(u.Photos) > 0:
		return "photo"
	case u.Document != nil:
		return "document"
	case u.HasMedia:
		return "media"
	default:
		return "text"
	}
}

// SplitCommand splits a message text into a command, the bot it is addressed to ("/start@my_bot" → "my_bot")
// and its arguments. ok is false when the text is not a command. Commands are case-insensitive.
func SplitCommand(text string) (cmd, addressee, args string, ok bool) {
	text = strings.TrimSpace(text)
	if len(text) < 2 || text[0] != '/' {
		return "", "", "", false
	}
	head, rest, _ := strings.Cut(text[1:], " ")
	if i := strings.IndexAny(head, "\n\t"); i >= 0 {
		rest = head[i+1:] + " " + rest
		head = head[:i]
	}
	head, addressee, _ = strings.Cut(head, "@")
	if head == "" || len(head) > 32 {
		return "", "", "", false
	}
	for _, c := range head {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return "", "", "", false
		}
	}
	return strings.ToLower(head), addressee, strings.TrimSpace(rest), true
}

// RemoveMention removes "@username" (case-insensitive) from text and reports whether it was there.
func RemoveMention(text, username string) (string, bool) {
	if username == "" {
		return text, false
	}
	at := "@" + username
	found := false
	var b strings.Builder
	for i := 0; i < len(text); {
		end := i + len(at)
		if text[i] == '@' && end <= len(text) && strings.EqualFold(text[i:end], at) && !usernameByte(text, end) {
			found = true
			i = end
			continue
		}
		b.WriteByte(text[i])
		i++
	}
	return strings.TrimSpace(b.String()), found
}

// usernameByte reports whether text[i] continues a username, so "@bot" does not match inside "@bots".
func usernameByte(text string, i int) bool {
	if i >= len(text) {
		return false
	}
	c := text[i]
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
