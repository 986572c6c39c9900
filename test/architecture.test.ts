import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;

/** The rooms' import rule, read from the table in ARCHITECTURE.md: room → what it may import. */
function rules(): Map<string, string[]> {
  const doc = readFileSync(path.join(root, 'ARCHITECTURE.md'), 'utf8');
  const table = doc.slice(doc.indexOf('<!-- rooms -->'), doc.indexOf('<!-- /rooms -->'));
  const out = new Map<string, string[]>();
  for (const line of table.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 4 || !cells[1]!.startsWith('`')) continue;
    const rooms = [...cells[1]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    const may = cells[3] === 'anything' ? ['*'] : [...cells[3]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    for (const room of rooms) out.set(room, may);
  }
  return out;
}

/** The row a path belongs to: the longest room that is the path or a folder holding it. */
function roomOf(file: string, rooms: Iterable<string>): string | null {
  let best: string | null = null;
  for (const r of rooms) if ((file === r || (r.endsWith('/') && file.startsWith(r))) && (!best || r.length > best.length)) best = r;
  return best;
}

const allowed = (target: string, may: string[]) => may.some((m) => m === '*' || target === m || (m.endsWith('/') && target.startsWith(m)));

describe('the house', () => {
  it('every file imports only from the rooms its row in ARCHITECTURE.md names', () => {
    const table = rules();
    expect(table.size).toBeGreaterThanOrEqual(17);
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts'], { cwd: root, encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter((f) => f && !f.startsWith('scratch/'));
    const broken: string[] = [];
    const unmapped: string[] = [];
    for (const file of files) {
      const room = roomOf(file, table.keys());
      if (!room) {
        unmapped.push(file);
        continue;
      }
      // Imports only: lines of doc comments and comments (examples) do not count.
      const src = readFileSync(path.join(root, file), 'utf8')
        .split('\n')
        .filter((line) => !/^\s*(\*|\/\/|\/\*)/.test(line))
        .join('\n');
      for (const m of src.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), m[1]!));
        if (roomOf(target, table.keys()) === room) continue;
        if (!allowed(target, table.get(room)!)) broken.push(`${file} imports ${target} (${room} may import: ${table.get(room)!.join(', ') || 'nothing of ours'})`);
      }
    }
    expect(unmapped, 'files in no room of ARCHITECTURE.md').toEqual([]);
    expect(broken).toEqual([]);
  });

  it('the rule catches a broken arrow', () => {
    const table = rules();
    expect(allowed('kernel/core.ts', table.get('ports/')!)).toBe(false);
    expect(allowed('kernel/kernel.ts', table.get('tasks/')!)).toBe(false);
    expect(allowed('index.ts', table.get('trace/')!)).toBe(false);
    expect(allowed('ports/port.ts', table.get('tasks/')!)).toBe(true);
    expect(roomOf('kernel/ipc/ipc.ts', table.keys())).toBe('kernel/ipc/');
    expect(roomOf('kernel/core.ts', table.keys())).toBe('kernel/core.ts');
  });
});
