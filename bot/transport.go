package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Transport is the outgoing side of a chat: what handlers may do. The Telegram adapter implements it on the Bot
// API (with retries, 429 pacing and message splitting); the console adapter prints to a terminal.
type Transport interface {
	// Send sends a message with optional inline buttons and returns its message ID. A text longer than one
	// message allows is split at sentence boundaries; the buttons go with the last part, whose ID is returned.
	Send(ctx context.Context, chatID int64, m Message) (messageID int, err error)
	// Edit replaces the text and buttons of a message the bot sent. Editing to the same content is not an error.
	Edit(ctx context.Context, chatID int64, messageID int, m Message) error
	// AnswerCallback answers a button press: a short notice (or an alert box), or nothing but stopping the
	// client's spinner when n is empty.
	AnswerCallback(ctx context.Context, callbackID string, n Notice) error
	// SendPhoto sends an image with m.Text as its caption and m's buttons.
	SendPhoto(ctx context.Context, chatID int64, f File, m Message) (messageID int, err error)
	// SendDocument sends a file with m.Text as its caption and m's buttons.
	SendDocument(ctx context.Context, chatID int64, f File, m Message) (messageID int, err error)
	// Download fetches a file the user sent (Photo.FileID, Document.FileID), refusing files over maxBytes
	// with ErrTooLarge.
	Download(ctx context.Context, fileID string, maxBytes int64) ([]byte, error)
}

// CommandMenu is implemented by transports that show a command menu (Telegram's setMyCommands). chatID 0 sets
// the menu every private chat gets by default; another ID sets the menu of that one chat.
type CommandMenu interface {
	SetCommands(ctx context.Context, chatID int64, cmds []CommandInfo) error
}

// Message is an outgoing text with inline buttons.
type Message struct {
	Text    string
	Buttons [][]Button // rows of buttons
	ReplyTo int        // message ID to reply to; 0 for none
	Silent  bool       // send without a notification sound
}

// Button is an inline button: it either sends Data back as a callback (build it with CallbackData) or opens URL.
type Button struct {
	Text string
	Data string
	URL  string
}

// Row is a convenience for one row of buttons.
func Row(buttons ...Button) []Button { return buttons }

// Btn is a button whose press comes back as callback data prefix:args (see CallbackData).
func Btn(text, prefix string, args ...string) Button {
	return Button{Text: text, Data: CallbackData(prefix, args...)}
}

// Notice is the answer to a button press.
type Notice struct {
	Text  string // at most 200 characters; empty just stops the spinner
	Alert bool   // show an alert box instead of a short toast
}

// File is an outgoing file: its content is Data, or, when Path is set, the file at Path, read when it is sent
// (a large export is sent from disk, never held in memory).
type File struct {
	Name string
	Data []byte
	Path string
}

// Open returns the file's content to read from the start; each call reads it anew (a retried upload).
func (f File) Open() (io.ReadCloser, error) {
	if f.Path == "" {
		return io.NopCloser(bytes.NewReader(f.Data)), nil
	}
	r, err := os.Open(f.Path)
	if err != nil {
		return nil, fmt.Errorf("bot: file %s: %w", f.Name, err)
	}
	return r, nil
}

// Bytes returns the file's content in memory (Data, or Path read): for files known to be small.
func (f File) Bytes() ([]byte, error) {
	if f.Path == "" {
		return f.Data, nil
	}
	b, err := os.ReadFile(f.Path)
	if err != nil {
		return nil, fmt.Errorf("bot: file %s: %w", f.Name, err)
	}
	return b, nil
}

// Errors a Transport reports; adapters wrap their own errors around them.
var (
	// ErrBlocked means the user blocked the bot or left the chat (Telegram's 403): stop sending to them.
	ErrBlocked = errors.New("bot: the user blocked the bot or the chat is gone")
	// ErrTooLarge means a file is over the size asked for or allowed.
	ErrTooLarge = errors.New("bot: file too large")
	// ErrMessageGone means the message to edit no longer exists or can no longer be edited.
	ErrMessageGone = errors.New("bot: message to edit not found")
)

// RetryAfterError is a 429: the API asks to wait After before sending again. Senders that do not retry
// themselves (broadcasts pace themselves) return it.
type RetryAfterError struct {
	After time.Duration
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("too many requests: retry after %v", e.After)
}

// MaxMessageLen is the longest text one Telegram message takes, in UTF-16 code units.
const MaxMessageLen = 4096

// MaxCaptionLen is the longest caption of a photo or document, in UTF-16 code units.
const MaxCaptionLen = 1024
