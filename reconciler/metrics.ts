// Prometheus metrics of the reconciler, with prom-client.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export class ReconcilerMetrics {
  readonly registry = new Registry();
  readonly duration = new Histogram({
    name: 'docknet_reconcile_duration_seconds',
    help: 'Time of one reconcile: fetch, validate, plan, apply, verify',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly reconciles = new Counter({
    name: 'docknet_reconciles_total',
    help: 'Reconciles by result (applied, unchanged, invalid, refused, held, source-failed, failed)',
    labelNames: ['result'],
    registers: [this.registry],
  });
  readonly driftRepairs = new Counter({
    name: 'docknet_drift_repairs_total',
    help: 'Reconciles that repaired drift made outside git, by stack',
    labelNames: ['stack'],
    registers: [this.registry],
  });
  readonly lastAppliedTime = new Gauge({
    name: 'docknet_last_applied_commit_timestamp_seconds',
    help: 'When the last commit was applied and verified (Unix time)',
    registers: [this.registry],
  });
}
