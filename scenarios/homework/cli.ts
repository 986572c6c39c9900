/**
 * Flag parsing for the homework scripts (fork-tree, process-run), in the
 * style of OSTEP's simulators: `-s 3`, `--seed 3` or `--seed=3`; switches
 * take no value. A bad flag is a `UsageError`: the script prints it with a
 * usage line and exits 2. `-h` / `--help` prints what the script shows, then
 * the flags, and exits 0.
 */

/** A bad flag or value: the script prints the message and a usage line, and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** One flag: its short and long spellings, whether it takes a value, and its help text. */
export interface Flag {
  key: string;
  short?: string;
  long: string;
  /** The value's placeholder (`N`, `LIST`), or absent for a switch. */
  value?: string;
  help: string;
}

/** Parsed flags: a switch is `true`, a flag with a value is its text. `help` is set by -h/--help. */
export type Parsed = Map<string, string | true>;

/**
 * Parses argv against flags; throws UsageError on an unknown flag or a
 * missing value.
 *
 * @example
 * parseFlags(['-s', '3', '-c'], [{ key: 'seed', short: '-s', long: '--seed', value: 'N', help: '' },
 *   { key: 'solve', short: '-c', long: '--compute', help: '' }]) // Map { seed → '3', solve → true }
 */
export function parseFlags(argv: readonly string[], flags: readonly Flag[]): Parsed {
  const out: Parsed = new Map();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') {
      out.set('help', true);
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const word = eq > 0 ? arg.slice(0, eq) : arg;
    const flag = flags.find((f) => f.short === word || f.long === word);
    if (!flag) throw new UsageError(`unknown option ${arg}`);
    if (flag.value === undefined) {
      if (eq > 0) throw new UsageError(`${flag.long} takes no value`);
      out.set(flag.key, true);
      continue;
    }
    const v = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (v === undefined) throw new UsageError(`${word} needs a value (${flag.value})`);
    out.set(flag.key, v);
  }
  return out;
}

/**
 * An integer flag's value, checked against a minimum; the fallback when absent.
 *
 * @example
 * intFlag(new Map([['actions', '8']]), 'actions', 5, 0, '-a'); // 8
 */
export function intFlag(p: Parsed, key: string, fallback: number, min: number, what: string): number {
  const v = p.get(key);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (v === true || !Number.isInteger(n) || n < min) throw new UsageError(`${what} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  return n;
}

/**
 * The one-line usage: every flag with its value placeholder.
 *
 * @example
 * usageLine('fork-tree', FORK_TREE_FLAGS); // 'usage: npx tsx scenarios/fork-tree.ts [-s N] [-f P] …'
 */
export function usageLine(script: string, flags: readonly Flag[]): string {
  return `usage: npx tsx scenarios/${script}.ts ${flags.map((f) => `[${f.short ?? f.long}${f.value ? ` ${f.value}` : ''}]`).join(' ')}`;
}

/**
 * The --help text: two lines on what the script shows, then one line per flag.
 *
 * @example
 * console.log(helpText(FORK_TREE_ABOUT, FORK_TREE_FLAGS));
 */
export function helpText(about: readonly [string, string], flags: readonly Flag[]): string {
  const name = (f: Flag) => `${f.short ? `${f.short}, ` : ''}${f.long}${f.value ? ` ${f.value}` : ''}`;
  const width = Math.max(...flags.map((f) => name(f).length));
  return [...about, ...flags.map((f) => `  ${name(f).padEnd(width)}  ${f.help}`), `  ${'-h, --help'.padEnd(width)}  this text`].join('\n');
}

/**
 * Runs a script: parses argv, prints help (exit 0), a usage error (exit 2), or
 * what `run` returns.
 *
 * @example
 * await runScript('fork-tree', FLAGS, ABOUT, process.argv.slice(2), (p) => forkTree(toOptions(p)));
 */
export async function runScript(
  script: string,
  flags: readonly Flag[],
  about: readonly [string, string],
  argv: readonly string[],
  run: (parsed: Parsed) => Promise<string>,
): Promise<void> {
  let text: string;
  try {
    const parsed = parseFlags(argv, flags);
    if (parsed.has('help')) {
      console.log(helpText(about, flags));
      return;
    }
    text = await run(parsed);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`${script}: ${e.message}`);
    console.error(usageLine(script, flags));
    process.exit(2);
  }
  process.stdout.write(text);
}
