/**
 * The fuzz runner's command line (`npm run fuzz -- …`): sweeps seeded random
 * workloads over the kernel and checks its invariants after every step; a
 * failing seed is printed with the one line that replays it, and the first
 * ones are shrunk to a small workload with the trace of its last steps.
 *
 * @example
 * npm run fuzz -- --seeds 10000 --workers 2        # seeds 0–9999 on two worker threads
 * npm run fuzz -- --seeds 100000 --shard 3/8       # this machine's eighth of a larger sweep
 * npm run fuzz -- --seed 48213 --verbose           # replay one seed: workload, trace, outcome
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { KNOWN_BUGS, knownBug } from './known.ts';
import { replayLine, shrinkText, summaryText } from './report.ts';
import { shrink } from './shrink.ts';
import { sweep } from './sweep.ts';
import { describeWorkload, FAULT_KINDS, generate, sizeOf, type FaultKind, type Workload } from './workload.ts';
import { runWorkload } from './world.ts';

const HELP = `npm run fuzz -- [options]
  --seeds N          seeds to run (default 1000), from --from on
  --from N           first seed (default 0)
  --workers K        worker threads (default: the machine's cores); 0 runs in this thread
  --shard i/n        run only seeds with seed % n === i - 1 (a CI matrix's share)
  --faults LIST      fault kinds to inject: crash,kill,port-death,loss,kill-blocked (default all), or none
  --max-failures N   stop after N failing seeds (counted in seed order)
  --strict           count seeds that only show a known bug (known.ts) as failures too
  --shrink N         shrink the first N failures (default 1; 0: none)
  --seed S           run one seed (with --verbose: its workload and trace too); shrink it if it fails
  --workload J       run a workload given as JSON (or a file holding it), e.g. a shrunk one
  --trace N          trace lines to show before a failure (default 30)
  --verbose          print every failure's problems, and a single seed's workload and trace
  --json             print one JSON object with the results on stdout (text goes to stderr)
Exit status: 0 when every seed held (or showed only known bugs), 1 when one failed, 2 on bad options.`;

function bail(message: string): never {
  process.stderr.write(`fuzz: ${message}\n${HELP}\n`);
  process.exit(2);
}

function int(v: string | undefined, name: string, fallback: number, min = 0): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > 0xffffffff) bail(`${name} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  return n;
}

const { values: a } = (() => {
  try {
    return parseArgs({
      options: {
        seeds: { type: 'string' }, from: { type: 'string' }, workers: { type: 'string' }, shard: { type: 'string' },
        faults: { type: 'string' }, 'max-failures': { type: 'string' }, shrink: { type: 'string' }, seed: { type: 'string' },
        workload: { type: 'string' }, trace: { type: 'string' }, verbose: { type: 'boolean' }, json: { type: 'boolean' }, strict: { type: 'boolean' }, help: { type: 'boolean' },
      },
      strict: true,
    });
  } catch (err) {
    return bail((err as Error).message);
  }
})();
if (a.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}

const faults: FaultKind[] =
  a.faults === undefined ? [...FAULT_KINDS] : a.faults === 'none' ? [] : a.faults.split(',').map((f) => (FAULT_KINDS.includes(f as FaultKind) ? (f as FaultKind) : bail(`unknown fault kind ${JSON.stringify(f)}`)));
const traceTail = int(a.trace, '--trace', 30);
const verbose = a.verbose === true;
const json = a.json === true;
/** Human text: stdout, or stderr when stdout carries JSON. */
const say = (lines: string | readonly string[]): void => {
  const text = (typeof lines === 'string' ? [lines] : lines).join('\n');
  (json ? process.stderr : process.stdout).write(`${text}\n`);
};

/** Runs one workload; prints it (verbose), its outcome and, if it fails, its shrunk form. Returns the JSON record. */
async function one(w: Workload, label: string): Promise<Record<string, unknown>> {
  const out = await runWorkload(w, { traceTail });
  if (verbose) say([`workload (${label}):`, ...describeWorkload(w).map((l) => `  ${l}`), `trace (last ${out.trace.length} lines${out.ok ? '' : ' before the failure'}):`, ...out.trace.map((l) => `  ${l}`)]);
  say(`${label}: ${out.ok ? 'ok' : 'FAIL'} (${out.status} at t=${out.time}, ${out.steps} steps)`);
  if (out.ok) return { ok: true, status: out.status };
  say(out.problems.map((p) => `  ${p}`));
  const known = knownBug(out.problems);
  if (known) say(`  a known bug: ${known} (${KNOWN_BUGS.find((b) => b.id === known)!.what})`);
  const r = await shrink(w, out);
  const again = await runWorkload(r.workload, { traceTail });
  say(shrinkText(w, r, again.trace));
  return { ok: false, known, status: out.status, problems: out.problems, shrunk: r.workload, size: sizeOf(r.workload), shrunkProblems: again.problems, trace: again.trace };
}

