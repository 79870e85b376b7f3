package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"
)

// Handler handles one update routed to it. A returned error is logged and the user told that something went
// wrong (see Recover); a handler that has told the user itself returns nil.
type Handler func(ctx context.Context, r *Request) error

// Middleware wraps a handler: the recovering, filtering and limiting steps are middleware.
type Middleware func(next Handler) Handler

// ErrPass is returned by a form's handler for input the form does not take: the message is then handled as if
// no form were open (a command, a question …).
var ErrPass = errors.New("bot: not for this form")

// Router picks the handler for each update. Capabilities register on it before the transport starts; after
// that it is only read, so it is safe for concurrent use.
type Router struct {
	log      *slog.Logger
	now      func() time.Time
	states   StateStore
	stateKey func(chatID int64) int64

	mu        sync.RWMutex // guards registration; after the first Handle the routes are frozen and read freely
	once      sync.Once
	frozen    bool
	mw        []Middleware
	commands  map[string]*route
	callbacks map[string]*route
	forms     map[string]*Form
	text      *route
	photo     *route
	chain     Handler // mw around dispatch, built by the first Handle

	users *UserCache // what ResolveUser remembers of users (New's), forgotten by Request.RolesChanged; may be nil
}

type route struct {
	name    string
	need    Role
	h       Handler
	desc    string
	hidden  bool
	private bool
}

// Form is a per-chat form: while the chat's active state (see StateStore) has Kind, its messages that are not
// commands go to Handle, with Request.State set. /cancel calls Cancel (or, without one, deletes the state).
type Form struct {
	Kind   string
	Need   Role
	Handle Handler
	Cancel Handler
}

// Option adjusts a command, callback or handler registration.
type Option func(*route)

// Describe sets the command's description in the command menu and /help.
func Describe(s string) Option { return func(r *route) { r.desc = s } }

// Hidden keeps the command out of the menu and /help.
func Hidden() Option { return func(r *route) { r.hidden = true } }

// PrivateOnly refuses the command in group chats.
func PrivateOnly() Option { return func(r *route) { r.private = true } }

// With wraps the registered handler in middleware (innermost last).
func With(mw ...Middleware) Option {
	return func(r *route) {
		for i := len(mw) - 1; i >= 0; i-- {
			r.h = mw[i](r.h)
		}
	}
}

// Options of a Router.
type Options struct {
	Log    *slog.Logger     // default: discard
	Now    func() time.Time // default: time.Now
	States StateStore       // required for forms; nil disables them
	// StateKey gives the key a chat's states are stored under (ChatPseudonym); default: the chat ID itself.
	StateKey func(chatID int64) int64
}

// NewRouter returns a router with no routes and no middleware.
func NewRouter(o Options) *Router {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.StateKey == nil {
		o.StateKey = func(chatID int64) int64 { return chatID }
	}
	rt := &Router{log: o.Log, now: o.Now, states: o.States, stateKey: o.StateKey,
		commands: map[string]*route{}, callbacks: map[string]*route{}, forms: map[string]*Form{}}
	rt.Command("cancel", Staff, rt.cancel, Describe("取消当前操作"))
	return rt
}

// Use appends middleware that wraps every update, outermost first.
func (rt *Router) Use(mw ...Middleware) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.mustNotBeFrozen()
	rt.mw = append(rt.mw, mw...)
}

func (rt *Router) mustNotBeFrozen() {
	if rt.frozen {
		panic("bot: register routes and middleware before the router handles updates")
	}
}

