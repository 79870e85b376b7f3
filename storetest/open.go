package storetest

import (
	"database/sql"
	"sync"
	"testing"
)

// TestConcurrentOpen opens n stores at once on one fresh database: each of the engine's migrations (there are
// migrations of them) runs exactly once, whichever store opens first, and migrate then finds the database up to
// date. open opens a store, registers its closing with t and returns its database handle.
func TestConcurrentOpen(t *testing.T, n, migrations int, open func() (*sql.DB, error), migrate func() error) {
	t.Helper()
	dbs := make([]*sql.DB, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			dbs[i], errs[i] = open()
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open %d: %v", i, err)
		}
	}
	if t.Failed() {
		return
	}
	var rows, distinct int
	if err := dbs[0].QueryRow(`SELECT count(*), count(DISTINCT version) FROM schema_migrations`).Scan(&rows, &distinct); err != nil {
		t.Fatal(err)
	}
	if rows != migrations || distinct != migrations {
		t.Errorf("schema_migrations has %d rows (%d distinct), want %d", rows, distinct, migrations)
	}
	if err := migrate(); err != nil {
		t.Errorf("Migrate on an up-to-date database: %v", err)
	}
}
