package sqlite

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/conductbot/conductbot/retrieval"
	"github.com/conductbot/conductbot/rules"
	"github.com/conductbot/conductbot/sqlstore"
)

var _ retrieval.VectorStore = (*DB)(nil)

// maxDims bounds the dimensions of a space.
const maxDims = 65536

// PutClauseVectors stores vectors of the version's clauses in one transaction with one prepared statement,
// replacing those of the same clauses, and bumps the (space, version)'s stamp so that every process reloads its
// copy. Every clause must exist in the version and every vector must have the space's dimensions, or nothing is
// stored.
func (db *DB) PutClauseVectors(ctx context.Context, space retrieval.Space, versionID int64, vectors []retrieval.ClauseVector) error {
	vectors, err := db.CheckVectors(space, vectors)
	if err != nil {
		return fmt.Errorf("sqlite: put clause vectors: %w", err)
	}
	if len(vectors) == 0 {
		return nil
	}
	if err := db.CheckStoredDims(ctx, space); err != nil {
		return fmt.Errorf("sqlite: put clause vectors: %w", err)
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: put clause vectors: %w", err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `
		INSERT INTO clause_vectors (space_id, version_id, clause_id, text_hash, embedding) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (space_id, version_id, clause_id) DO UPDATE
		SET text_hash = excluded.text_hash, embedding = excluded.embedding`)
	if err != nil {
		return fmt.Errorf("sqlite: put clause vectors: %w", err)
	}
	defer stmt.Close()
	var blob []byte // the driver copies it at each execution
	for _, cv := range vectors {
		blob = appendVector(blob[:0], cv.Vector)
		if _, err := stmt.ExecContext(ctx, space.ID, versionID, cv.ClauseID, cv.TextHash, blob); err != nil {
			return fmt.Errorf("sqlite: put clause vectors: clause %s: %w", cv.ClauseID, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO clause_vector_stamps (space_id, version_id, stamp) VALUES (?, ?, 1)
		ON CONFLICT (space_id, version_id) DO UPDATE SET stamp = stamp + 1`, space.ID, versionID); err != nil {
		return fmt.Errorf("sqlite: put clause vectors: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: put clause vectors: commit: %w", err)
	}
	db.vectors.drop(matrixKey{space.ID, versionID})
	db.log.Debug("stored clause vectors", "space", space.ID, "version", versionID, "vectors", len(vectors))
	return nil
}

// SearchClauses returns at most k clauses of the version nearest to q by cosine similarity, best first (ties in
// document order). It compares q with every vector of the version, kept in memory after the first search.
func (db *DB) SearchClauses(ctx context.Context, space retrieval.Space, versionID int64, q []float32, k int) ([]retrieval.VectorHit, error) {
	if err := db.CheckQuery(space, q); err != nil {
		return nil, fmt.Errorf("sqlite: search clauses: %w", err)
	}
	if k <= 0 {
		return nil, nil
	}
	m, err := db.matrix(ctx, space, versionID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: search clauses: %w", err)
	}
	return m.search(q, k), nil
}

// matrix returns the vectors of (space, version), from the cache when its stamp is current.
func (db *DB) matrix(ctx context.Context, space retrieval.Space, versionID int64) (*matrix, error) {
	m, _, err := db.cachedMatrix(ctx, space, versionID, nil)
	return m, err
}

// cachedMatrix returns the vectors of (space, version), from the cache when its stamp is current. When it reads
// them from the database and hashes is not nil, it also maps each clause ID to its text hash in hashes, and
// loaded is true.
func (db *DB) cachedMatrix(ctx context.Context, space retrieval.Space, versionID int64, hashes map[string]string) (m *matrix, loaded bool, err error) {
	key := matrixKey{space.ID, versionID}
	stamp, err := readStamp(ctx, db.db, key)
	if err != nil {
		return nil, false, err
	}
	e := db.vectors.entry(key)
	e.mu.Lock() // one load at a time per key; the others wait for it
	defer e.mu.Unlock()
	if e.m != nil && e.stamp == stamp && e.m.dims == space.Dims {
		return e.m, false, nil
	}
	m, stamp, err = db.loadMatrix(ctx, space, versionID, hashes)
	if err != nil {
		return nil, false, err
	}
	e.m, e.stamp = m, stamp
	return m, true, nil
}

