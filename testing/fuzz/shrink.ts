import { kindOf } from './invariants.ts';
import { knownBug } from './known.ts';
import { runWorkload, type Outcome } from './world.ts';
import { sizeOf, type Step, type Workload } from './workload.ts';

/** Options of `shrink`. */
export interface ShrinkOptions {
  /** Most candidate runs to try (default 2,000). */
  maxRuns?: number;
  /** Most wall-clock ms to spend (default 60,000). */
  maxMs?: number;
  /** Runs a candidate (default `runWorkload` with the trace off). */
  run?: (w: Workload) => Promise<Outcome>;
}

/** What `shrink` found: the smallest failing workload, how it failed, and what it cost. */
export interface ShrinkResult {
  workload: Workload;
  outcome: Outcome;
  /** Candidate runs made, and how many of them were kept (each a smaller or simpler failing workload). */
  runs: number;
  kept: number;
  ms: number;
}

/** A step list inside a workload: a task's, or a fork's or thread's inside it (indices down the nesting). */
type ListPath = readonly [task: number, ...steps: number[]];

function listAt(w: Workload, path: ListPath): Step[] {
  let list = w.tasks[path[0]]!.steps;
  for (let i = 1; i < path.length; i++) list = (list[path[i]!] as Step & { steps: Step[] }).steps;
  return list;
}

function listPaths(w: Workload): ListPath[] {
  const out: ListPath[] = [];
  const walk = (path: ListPath, list: readonly Step[]): void => {
    out.push(path);
    list.forEach((s, i) => {
      if (s.op === 'fork' || s.op === 'thread') walk([...path, i] as unknown as ListPath, s.steps);
    });
  };
  w.tasks.forEach((t, i) => walk([i], t.steps));
  return out;
}

/** A copy of w with the list at path replaced. */
function withList(w: Workload, path: ListPath, list: Step[]): Workload {
  const c = structuredClone(w);
  if (path.length === 1) c.tasks[path[0]]!.steps = list;
  else {
    const parent = listAt(c, path.slice(0, -1) as unknown as ListPath);
    (parent[path[path.length - 1]!] as Step & { steps: Step[] }).steps = list;
  }
  return c;
}

/** Renumbers a step's target after service `gone` of n was removed: the service it named keeps its number, shifted down. */
function renumber(s: Step, n: number, gone: number): void {
  if (!('to' in s) || s.to === null) return;
  const j = s.to % n;
  if (j !== gone) s.to = j > gone ? j - 1 : j;
}

/** Simpler versions of one step (each differs in one field, toward the plainest value). */
function simpler(s: Step): Step[] {
  const out: Step[] = [];
  const add = (patch: Partial<Step>): void => {
    const t = { ...s, ...patch } as Step;
    if (JSON.stringify(t) !== JSON.stringify(s)) out.push(t);
  };
  switch (s.op) {
    case 'send':
      add({ carry: 'none' });
      // Toward wait, never back: cache or timeout → return → wait.
      if (s.policy !== 'wait') add({ policy: 'wait' });
      if (s.policy === 'cache' || s.policy === 'timeout') add({ policy: 'return' });
      add({ ms: 0 });
      add({ to: 0 });
      break;
    case 'rpc':
    case 'sendrecv':
      add({ ms: 0 });
      add({ to: 0 });
      break;
    case 'receive':
      add({ from: 'mine' });
      add({ then: 'drop' });
      add({ ms: 0 });
      break;
    case 'notify':
    case 'forget':
      add({ to: 0 });
      break;
    case 'kill':
      add({ child: 0 });
      add({ signal: 'kill' });
      break;
    case 'fork':
      add({ share: false });
      break;
    case 'compute':
      add({ ms: 1 });
      break;
    case 'dsend':
    case 'drecv':
      add({ mode: 'block' });
      add({ ms: 0 });
      add({ to: 0 });
      break;
    case 'msend':
      if (s.policy !== 'wait') add({ policy: 'wait' });
      add({ slot: 0 });
      break;
    case 'mrecv':
      add({ wait: true });
      add({ slot: 0 });
      break;
    case 'swait':
      add({ ms: null });
      add({ slot: 0 });
      break;
    case 'link':
      add({ capacity: 5 });
      add({ to: 0 });
      break;
    case 'mdestroy':
    case 'map':
    case 'unmap':
    case 'rdrop':
    case 'ssignal':
    case 'sdestroy':
    case 'sem':
    case 'region':
    case 'mbox':
      add({ slot: 0 });
      break;
    case 'sleep':
    case 'exit':
      add(s.op === 'sleep' ? { ms: 0 } : { code: 0 });
      break;
  }
  return out;
}

