/**
 * Command-line options every scenario understands:
 * `--seed N` (default 1), `--trace` (print the full trace table),
 * `--only mermaid|table|summary` (print one part).
 */
export interface ScenarioArgs {
  seed: number;
  fullTrace: boolean;
  only: 'mermaid' | 'table' | 'summary' | null;
}

/** Parses scenario options from argv; exits with a usage line on a bad one. */
export function parseArgs(argv: readonly string[] = process.argv.slice(2)): ScenarioArgs {
  const out: ScenarioArgs = { seed: 1, fullTrace: false, only: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--seed' || a.startsWith('--seed=')) {
      const v = a.includes('=') ? a.slice(7) : argv[++i];
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) usage(`--seed needs an integer from 0 to 4294967295, got ${JSON.stringify(v)}`);
      out.seed = n;
    } else if (a === '--trace') out.fullTrace = true;
    else if (a === '--only' || a.startsWith('--only=')) {
      const v = a.includes('=') ? a.slice(7) : argv[++i];
      if (v !== 'mermaid' && v !== 'table' && v !== 'summary') usage(`--only takes mermaid, table or summary, got ${JSON.stringify(v)}`);
      out.only = v;
    } else if (a === '--help' || a === '-h') usage();
    else usage(`unknown option ${a}`);
  }
  return out;
}

function usage(problem?: string): never {
  if (problem) console.error(problem);
  console.error('options: --seed N   --trace   --only mermaid|table|summary');
  process.exit(problem ? 2 : 0);
}