// CodeInForce is the store's (sqlstore.Store.CodeInForce), noting the order of the version's clauses for the
// first search, which needs the vectors in that order: a version's clauses never change, and reading their
// order again took a fifth of loading the vectors of 10,000 clauses.
func (db *DB) CodeInForce(ctx context.Context) (*rules.Version, error) {
	v, err := db.Store.CodeInForce(ctx)
	if err == nil {
		db.vectors.noteOrder(v)
	}
	return v, err
}

// CodeVersion is the store's (sqlstore.Store.CodeVersion), noting the order of the version's clauses as
// CodeInForce does.
func (db *DB) CodeVersion(ctx context.Context, id int64) (*rules.Version, error) {
	v, err := db.Store.CodeVersion(ctx, id)
	if err == nil {
		db.vectors.noteOrder(v)
	}
	return v, err
}

// IndexedClauses maps the IDs of the version's clauses that have a vector in space to the hash of their text.
// A process asks it once at start (retrieval.IndexVersion) just before its first search needs the vectors in
// memory: both come from one read of the rows, which the search then finds cached. When the vectors are cached
// already, the hashes are read alone.
func (db *DB) IndexedClauses(ctx context.Context, space retrieval.Space, versionID int64) (map[string]string, error) {
	if db.CheckSpace(space) == nil {
		hashes := make(map[string]string)
		_, loaded, err := db.cachedMatrix(ctx, space, versionID, hashes)
		if err == nil && loaded {
			return hashes, nil
		}
		if err != nil {
			db.log.Debug("could not load clause vectors; reading their hashes alone", "space", space.ID, "version", versionID, "err", err)
		}
	}
	return db.Store.IndexedClauses(ctx, space, versionID)
}

func readStamp(ctx context.Context, q querier, key matrixKey) (int64, error) {
	var stamp int64
	err := q.QueryRowContext(ctx, `SELECT stamp FROM clause_vector_stamps WHERE space_id = ? AND version_id = ?`,
		key.space, key.version).Scan(&stamp)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read vector stamp: %w", err)
	}
	return stamp, nil
}

// loadMatrix reads the vectors of (space, version) in document order with their stamp, in one read transaction
// (a consistent snapshot); with hashes not nil, it maps each clause ID to its text hash there.
//
// The vectors are read in the order of their primary key and put in document order here: joining them to the
// clauses to sort them by position took most of the time of a process's first search.
func (db *DB) loadMatrix(ctx context.Context, space retrieval.Space, versionID int64, hashes map[string]string) (*matrix, int64, error) {
	tx, err := db.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, fmt.Errorf("load vectors: %w", err)
	}
	defer tx.Rollback()
	stamp, err := readStamp(ctx, tx, matrixKey{space.ID, versionID})
	if err != nil {
		return nil, 0, err
	}
	m := &matrix{dims: space.Dims, start: []int32{0}}
	order := db.vectors.order(versionID)
	if order == nil {
		if order, err = clauseOrder(ctx, tx, versionID); err != nil {
			return nil, 0, fmt.Errorf("load vectors: %w", err)
		}
	}
	pos := make(map[string]int32, len(order))
	for r, id := range order {
		pos[id] = int32(r)
	}
	// The vectors as they come, as sparse rows: the row of clause order[r] is staged.cols[at[r]:at[r]+count[r]].
	at := make([]int32, len(order))
	count := make([]int32, len(order))
	have := make([]bool, len(order))
	var staged matrix // its cols and vals collect the rows
	rows, err := tx.QueryContext(ctx, `SELECT clause_id, text_hash, embedding FROM clause_vectors
		WHERE space_id = ? AND version_id = ?`, space.ID, versionID)
	if err != nil {
		return nil, 0, fmt.Errorf("load vectors: %w", err)
	}
	defer rows.Close()
	var id, hash, blob sql.RawBytes
	var dense []float32 // for dense blobs, made at the first
	staged.dims = space.Dims
	for rows.Next() {
		if err := rows.Scan(&id, &hash, &blob); err != nil {
			return nil, 0, fmt.Errorf("load vectors: %w", err)
		}
		r, ok := pos[string(id)]
		if !ok || have[r] {
			continue // not a clause of the version: foreign keys prevent it
		}
		if staged.cols == nil {
			// Room for every row if they are all as long as the first.
			per := len(blob) / 4
			if isSparse(blob) {
				per = (len(blob) - 4) / sparseEntry
			}
			staged.cols = make([]uint16, 0, per*len(order))
			staged.vals = make([]float32, 0, per*len(order))
		}
		from := len(staged.cols)
		if isSparse(blob) {
			err = staged.addSparse(blob)
		} else {
			if dense == nil {
				dense = make([]float32, space.Dims)
			}
			if err = decodeVector(blob, dense); err == nil {
				staged.add(dense)
			}
		}
		if err != nil {
			return nil, 0, fmt.Errorf("load vectors: clause %s: %w", id, err)
		}
		at[r], count[r], have[r] = int32(from), int32(len(staged.cols)-from), true
		if hashes != nil {
			hashes[order[r]] = string(hash)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("load vectors: %w", err)
	}
	m.cols = make([]uint16, 0, len(staged.cols))
	m.vals = make([]float32, 0, len(staged.vals))
	for r, id := range order {
		if !have[r] {
			continue
		}
		m.cols = append(m.cols, staged.cols[at[r]:at[r]+count[r]]...)
		m.vals = append(m.vals, staged.vals[at[r]:at[r]+count[r]]...)
		m.start = append(m.start, int32(len(m.cols)))
		m.ids = append(m.ids, id)
	}
	m.finish()
	db.log.Debug("loaded clause vectors", "space", space.ID, "version", versionID, "vectors", len(m.ids), "stamp", stamp)
	return m, stamp, nil
}

