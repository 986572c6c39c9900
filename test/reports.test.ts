import { describe, expect, it } from 'vitest';
import {
  boot,
  focus,
  renderMermaidGantt,
  renderTree,
  renderTreeMermaid,
  schedStats,
  simulate,
  type ProcRow,
  type Sys,
} from '../index.ts';

describe('reports', () => {
  it('renderMermaidGantt: a section per task, a bar per stretch on a CPU, times in ms', async () => {
    const sim = await simulate(boot({ seed: 1, sched: { policy: 'rr', quantum: 2 } }), (k) => {
      k.spawn('A', async (sys: Sys) => sys.compute(3));
      k.spawn('B', async (sys: Sys) => sys.compute(2));
    });
    expect(renderMermaidGantt(sim.records, { title: 'rr' })).toBe(
      [
        'gantt',
        '  title rr',
        '  dateFormat x',
        '  axisFormat %L',
        '  section A',
        '    cpu0 :active, 0, 2',
        '    cpu0 :active, 4, 5',
        '  section B',
        '    cpu0 :active, 2, 4',
      ].join('\n'),
    );
    expect(schedStats(sim.records).map((s) => [s.task, s.turnaround, s.readyTime, s.runTime, s.response])).toEqual([
      ['A', 5, 2, 3, 0],
      ['B', 4, 2, 2, 2],
    ]);
  });

  it('renderTree and renderTreeMermaid draw the process tree', () => {
    const rows: ProcRow[] = [
      { pid: 1, ppid: 0, name: 'init', state: 'waiting', stat: 'S', priority: 0, cpuTime: 0, threads: 1 },
      { pid: 2, ppid: 1, name: 'shell', state: 'running', stat: 'R', priority: 0, cpuTime: 0, threads: 1 },
      { pid: 3, ppid: 2, name: 'ls', state: 'terminated', stat: 'Z', priority: 0, cpuTime: 0, threads: 1 },
      { pid: 4, ppid: 1, name: 'logger', state: 'ready', stat: 'T', priority: 0, cpuTime: 0, threads: 1 },
    ];
    expect(renderTree(rows)).toBe(['1 init (waiting)', '├─ 2 shell (running)', '│  └─ 3 ls (zombie)', '└─ 4 logger (stopped)'].join('\n'));
    expect(renderTreeMermaid(rows).split('\n')).toEqual([
      'graph TD',
      '  P1["1 init<br/>waiting"]',
      '  P2["2 shell<br/>running"]',
      '  P3["3 ls<br/>zombie"]',
      '  P4["4 logger<br/>stopped"]',
      '  P1 --> P2',
      '  P2 --> P3',
      '  P1 --> P4',
    ]);
  });

  it('focus keeps the story: no system-call chatter, no sleeps, no deaths of empty ports', async () => {
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('a', async (sys: Sys) => {
        const { name } = await sys.port_allocate('receive', 'box');
        await sys.sleep(5);
        await sys.msg_send(name!, { id: 7, body: 'hi' });
        await sys.msg_receive(name!);
      });
    });
    const kinds = focus(sim.records).map((r) => `${r.kind}${r.msgId !== undefined ? ` ${r.msgId}` : ''}`);
    expect(kinds.filter((k) => !k.startsWith('state') && !k.startsWith('spawn'))).toEqual(['send 7', 'receive 7', 'exit']);
    expect(sim.records.some((r) => r.kind === 'syscall')).toBe(true); // they were there before focus
  });
});
