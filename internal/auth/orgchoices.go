package auth

import (
	"context"
	"slices"
	"time"

	"finreview/internal/store"
	"finreview/internal/trust"
)

// OrgChoice is an organization as a list's filter offers it: its id, name
// and jurisdiction.
type OrgChoice = store.OrgChoice

// OrgTrust is how long an instance answers for the organizations a list's
// filter offers (OrganizationChoices) without reading them again: the
// review list offered a province's ~1,400 construction units and its
// firms, read afresh on every request, and the read was a third of the
// list's time.
//
// What this instance writes shows on it at once: every write to the
// organizations through its Store (an organization registered, a firm
// admitted or edited in the firm library, an import of organizations or
// firms and its undoing) moves the Store's count of them
// (store.Store.OrganizationWrites), and a list read before the count
// moved is no longer trusted. On any other instance, and after a change
// made outside the serving instances (the command line, or by hand in the
// database), a change shows within OrgTrust.
const OrgTrust = 5 * time.Second

// orgChoices are the organizations of one kind as a request read them,
// with the Store's count of writes to organizations when the read began.
type orgChoices struct {
	list   []OrgChoice
	writes uint64
}

// maxOrgKinds bounds the cache: one entry per organization kind.
const maxOrgKinds = 8

// newOrgCache trusts a kind's list for OrgTrust, and while no write to
// the organizations went through st since it was read.
func newOrgCache(st *store.Store) *trust.Map[string, orgChoices] {
	return trust.New[string](OrgTrust, maxOrgKinds, func(c orgChoices, _ time.Time) bool {
		return st == nil || c.writes == st.OrganizationWrites()
	})
}

// OrganizationChoices lists the organizations of a kind by id, each with
// its name and jurisdiction, for a list's filter: this instance's copy,
// read again after OrgTrust or once anything wrote the organizations
// through this instance's Store. The slice is shared by every caller on
// this instance: it is read, never modified (filter into a new slice).
func (s *Service) OrganizationChoices(ctx context.Context, kind string) ([]OrgChoice, error) {
	c, err := s.orgs.Load(kind, s.now(), func() (orgChoices, error) {
		// The count first: a write committed while the rows are read
		// leaves the list untrusted, never the other way round.
		writes := s.store.OrganizationWrites()
		list, err := s.store.OrganizationChoices(ctx, kind)
		return orgChoices{list: slices.Clip(list), writes: writes}, err
	})
	return c.list, err
}
