import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const hosts = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'scenarios/hosts.ts', ...args], { cwd: new URL('..', import.meta.url).pathname });

describe('scenarios/hosts.ts', () => {
  it('three hosts: the summary, the table in a section per host, the diagram in a box per host; the same each time for a seed', async () => {
    const { stdout } = await hosts();
    const lines = stdout.split('\n');
    expect(lines[0]).toBe('hosts 146.86.5.20, 161.25.19.8, 10.0.0.3: done at t=39');
    expect(lines[1]).toBe('packets: 12 delivered, 2 partitioned, 3 lost');
    // The Gantt chart and the table: a section per host, in the hosts' order.
    expect(lines.filter((l) => l.startsWith('── host '))).toEqual([
      '── host 146.86.5.20 ──', '── host 161.25.19.8 ──', '── host 10.0.0.3 ──',
      '── host 146.86.5.20 ──', '── host 161.25.19.8 ──', '── host 10.0.0.3 ──',
    ]);
    expect(stdout).toMatch(/^ *\d+ +16 +146\.86\.5\.20 → 161\.25\.19\.8 +wire\(0\) +packet lost +6 B, ref 15, 146\.86\.5\.20 → 161\.25\.19\.8$/m);
    expect(stdout).toMatch(/^ *\d+ +16 +146\.86\.5\.20 +client\(2\) +log +ping 6: lost$/m);
    // The diagram: boxes, packets between the network servers, crossed when lost or cut.
    for (const l of [
      '    box host 161.25.19.8',
      '        participant H1P1 as netserver',
      '        participant H1P2 as echo',
      '    P1--)H1P1: packet 1: 6 B',
      '    H2P1--xP1: packet 7: 6 B (partitioned)',
      '    P1--xH1P1: packet 15: 6 B (lost)',
      '    Note over H1P2: echo "ping 1" to 10.0.0.3:5000',
    ]) expect(lines).toContain(l);
    expect((await hosts()).stdout).toBe(stdout);
    expect((await hosts('--seed', '4')).stdout).not.toBe(stdout);
  }, 30_000);
});