// clauseOrder reads the IDs of the version's clauses in document order (sorted here: a sort in the query costs
// more).
func clauseOrder(ctx context.Context, q querier, versionID int64) ([]string, error) {
	var ids []string
	var ords []int64
	rows, err := q.QueryContext(ctx, `SELECT clause_id, ord FROM clauses WHERE version_id = ?`, versionID)
	if err != nil {
		return nil, fmt.Errorf("clause order: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var ord int64
		if err := rows.Scan(&id, &ord); err != nil {
			return nil, fmt.Errorf("clause order: %w", err)
		}
		ids, ords = append(ids, id), append(ords, ord)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("clause order: %w", err)
	}
	return sqlstore.InOrder(ids, ords), nil
}

// A stored embedding (a blob) is in one of two encodings, told apart by its first four bytes:
//   - dense: the dims components as little-endian float32, 4·dims bytes;
//   - sparse: sparseMarker (a NaN, which no stored component can be: vectors are checked finite before they are
//     put), then each component whose bits are not all zero as its dimension (little-endian uint16; dimensions
//     are below maxDims) and value (little-endian float32), 6 bytes each, dimensions ascending.
//
// A vector is written sparse when that is shorter: the offline embedder's (a few grams hashed into 1,024
// dimensions) take a tenth of their dense size, which is what a process start reads. Rows written dense before
// the sparse encoding existed read as they are.

// sparseMarker opens a sparse blob: a quiet NaN's bits, as no dense blob begins.
const sparseMarker uint32 = 0x7fc05350

// sparseEntry is the size of one component of a sparse blob.
const sparseEntry = 6

// appendVector appends the encoding of v to b: sparse when shorter, else dense.
func appendVector(b []byte, v []float32) []byte {
	nnz := 0
	for _, x := range v {
		if math.Float32bits(x) != 0 { // -0 is kept: a vector reads back bit for bit
			nnz++
		}
	}
	if 4+sparseEntry*nnz >= 4*len(v) {
		for _, x := range v {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
		}
		return b
	}
	b = binary.LittleEndian.AppendUint32(b, sparseMarker)
	for d, x := range v {
		if bits := math.Float32bits(x); bits != 0 {
			b = binary.LittleEndian.AppendUint16(b, uint16(d))
			b = binary.LittleEndian.AppendUint32(b, bits)
		}
	}
	return b
}

// isSparse reports whether b is a sparse blob.
func isSparse(b []byte) bool {
	return len(b) >= 4 && binary.LittleEndian.Uint32(b) == sparseMarker
}

// sparseEntries checks a sparse blob against a space of dims dimensions and calls f on each of its components,
// in ascending order of dimension.
func sparseEntries(b []byte, dims int, f func(d uint16, x float32)) error {
	body := b[4:]
	if len(body)%sparseEntry != 0 {
		return fmt.Errorf("a sparse vector of %d bytes", len(b))
	}
	last := -1
	for ; len(body) > 0; body = body[sparseEntry:] {
		d := int(binary.LittleEndian.Uint16(body))
		if d >= dims || d <= last {
			return fmt.Errorf("a sparse vector with dimension %d after %d in a space of %d dimensions", d, last, dims)
		}
		last = d
		f(uint16(d), math.Float32frombits(binary.LittleEndian.Uint32(body[2:])))
	}
	return nil
}

// decodeVector reads a stored embedding, dense or sparse, into dst, which must have room for exactly all of its
// dimensions.
func decodeVector(b []byte, dst []float32) error {
	if isSparse(b) {
		clear(dst)
		return sparseEntries(b, len(dst), func(d uint16, x float32) { dst[d] = x })
	}
	if len(b) != 4*len(dst) {
		return fmt.Errorf("a vector of %d bytes in a space of %d dimensions", len(b), len(dst))
	}
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return nil
}

// matrix is the vectors of one (space, version) in document order. It is never modified once built, so
// searches share it without locks.
//
// Sparse vectors (the offline embedder's: a clause's grams hashed into 1,024 dimensions leave most of them zero)
// are kept by their non-zero entries, row after row, and inverted by dimension: a search adds up only the
// entries of the dimensions the question has, then scores exactly the rows that can be among the best k. Dense
// vectors (a remote model's) are compared with the question row by row.
type matrix struct {
	dims int
	ids  []string
	// The non-zero entries of row r are cols[start[r]:start[r+1]] (ascending) with vals alike.
	start []int32
	cols  []uint16
	vals  []float32
	// Sparse: by dimension, the rows that have it and their values; nil for a dense matrix.
	dimStart []int32
	dimRows  []int32
	dimVals  []float32
	// Dense: rows of dims floats; nil for a sparse matrix.
	data []float32
}

// sparseShare is the share of non-zero entries below which a matrix is searched through its inverted lists.
const sparseShare = 0.25

// add appends a row.
func (m *matrix) add(row []float32) {
	for d, x := range row {
		if x != 0 {
			m.cols = append(m.cols, uint16(d))
			m.vals = append(m.vals, x)
		}
	}
	m.start = append(m.start, int32(len(m.cols)))
}

// addSparse appends a row from a sparse blob, without going through its dense form; a row it refuses leaves m
// as it was.
func (m *matrix) addSparse(b []byte) error {
	body := b[4:]
	if len(body)%sparseEntry != 0 {
		return fmt.Errorf("a sparse vector of %d bytes", len(b))
	}
	mark := len(m.cols)
	last := -1
	for ; len(body) > 0; body = body[sparseEntry:] {
		d := int(body[0]) | int(body[1])<<8
		if d >= m.dims || d <= last {
			m.cols, m.vals = m.cols[:mark], m.vals[:mark]
			return fmt.Errorf("a sparse vector with dimension %d after %d in a space of %d dimensions", d, last, m.dims)
		}
		last = d
		if bits := binary.LittleEndian.Uint32(body[2:]); bits&0x7fffffff != 0 { // as add: a -0 adds nothing
			m.cols = append(m.cols, uint16(d))
			m.vals = append(m.vals, math.Float32frombits(bits))
		}
	}
	m.start = append(m.start, int32(len(m.cols)))
	return nil
}

// finish builds the inverted lists of a sparse matrix, or the rows of a dense one.
func (m *matrix) finish() {
	n := len(m.ids)
	if n == 0 || float64(len(m.cols)) > sparseShare*float64(n)*float64(m.dims) {
		m.data = make([]float32, n*m.dims)
		for r := range n {
			row := m.data[r*m.dims : (r+1)*m.dims]
			for j := m.start[r]; j < m.start[r+1]; j++ {
				row[m.cols[j]] = m.vals[j]
			}
		}
		m.start, m.cols, m.vals = nil, nil, nil
		return
	}
	m.dimStart = make([]int32, m.dims+1)
	for _, d := range m.cols {
		m.dimStart[d+1]++
	}
	for d := range m.dims {
		m.dimStart[d+1] += m.dimStart[d]
	}
	m.dimRows = make([]int32, len(m.cols))
	m.dimVals = make([]float32, len(m.cols))
	next := slices.Clone(m.dimStart[:m.dims])
	for r := range n {
		for j := m.start[r]; j < m.start[r+1]; j++ {
			d := m.cols[j]
			m.dimRows[next[d]], m.dimVals[next[d]] = int32(r), m.vals[j]
			next[d]++
		}
	}
}

// dot is retrieval.Dot(q, row r) of a sparse matrix, to the last bit: the same products summed into the same
// four accumulators in the same order (the zero entries add nothing).
func (m *matrix) dot(q []float32, r int) float64 {
	var s [4]float32
	tail := m.dims - m.dims%4 // retrieval.Dot sums the last dims%4 products into its first accumulator
	for j := m.start[r]; j < m.start[r+1]; j++ {
		d := int(m.cols[j])
		a := 0
		if d < tail {
			a = d % 4
		}
		s[a] += q[d] * m.vals[j]
	}
	return float64((s[0] + s[1]) + (s[2] + s[3]))
}

// parallelWork is the number of multiplications above which a search spreads over the CPUs.
const parallelWork = 1 << 18

// approxMargin bounds how far the inverted lists' sum may stray from the exact product (float32 rounding of at
// most a few thousand terms of unit vectors strays less than 1e-4).
const approxMargin = 1e-3

// approxPool holds the per-search buffers of sparse searches.
var approxPool sync.Pool

type approxBuf struct {
	score   []float64
	touched []int32
}

func (m *matrix) search(q []float32, k int) []retrieval.VectorHit {
	n := len(m.ids)
	if n == 0 {
		return nil
	}
	k = min(k, n)
	if m.data == nil {
		if rows, ok := m.candidates(q, k); ok {
			sims := make([]float64, len(rows))
			for i, r := range rows {
				sims[i] = m.dot(q, int(r))
			}
			return m.best(sims, k, func(i int) int { return int(rows[i]) })
		}
	}
	sims := make([]float64, n)
	score := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if m.data == nil {
				sims[i] = m.dot(q, i)
			} else {
				sims[i] = retrieval.Dot(q, m.data[i*m.dims:(i+1)*m.dims])
			}
		}
	}
	workers := min(runtime.GOMAXPROCS(0), n*m.dims/parallelWork+1, n)
	if workers <= 1 {
		score(0, n)
	} else {
		var wg sync.WaitGroup
		chunk := (n + workers - 1) / workers
		for lo := 0; lo < n; lo += chunk {
			wg.Add(1)
			go func(lo, hi int) {
				defer wg.Done()
				score(lo, hi)
			}(lo, min(lo+chunk, n))
		}
		wg.Wait()
	}
	return m.best(sims, k, func(i int) int { return i })
}

