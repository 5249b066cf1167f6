package notice

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// GatewayOptions configure the SMS channel: the generic gateway adapter.
type GatewayOptions struct {
	URL string // the provider endpoint
	Key string // sent as Authorization: Bearer <key>
	// Timeout bounds one request (10 s when zero).
	Timeout time.Duration
}

// Gateway sends SMS as POST URL with JSON {"id","phone","text"} (and
// "template" when the kind has a template code); any 2xx is delivered.
// The gateway dedupes on id.
type Gateway struct {
	o      GatewayOptions
	client *http.Client
}

// NewGateway builds the sender.
func NewGateway(o GatewayOptions) *Gateway {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	return &Gateway{o: o, client: &http.Client{Timeout: o.Timeout}}
}

type gatewayRequest struct {
	ID       string `json:"id"`
	Phone    string `json:"phone"`
	Text     string `json:"text"`
	Template string `json:"template,omitempty"`
}

// Send posts one message. A 4xx answer other than 408 and 429 is a
// PermanentError; 5xx, timeouts and refused connections are tried again.
func (g *Gateway) Send(ctx context.Context, m Message) error {
	body, err := json.Marshal(gatewayRequest{ID: m.Key, Phone: m.To, Text: m.Text, Template: m.Template})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.o.URL, bytes.NewReader(body))
	if err != nil {
		return permanent(err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Authorization", "Bearer "+g.o.Key)
	req.Header.Set("Idempotency-Key", m.Key)
	resp, err := g.client.Do(req)
	if err != nil {
		return fmt.Errorf("sms gateway: %w", err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != 408 && resp.StatusCode != 429:
		return permanent(fmt.Errorf("sms gateway answered %d: %s", resp.StatusCode, bytes.TrimSpace(msg)))
	}
	return fmt.Errorf("sms gateway answered %d: %s", resp.StatusCode, bytes.TrimSpace(msg))
}
