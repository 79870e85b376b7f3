// Package console runs ConductBot's conversations (package bot) in a terminal, for `conductbot chat`: each
// line typed is a message from one user in a private chat, replies are printed, and buttons are shown as
// numbered choices — typing the number presses the button of the latest message that has buttons. "/photo
// PATH" and "/file PATH" send a local file as a photo or a document; "/quit" ends the session.
package console

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/conductbot/conductbot/bot"
)

// Options configure a console session.
type Options struct {
	Router *bot.Router
	In     io.Reader
	Out    io.Writer
	User   bot.Identity // who types; the chat is their private chat
	Prompt string       // printed before each line read; default "> "
	// Console is the transport to print through; nil: a new one on Out. Pass one made with New when
	// capabilities need it before the session starts (to send notifications).
	Console *Console
}

// Console is the terminal as a bot.Transport. It is safe for concurrent use (capabilities may send from
// their own goroutines).
type Console struct {
	out    io.Writer
	chatID int64

	mu       sync.Mutex
	nextMsg  int
	choices  []choice // the buttons of the latest message with buttons, numbered from 1
	choiceOf int      // that message's ID
	nextCB   int
}

type choice struct {
	data string
	url  string
}

var _ bot.Transport = (*Console)(nil)

// New returns a console writing to out for a chat.
func New(out io.Writer, chatID int64) *Console { return &Console{out: out, chatID: chatID} }

// Run reads lines until In ends, "/quit" or "/exit" is typed, or ctx ends.
func Run(ctx context.Context, o Options) error {
	if o.Prompt == "" {
		o.Prompt = "> "
	}
	c := o.Console
	if c == nil {
		c = New(o.Out, o.User.ID)
	}
	lines := make(chan string)
	readErr := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(o.In)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
		readErr <- sc.Err()
		close(lines)
	}()
	var updateID int64
	for {
		c.print(o.Prompt)
		var line string
		var ok bool
		select {
		case <-ctx.Done():
			c.print("\n")
			return nil
		case line, ok = <-lines:
		}
		if !ok {
			c.print("\n")
			return <-readErr
		}
		line = strings.TrimSpace(line)
		switch line {
		case "":
			continue
		case "/quit", "/exit":
			return nil
		}
		updateID++
		u, ok := c.update(updateID, o.User, line)
		if !ok {
			continue
		}
		if err := o.Router.Handle(ctx, c, u); err != nil {
			c.print(fmt.Sprintf("（错误：%v）\n", err))
		}
	}
}

// update turns a typed line into an update: a number presses a shown button, anything else is a message.
func (c *Console) update(id int64, user bot.Identity, line string) (bot.Update, bool) {
	u := bot.Update{ID: id, ChatID: c.chatID, ChatType: bot.ChatPrivate, From: user}
	if n, err := strconv.Atoi(line); err == nil {
		c.mu.Lock()
		if n >= 1 && n <= len(c.choices) {
			ch, msg := c.choices[n-1], c.choiceOf
			c.nextCB++
			cb := fmt.Sprintf("console-%d", c.nextCB)
			c.mu.Unlock()
			if ch.url != "" {
				c.print("（链接：" + ch.url + "）\n")
				return u, false
			}
			u.MessageID = msg
			u.Callback = &bot.Callback{ID: cb, Data: ch.data}
			return u, true
		}
		c.mu.Unlock()
	}
	c.mu.Lock()
	c.nextMsg++
	u.MessageID = c.nextMsg
	c.mu.Unlock()
	if cmd, _, args, ok := bot.SplitCommand(line); ok && (cmd == "photo" || cmd == "file") {
		return c.fileUpdate(u, cmd, args)
	}
	u.Text = line
	if cmd, _, args, ok := bot.SplitCommand(line); ok {
		u.Command, u.Args = cmd, args
	}
	return u, true
}

