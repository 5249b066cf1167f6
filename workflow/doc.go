// Package workflow defines the review workflow of finreview (财政投资项目评审流程):
// the review states, the triggers that move a review between them, the guards
// that decide whether a trigger may fire now, and the state diagram.
//
// The main path runs
//
//	draft → submitted → notified → accepted → delegated → in_review →
//	(reconciling) → center_check → opinion_sent → signed | deemed_agreed →
//	concluded → processed → archived
//
// with side paths for a returned submission (returned, resubmitted as a new
// round), a disputed opinion letter (disputed → expert_review → opinion_sent),
// a unilateral conclusion (unilateral), and one appeal per review (appeal →
// concluded, or back to accepted with the delegation cancelled). The review
// center may suspend and resume a review in any non-terminal state after
// draft; while suspended, nothing but resume fires.
//
// State is external: the review row in the database holds it. A Machine is
// built per request from the current state and the Facts its guards need,
// fired once, and its new state written back by the caller in the same
// database transaction. The package does no I/O.
package workflow
