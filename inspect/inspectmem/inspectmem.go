// Package inspectmem keeps the spot-check store in memory: for tests, benchmarks and the console without a
// database, and as the reference the SQL stores are checked against (storetest.TestReports).
package inspectmem

import (
	"context"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/conductbot/conductbot/inspect"
)

// Store implements inspect.Store. The zero value is not usable; call New.
type Store struct {
	mu          sync.Mutex
	windows     []inspect.Window
	checklists  []inspect.Checklist
	invites     map[string]*invite
	inspectors  map[int64]*inspect.Inspector
	nextLabel   int
	lockouts    map[int64]*lockout
	draftPhotos map[string]*draftPhoto // by photo ID
	reports     map[string]*inspect.Report
	receipts    map[string]string         // receipt hash → report ID
	photos      map[string]*inspect.Photo // by photo ID, of filed reports
	outbox      map[string]bool
}

type invite struct {
	expires time.Time
	used    bool
}

type lockout struct {
	since    time.Time
	failures int
	until    time.Time
}

type draftPhoto struct {
	draft   string
	expires time.Time
	photo   inspect.Photo
}

// New returns an empty store.
func New() *Store {
	return &Store{invites: map[string]*invite{}, inspectors: map[int64]*inspect.Inspector{},
		lockouts: map[int64]*lockout{}, draftPhotos: map[string]*draftPhoto{}, reports: map[string]*inspect.Report{}, receipts: map[string]string{},
		photos: map[string]*inspect.Photo{}, outbox: map[string]bool{}}
}

var _ inspect.Store = (*Store)(nil)

// Windows implements inspect.WindowStore.
func (s *Store) Windows(_ context.Context, all bool) ([]inspect.Window, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []inspect.Window
	for _, w := range s.windows {
		if all || w.Active {
			out = append(out, w)
		}
	}
	inspect.SortWindows(out)
	return out, nil
}

// Window implements inspect.WindowStore.
func (s *Store) Window(_ context.Context, id int64) (*inspect.Window, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, w := range s.windows {
		if w.ID == id {
			return &w, nil
		}
	}
	return nil, inspect.ErrNotFound
}

// PutWindows implements inspect.WindowStore.
func (s *Store) PutWindows(_ context.Context, ws []inspect.Window, deactivateOthers bool) (added, updated, deactivated int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	listed := map[string]bool{}
	for _, w := range ws {
		listed[w.No] = true
		i := slices.IndexFunc(s.windows, func(x inspect.Window) bool { return x.No == w.No })
		if i < 0 {
			w.ID = int64(len(s.windows) + 1)
			s.windows = append(s.windows, w)
			added++
			continue
		}
		if s.windows[i].Name != w.Name || s.windows[i].Active != w.Active {
			s.windows[i].Name, s.windows[i].Active = w.Name, w.Active
			updated++
		}
	}
	if deactivateOthers {
		for i := range s.windows {
			if !listed[s.windows[i].No] && s.windows[i].Active {
				s.windows[i].Active = false
				deactivated++
			}
		}
	}
	return added, updated, deactivated, nil
}

// ChecklistInForce implements inspect.ChecklistStore.
func (s *Store) ChecklistInForce(context.Context) (*inspect.Checklist, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.checklists) == 0 {
		return nil, inspect.ErrNotFound
	}
	c := cloneChecklist(s.checklists[len(s.checklists)-1])
	return &c, nil
}

// Checklist implements inspect.ChecklistStore.
func (s *Store) Checklist(_ context.Context, id int64) (*inspect.Checklist, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.checklists {
		if c.ID == id {
			c = cloneChecklist(c)
			return &c, nil
		}
	}
	return nil, inspect.ErrNotFound
}

// PutChecklist implements inspect.ChecklistStore.
func (s *Store) PutChecklist(_ context.Context, c *inspect.Checklist) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.ID = int64(len(s.checklists) + 1)
	c.Number = len(s.checklists) + 1
	s.checklists = append(s.checklists, cloneChecklist(*c))
	return nil
}

func cloneChecklist(c inspect.Checklist) inspect.Checklist {
	items := make([]inspect.Item, len(c.Items))
	for i, it := range c.Items {
		it.Clauses = slices.Clone(it.Clauses)
		items[i] = it
	}
	c.Items = items
	return c
}

// AddInvites implements inspect.InspectorStore.
func (s *Store) AddInvites(_ context.Context, hashes []string, _ inspect.Date, expires time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range hashes {
		if _, dup := s.invites[h]; dup {
			return inspect.ErrDuplicate
		}
	}
	for _, h := range hashes {
		s.invites[h] = &invite{expires: expires}
	}
	return nil
}

