import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;
const dir = path.join(root, 'scratch', 'readme');

/** The README's TypeScript examples that use the project: each runs as a user would run it. */
function examples(): { n: number; code: string }[] {
  const text = readFileSync(path.join(root, 'README.md'), 'utf8');
  const out: { n: number; code: string }[] = [];
  for (const m of text.matchAll(/```ts\n([\s\S]*?)```/g)) {
    const code = m[1]!;
    if (code.includes("from './index.ts'")) out.push({ n: out.length + 1, code });
  }
  return out;
}

describe('the README', () => {
  const all = examples();

  it('has its examples (a first program, a machine program, pipes, shared memory, messaging models, RPC and ALPC, two hosts, processes, a test file)', () => {
    expect(all.length).toBe(9);
  });

  for (const { n, code } of all) {
    const isTest = code.includes("from 'vitest'");
    it(`example ${n} runs and prints what its comments say`, async () => {
      mkdirSync(dir, { recursive: true });
      const file = path.join(dir, isTest ? `example-${n}.test.ts` : `example-${n}.ts`);
      writeFileSync(file, code.replaceAll("from './", "from '../../"));
      if (isTest) {
        const { stdout } = await run(process.execPath, [path.join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--root', dir, path.basename(file)], {
          cwd: dir,
          env: { ...process.env, FORCE_COLOR: '0' },
        });
        expect(stdout.replace(/\x1b\[[0-9;]*m/g, '')).toMatch(/Tests\s+1 passed/);
        return;
      }
      const env = { ...process.env };
      delete env.VITEST; // as a user runs it: sys.log lines reach the console
      const { stdout } = await run(process.execPath, ['--import', 'tsx', file], { cwd: root, env });
      const promised = [...code.matchAll(/\/\/ prints: (.*)$/gm)].map((p) => p[1]!.trim());
      expect(promised.length).toBeGreaterThan(0);
      for (const line of promised) expect(stdout).toContain(line);
    });
  }
});
