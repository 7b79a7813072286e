package store

import (
	"context"
	"time"
)

// Replies remembers what a POST of Svix's API answered under an idempotency-key, so that a
// client retrying after a lost answer (Svix's SDKs send a key with every POST and retry on
// their own) gets that answer instead of making a second object.
type Replies interface {
	// BeginReply claims key in scope for request (the method, path and a hash of the body),
	// unless a claim younger than ReplyWindow holds it: then it returns that claim, Status 0
	// while it is still being answered. A claim left unanswered for ReplyPending (its process
	// died) is taken over.
	BeginReply(ctx context.Context, scope, key, request string, now time.Time) (*Reply, error)
	// FinishReply saves the answer to the key claimed at claimedAt (BeginReply's now), or
	// forgets the key when the status is not 2xx, so that a retry of a failed request runs
	// again. A claim taken over meanwhile (this one was over ReplyPending old) is left alone.
	FinishReply(ctx context.Context, scope, key string, claimedAt time.Time, status int, body []byte) error
}

// Reply is what a claimed idempotency key holds.
type Reply struct {
	Request string
	Status  int // 0 while the request is being answered
	Body    []byte
}

// How long replies are kept, and how long a claim may stay unanswered.
const (
	ReplyWindow  = 24 * time.Hour
	ReplyPending = time.Minute
)
