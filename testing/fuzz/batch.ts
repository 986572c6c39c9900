import { knownBug } from './known.ts';
import { generate, type FaultKind } from './workload.ts';
import { runWorkload } from './world.ts';

/** A contiguous range of seeds [start, end), of which a shard takes those with `seed % shards === shard`. */
export interface Batch {
  start: number;
  end: number;
  shard: number;
  shards: number;
  faults: FaultKind[];
}

/** A failing seed, as a worker reports it. */
export interface Failure {
  seed: number;
  status: string;
  problems: string[];
  /** The id of the known bug that explains every problem (see known.ts), or null: a new failure. */
  known: string | null;
}

/** What a batch (or a whole sweep) gave: seeds run, failures, how runs ended, coverage counters summed. */
export interface Tally {
  seeds: number;
  failures: Failure[];
  statuses: Record<string, number>;
  counters: Record<string, number>;
  steps: number;
}

/** An empty tally. */
export function emptyTally(): Tally {
  return { seeds: 0, failures: [], statuses: {}, counters: {}, steps: 0 };
}

/** Adds b into a (in place) and returns a. */
export function addTally(a: Tally, b: Tally): Tally {
  a.seeds += b.seeds;
  a.steps += b.steps;
  for (const f of b.failures) a.failures.push(f);
  for (const [k, v] of Object.entries(b.statuses)) a.statuses[k] = (a.statuses[k] ?? 0) + v;
  for (const [k, v] of Object.entries(b.counters)) a.counters[k] = (a.counters[k] ?? 0) + v;
  return a;
}

/**
 * Contract: runs every seed of the batch that belongs to its shard
 * (`seed % shards === shard`), each on its own kernel, and tallies them; never
 * throws for a failing seed (it is a `Failure`). What the pool's workers run
 * (`worker.mjs`); also called in this thread with `--workers 0`.
 */
export async function runBatch(b: Batch): Promise<Tally> {
  const t = emptyTally();
  for (let seed = b.start; seed < b.end; seed++) {
    if (seed % b.shards !== b.shard) continue;
    const out = await runWorkload(generate(seed, { faults: b.faults }));
    t.seeds++;
    t.steps += out.steps;
    t.statuses[out.status] = (t.statuses[out.status] ?? 0) + 1;
    for (const [k, v] of Object.entries(out.counters)) t.counters[k] = (t.counters[k] ?? 0) + v;
    if (!out.ok) t.failures.push({ seed, status: out.status, problems: out.problems, known: knownBug(out.problems) });
  }
  return t;
}
