/**
 * Command-line options every scenario understands:
 * `--seed N` (default 1), `--trace` (print the full trace table),
 * `--only mermaid|table|summary` (print one part), `--trace-file FILE` (every
 * record as JSON lines, as the run goes), `--html FILE` (the run in the
 * browser: a self-contained trace viewer), `--help`.
 */
import { writeHtml } from '../trace/index.ts';
import { boot, type BootOptions, type Kernel, type Sys } from '../index.ts';

// A scenario piped into `head` ends quietly when the pipe closes, instead of an EPIPE stack.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

export interface ScenarioArgs {
  seed: number;
  fullTrace: boolean;
  only: 'mermaid' | 'table' | 'summary' | null;
  /** `--trace-file FILE`, or null. */
  traceFile: string | null;
  /** `--html FILE`, or null. */
  html: string | null;
  /**
   * Boots a kernel with the scenario's seed and the trace options the flags ask
   * for; its run is written to `--html` when the scenario ends (a scenario that
   * boots several kernels gets one file each: run.html, run-2.html, …).
   */
  boot(options?: Omit<BootOptions, 'seed'>): Kernel<Sys>;
}

const OPTIONS = 'options: --seed N   --trace   --only mermaid|table|summary   --trace-file FILE   --html FILE   --help';

/**
 * Parses scenario options from argv; prints `about` (two lines: what the
 * scenario shows) and the options for `--help`; exits with a usage line (code
 * 2) on a bad option.
 */
export function parseArgs(about = '', argv: readonly string[] = process.argv.slice(2)): ScenarioArgs {
  const kernels: Kernel<Sys>[] = [];
  const out: ScenarioArgs = {
    seed: 1,
    fullTrace: false,
    only: null,
    traceFile: null,
    html: null,
    boot(options = {}) {
      const n = kernels.length;
      const file = out.traceFile === null ? undefined : numbered(out.traceFile, n);
      const trace = options.trace === false ? false : { ...(typeof options.trace === 'object' ? options.trace : {}), ...(file ? { file } : {}) };
      // Scenarios print their own reports: sys.log lines stay in the trace unless asked for.
      const k = boot({ console: false, ...options, seed: out.seed, trace });
      kernels.push(k);
      return k;
    },
  };
  const value = (a: string, i: number, name: string): [string, number] => {
    if (a.includes('=')) return [a.slice(a.indexOf('=') + 1), i];
    const v = argv[i + 1];
    if (v === undefined) usage(about, `${name} needs a value`);
    return [v, i + 1];
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const name = a.split('=')[0]!;
    if (name === '--seed') {
      const [v, j] = value(a, i, name);
      i = j;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) usage(about, `--seed needs an integer from 0 to 4294967295, got ${JSON.stringify(v)}`);
      out.seed = n;
    } else if (a === '--trace') out.fullTrace = true;
    else if (name === '--only') {
      const [v, j] = value(a, i, name);
      i = j;
      if (v !== 'mermaid' && v !== 'table' && v !== 'summary') usage(about, `--only takes mermaid, table or summary, got ${JSON.stringify(v)}`);
      out.only = v;
    } else if (name === '--trace-file' || name === '--html') {
      const [v, j] = value(a, i, name);
      i = j;
      if (name === '--html') out.html = v;
      else out.traceFile = v;
    } else if (a === '--help' || a === '-h') usage(about);
    else usage(about, `unknown option ${a}`);
  }
  process.on('exit', () => {
    if (out.html === null) return;
    const title = process.argv[1]?.split('/').pop()?.replace(/\.ts$/, '') ?? 'xmach run';
    kernels.forEach((k, n) => {
      const path = numbered(out.html!, n);
      writeHtml(path, k.trace.records, { title: kernels.length > 1 ? `${title} (${n + 1})` : title, runId: k.runId, hosts: k.hosts });
      process.stderr.write(`wrote ${path}: open it in a browser\n`);
    });
  });
  return out;
}

/** run.html, run-2.html, run-3.html… for the kernels of one scenario. */
function numbered(path: string, n: number): string {
  if (n === 0) return path;
  const dot = path.lastIndexOf('.');
  return dot > path.lastIndexOf('/') ? `${path.slice(0, dot)}-${n + 1}${path.slice(dot)}` : `${path}-${n + 1}`;
}

function usage(about: string, problem?: string): never {
  if (problem) console.error(problem);
  else if (about) console.log(about.trim());
  (problem ? console.error : console.log)(OPTIONS);
  process.exit(problem ? 2 : 0);
}