// fileUpdate is "/photo PATH [caption]" or "/file PATH [caption]": a local file sent as a photo or a
// document, which Download then reads from the disk.
func (c *Console) fileUpdate(u bot.Update, kind, args string) (bot.Update, bool) {
	path, caption, _ := strings.Cut(args, " ")
	st, err := os.Stat(path)
	if path == "" || err != nil || st.IsDir() {
		c.print("用法：/photo 图片文件路径 [说明] 或 /file 文件路径 [说明]\n\n")
		return u, false
	}
	id := localPrefix + path
	if kind == "photo" {
		u.Photos = []bot.Photo{{FileID: id, UniqueID: id, Size: st.Size()}}
	} else {
		u.Document = &bot.Document{FileID: id, UniqueID: id, Name: filepath.Base(path), MIME: mime.TypeByExtension(filepath.Ext(path)), Size: st.Size()}
	}
	u.Text = strings.TrimSpace(caption)
	return u, true
}

// localPrefix marks the file IDs of files sent from the terminal.
const localPrefix = "local:"

func (c *Console) print(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, _ = io.WriteString(c.out, Sanitize(s))
}

// show prints a message and numbers its buttons, which become the ones a typed number presses.
func (c *Console) show(header string, id int, m bot.Message) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b strings.Builder
	b.WriteString(header)
	b.WriteString(strings.TrimRight(m.Text, "\n"))
	b.WriteString("\n")
	if len(m.Buttons) == 0 && id == c.choiceOf {
		c.choices = c.choices[:0] // the message lost its buttons
	}
	if len(m.Buttons) > 0 {
		c.choices, c.choiceOf = c.choices[:0], id
		for _, row := range m.Buttons {
			b.WriteString(" ")
			for _, btn := range row {
				c.choices = append(c.choices, choice{data: btn.Data, url: btn.URL})
				fmt.Fprintf(&b, " [%d] %s", len(c.choices), btn.Text) // sanitized with the rest below
			}
			b.WriteString("\n")
		}
	}
	_, _ = io.WriteString(c.out, Sanitize(b.String()+"\n")) // message text comes from users: no escapes
}

func (c *Console) newID() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nextMsg++
	return c.nextMsg
}

// Send implements bot.Transport.
func (c *Console) Send(_ context.Context, chatID int64, m bot.Message) (int, error) {
	id := c.newID()
	header := "规范助手：\n"
	if chatID != c.chatID {
		header = fmt.Sprintf("规范助手 → 会话 %d:\n", chatID)
	}
	c.show(header, id, m)
	return id, nil
}

// Edit implements bot.Transport: the message is printed again as it now reads.
func (c *Console) Edit(_ context.Context, _ int64, messageID int, m bot.Message) error {
	c.show("规范助手（更新了上面的消息）：\n", messageID, m)
	return nil
}

// AnswerCallback implements bot.Transport.
func (c *Console) AnswerCallback(_ context.Context, _ string, n bot.Notice) error {
	switch {
	case n.Text == "":
	case n.Alert:
		c.print("⚠ " + n.Text + "\n\n")
	default:
		c.print("（" + n.Text + "）\n\n")
	}
	return nil
}

// SendPhoto implements bot.Transport: the console shows what it would send.
func (c *Console) SendPhoto(ctx context.Context, chatID int64, f bot.File, m bot.Message) (int, error) {
	m.Text = fmt.Sprintf("[图片 %s，%d 字节]\n%s", f.Name, len(f.Data), m.Text)
	return c.Send(ctx, chatID, m)
}

// SendDocument implements bot.Transport.
func (c *Console) SendDocument(ctx context.Context, chatID int64, f bot.File, m bot.Message) (int, error) {
	m.Text = fmt.Sprintf("[文件 %s，%d 字节]\n%s", f.Name, len(f.Data), m.Text)
	return c.Send(ctx, chatID, m)
}

// ErrNoFile is what Download returns for a file ID that is not a file sent with /photo or /file.
var ErrNoFile = errors.New("console: no such file")

// Download implements bot.Transport: it reads the files sent with /photo and /file.
func (c *Console) Download(_ context.Context, fileID string, maxBytes int64) ([]byte, error) {
	path, ok := strings.CutPrefix(fileID, localPrefix)
	if !ok {
		return nil, ErrNoFile
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	defer f.Close()
	if maxBytes <= 0 {
		maxBytes = 20 << 20
	}
	data, err := io.ReadAll(io.LimitReader(f, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	if int64(len(data)) > maxBytes {
		return nil, bot.ErrTooLarge
	}
	return data, nil
}
