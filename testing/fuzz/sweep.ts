import Tinypool from 'tinypool';
import { addTally, emptyTally, runBatch, type Batch, type Failure, type Tally } from './batch.ts';
import type { FaultKind } from './workload.ts';

/** Options of `sweep`. */
export interface SweepOptions {
  /** First seed of the range. */
  from: number;
  /** Seeds in the range: [from, from + count). */
  count: number;
  /** This machine's shard of the range, 1-based: `{ index: 2, of: 4 }` takes seeds with `seed % 4 === 1`. */
  shard?: { index: number; of: number };
  /** Worker threads (tinypool); 0 runs in this thread. */
  workers: number;
  faults: readonly FaultKind[];
  /** Seeds of the shard per batch handed to a worker (default 25). */
  batchSize?: number;
  /**
   * Stop after this many failing seeds (default: never), known bugs left out unless `strict`.
   * Counted in seed order, so the result does not depend on the number of workers.
   */
  maxFailures?: number;
  /** Count failures a known bug explains (known.ts) as failures too. */
  strict?: boolean;
  /** Called after each batch, in seed order. */
  onProgress?: (p: Progress) => void;
}

/** How far a sweep has got. */
export interface Progress {
  done: number;
  total: number;
  /** Failing seeds (known bugs left out unless strict), and those a known bug explains. */
  failures: number;
  known: number;
  /** Seeds per second of wall-clock time so far. */
  rate: number;
}

/** What a sweep gave: the tally (failures in seed order), wall-clock ms, and whether it stopped at `maxFailures`. */
export interface SweepResult extends Tally {
  ms: number;
  stopped: boolean;
}

/**
 * Contract: the seeds in [from, from + count) that belong to the shard, and
 * nothing else. Shards interleave (seed s belongs to shard `s % of + 1`), so
 * every shard gets seeds from the whole range and the shards of a range
 * partition it.
 *
 * @example
 * shardSeeds(0, 10, { index: 2, of: 4 }); // 3: seeds 1, 5 and 9
 */
export function shardSeeds(from: number, count: number, shard = { index: 1, of: 1 }): number {
  const r = shard.index - 1;
  const firstAt = from + ((((r - from) % shard.of) + shard.of) % shard.of);
  return firstAt >= from + count ? 0 : Math.floor((from + count - 1 - firstAt) / shard.of) + 1;
}

/**
 * Contract: runs every seed of the shard of [from, from + count) through
 * `runWorkload(generate(seed, { faults }))`, in parallel over `workers`
 * worker threads (tinypool) or in this thread (`workers: 0`), and tallies
 * them. Results are consumed in seed order, so the tally (and where
 * `maxFailures` stops it) is the same whatever the number of workers.
 *
 * @example
 * const r = await sweep({ from: 0, count: 2000, workers: 2, faults: FAULT_KINDS });
 * r.failures; // [] when the kernel holds its invariants on all 2,000 seeds
 */
export async function sweep(o: SweepOptions): Promise<SweepResult> {
  const shard = o.shard ?? { index: 1, of: 1 };
  const total = shardSeeds(o.from, o.count, shard);
  const per = (o.batchSize ?? 25) * shard.of;
  // Batches are made as they are handed out: a sweep of 10^8 seeds holds a few at a time.
  const batches = Math.ceil(o.count / per);
  const faults = [...o.faults];
  const batch = (i: number): Batch => {
    const start = o.from + i * per;
    return { start, end: Math.min(start + per, o.from + o.count), shard: shard.index - 1, shards: shard.of, faults };
  };
  const started = performance.now();
  const tally = emptyTally();
  let stopped = false;
  let counted = 0;
  const counts = (f: Failure): boolean => o.strict === true || f.known === null;
  const consume = (t: Tally): void => {
    if (stopped) return;
    for (const f of t.failures) {
      if (o.maxFailures !== undefined && counted >= o.maxFailures) break;
      tally.failures.push(f);
      if (counts(f)) counted++;
    }
    addTally(tally, { ...t, failures: [] });
    if (o.maxFailures !== undefined && counted >= o.maxFailures) stopped = true;
    const ms = performance.now() - started;
    o.onProgress?.({ done: tally.seeds, total, failures: counted, known: tally.failures.length - counted, rate: tally.seeds / Math.max(ms / 1000, 1e-3) });
  };

  if (o.workers <= 0) {
    for (let i = 0; i < batches && !stopped; i++) consume(await runBatch(batch(i)));
  } else {
    const pool = new Tinypool({ filename: new URL('./worker.mjs', import.meta.url).href, execArgv: [], minThreads: o.workers, maxThreads: o.workers, isolateWorkers: false });
    try {
      // Keep a few batches in flight per worker; consume results in order.
      const results = new Map<number, Tally>();
      let next = 0;
      let consumed = 0;
      await new Promise<void>((resolve, reject) => {
        const pump = (): void => {
          for (let t = results.get(consumed); t; t = results.get(consumed)) {
            results.delete(consumed++);
            consume(t);
          }
          if (stopped || consumed === batches) return resolve();
          while (next < batches && next - consumed < o.workers * 3) {
            const i = next++;
            (pool.run(batch(i)) as Promise<Tally>).then((t) => {
              results.set(i, t);
              pump();
            }, reject);
          }
        };
        pump();
      });
    } finally {
      pool.cancelPendingTasks();
      await pool.destroy();
    }
  }
  tally.failures.sort((a, b) => a.seed - b.seed);
  return { ...tally, ms: Math.round(performance.now() - started), stopped };
}
