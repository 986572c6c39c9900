import type { Tally } from './batch.ts';
import type { ShrinkResult } from './shrink.ts';
import { describeWorkload, FAULT_KINDS, sizeOf, type FaultKind, type Workload } from './workload.ts';

/** The faults flag as given back in a replay line: empty when it is the default (all kinds). */
export function faultsFlag(faults: readonly FaultKind[]): string {
  if (faults.length === FAULT_KINDS.length && FAULT_KINDS.every((k) => faults.includes(k))) return '';
  return ` --faults ${faults.length === 0 ? 'none' : faults.join(',')}`;
}

/**
 * The one line that replays a seed: `npm run fuzz -- --seed 48213 --verbose`
 * (with `--faults …` when the sweep did not allow every kind).
 */
export function replayLine(seed: number, faults: readonly FaultKind[]): string {
  return `npm run fuzz -- --seed ${seed}${faultsFlag(faults)} --verbose`;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "2 tasks, 7 steps, 1 fault". */
export function sizeText(w: Workload): string {
  const s = sizeOf(w);
  return `${plural(s.tasks, 'task')}, ${plural(s.steps, 'step')}, ${plural(s.faults, 'fault')}`;
}

/** A shrunk workload for people: sizes before and after, the steps, how it fails, the trace's last lines, and how to replay it. */
export function shrinkText(original: Workload, r: ShrinkResult, trace: readonly string[]): string[] {
  const json = JSON.stringify(r.workload);
  return [
    `shrunk from ${sizeText(original)} to ${sizeText(r.workload)} (${r.runs} runs, ${r.kept} kept, ${r.ms} ms):`,
    ...describeWorkload(r.workload).map((l) => `  ${l}`),
    'fails with:',
    ...r.outcome.problems.map((p) => `  ${p}`),
    `last ${trace.length} trace lines before the failure:`,
    ...trace.map((l) => `  ${l}`),
    'replay the shrunk workload:',
    `  npm run fuzz -- --workload '${json}' --verbose`,
  ];
}

const pct = (n: number, of: number): string => `${((100 * n) / Math.max(of, 1)).toFixed(1)}%`;

/** The summary of a sweep: seeds, failures, time and rate, how runs ended, coverage per seed. */
export function summaryText(t: Tally & { ms: number }, what: string): string[] {
  const per = (k: string): string => ((t.counters[k] ?? 0) / Math.max(t.seeds, 1)).toFixed(1);
  return [
    `fuzz: ${what}: ${plural(t.seeds, 'seed')}, ${plural(t.failures.length, 'failure')}, ${(t.ms / 1000).toFixed(1)} s, ${Math.round(t.seeds / Math.max(t.ms / 1000, 1e-3))} seeds/s`,
    `ends: ${Object.entries(t.statuses).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${pct(v, t.seeds)}`).join(', ')}`,
    `per seed: ${(t.steps / Math.max(t.seeds, 1)).toFixed(1)} steps, ${per('messages')} user messages, ${per('destroyed')} destroyed, ${per('timeouts')} time-outs, ${per('notifications')} notifications, ${per('tasks')} tasks, ${per('killed')} killed, ${per('crashed')} crashed`,
    `objects per seed: ${per('links')} links (${per('linkMessages')} messages), ${per('mailboxes')} mailboxes (${per('mailboxMessages')} messages), ${per('regions')} regions, ${per('semOps')} semaphore calls, ${per('cutShort')} calls cut short`,
  ];
}
