/**
 * A small benchmark harness: each benchmark runs its baseline in the same
 * process, interleaved (A B A B …) after a warm-up, and reports medians. The
 * machines are noisy, so the ratio (ours / baseline) is the figure, not the
 * absolute values.
 *
 * Units: 'ops/s' for rates (higher is better, and so is the ratio); anything
 * else ('µs/msg', 'bytes/task', …) is a cost (lower is better, and so is the
 * ratio). A benchmark's name says which way is better.
 */

/** What the harness tells a run: a warm-up run may use a smaller size (its figure is thrown away). */
export interface RunInfo {
  warmup: boolean;
}

/** One side of a benchmark: runs the workload once and returns one measurement in the benchmark's unit. */
export interface Side {
  name: string;
  run(info?: RunInfo): Promise<number>;
}

/** What a benchmark aims at: ratio ≥ min (rates) or ratio ≤ max (costs). Absent: a reference line. */
export interface Aim {
  min?: number;
  max?: number;
}

export interface Benchmark {
  /** Short id first ("pingpong-async: …"), then what it measures and which way is better. */
  name: string;
  /** 'ops/s' for rates; a cost unit ('µs/msg', 'bytes/task') where lower is better. */
  unit: string;
  /** Our side: the emulator. */
  run(info?: RunInfo): Promise<number>;
  /** The building block we compare against, measured in the same process. */
  baseline: Side;
  /** Its number in the list (for the README table). */
  item?: number;
  /** The ratio we aim at (see the issue); absent for reference lines. */
  aim?: Aim;
  /** Rounds of A B (default: the harness's). */
  rounds?: number;
  /** Warm-up runs of each side before the rounds (default: the harness's). */
  warmup?: number;
  /** Called once after the benchmark (close workers and the like). */
  teardown?(): void | Promise<void>;
}

/** What benchmark factories get: the size knob. */
export interface BenchContext {
  /** --quick: fewer rounds and smaller sizes (a smoke run, figures less steady). */
  quick: boolean;
}

export interface HarnessOptions {
  json: boolean;
  filter: string[];
  quick: boolean;
  /** Rounds of A B; undefined = each benchmark's own or the default. */
  rounds?: number;
  warmup?: number;
  list: boolean;
  help: boolean;
}

/** One result line, as printed with --json (exactly these keys). */
export interface Result {
  name: string;
  unit: string;
  value: number;
  baseline: string;
  baselineValue: number;
  ratio: number;
}

export const DEFAULT_ROUNDS = 5;
export const DEFAULT_WARMUP = 1;
export const QUICK_ROUNDS = 2;

export const USAGE = `usage: npm run bench -- [--json] [--filter NAME]… [--quick] [--rounds N] [--warmup N] [--list]
  --json         one JSON object per line: {"name","unit","value","baseline","baselineValue","ratio"}
  --filter NAME  run only benchmarks whose name contains NAME (repeatable, or comma-separated)
  --quick        fewer rounds and smaller sizes (a smoke run)
  --rounds N     rounds of A B per benchmark (default ${DEFAULT_ROUNDS}, quick ${QUICK_ROUNDS})
  --warmup N     warm-up runs of each side (default ${DEFAULT_WARMUP})
  --list         print the benchmark names and exit`;

