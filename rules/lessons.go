package rules

import "time"

// Where a lesson came from.
const (
	LessonModel = "model" // written by the chat model at import
	LessonAdmin = "admin" // attached by an admin to a question from /gaps
)

// Lesson is an everyday question or paraphrase tied to a clause of a version: part of the vocabulary the engine
// finds the clause by. ClauseHash is TextHash of the clause's text when the lesson was made, so that a lesson
// written by the model for a clause is reused when a later version keeps the clause's text.
type Lesson struct {
	VersionID  int64
	ClauseID   string
	Text       string
	Source     string // LessonModel or LessonAdmin
	ClauseHash string
	CreatedAt  time.Time
}
