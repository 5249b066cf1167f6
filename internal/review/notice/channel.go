package notice

import (
	"context"
	"errors"
)

// Message is what a channel sends: Key is the idempotency key of the
// notice and channel (the SMS gateway's id, the mail's Message-ID).
type Message struct {
	Key      string
	To       string // phone number or email address
	Subject  string // email only
	Text     string
	Template string // SMS template code of the notice kind, when configured
}

// Sender sends a message through one channel.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// PermanentError is a refusal that trying again will not change (a bad
// address, a rejected key): the delivery goes to the dead letters at once.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return "permanent: " + e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

func permanent(err error) error { return &PermanentError{Err: err} }

// IsPermanent reports whether err is a PermanentError.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}
