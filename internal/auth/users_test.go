package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"finreview/internal/auth"
	"finreview/internal/testenv"
)

// TestCreateUserSeparatesTheThreeRoles: the system administrator creates
// users but none of the three separated roles (三员分立); the installation's
// command line does, and a user without the right creates nobody.
func TestCreateUserSeparatesTheThreeRoles(t *testing.T) {
	s := testenv.DB(t)
	testenv.Demo(t, s)
	ctx := context.Background()
	svc := auth.NewService(s, time.Now)
	city, err := svc.JurisdictionByName(ctx, "市本级")
	if err != nil {
		t.Fatal(err)
	}
	admin, err := svc.UserByUsername(ctx, "admin")
	if err != nil {
		t.Fatal(err)
	}
	nu := auth.NewUser{Username: "shenji2", DisplayName: "审计员", Password: "Secret2026", Role: string(auth.Auditor),
		JurisdictionID: city.ID}
	_, err = svc.CreateUser(ctx, auth.FromUser(admin), nu)
	var fe auth.FieldErrors
	if !errors.As(err, &fe) || fe["role"] == "" {
		t.Fatalf("the system administrator created an auditor: %v", err)
	}
	if _, err := svc.CreateUser(ctx, auth.Principal{UserID: 99, Name: "某人", Role: auth.Expert}, nu); !errors.Is(err, auth.ErrForbidden) {
		t.Fatalf("an expert creating a user: %v, want ErrForbidden", err)
	}
	u, err := svc.CreateUser(ctx, auth.CommandLine(), nu)
	if err != nil || u.ID == 0 || u.Role != string(auth.Auditor) {
		t.Fatalf("command line: %+v, %v", u, err)
	}
}
