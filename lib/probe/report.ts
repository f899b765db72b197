// A probe report for people (a table: check, expected, observed) and for machines (JSON).
import { describeEngine } from '../plan/render';
import type { ProbeReport } from './probe';

export function renderProbe(report: ProbeReport, color = false): string {
  const lines = [`engine ${describeEngine(report.engine)}`];
  const width = Math.max(5, ...report.results.map((r) => r.check.title.length));
  const mark = (ok: boolean) => (color ? (ok ? '\x1b[32m✓\x1b[0m' : '\x1b[31m✗\x1b[0m') : ok ? '✓' : '✗');
  lines.push(`    ${'check'.padEnd(width)}  ${'expected'.padEnd(9)}  observed`);
  let subject = '';
  for (const r of report.results) {
    if (r.check.subject !== subject) {
      subject = r.check.subject;
      lines.push(`${r.check.stack}: ${subject}`);
    }
    lines.push(`  ${mark(r.ok)} ${r.check.title.padEnd(width)}  ${r.check.expect.padEnd(9)}  ${r.observed}`);
  }
  const failed = report.results.filter((r) => !r.ok);
  if (report.results.length === 0) lines.push('probe: nothing to probe (no routes, TCP publishes or ICC-off networks)');
  else if (failed.length === 0) lines.push(`probe: all ${report.results.length} checks hold`);
  else {
    lines.push(`probe: ${failed.length} of ${report.results.length} checks fail:`);
    for (const r of failed) lines.push(`  ${r.check.subject}: ${r.check.title} expected ${r.check.expect}, observed ${r.observed}`);
  }
  return lines.join('\n');
}

export function probeJson(report: ProbeReport): unknown {
  return {
    engine: report.engine,
    ok: report.ok,
    checks: report.results.map((r) => ({ ...r.check, observed: r.observed, ok: r.ok })),
  };
}