// candidates returns, in document order, the rows of a sparse matrix that can be among the k nearest to q: it
// sums q's products through the inverted lists, and keeps the rows within approxMargin of the k-th best sum.
// ok is false when every row must be scored (fewer than k rows share a dimension with q, or the k-th best is
// too close to zero, the score of the rows that share none).
func (m *matrix) candidates(q []float32, k int) (rows []int32, ok bool) {
	n := len(m.ids)
	b, _ := approxPool.Get().(*approxBuf)
	if b == nil || len(b.score) != n {
		b = &approxBuf{score: make([]float64, n)}
	}
	defer func() {
		for _, r := range b.touched {
			b.score[r] = 0
		}
		b.touched = b.touched[:0]
		approxPool.Put(b)
	}()
	// touched rows get a non-zero mark first (a row whose sum is exactly 0 stays touched through the marker).
	for d, x := range q {
		if x == 0 {
			continue
		}
		for j := m.dimStart[d]; j < m.dimStart[d+1]; j++ {
			r := m.dimRows[j]
			if b.score[r] == 0 {
				b.touched = append(b.touched, r)
				b.score[r] = touchedMark
			}
			b.score[r] += float64(x * m.dimVals[j])
		}
	}
	if len(b.touched) < k {
		return nil, false
	}
	// The k-th best sum, through a min-heap of k.
	h := make([]float64, 0, k)
	for _, r := range b.touched {
		s := b.score[r] - touchedMark
		if len(h) < k {
			h = append(h, s)
			for i := len(h) - 1; i > 0 && h[i] < h[(i-1)/2]; i = (i - 1) / 2 {
				h[i], h[(i-1)/2] = h[(i-1)/2], h[i]
			}
			continue
		}
		if s > h[0] {
			h[0] = s
			for i := 0; ; {
				l, c := 2*i+1, i
				if l < k && h[l] < h[c] {
					c = l
				}
				if l+1 < k && h[l+1] < h[c] {
					c = l + 1
				}
				if c == i {
					break
				}
				h[i], h[c] = h[c], h[i]
				i = c
			}
		}
	}
	threshold := h[0] - approxMargin
	if threshold <= approxMargin && len(b.touched) < n {
		return nil, false // rows sharing no dimension score 0 and may be among the best
	}
	for _, r := range b.touched {
		if b.score[r]-touchedMark >= threshold {
			rows = append(rows, r)
		}
	}
	slices.Sort(rows)
	return rows, true
}

