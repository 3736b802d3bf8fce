import type { SimulationResult } from './index';

const ms = (value: number) => `${Math.round(value)} ms`;

/** The run's summary as a few readable lines. */
export function formatSummary(result: SimulationResult): string {
  const lines: string[] = [];
  const sale = result.sale;
  if (sale) {
    lines.push(
      `Sale ${result.saleId} (${sale.product.name}), round ${result.round}: ` +
        `${sale.sold} of ${sale.units} units sold, ${sale.remaining} left (GET /api/sales/:id, round ${sale.round})`,
    );
  }
  lines.push(
    `Buyers: ${result.buyers}; this run bought ${result.unitsBought} units in ${result.purchases} purchases ` +
      `(${(result.durationMs / 1000).toFixed(1)} s in all)`,
  );
  const answers = Object.entries(result.answers).map(([key, count]) => `${key} ×${count}`);
  if (answers.length) lines.push(`Answers: ${answers.join(' · ')}`);
  if (result.latency) {
    const { p50, p95, p99, max } = result.latency;
    lines.push(`Answer time: p50 ${ms(p50)} · p95 ${ms(p95)} · p99 ${ms(p99)} · max ${ms(max)}`);
  }
  if (result.checks.length) {
    lines.push('Checks:');
    for (const check of result.checks)
      lines.push(`  ${check.ok ? 'ok  ' : 'FAIL'} ${check.name}: ${check.detail}`);
  }
  if (result.error) lines.push(`Stopped: ${result.error}`);
  lines.push(`Result: ${result.ok ? 'PASS' : 'FAIL'}`);
  return lines.join('\n');
}
