package auth

import (
	"context"

	"finreview/internal/audit"
)

// SignIn checks a person's name and password and opens a new session,
// audited as login. The session of oldToken, if any, ends first: an old
// cookie is never promoted.
func (s *Service) SignIn(ctx context.Context, username, password, ip, oldToken string) (token string, err error) {
	u, err := s.Authenticate(ctx, username, password, ip)
	if err != nil {
		return "", err
	}
	if oldToken != "" {
		if err := s.EndSession(ctx, oldToken); err != nil {
			return "", err
		}
	}
	tok, _, err := s.NewSession(ctx, u, ip)
	if err != nil {
		return "", err
	}
	if err := s.Record(ctx, u, "login", map[string]string{"ip": ip}); err != nil {
		return "", err
	}
	return tok, nil
}

// IssueToken checks a name and password and issues an API token, audited
// as api_token.
func (s *Service) IssueToken(ctx context.Context, username, password, ip string) (string, error) {
	u, err := s.Authenticate(ctx, username, password, ip)
	if err != nil {
		return "", err
	}
	tok, err := s.NewToken(ctx, u.ID)
	if err != nil {
		return "", err
	}
	if err := s.Record(ctx, u, "api_token", map[string]string{"ip": ip}); err != nil {
		return "", err
	}
	return tok, nil
}

// Record appends an audit event of a user's own (a sign-in, a refused
// access, an export of the trail) with the user as its object.
func (s *Service) Record(ctx context.Context, u User, action string, detail any) error {
	return audit.Record(ctx, s.store, s.now(), audit.Entry{ActorID: u.ID, ActorName: u.DisplayName,
		Action: action, ObjectType: "user", ObjectID: u.Username, Detail: detail})
}