export function parseArgs(argv: readonly string[]): HarnessOptions {
  const o: HarnessOptions = { json: false, filter: [], quick: false, list: false, help: false };
  const int = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n) || n < 0) throw new Error(`${flag} needs a whole number, got ${v ?? 'nothing'}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--json': o.json = true; break;
      case '--quick': o.quick = true; break;
      case '--list': o.list = true; break;
      case '--help': case '-h': o.help = true; break;
      case '--filter': {
        const v = value();
        if (!v) throw new Error('--filter needs a name');
        o.filter.push(...v.split(',').filter(Boolean));
        break;
      }
      case '--rounds': o.rounds = Math.max(1, int('--rounds', value())); break;
      case '--warmup': o.warmup = int('--warmup', value()); break;
      default: throw new Error(`unknown argument ${a}\n${USAGE}`);
    }
  }
  return o;
}

export function selected(b: { name: string }, filter: readonly string[]): boolean {
  return filter.length === 0 || filter.some((f) => b.name.toLowerCase().includes(f.toLowerCase()));
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** True when lower is better for this unit (every unit but 'ops/s'). */
export function lowerIsBetter(unit: string): boolean {
  return unit !== 'ops/s';
}

/** Whether a ratio meets its aim: true, false, or null when there is no aim. */
export function meets(ratio: number, aim: Aim | undefined): boolean | null {
  if (!aim || (aim.min === undefined && aim.max === undefined)) return null;
  return (aim.min === undefined || ratio >= aim.min) && (aim.max === undefined || ratio <= aim.max);
}

export function aimText(aim: Aim | undefined): string {
  if (!aim) return 'none';
  const parts: string[] = [];
  if (aim.min !== undefined) parts.push(`≥ ${aim.min}`);
  if (aim.max !== undefined) parts.push(`≤ ${aim.max}`);
  return parts.join(' and ') || 'none';
}

/** A number for people: 3 significant digits, thousands separated. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const abs = Math.abs(x);
  if (abs >= 1000) return Math.round(x).toLocaleString('en-US');
  if (abs >= 100) return x.toFixed(0);
  if (abs >= 10) return x.toFixed(1);
  if (abs >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

/** Full collection between runs, so one side's garbage is not the other's pause. */
export function collect(): void {
  globalThis.gc?.();
}

/** Runs fn once and returns the wall time in ms. */
export async function timed(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const WARMUP: RunInfo = { warmup: true };
const MEASURE: RunInfo = { warmup: false };

async function measure(side: () => Promise<number>, what: string): Promise<number> {
  collect();
  const v = await side();
  if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) throw new Error(`${what} returned ${v}, not a positive number`);
  return v;
}

/**
 * Runs one benchmark: warm-up (each side `warmup` times), then `rounds` rounds
 * of ours then baseline; medians; ratio = ours / baseline.
 */
export async function runBenchmark(b: Benchmark, o: Pick<HarnessOptions, 'rounds' | 'warmup' | 'quick'>, progress: (s: string) => void = () => {}): Promise<Result> {
  const rounds = o.rounds ?? Math.min(b.rounds ?? DEFAULT_ROUNDS, o.quick ? QUICK_ROUNDS : Infinity);
  const warmup = o.warmup ?? b.warmup ?? DEFAULT_WARMUP;
  const ours: number[] = [];
  const base: number[] = [];
  try {
    for (let i = 0; i < warmup; i++) {
      await measure(() => b.run(WARMUP), `${b.name} (warm-up)`);
      await measure(() => b.baseline.run(WARMUP), `${b.baseline.name} (warm-up)`);
    }
    for (let i = 0; i < rounds; i++) {
      ours.push(await measure(() => b.run(MEASURE), b.name));
      base.push(await measure(() => b.baseline.run(MEASURE), b.baseline.name));
      progress(`  round ${i + 1}/${rounds}: ${fmt(ours.at(-1)!)} vs ${fmt(base.at(-1)!)} ${b.unit}`);
    }
  } finally {
    await b.teardown?.();
  }
  const value = median(ours);
  const baselineValue = median(base);
  return { name: b.name, unit: b.unit, value, baseline: b.baseline.name, baselineValue, ratio: value / baselineValue };
}

/** The readable line of a result. */
export function describe(r: Result, aim: Aim | undefined): string {
  const m = meets(r.ratio, aim);
  const verdict = m === null ? 'no aim (reference)' : `aim ${aimText(aim)}: ${m ? 'met' : 'NOT met'}`;
  return `${r.name}\n    ours ${fmt(r.value)} ${r.unit}   baseline (${r.baseline}) ${fmt(r.baselineValue)} ${r.unit}   ratio ${r.ratio.toFixed(3)}   ${verdict}`;
}

/** Runs the benchmarks the options select; prints a line (or a JSON object) per benchmark. */
export async function runAll(benchmarks: readonly Benchmark[], o: HarnessOptions): Promise<Result[]> {
  const chosen = benchmarks.filter((b) => selected(b, o.filter));
  if (chosen.length === 0) throw new Error(`no benchmark matches ${o.filter.join(', ')}`);
  const log = (s: string): void => void process.stderr.write(s + '\n');
  const results: Result[] = [];
  for (const b of chosen) {
    const t0 = performance.now();
    if (!o.json) log(`… ${b.name}`);
    const r = await runBenchmark(b, o, o.json ? () => {} : log);
    results.push(r);
    if (o.json) process.stdout.write(JSON.stringify(r) + '\n');
    else process.stdout.write(describe(r, b.aim) + `   (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
  }
  return results;
}