// Command registers /name for users holding need. Registering a name twice panics.
func (rt *Router) Command(name string, need Role, h Handler, opts ...Option) {
	name = strings.ToLower(strings.TrimPrefix(name, "/"))
	if cmd, to, args, ok := SplitCommand("/" + name); !ok || cmd != name || to != "" || args != "" {
		panic(fmt.Sprintf("bot: bad command name %q", name))
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.mustNotBeFrozen()
	if _, dup := rt.commands[name]; dup {
		panic(fmt.Sprintf("bot: command /%s registered twice", name))
	}
	rt.commands[name] = newRoute(name, need, h, opts)
}

// Callback registers the handler of buttons whose data starts with prefix (see CallbackData). The router
// answers every button press: a handler that did not call Request.Answer gets an empty answer after it.
func (rt *Router) Callback(prefix string, need Role, h Handler, opts ...Option) {
	if !validPrefix(prefix) {
		panic(fmt.Sprintf("bot: bad callback prefix %q", prefix))
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.mustNotBeFrozen()
	if _, dup := rt.callbacks[prefix]; dup {
		panic(fmt.Sprintf("bot: callback prefix %q registered twice", prefix))
	}
	rt.callbacks[prefix] = newRoute(prefix, need, h, opts)
}

// Text registers the default handler of plain text (questions, in ConductBot).
func (rt *Router) Text(need Role, h Handler, opts ...Option) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.mustNotBeFrozen()
	rt.text = newRoute("text", need, h, opts)
}

// Photo registers the handler of photos and image documents sent outside any form.
func (rt *Router) Photo(need Role, h Handler, opts ...Option) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.mustNotBeFrozen()
	rt.photo = newRoute("photo", need, h, opts)
}

// Form registers a per-chat form.
func (rt *Router) Form(f Form) {
	if f.Kind == "" || f.Handle == nil {
		panic("bot: a form needs a kind and a handler")
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.mustNotBeFrozen()
	if _, dup := rt.forms[f.Kind]; dup {
		panic(fmt.Sprintf("bot: form %q registered twice", f.Kind))
	}
	rt.forms[f.Kind] = &f
}

func newRoute(name string, need Role, h Handler, opts []Option) *route {
	if need == 0 {
		need = Staff
	}
	r := &route{name: name, need: need, h: h}
	for _, o := range opts {
		o(r)
	}
	return r
}

// CommandInfo describes a command for menus and /help.
type CommandInfo struct {
	Name        string
	Description string
}

// CommandsFor lists the visible commands the roles may use, in registration-independent order: by rank of
// the role they need, then by name.
func (rt *Router) CommandsFor(rs Roles) []CommandInfo {
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	var rs2 []*route
	for _, r := range rt.commands {
		if !r.hidden && r.desc != "" && rs.Has(r.need) {
			rs2 = append(rs2, r)
		}
	}
	sort.Slice(rs2, func(i, j int) bool {
		if rs2[i].need != rs2[j].need {
			return rs2[i].need < rs2[j].need
		}
		return rs2[i].name < rs2[j].name
	})
	out := make([]CommandInfo, len(rs2))
	for i, r := range rs2 {
		out[i] = CommandInfo{Name: r.name, Description: r.desc}
	}
	return out
}

// Now is the router's clock.
func (rt *Router) Now() time.Time { return rt.now() }

// Log is the router's logger.
func (rt *Router) Log() *slog.Logger { return rt.log }

// Handle runs one update through the middleware to its handler, answering through out. It returns the
// handler's error after the middleware saw it (Recover logs and swallows it, so normally nil).
func (rt *Router) Handle(ctx context.Context, out Transport, u Update) error {
	rt.once.Do(func() {
		rt.mu.Lock()
		defer rt.mu.Unlock()
		rt.frozen = true
		h := Handler(rt.dispatch)
		for i := len(rt.mw) - 1; i >= 0; i-- {
			h = rt.mw[i](h)
		}
		rt.chain = h
	})
	r := &Request{Update: u, Out: out, router: rt, Roles: Roles(Staff)}
	return rt.chain(ctx, r)
}

// dispatch is the innermost handler: it finds the route and checks the role it needs.
func (rt *Router) dispatch(ctx context.Context, r *Request) error {
	switch {
	case r.Callback != nil:
		return rt.dispatchCallback(ctx, r)
	case r.Command != "":
		rt2, ok := rt.commands[r.Command]
		if !ok {
			if answered, err := rt.defaultCommand(ctx, r); answered {
				return err
			}
			if r.ChatType.IsGroup() {
				return nil // another bot's command, or a typo: stay quiet in groups
			}
			_, err := r.Reply(ctx, "没有这个命令。发送 /help 查看我能做什么。")
			return err
		}
		if rt2.private && r.ChatType != ChatPrivate {
			_, err := r.Reply(ctx, "请在与我的私聊中使用 /"+rt2.name+" 。")
			return err
		}
		if !r.Roles.Has(rt2.need) {
			_, err := r.Reply(ctx, Denied(rt2.need))
			return err
		}
		return rt2.h(ctx, r)
	}
	if handled, err := rt.dispatchForm(ctx, r); handled {
		return err
	}
	switch {
	case (len(r.Photos) > 0 || r.Document != nil && strings.HasPrefix(r.Document.MIME, "image/")) && rt.photo != nil:
		return rt.run(ctx, r, rt.photo)
	case r.Text != "" && rt.text != nil:
		return rt.run(ctx, r, rt.text)
	case r.Text != "" && r.ChatType == ChatPrivate: // no capability answers text
		_, err := r.Reply(ctx, MsgNoText)
		return err
	case r.Text == "" && r.ChatType == ChatPrivate:
		_, err := r.Reply(ctx, "我只能看懂文字消息。请直接用文字提问，或发送 /help 查看帮助。")
		return err
	}
	return nil
}

func (rt *Router) run(ctx context.Context, r *Request, ro *route) error {
	if !r.Roles.Has(ro.need) {
		_, err := r.Reply(ctx, Denied(ro.need))
		return err
	}
	return ro.h(ctx, r)
}

// dispatchForm hands a message to the chat's open form, if any; handled is false when there is none or the
// form passed.
func (rt *Router) dispatchForm(ctx context.Context, r *Request) (handled bool, err error) {
	if rt.states == nil || len(rt.forms) == 0 {
		return false, nil
	}
	st, err := rt.states.ActiveState(ctx, r.StateChat(), rt.now())
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return true, fmt.Errorf("active state of the chat: %w", err)
	}
	f, ok := rt.forms[st.Kind]
	if !ok || !r.Roles.Has(f.Need) {
		return false, nil
	}
	r.State = st
	err = f.Handle(ctx, r)
	if errors.Is(err, ErrPass) {
		r.State = nil
		return false, nil
	}
	return true, err
}