async function main(): Promise<number> {
  if (a.workload !== undefined) {
    const text = a.workload.trim().startsWith('{') ? a.workload : readFileSync(a.workload, 'utf8');
    let w: Workload;
    try {
      w = JSON.parse(text) as Workload;
    } catch (err) {
      return bail(`--workload: ${(err as Error).message}`);
    }
    const rec = await one(w, 'workload');
    if (json) process.stdout.write(`${JSON.stringify(rec)}\n`);
    return rec.ok ? 0 : 1;
  }
  if (a.seed !== undefined) {
    const seed = int(a.seed, '--seed', 0);
    const rec = await one(generate(seed, { faults }), `seed ${seed}`);
    if (json) process.stdout.write(`${JSON.stringify({ seed, ...rec })}\n`);
    return rec.ok ? 0 : 1;
  }

  const from = int(a.from, '--from', 0);
  const count = int(a.seeds, '--seeds', 1000, 1);
  if (from + count - 1 > 0xffffffff) bail('seeds must stay below 2^32');
  const workers = int(a.workers, '--workers', availableParallelism());
  let shard = { index: 1, of: 1 };
  if (a.shard !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(a.shard);
    if (!m || Number(m[2]) < 1 || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) bail(`--shard must be i/n with 1 ≤ i ≤ n, got ${JSON.stringify(a.shard)}`);
    shard = { index: Number(m[1]), of: Number(m[2]) };
  }
  const maxFailures = a['max-failures'] === undefined ? undefined : int(a['max-failures'], '--max-failures', 1, 1);
  const shrinkCount = int(a.shrink, '--shrink', 1);
  const strict = a.strict === true;

  const tty = process.stderr.isTTY === true;
  let lastShown = 0;
  const result = await sweep({
    from, count, shard, workers, faults, strict,
    ...(maxFailures !== undefined ? { maxFailures } : {}),
    onProgress: (p) => {
      const now = performance.now();
      if (p.done < p.total && now - lastShown < (tty ? 250 : 5000)) return;
      lastShown = now;
      const line = `fuzz: ${p.done}/${p.total} seeds, ${p.failures} failure${p.failures === 1 ? '' : 's'}${p.known ? ` (+${p.known} known)` : ''}, ${Math.round(p.rate)} seeds/s`;
      process.stderr.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
    },
  });
  if (tty) process.stderr.write('\n');

  const range = `seeds ${from}–${from + count - 1}${shard.of > 1 ? `, shard ${shard.index}/${shard.of}` : ''}, faults ${faults.length ? faults.join(',') : 'none'}, ${workers || 'no'} worker${workers === 1 ? '' : 's'}`;
  const fresh = result.failures.filter((f) => strict || f.known === null);
  const known = result.failures.filter((f) => !strict && f.known !== null);
  const shown = verbose ? fresh : fresh.slice(0, 10);
  for (const f of shown) {
    say(`FAIL seed ${f.seed} (${f.status}): ${f.problems[0]}${f.known ? ` [known: ${f.known}]` : ''}`);
    if (verbose) say(f.problems.slice(1).map((p) => `  ${p}`));
    say(`  replay: ${replayLine(f.seed, faults)}`);
  }
  if (shown.length < fresh.length) say(`… and ${fresh.length - shown.length} more failing seeds (--verbose lists them all)`);
  const byBug = new Map<string, number[]>();
  for (const f of known) byBug.set(f.known!, [...(byBug.get(f.known!) ?? []), f.seed]);
  for (const [id, seeds] of byBug) {
    say(`known bug ${id}: ${seeds.length} seed${seeds.length === 1 ? '' : 's'} (${seeds.slice(0, 5).join(', ')}${seeds.length > 5 ? ', …' : ''}); not counted (--strict counts it)`);
    if (verbose) say(`  ${KNOWN_BUGS.find((b) => b.id === id)!.what}`);
  }
  const shrunk: Record<string, unknown>[] = [];
  for (const f of fresh.slice(0, shrinkCount)) {
    const w = generate(f.seed, { faults });
    const out = await runWorkload(w);
    if (out.ok) {
      say(`seed ${f.seed}: passes when run again in this thread: not deterministic?`);
      continue;
    }
    const r = await shrink(w, out);
    const again = await runWorkload(r.workload, { traceTail });
    say([`seed ${f.seed}:`, ...shrinkText(w, r, again.trace)]);
    shrunk.push({ seed: f.seed, workload: r.workload, size: sizeOf(r.workload), runs: r.runs, ms: r.ms, problems: again.problems, trace: again.trace });
  }
  say(summaryText({ ...result, failures: fresh }, range));
  if (result.stopped) say(`stopped after ${fresh.length} failure${fresh.length === 1 ? '' : 's'} (--max-failures)`);
  if (json) {
    const { failures, ...rest } = result;
    process.stdout.write(`${JSON.stringify({ ...rest, from, count, shard, workers, faults, failures: fresh, known, shrunk })}\n`);
  }
  return fresh.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`fuzz: ${err.stack ?? err.message}\n`);
    process.exit(2);
  },
);