// touchedMark offsets the sums of touched rows so that a touched row never reads as 0; sums are of unit vectors
// (at most 1 in size), far from it, and float64 keeps them to 1e-14 next to it.
const touchedMark = 16

// best returns the k best of sims (row(i) is the row of sims[i], ascending in i): by similarity, then document
// order.
func (m *matrix) best(sims []float64, k int, row func(i int) int) []retrieval.VectorHit {
	n := len(sims)
	// better orders by similarity, then document order.
	better := func(a, b int) bool { return sims[a] > sims[b] || sims[a] == sims[b] && a < b }
	k = min(k, n)
	var top []int
	if k > 64 || 4*k > n {
		top = make([]int, n)
		for i := range top {
			top[i] = i
		}
		slices.SortFunc(top, func(a, b int) int {
			if better(a, b) {
				return -1
			}
			if better(b, a) {
				return 1
			}
			return 0
		})
		top = top[:k]
	} else {
		// Keep the best k so far, best first; most rows fail the first comparison.
		top = make([]int, 0, k+1)
		for i := 0; i < n; i++ {
			if len(top) == k && !better(i, top[k-1]) {
				continue
			}
			j := len(top)
			for j > 0 && better(i, top[j-1]) {
				j--
			}
			top = slices.Insert(top, j, i)
			if len(top) > k {
				top = top[:k]
			}
		}
	}
	hits := make([]retrieval.VectorHit, len(top))
	for i, r := range top {
		hits[i] = retrieval.VectorHit{ClauseID: m.ids[row(r)], Similarity: sims[r]}
	}
	return hits
}

