import { describe, expect, it } from 'vitest';
import { boot, type TraceRecord } from '../index.ts';
import { renderArrowTable, renderStateChart, renderStateDiagram, stateArrows, STATE_ARROWS, totalArrows } from '../trace/index.ts';

/**
 * A small workload worked by hand, round robin with a 2 ms quantum:
 * - a arrives at 1, computes 3 ms, waits 2 ms for a message that never comes, computes 1 ms;
 * - b arrives at 2, computes 2 ms.
 * a runs 1–3; its quantum expires with b ready (interrupt); b runs 3–5 and exits;
 * a runs 5–6, blocks 6–8 (I/O wait), is ready at 8 (completion: the time-out), runs 8–9, exits.
 */
async function handWorked(): Promise<readonly TraceRecord[]> {
  const k = boot({ seed: 1, sched: { policy: 'rr', quantum: 2 } });
  k.spawn('a', async (sys) => {
    const { name } = await sys.port_allocate('receive', 'a.device');
    await sys.compute(3);
    await sys.msg_receive(name!, { timeout: 2 });
    await sys.compute(1);
  }, { at: 1 });
  k.spawn('b', async (sys) => void (await sys.compute(2)), { at: 2 });
  await k.run();
  return k.trace.records;
}

describe('the five-state diagram, counted', () => {
  it('names the six arrows as the course does, with their ends', () => {
    expect(STATE_ARROWS.map((a) => `${a.from} -> ${a.to}: ${a.name}`)).toEqual([
      'new -> ready: admitted',
      'ready -> running: scheduler dispatch',
      'running -> ready: interrupt',
      'running -> waiting: I/O or event wait',
      'waiting -> ready: I/O or event completion',
      'running -> terminated: exit',
    ]);
  });

  it('counts each arrow per task on the hand-worked workload', async () => {
    const rows = stateArrows(await handWorked());
    expect(rows).toEqual([
      {
        pid: 1,
        task: 'a',
        counts: { admitted: 1, 'scheduler dispatch': 3, interrupt: 1, 'I/O or event wait': 1, 'I/O or event completion': 1, exit: 1 },
      },
      {
        pid: 2,
        task: 'b',
        counts: { admitted: 1, 'scheduler dispatch': 1, interrupt: 0, 'I/O or event wait': 0, 'I/O or event completion': 0, exit: 1 },
      },
    ]);
    expect(totalArrows(rows)).toEqual({ admitted: 2, 'scheduler dispatch': 4, interrupt: 1, 'I/O or event wait': 1, 'I/O or event completion': 1, exit: 2 });
  });

  it('the arrows balance under every policy: each entry into ready is followed by a dispatch; each task that ends was admitted once', async () => {
    for (const sched of [{ policy: 'fcfs' }, { policy: 'rr', quantum: 2, switchCost: 1 }, { policy: 'priority' }] as const) {
      const k = boot({ seed: 7, sched });
      for (const [i, name] of ['p', 'q', 'r'].entries()) {
        k.spawn(name, async (sys) => {
          const { name: dev } = await sys.port_allocate('receive');
          for (let n = 0; n < 3; n++) {
            await sys.compute(1 + ((i + n) % 3));
            await sys.msg_receive(dev!, { timeout: 2 });
          }
        }, { at: i * 2, priority: 2 - i });
      }
      await k.run();
      for (const { task, counts: c } of stateArrows(k.trace.records)) {
        const why = `${task} under ${sched.policy}`;
        expect(c['scheduler dispatch'], why).toBe(c.admitted + c.interrupt + c['I/O or event completion']);
        expect(c['I/O or event wait'], why).toBe(c['I/O or event completion']);
        expect([c.admitted, c.exit, c['I/O or event wait']], why).toEqual([1, 1, 3]);
      }
    }
  });

  it('a spawned task that never arrived has a row of zeros; other records do not count', () => {
    const records: TraceRecord[] = [
      { seq: 0, t: 0, kind: 'spawn', pid: 3, task: 'late' },
      { seq: 1, t: 0, kind: 'spawn', pid: 1, task: 'x' },
      { seq: 2, t: 0, kind: 'state', pid: 1, task: 'x', from: 'new', op: 'ready' },
      { seq: 3, t: 0, kind: 'trap', pid: 1, task: 'x', op: 'msg_send' },
      { seq: 4, t: 0, kind: 'state', pid: 1, task: 'x', from: 'ready', op: 'running' },
    ];
    expect(stateArrows(records).map((r) => [r.task, Object.values(r.counts).join(',')])).toEqual([
      ['x', '1,1,0,0,0,0'],
      ['late', '0,0,0,0,0,0'],
    ]);
  });

  it('draws the table, the Mermaid stateDiagram and the five-state chart', async () => {
    const records = await handWorked();
    const rows = stateArrows(records);
    expect(renderArrowTable(rows).split('\n')).toEqual([
      'task  admitted  scheduler dispatch  interrupt  I/O or event wait  I/O or event completion  exit',
      'a            1                   3          1                  1                        1     1',
      'b            1                   1          0                  0                        0     1',
      'all          2                   4          1                  1                        1     2',
    ]);
    expect(renderStateDiagram(totalArrows(rows), { title: 'rr: quantum 2' })).toBe(
      [
        '---',
        'title: "rr: quantum 2"',
        '---',
        'stateDiagram-v2',
        '  new --> ready : admitted (2)',
        '  ready --> running : scheduler dispatch (4)',
        '  running --> ready : interrupt (1)',
        '  running --> waiting : I/O or event wait (1)',
        '  waiting --> ready : I/O or event completion (1)',
        '  running --> terminated : exit (2)',
      ].join('\n'),
    );
    expect(renderStateChart(records, { scale: 1 }).split('\n')).toEqual([
      't(ms) 0',
      'a     n##..#--#X',
      'b     nn.##X',
      '      n new  . ready  # running  - waiting  X terminated   (1 column = 1 ms)',
    ]);
  });
});
