/**
 * The course map: every scenario in scenarios/, one line each, read from the
 * first sentence of the file's header comment. It imports nothing of xmach and
 * runs nothing, so it is quick and the same every time.
 *
 *   npx tsx scenarios/index.ts
 */
import { readdirSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** Files in scenarios/ that are not scenarios: the shared options, and this map. */
const HELPERS = new Set(['args.ts', 'index.ts']);

/**
 * The first sentence of a file's first doc comment (`/** … *\/`), on one line;
 * '' when the file has none. A sentence ends at `.`, `!` or `?` followed by a
 * space or the end of the paragraph.
 *
 * @example
 * firstSentence('/**\n * A lost update, by seed. Two processes…\n *\/') // 'A lost update, by seed.'
 */
export function firstSentence(source: string): string {
  const m = /\/\*\*([\s\S]*?)\*\//.exec(source);
  if (!m) return '';
  const lines = m[1]!.split('\n').map((l) => l.replace(/^\s*\*\s?/, '').trim());
  const paragraph: string[] = [];
  for (const l of lines) {
    if (l === '' && paragraph.length > 0) break;
    if (l !== '') paragraph.push(l);
  }
  const text = paragraph.join(' ');
  return /^(.*?[.!?])(\s|$)/.exec(text)?.[1] ?? text;
}

/**
 * The scenarios in a folder, sorted by name, each with its one line.
 *
 * @example
 * scenarioList('scenarios').find((s) => s.name === 'race') // { name: 'race', about: 'A lost update, by seed.' }
 */
export function scenarioList(dir: string): { name: string; about: string }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !HELPERS.has(f))
    .sort()
    .map((f) => ({ name: f.slice(0, -3), about: firstSentence(readFileSync(`${dir}/${f}`, 'utf8')) }));
}

function main(argv: readonly string[]): void {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log('The course map: every scenario in scenarios/ with one line on what it shows.\nRun one with npx tsx scenarios/NAME.ts; each takes --help.');
    return;
  }
  if (argv.length > 0) {
    console.error(`unknown option ${argv[0]}\noptions: --help`);
    process.exit(2);
  }
  // A listing is often piped into head or grep: a closed pipe ends it quietly.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => process.exit(e.code === 'EPIPE' ? 0 : 1));
  const list = scenarioList(new URL('.', import.meta.url).pathname.replace(/\/$/, ''));
  const width = Math.max(...list.map((s) => s.name.length)) + 2;
  console.log(`The course's scenarios (${list.length}): npx tsx scenarios/NAME.ts [--seed N] [--only summary|table|mermaid] [--help]\n`);
  for (const s of list) console.log(`  ${s.name.padEnd(width)}${s.about}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main(process.argv.slice(2));