// maxMatrices is how many (space, version)s the cache keeps; the least recently searched goes first.
const maxMatrices = 4

type matrixKey struct {
	space, version int64
}

type matrixEntry struct {
	mu    sync.Mutex // guards m and stamp; held while loading
	m     *matrix
	stamp int64
	used  uint64 // guarded by the cache's mu
}

// matrixCache holds the vectors of recently searched (space, version)s, and the clause order of the versions
// read last.
type matrixCache struct {
	mu      sync.Mutex
	entries map[matrixKey]*matrixEntry
	tick    uint64
	orders  []versionOrder // newest last, at most maxMatrices
}

// versionOrder is the IDs of a version's clauses in document order.
type versionOrder struct {
	version int64
	ids     []string
}

// noteOrder remembers the clause order of v.
func (c *matrixCache) noteOrder(v *rules.Version) {
	if v == nil || v.Code == nil {
		return
	}
	ids := make([]string, len(v.Code.Clauses))
	for i, cl := range v.Code.Clauses {
		ids[i] = cl.ID
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.orders = slices.DeleteFunc(c.orders, func(o versionOrder) bool { return o.version == v.ID })
	if len(c.orders) >= maxMatrices {
		c.orders = slices.Delete(c.orders, 0, 1)
	}
	c.orders = append(c.orders, versionOrder{v.ID, ids})
}

// order returns the clause order of version if it was noted, else nil.
func (c *matrixCache) order(version int64) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, o := range c.orders {
		if o.version == version {
			return o.ids
		}
	}
	return nil
}

func newMatrixCache() *matrixCache {
	return &matrixCache{entries: make(map[matrixKey]*matrixEntry)}
}

// entry returns the entry of key, creating it (and evicting the least recently used) if need be.
func (c *matrixCache) entry(key matrixKey) *matrixEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tick++
	e, ok := c.entries[key]
	if !ok {
		if len(c.entries) >= maxMatrices {
			var oldest matrixKey
			var oldestUse uint64 = math.MaxUint64
			for k, e := range c.entries {
				if e.used < oldestUse {
					oldest, oldestUse = k, e.used
				}
			}
			delete(c.entries, oldest)
		}
		e = &matrixEntry{}
		c.entries[key] = e
	}
	e.used = c.tick
	return e
}

// drop forgets key, after a write: the next search reloads it.
func (c *matrixCache) drop(key matrixKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, key)
}
