package main

import (
	"fmt"
	"io"
	"os"
	"time"
)

// progress tells a person at a terminal which step of a long command is running and how long each took; it
// says nothing when stderr is not a terminal (a script, a log, a test).
type progress struct {
	w     io.Writer // nil: silent
	name  string
	start time.Time
}

func newProgress(stderr io.Writer) *progress {
	p := &progress{}
	if f, ok := stderr.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.w = f
		}
	}
	return p
}

// step ends the step running, if any, and starts the named one.
func (p *progress) step(name string) {
	if p.w == nil {
		return
	}
	p.done()
	p.name, p.start = name, time.Now()
	fmt.Fprintf(p.w, "%s…", name)
}

// done ends the step running.
func (p *progress) done() {
	if p.w == nil || p.name == "" {
		return
	}
	fmt.Fprintf(p.w, " %s\n", time.Since(p.start).Round(time.Millisecond))
	p.name = ""
}

// count shows how far the step running is: done of total.
func (p *progress) count(done, total int) {
	if p.w == nil || total == 0 {
		return
	}
	fmt.Fprintf(p.w, " %d/%d", done, total)
}