// RedeemInvite implements inspect.InspectorStore.
func (s *Store) RedeemInvite(_ context.Context, hash string, userID int64, now time.Time, loc *time.Location) (*inspect.Inspector, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inv := s.invites[hash]
	switch {
	case inv == nil:
		return nil, inspect.ErrInviteUnknown
	case inv.used:
		return nil, inspect.ErrInviteUsed
	case !now.Before(inv.expires):
		return nil, inspect.ErrInviteExpired
	}
	if in := s.inspectors[userID]; in != nil && in.Active() {
		return nil, inspect.ErrDuplicate
	}
	inv.used = true
	s.nextLabel++
	in := &inspect.Inspector{UserID: userID, No: s.nextLabel, Joined: inspect.DateOf(now, loc)}
	s.inspectors[userID] = in
	c := *in
	return &c, nil
}

// BurnInvite implements inspect.InspectorStore.
func (s *Store) BurnInvite(_ context.Context, hash string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inv := s.invites[hash]
	if inv == nil || inv.used {
		return false, nil
	}
	inv.used = true
	return true, nil
}

// OpenInvites implements inspect.InspectorStore.
func (s *Store) OpenInvites(_ context.Context, now time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, inv := range s.invites {
		if !inv.used && now.Before(inv.expires) {
			n++
		}
	}
	return n, nil
}

// Inspector implements inspect.InspectorStore.
func (s *Store) Inspector(_ context.Context, userID int64) (*inspect.Inspector, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.inspectors[userID]
	if in == nil {
		return nil, inspect.ErrNotFound
	}
	c := *in
	return &c, nil
}

// Inspectors implements inspect.InspectorStore.
func (s *Store) Inspectors(context.Context) ([]inspect.Inspector, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]inspect.Inspector, 0, len(s.inspectors))
	for _, in := range s.inspectors {
		out = append(out, *in)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].No < out[j].No })
	return out, nil
}

// RevokeInspector implements inspect.InspectorStore.
func (s *Store) RevokeInspector(_ context.Context, no int, on inspect.Date) (*inspect.Inspector, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, in := range s.inspectors {
		if in.No == no && in.Active() {
			in.Revoked = on
			c := *in
			return &c, nil
		}
	}
	return nil, inspect.ErrNotFound
}

// JoinLocked implements inspect.InspectorStore.
func (s *Store) JoinLocked(_ context.Context, chatID int64, now time.Time) (time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l := s.lockouts[chatID]; l != nil && now.Before(l.until) {
		return l.until, nil
	}
	return time.Time{}, nil
}

// JoinFailed implements inspect.InspectorStore.
func (s *Store) JoinFailed(_ context.Context, chatID int64, now time.Time, p inspect.Lockout) (int, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.lockouts[chatID]
	if l == nil || !now.Before(l.since.Add(p.Window)) && !now.Before(l.until) {
		l = &lockout{since: now}
		s.lockouts[chatID] = l
	}
	l.failures++
	if l.failures >= p.Max && l.until.IsZero() {
		l.until = now.Add(p.For)
	}
	if now.Before(l.until) {
		return l.failures, l.until, nil
	}
	return l.failures, time.Time{}, nil
}

// JoinSucceeded implements inspect.InspectorStore.
func (s *Store) JoinSucceeded(_ context.Context, chatID int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.lockouts, chatID)
	return nil
}

// PutDraftPhoto implements inspect.ReportStore.
func (s *Store) PutDraftPhoto(_ context.Context, draftID string, p *inspect.Photo, expires time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.draftPhotos[p.ID]; dup {
		return inspect.ErrDuplicate
	}
	c := *p
	c.Data = slices.Clone(p.Data)
	s.draftPhotos[p.ID] = &draftPhoto{draft: draftID, expires: expires, photo: c}
	return nil
}

// DeleteDraftPhotos implements inspect.ReportStore.
func (s *Store) DeleteDraftPhotos(_ context.Context, draftID string, ids ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, dp := range s.draftPhotos {
		if dp.draft == draftID && (len(ids) == 0 || slices.Contains(ids, id)) {
			delete(s.draftPhotos, id)
		}
	}
	return nil
}

// DeleteExpiredDrafts implements inspect.ReportStore.
func (s *Store) DeleteExpiredDrafts(_ context.Context, now time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for id, dp := range s.draftPhotos {
		if !now.Before(dp.expires) {
			delete(s.draftPhotos, id)
			n++
		}
	}
	return n, nil
}

