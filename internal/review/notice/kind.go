// Package notice carries finreview's notices beyond the application: each
// notification (the in-app notice, written in the transaction of the event
// that causes it) is fanned out into one delivery per outside channel the
// recipient can be reached on and chose, and a Dispatcher in every
// instance sends them by email (SMTP) and SMS (an HTTP gateway).
//
// Delivery is at least once with a stable idempotency key per notice and
// channel: the SMS gateway dedupes on it and a mail's Message-ID is made
// from it, so a resend after a crash reaches the recipient once. Rows are
// claimed with a lease in a transaction (UPDATE … WHERE state and lease),
// which holds on a Galera cluster where locks are node-local.
package notice

// Kind is what a notice is about; users choose channels per kind.
type Kind string

// Kinds of notices. The notification's kind column carries them.
const (
	Delegated        Kind = "delegated"
	Returned         Kind = "returned"
	OpinionSent      Kind = "opinion_sent"
	DeadlineReminder Kind = "deadline_reminder"
	DeadlineOverdue  Kind = "deadline_overdue"
	DeemedAgreed     Kind = "deemed_agreed"
	Concluded        Kind = "concluded"
	AppealDecided    Kind = "appeal_decided"
	Suspended        Kind = "suspended"
	Resumed          Kind = "resumed"
	ExpertDrawn      Kind = "expert_drawn"
	// Transition is any other step of a review that asks something of the
	// recipient.
	Transition Kind = "transition"
	// Nudge is a 催办.
	Nudge Kind = "nudge"
)

// Kinds lists the kinds users choose channels for, in the order the
// profile page shows them.
func Kinds() []Kind {
	return []Kind{Delegated, Returned, OpinionSent, DeadlineReminder, DeadlineOverdue, DeemedAgreed, Concluded,
		AppealDecided, Suspended, Resumed, ExpertDrawn, Nudge, Transition}
}

// Label is the Chinese name of the kind.
func (k Kind) Label() string {
	switch k {
	case Delegated:
		return "委托中介机构评审"
	case Returned:
		return "退回"
	case OpinionSent:
		return "征求意见书送达"
	case DeadlineReminder:
		return "期限提醒(剩余2个、1个工作日)"
	case DeadlineOverdue:
		return "逾期"
	case DeemedAgreed:
		return "逾期视同同意"
	case Concluded:
		return "出具评审结论"
	case AppealDecided:
		return "复核决定"
	case Suspended:
		return "暂停评审"
	case Resumed:
		return "恢复评审"
	case ExpertDrawn:
		return "抽取评审专家"
	case Nudge:
		return "催办"
	case Transition:
		return "其他办理进展"
	}
	return "其他办理进展"
}

// choiceKind is the kind a user's choice is recorded under: kinds not in
// Kinds count as Transition.
func choiceKind(s string) Kind {
	for _, k := range Kinds() {
		if string(k) == s {
			return k
		}
	}
	switch s {
	case "overdue":
		return DeadlineOverdue
	}
	return Transition
}

// Channel is a way to reach a person.
type Channel string

// Channels. InApp is the notification itself, delivered when written.
const (
	InApp Channel = "in_app"
	Email Channel = "email"
	SMS   Channel = "sms"
)

// Label is the Chinese name of the channel.
func (c Channel) Label() string {
	switch c {
	case InApp:
		return "站内消息"
	case Email:
		return "电子邮件"
	case SMS:
		return "短信"
	}
	return string(c)
}
