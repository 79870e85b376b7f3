package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/conductbot/conductbot/rules"
)

// lessonBatch is how many lessons one INSERT writes: 6 arguments each.
const lessonBatch = 500

// PutLessons stores lessons of their versions; a lesson already stored (same version, clause and text) is kept
// as it was. Lessons whose clause is not in their version fail the whole call. It returns how many were new.
// A zero CreatedAt means s.Now().
func (s *Store) PutLessons(ctx context.Context, lessons []rules.Lesson) (int, error) {
	if len(lessons) == 0 {
		return 0, nil
	}
	now := s.Now()
	args := make([]any, 0, 6*len(lessons))
	for _, l := range lessons {
		text := strings.TrimSpace(l.Text)
		if text == "" || l.ClauseID == "" {
			return 0, fmt.Errorf("%s: put lessons: a lesson needs a clause and a text", s.name)
		}
		if l.Source != rules.LessonModel && l.Source != rules.LessonAdmin {
			return 0, fmt.Errorf("%s: put lessons: unknown source %q", s.name, l.Source)
		}
		at := l.CreatedAt
		if at.IsZero() {
			at = now
		}
		args = append(args, l.VersionID, l.ClauseID, text, l.Source, l.ClauseHash, s.d.Time(at))
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, s.errorf("put lessons", err)
	}
	defer tx.Rollback()
	added := 0
	for len(args) > 0 {
		n := min(len(args)/6, lessonBatch)
		res, err := tx.ExecContext(ctx, `INSERT INTO lessons (version_id, clause_id, text, source, clause_hash, created_at)
			VALUES `+valuesMarks(n, 6)+` ON CONFLICT (version_id, clause_id, text) DO NOTHING`, args[:6*n]...)
		if err != nil {
			return 0, s.errorf("put lessons", err)
		}
		k, err := res.RowsAffected()
		if err != nil {
			return 0, s.errorf("put lessons", err)
		}
		added += int(k)
		args = args[6*n:]
	}
	if err := tx.Commit(); err != nil {
		return 0, s.errorf("put lessons: commit", err)
	}
	return added, nil
}

// Lessons returns the lessons of a version, by clause in document order, then oldest first.
func (s *Store) Lessons(ctx context.Context, versionID int64) ([]rules.Lesson, error) {
	return s.lessons(ctx, `l.version_id = $1`, versionID)
}

// ModelLessons returns the lessons the model wrote, under any version, for clauses whose text hashes to one of
// hashes: a clause kept unchanged by a new version reuses them instead of asking the model again.
func (s *Store) ModelLessons(ctx context.Context, hashes []string) ([]rules.Lesson, error) {
	if len(hashes) == 0 {
		return []rules.Lesson{}, nil
	}
	return s.lessons(ctx, `l.source = 'model' AND `+s.d.In("l.clause_hash", "$1"), s.d.List(hashes))
}

func (s *Store) lessons(ctx context.Context, where string, args ...any) ([]rules.Lesson, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT l.version_id, l.clause_id, l.text, l.source, l.clause_hash, l.created_at
		FROM lessons l JOIN clauses c ON c.version_id = l.version_id AND c.clause_id = l.clause_id
		WHERE `+where+` ORDER BY l.version_id, c.ord, l.created_at, l.text`, args...)
	if err != nil {
		return nil, s.errorf("lessons", err)
	}
	defer rows.Close()
	out := []rules.Lesson{}
	for rows.Next() {
		var l rules.Lesson
		if err := rows.Scan(&l.VersionID, &l.ClauseID, &l.Text, &l.Source, &l.ClauseHash, At(&l.CreatedAt)); err != nil {
			return nil, s.errorf("lessons", err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("lessons", err)
	}
	return out, nil
}
