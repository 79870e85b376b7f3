// Package qa is the Q&A capability: staff ask questions in their own words and get the answer of the code in
// force with the clauses it rests on (retrieval), rate it 👍/👎 with a reason and a note, browse the code
// (/rules, /clause); /start and /help introduce it with examples from the code in force; admins read the gaps
// of the code (/gaps) from the questions asked and the answers rated down.
//
// It registers on a bot.Router (Register) like the other capabilities; the questions and the feedback are kept
// in a bot.QALog, whose interface stays in package bot so that the stores need not know this package.
package qa
