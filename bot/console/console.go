// Package console runs ConductBot's conversations (package bot) in a terminal, for `conductbot chat`: each
// line typed is a message from one user in a private chat, replies are printed, and buttons are shown as
// numbered choices — "#N" presses button N of the latest message that has buttons. A bare number is text where
// the latest message offers a typed choice (直接输入, 请输入…: a window's number, a date), and elsewhere presses
// the button of that number. Pictures and files the bot sends are written under a directory
// (SaveFilesTo); messages to other chats are printed as deliveries. "/photo
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
	// Role names the typist's current role ("窗口工作人员", "暗访人员"); when set, a change after a message (an
	// inspector who joined) is printed. Nil: not followed.
	Role func(ctx context.Context) string
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
	typed    bool // the latest message in the chat offers a typed choice: a bare number is text
	hinted   bool // the #N hint was printed
	filesDir string
	names    map[int64]string
}

// SaveFilesTo makes the console write every picture and file the bot sends under dir, printing the path.
func (c *Console) SaveFilesTo(dir string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.filesDir = dir
}

// NameChat names another chat in the deliveries printed to it ("→ 发给 督查 …").
func (c *Console) NameChat(chatID int64, name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.names == nil {
		c.names = map[int64]string{}
	}
	c.names[chatID] = name
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
	role := ""
	if o.Role != nil {
		role = o.Role(ctx)
	}
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
		if o.Role != nil {
			if now := o.Role(ctx); now != role {
				role = now
				c.print("（当前身份：" + role + "）\n\n")
			}
		}
	}
}

// typedPrompts are the words of a message that offers a typed choice (a window number, a date, a count typed
// as the answer) besides its buttons. There a bare number is that typed answer, sent as text; #N presses.
// Prompts that only also take free text (a note, a description) do not count.
var typedPrompts = []string{"直接输入", "请输入", "输入数字", "输入编号", "回复编号", "输入序号", "发送编号", "发送数字", "发送序号"}

// asksTyped reports whether a message asks for typed input.
func asksTyped(text string) bool {
	for _, w := range typedPrompts {
		if strings.Contains(text, w) {
			return true
		}
	}
	return false
}

// update turns a typed line into an update. "#N" presses button N of the latest message with buttons. A bare
// number is the typed answer where the latest message offers a typed choice ("也可以直接输入窗口号": 5 is window
// 5, not button [5]), printing once how #N presses a button there; elsewhere a bare number presses the button of
// that number, and one past the buttons is told so: never asked as a question.
func (c *Console) update(id int64, user bot.Identity, line string) (bot.Update, bool) {
	u := bot.Update{ID: id, ChatID: c.chatID, ChatType: bot.ChatPrivate, From: user}
	digits, hash := strings.CutPrefix(line, "#")
	if n, err := strconv.Atoi(digits); err == nil {
		c.mu.Lock()
		count, typed := len(c.choices), c.typed
		if typed && !hash {
			hint := !c.hinted && count > 0
			c.hinted = c.hinted || hint
			c.mu.Unlock()
			if hint {
				c.print("（提示：这里可以直接输入，数字按文字发送；要按按钮，请输入 # 加编号，例如 #1。）\n")
			}
			goto text
		}
		if n < 1 || n > count {
			c.mu.Unlock()
			if count == 0 {
				c.print(fmt.Sprintf("（没有可按的按钮，编号 %d 无效。）\n\n", n))
			} else {
				c.print(fmt.Sprintf("（没有按钮 %d：上面的按钮编号为 1–%d。）\n\n", n, count))
			}
			return u, false
		}
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
text:
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

// show prints a message of the typist's chat and numbers its buttons, which become the ones a typed number
// presses.
func (c *Console) show(header string, id int, m bot.Message) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b strings.Builder
	b.WriteString(header)
	b.WriteString(strings.TrimRight(m.Text, "\n"))
	b.WriteString("\n")
	c.typed = asksTyped(m.Text)
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

// deliver prints a message the bot sends to another chat (a notification): a delivery, whose buttons are
// that chat's, not ones a typed number presses.
func (c *Console) deliver(chatID int64, m bot.Message) {
	c.mu.Lock()
	defer c.mu.Unlock()
	name := c.names[chatID]
	if name == "" {
		name = fmt.Sprintf("会话 %d", chatID)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "→ 发给 %s：\n%s\n", name, strings.TrimRight(m.Text, "\n"))
	for _, row := range m.Buttons {
		b.WriteString(" ")
		for _, btn := range row {
			fmt.Fprintf(&b, " [%s]", btn.Text)
		}
		b.WriteString("\n")
	}
	_, _ = io.WriteString(c.out, Sanitize(b.String()+"\n"))
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
	if chatID != c.chatID {
		c.deliver(chatID, m)
		return id, nil
	}
	c.show("规范助手：\n", id, m)
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

// SendPhoto implements bot.Transport: the picture is written under the files directory and its path printed.
func (c *Console) SendPhoto(ctx context.Context, chatID int64, f bot.File, m bot.Message) (int, error) {
	m.Text = c.saved("图片", f) + "\n" + m.Text
	return c.Send(ctx, chatID, m)
}

// SendDocument implements bot.Transport: the file is written under the files directory and its path printed.
func (c *Console) SendDocument(ctx context.Context, chatID int64, f bot.File, m bot.Message) (int, error) {
	m.Text = c.saved("文件", f) + "\n" + m.Text
	return c.Send(ctx, chatID, m)
}

// saved writes f under the files directory, without overwriting an earlier file of the same name, and says
// where; without a directory, or when writing fails, it says what it would have written.
func (c *Console) saved(kind string, f bot.File) string {
	c.mu.Lock()
	dir := c.filesDir
	c.mu.Unlock()
	name := filepath.Base(f.Name)
	if name == "." || name == string(filepath.Separator) || name == "" {
		name = "file"
	}
	data, err := f.Bytes()
	if err != nil {
		return fmt.Sprintf("[%s %s，未能读取：%v]", kind, name, err)
	}
	if dir == "" {
		return fmt.Sprintf("[%s %s，%d 字节]", kind, name, len(data))
	}
	path, err := writeNew(dir, name, data)
	if err != nil {
		return fmt.Sprintf("[%s %s，%d 字节，未能保存：%v]", kind, name, len(data), err)
	}
	return fmt.Sprintf("[%s 已保存：%s（%d 字节）]", kind, path, len(data))
}

// writeNew writes data to dir/name, or dir/stem-2.ext … when that exists, and returns the path.
func writeNew(dir, name string, data []byte) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("console: %w", err)
	}
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	for i := 1; i < 1000; i++ {
		path := filepath.Join(dir, name)
		if i > 1 {
			path = filepath.Join(dir, fmt.Sprintf("%s-%d%s", stem, i, ext))
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("console: %w", err)
		}
		_, werr := f.Write(data)
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return "", fmt.Errorf("console: %w", werr)
		}
		return path, nil
	}
	return "", fmt.Errorf("console: too many files named %s", name)
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