func (rt *Router) dispatchCallback(ctx context.Context, r *Request) error {
	err := rt.callback(ctx, r) // a panic skips the rest: Recover then answers the press
	// Every button press is answered, or the client keeps spinning.
	if !r.answered {
		if aerr := r.Answer(ctx, ""); aerr != nil && err == nil {
			err = aerr
		}
	}
	return err
}

func (rt *Router) callback(ctx context.Context, r *Request) error {
	prefix, args, perr := ParseCallback(r.Callback.Data)
	ro, ok := rt.callbacks[prefix]
	if perr != nil || !ok {
		rt.log.LogAttrs(ctx, slog.LevelWarn, "bot: unknown or malformed button",
			slog.Int64("update_id", r.ID), slog.Int("data_bytes", len(r.Callback.Data)))
		return r.Answer(ctx, "此按钮已失效。")
	}
	if !r.Roles.Has(ro.need) {
		return r.Alert(ctx, Denied(ro.need))
	}
	r.CallbackArgs = args
	return ro.h(ctx, r)
}

// cancel is the built-in /cancel: it closes the chat's open form.
func (rt *Router) cancel(ctx context.Context, r *Request) error {
	if rt.states != nil {
		st, err := rt.states.ActiveState(ctx, r.StateChat(), rt.now())
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		if st != nil {
			if f, ok := rt.forms[st.Kind]; ok && f.Cancel != nil && r.Roles.Has(f.Need) {
				r.State = st
				return f.Cancel(ctx, r)
			}
			if err := rt.states.DeleteState(ctx, r.StateChat(), st.Kind); err != nil {
				return err
			}
			_, err = r.Reply(ctx, "已取消。")
			return err
		}
	}
	_, err := r.Reply(ctx, "当前没有进行中的操作。")
	return err
}

// Denied is the message for a user who lacks the role need.
func Denied(need Role) string {
	switch need {
	case Admin:
		return "抱歉，此功能仅限管理员使用。"
	case Supervisor:
		return "抱歉，此功能仅限督查人员和管理员使用。"
	case Inspector:
		return "抱歉，此功能仅限暗访人员使用。"
	}
	return "抱歉，您没有使用此功能的权限。"
}

// Request is one update on its way through the router, with what handlers need to answer it.
type Request struct {
	Update
	User         *User    // the stored user, after ResolveUser; nil before or for updates without a sender
	Roles        Roles    // the sender's roles, after ResolveUser; Staff before
	CallbackArgs []string // a button's arguments after its prefix (validated by ParseCallback, still untrusted)
	State        *State   // the open form's state, for a form's handler
	Out          Transport

	router   *Router
	answered bool
}