/**
 * Every candidate one edit smaller or simpler than w, biggest cuts first:
 * a task removed (its faults with it), a fault removed, chunks of a step list
 * removed (halves, quarters, … single steps: delta debugging), a fork's or
 * thread's steps put in its place, a step simplified, a task's or the world's
 * settings made plainer.
 */
function* candidates(w: Workload): Generator<Workload> {
  for (let i = w.tasks.length - 1; i >= 0 && w.tasks.length > 1; i--) {
    // First with every target renumbered to the service it named (as if no right had been received), then as it is.
    for (const remap of [true, false]) {
      const c = structuredClone(w);
      c.tasks.splice(i, 1);
      c.faults = c.faults.filter((f) => f.task !== i).map((f) => (f.task > i ? { ...f, task: f.task - 1 } : f));
      if (remap) for (const path of listPaths(c)) for (const s of listAt(c, path)) renumber(s, w.tasks.length, i);
      yield c;
    }
  }
  for (let i = w.faults.length - 1; i >= 0; i--) {
    const c = structuredClone(w);
    c.faults.splice(i, 1);
    yield c;
  }
  for (const path of listPaths(w)) {
    const list = listAt(w, path);
    for (let size = Math.max(1, Math.floor(list.length / 2)); size >= 1; size = size === 1 ? 0 : Math.max(1, Math.floor(size / 2))) {
      for (let at = list.length - size; at >= 0; at -= size) yield withList(w, path, [...list.slice(0, at), ...list.slice(at + size)]);
    }
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      if (s.op === 'fork' || s.op === 'thread') yield withList(w, path, [...list.slice(0, i), ...s.steps, ...list.slice(i + 1)]);
    }
    for (let i = 0; i < list.length; i++) {
      for (const t of simpler(list[i]!)) yield withList(w, path, [...list.slice(0, i), t, ...list.slice(i + 1)]);
    }
  }
  for (let i = 0; i < w.tasks.length; i++) {
    const t = w.tasks[i]!;
    for (const patch of [{ at: 0 }, { priority: 0 }, { qlimit: 5 }] as const) {
      const key = Object.keys(patch)[0] as keyof typeof patch;
      if (t[key] === patch[key]) continue;
      const c = structuredClone(w);
      Object.assign(c.tasks[i]!, patch);
      yield c;
    }
  }
  for (const patch of [{ cpus: 1 }, { policy: 'fcfs' }, { quantum: 1 }] as const) {
    const key = Object.keys(patch)[0] as keyof typeof patch;
    if (w.sched[key] === patch[key]) continue;
    const c = structuredClone(w);
    Object.assign(c.sched, patch);
    yield c;
  }
  if (w.cascade) yield { ...structuredClone(w), cascade: false };
}

/**
 * Contract: given a workload that fails (`failing` is its outcome), returns a
 * workload that fails the same way (the same kind of first problem — `audit/srights`,
 * `fifo`, … — and the same known bug, or none: see `kindOf`, `knownBug`) and
 * is no bigger — usually much smaller: a greedy delta debugging over the plain
 * data (remove tasks, faults, chunks of steps; inline nested lists; simplify
 * fields), keeping each candidate that still fails, until no candidate does or
 * the budget is spent. Deterministic: the same input gives the same result.
 *
 * @example
 * const w = generate(48213);
 * const out = await runWorkload(w);
 * if (!out.ok) console.log(describeWorkload((await shrink(w, out)).workload).join('\n'));
 */
export async function shrink(w: Workload, failing: Outcome, options: ShrinkOptions = {}): Promise<ShrinkResult> {
  if (failing.ok) throw new Error('shrink: the workload does not fail');
  const run = options.run ?? ((c: Workload) => runWorkload(c));
  const maxRuns = options.maxRuns ?? 2000;
  const deadline = performance.now() + (options.maxMs ?? 60_000);
  const started = performance.now();
  // The same kind of failure, and the same known bug (or none): a smaller workload must not drift to another bug.
  const signature = (o: Outcome): string => `${kindOf(o.problems[0]!)} ${knownBug(o.problems) ?? ''}`;
  const want = signature(failing);
  let best = w;
  let outcome = failing;
  let runs = 0;
  let kept = 0;
  const weight = (c: Workload): number => {
    const s = sizeOf(c);
    return s.tasks * 1000 + s.faults * 100 + s.steps;
  };
  search: for (;;) {
    for (const c of candidates(best)) {
      if (runs >= maxRuns || performance.now() > deadline) break search;
      if (weight(c) > weight(best)) continue;
      runs++;
      const o = await run(c);
      if (!o.ok && signature(o) === want) {
        best = c;
        outcome = o;
        kept++;
        continue search;
      }
    }
    break;
  }
  return { workload: best, outcome, runs, kept, ms: Math.round(performance.now() - started) };
}