// FileReport implements inspect.ReportStore.
func (s *Store) FileReport(_ context.Context, r *inspect.Report, draftID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.reports[r.ID]; dup {
		return inspect.ErrDuplicate
	}
	if _, dup := s.receipts[r.ReceiptHash]; dup {
		return inspect.ErrDuplicate
	}
	c := cloneReport(r)
	for _, f := range c.Findings {
		for _, ref := range f.Photos {
			dp := s.draftPhotos[ref.ID]
			if dp == nil || dp.draft != draftID {
				return inspect.ErrNotFound
			}
		}
	}
	for fi, f := range c.Findings {
		for pi, ref := range f.Photos {
			dp := s.draftPhotos[ref.ID]
			p := dp.photo
			s.photos[ref.ID] = &p
			c.Findings[fi].Photos[pi] = p.PhotoRef
			delete(s.draftPhotos, ref.ID)
		}
	}
	for id, dp := range s.draftPhotos {
		if dp.draft == draftID {
			delete(s.draftPhotos, id)
		}
	}
	c.Changed = c.Filed
	c.Events = []inspect.Event{{State: c.State, On: c.Filed}}
	c.Supplements = nil
	s.reports[c.ID] = c
	s.receipts[c.ReceiptHash] = c.ID
	s.outbox[c.ID] = true
	return nil
}

func cloneReport(r *inspect.Report) *inspect.Report {
	c := *r
	c.Items = slices.Clone(r.Items)
	for i := range c.Items {
		c.Items[i].Clauses = slices.Clone(c.Items[i].Clauses)
	}
	c.Findings = slices.Clone(r.Findings)
	for i := range c.Findings {
		c.Findings[i].Clauses = slices.Clone(c.Findings[i].Clauses)
		c.Findings[i].Photos = slices.Clone(c.Findings[i].Photos)
	}
	c.Supplements = slices.Clone(r.Supplements)
	c.Events = slices.Clone(r.Events)
	return &c
}

// Report implements inspect.ReportStore.
func (s *Store) Report(_ context.Context, id string) (*inspect.Report, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.reports[id]
	if r == nil {
		return nil, inspect.ErrNotFound
	}
	return cloneReport(r), nil
}

// ReportByReceipt implements inspect.ReportStore.
func (s *Store) ReportByReceipt(_ context.Context, hash string) (*inspect.Report, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.receipts[hash]; ok {
		return cloneReport(s.reports[id]), nil
	}
	return nil, inspect.ErrNotFound
}

func (s *Store) selected(f inspect.ReportFilter) []*inspect.Report {
	var out []*inspect.Report
	for _, r := range s.reports {
		if f.WindowID != 0 && r.WindowID != f.WindowID ||
			!f.From.IsZero() && r.VisitDate.Before(f.From) || !f.To.IsZero() && r.VisitDate.After(f.To) ||
			len(f.States) > 0 && !slices.Contains(f.States, r.State) {
			continue
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return inspect.ReportLess(out[i], out[j]) })
	return out
}

// Reports implements inspect.ReportStore.
func (s *Store) Reports(_ context.Context, f inspect.ReportFilter) ([]inspect.Report, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sel := s.selected(f)
	if f.Offset > 0 {
		sel = sel[min(f.Offset, len(sel)):]
	}
	if f.Limit > 0 && len(sel) > f.Limit {
		sel = sel[:f.Limit]
	}
	out := make([]inspect.Report, len(sel))
	for i, r := range sel {
		c := cloneReport(r)
		if !f.WithItems {
			c.Items, c.Findings = nil, nil
		}
		out[i] = *c
	}
	return out, nil
}

// CountReports implements inspect.ReportStore.
func (s *Store) CountReports(_ context.Context, f inspect.ReportFilter) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.selected(f)), nil
}

// Photo implements inspect.ReportStore.
func (s *Store) Photo(_ context.Context, id string) (*inspect.Photo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.photos[id]
	if p == nil {
		return nil, inspect.ErrNotFound
	}
	c := *p
	c.Data = slices.Clone(p.Data)
	return &c, nil
}

// AddSupplement implements inspect.ReportStore.
func (s *Store) AddSupplement(_ context.Context, reportID, text string, on inspect.Date) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.reports[reportID]
	if r == nil {
		return 0, inspect.ErrNotFound
	}
	n := len(r.Supplements) + 1
	r.Supplements = append(r.Supplements, inspect.Supplement{No: n, Text: text, Added: on})
	return n, nil
}

// SetReportState implements inspect.ReportStore.
func (s *Store) SetReportState(_ context.Context, id string, from, to inspect.State, reason string, on inspect.Date) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.reports[id]
	if r == nil {
		return inspect.ErrNotFound
	}
	if r.State != from || !inspect.CanMove(from, to) {
		return inspect.ErrConflict
	}
	r.State, r.StateReason, r.Changed = to, reason, on
	r.Events = append(r.Events, inspect.Event{State: to, Reason: reason, On: on})
	return nil
}

// PendingNotifications implements inspect.ReportStore.
func (s *Store) PendingNotifications(_ context.Context, limit int) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.outbox))
	for id := range s.outbox {
		out = append(out, id)
	}
	sort.Strings(out)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// NotificationSent implements inspect.ReportStore.
func (s *Store) NotificationSent(_ context.Context, reportID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.outbox, reportID)
	return nil
}
