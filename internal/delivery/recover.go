package delivery

import (
	"context"
	"time"
)

// Recover jobs requeue a webhook's failed deliveries in batches. Any instance may run one:
// a job is leased, and a job whose instance died is picked up again where it stopped.
const (
	recoverBatch = 500
	recoverLease = 30 * time.Second
)

// runRecovers runs recover jobs until ctx ends.
func (p *Pool) runRecovers(ctx context.Context) {
	for ctx.Err() == nil {
		job, err := p.store.ClaimRecover(ctx, time.Now(), recoverLease)
		if err != nil && ctx.Err() == nil {
			p.log.Error("claim recover job", "err", err)
		}
		if job == nil {
			select {
			case <-ctx.Done():
			case <-p.recoverWake:
			case <-time.After(p.opts.Poll):
			}
			continue
		}
		p.log.Info("recover job started", "job", job.ID, "webhook", job.WebhookID, "failed", job.Total)
		for ctx.Err() == nil {
			done, err := p.store.RecoverStep(ctx, job, recoverBatch, time.Now(), recoverLease)
			if err != nil {
				if ctx.Err() == nil {
					p.log.Error("recover step; another attempt after the lease", "job", job.ID, "err", err)
				}
				break
			}
			p.WakeDeliveries()
			if done {
				p.log.Info("recover job completed", "job", job.ID, "requeued", job.Requeued)
				break
			}
		}
	}
}