// RolesChanged tells the router that the user's roles changed (granted, revoked, joined as an inspector):
// what it remembers of them is forgotten, so their next update — in this process — sees the change.
func (r *Request) RolesChanged(userID int64) {
	if r.router != nil {
		r.router.users.Forget(userID)
	}
}

// Reply sends text with optional rows of buttons to the update's chat.
func (r *Request) Reply(ctx context.Context, text string, rows ...[]Button) (int, error) {
	return r.Out.Send(ctx, r.ChatID, Message{Text: text, Buttons: rows})
}

// Send sends a message to the update's chat.
func (r *Request) Send(ctx context.Context, m Message) (int, error) {
	return r.Out.Send(ctx, r.ChatID, m)
}

// Edit replaces the message whose button was pressed; for a message update it sends m instead.
func (r *Request) Edit(ctx context.Context, m Message) error {
	if r.Callback == nil || r.MessageID == 0 {
		_, err := r.Out.Send(ctx, r.ChatID, m)
		return err
	}
	err := r.Out.Edit(ctx, r.ChatID, r.MessageID, m)
	if errors.Is(err, ErrMessageGone) {
		_, err = r.Out.Send(ctx, r.ChatID, m)
	}
	return err
}

// Answer answers the button press with a short notice (empty: just stop the spinner). Only the first answer
// is sent; later ones are ignored.
func (r *Request) Answer(ctx context.Context, text string) error {
	return r.answer(ctx, Notice{Text: text})
}

// Alert answers the button press with an alert box.
func (r *Request) Alert(ctx context.Context, text string) error {
	return r.answer(ctx, Notice{Text: text, Alert: true})
}

func (r *Request) answer(ctx context.Context, n Notice) error {
	if r.Callback == nil || r.answered {
		return nil
	}
	r.answered = true
	return r.Out.AnswerCallback(ctx, r.Callback.ID, n)
}

// Answered reports whether the button press was answered.
func (r *Request) Answered() bool { return r.answered }

// Now is the router's clock.
func (r *Request) Now() time.Time { return r.router.now() }

// Log is the router's logger. Handlers must not log user identities (see docs/design.md, anonymity).
func (r *Request) Log() *slog.Logger { return r.router.log }

// Has reports whether the sender holds role.
func (r *Request) Has(role Role) bool { return r.Roles.Has(role) }

// Arg returns the i-th button argument, or "".
func (r *Request) Arg(i int) string {
	if i < 0 || i >= len(r.CallbackArgs) {
		return ""
	}
	return r.CallbackArgs[i]
}

// StateChat is the key the chat's states are stored under: the chat ID, or its pseudonym (Options.StateKey).
// A store that writes the chat's states itself (a form's last step, in one transaction with what it files)
// uses it.
func (r *Request) StateChat() int64 { return r.router.stateKey(r.ChatID) }

// SaveState stores data as the chat's state of kind, expiring after ttl (0: never); it becomes the chat's
// active form.
func (r *Request) SaveState(ctx context.Context, kind string, data any, ttl time.Duration) error {
	if r.router.states == nil {
		return errors.New("bot: no state store")
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("state %s: %w", kind, err)
	}
	now := r.router.now()
	st := State{ChatID: r.StateChat(), Kind: kind, Data: raw, Updated: now}
	if ttl > 0 {
		st.Expires = now.Add(ttl)
	}
	return r.router.states.PutState(ctx, st)
}

// LoadState decodes the chat's unexpired state of kind into v; ok is false when there is none.
func (r *Request) LoadState(ctx context.Context, kind string, v any) (ok bool, err error) {
	if r.router.states == nil {
		return false, nil
	}
	st, err := r.router.states.GetState(ctx, r.StateChat(), kind)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if st.Expired(r.router.now()) {
		return false, nil
	}
	return true, st.Decode(v)
}

// ClearState deletes the chat's state of kind.
func (r *Request) ClearState(ctx context.Context, kind string) error {
	if r.router.states == nil {
		return nil
	}
	return r.router.states.DeleteState(ctx, r.StateChat(), kind)
}
