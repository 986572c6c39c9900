import { describe, expect, it } from 'vitest';
import { boot, focus, renderMermaid, renderTable } from '../index.ts';
import { traceHosts } from '../trace/hosts.ts';
import { cpuTimeline, intervals, renderGantt, renderMermaidGantt, schedStats } from '../trace/timeline.ts';
import { buildModel } from '../trace/viewer/client/model.ts';
import { HOST_PID_STRIDE, hostLanes, renderHtml } from '../trace/viewer/html.ts';
import { packTrace, unpackTrace } from '../trace/viewer/pack.ts';

const A = '146.86.5.20';
const B = '161.25.19.8';

/**
 * Two hosts, each with a task `net` (pid 1 on both) that attaches its device, computes 2 ms,
 * sends its neighbour 20 bytes (latency 5), waits for the neighbour's, then at t=17, inside
 * a partition, 8 bytes labelled SYN; host B also runs `calc` (3 ms of CPU).
 */
async function twoHosts() {
  const k = boot({ hosts: [A, B], seed: 1 });
  k.network.link(A, B, { latency: 5 });
  k.network.partition(A, B, { from: 12, until: 20 });
  for (const [h, to] of [[k, B], [k.host(B), A]] as const) {
    h.spawn('net', async (sys) => {
      const { name } = await sys.net_attach();
      await sys.compute(2);
      await sys.net_transmit(to, new Uint8Array(20));
      const r = await sys.msg_receive(name!);
      sys.log(`got ${(r.msg!.body as { bytes: Uint8Array }).bytes.length} B`);
      await sys.sleep(10);
      await sys.net_transmit(to, new Uint8Array(8), { label: 'SYN' });
    });
  }
  k.host(B).spawn('calc', async (sys) => sys.compute(3));
  const r = await k.run();
  expect(r.status).toBe('done');
  return k;
}

describe('renderers group a trace of several hosts by host', () => {
  it('traceHosts: the default host first (named by hosts, else by the packets), null for one host', async () => {
    const k = await twoHosts();
    const h = traceHosts(k.trace.records)!;
    expect(h.main).toBe(A); // inferred: the packets name A, no record's host does
    expect(h.list).toEqual([A, B]);
    expect(traceHosts(k.trace.records, ['x', B])!.list).toEqual(['x', B]);
    const one = boot({ seed: 1 });
    one.spawn('t', async (sys) => sys.log('hi'));
    await one.run();
    expect(traceHosts(one.trace.records)).toBeNull();
  });

  it('Mermaid: a box per host with its tasks and kernel; packets are arrows between the network servers', async () => {
    const k = await twoHosts();
    const m = renderMermaid(k.trace.records, { hosts: k.hosts, showSyscalls: false });
    const lines = m.split('\n');
    expect(lines.slice(0, 11)).toEqual([
      'sequenceDiagram',
      `    box host ${A}`,
      '        participant P1 as net',
      '        participant kernel as kernel',
      '    end',
      `    box host ${B}`,
      '        participant H1P1 as net',
      '        participant H1P2 as calc',
      '        participant H1kernel as kernel',
      '    end',
      '    Note over P1,H1kernel: bars: blocked in a trap (waiting), not running',
    ]);
    expect(lines).toContain('    P1--)H1P1: packet 1: 20 B');
    expect(lines).toContain('    H1P1--)P1: packet 2: 20 B');
    expect(lines).toContain('    P1--xH1P1: packet 3: 8 B SYN (partitioned)');
    expect(lines).toContain('    H1P1--xP1: packet 4: 8 B SYN (partitioned)');
    // Each host's kernel hands its own task the packet (once: the device's message is drawn at its notify record); pids are per host.
    expect(lines.filter((l) => l === '    H1kernel-)H1P1: 4150')).toHaveLength(1);
    expect(lines.filter((l) => l === '    kernel-)P1: 4150')).toHaveLength(1);
    expect(lines.filter((l) => l.includes('id 4150'))).toEqual([]);
    expect(lines.filter((l) => l === '    Note over H1P1: got 20 B')).toHaveLength(1);
    expect(lines.filter((l) => l === '    Note over P1: got 20 B')).toHaveLength(1);
    // With syscalls, each task's calls go to its own host's kernel.
    const full = renderMermaid(k.trace.records, { hosts: k.hosts }).split('\n');
    expect(full).toContain('    H1P1->>H1kernel: net_attach');
    expect(full).toContain('    H1kernel-->>H1P1: SUCCESS');
    expect(full).toContain('    P1->>kernel: net_transmit');
  });

  it('Mermaid: a one-host trace has no boxes, and a packet there stays a note', async () => {
    const k = boot({ hosts: [A], seed: 1 });
    k.spawn('net', async (sys) => {
      await sys.net_attach();
      await sys.net_transmit(B, new Uint8Array(4)); // nobody is at B: no-route
    });
    await k.run();
    const m = renderMermaid(k.trace.records, { showSyscalls: false });
    expect(m).not.toContain('box');
    expect(m).toContain(`    Note over kernel: packet no-route ${A} → ${B}`);
  });

  it('table: a host column (a packet: sender → receiver), or a section per host with byHost', async () => {
    const k = await twoHosts();
    const t = renderTable(k.trace.records, { kinds: ['packet', 'log'], hosts: k.hosts }).split('\n');
    expect(t[0]).toMatch(/^seq +t \(ms\) +host +task +event +port +peer +code +detail$/);
    expect(t).toContainEqual(expect.stringMatching(new RegExp(`^ *\\d+ +2 +${A} → ${B} +wire\\(0\\) +packet delivered +20 B, ref 1, ${A} → ${B}$`)));
    expect(t).toContainEqual(expect.stringMatching(new RegExp(`^ *\\d+ +17 +${B} → ${A} +wire\\(0\\) +packet partitioned +8 B, ref 4, ${B} → ${A} SYN$`)));
    expect(t.filter((l) => / log /.test(l)).map((l) => l.split(/ {2,}/).slice(2).join('|'))).toEqual([`${A}|net(1)|log|got 20 B`, `${B}|net(1)|log|got 20 B`]);
    const byHost = renderTable(k.trace.records, { kinds: ['packet', 'log'], hosts: k.hosts, byHost: true }).split('\n');
    expect(byHost.filter((l) => l.startsWith('──'))).toEqual([`── host ${A} ──`, `── host ${B} ──`]);
    const secB = byHost.slice(byHost.indexOf(`── host ${B} ──`) + 1);
    expect(secB.map((l) => l.split(/ {2,}/)[3])).toEqual(['wire(0)', 'net(1)', 'wire(0)']);
    expect(secB.every((l) => l.includes(`${B} →`) || l.includes(` ${B} `))).toBe(true);
  });

  it('Gantt: a section per host (text and Mermaid); CPU lines and statistics per host and pid', async () => {
    const k = await twoHosts();
    const rec = k.trace.records;
    expect(renderGantt(rec, { scale: 1, hosts: k.hosts }).split('\n')).toEqual([
      't(ms) 0         10',
      `── host ${A} ──`,
      'net   ##---------------',
      `── host ${B} ──`,
      'net   ##---------------',
      'calc  ..###',
      '      # running  . ready  - waiting   (1 column = 1 ms)',
    ]);
    expect(renderMermaidGantt(rec, { hosts: k.hosts }).split('\n').slice(4)).toEqual([
      `  section ${A}`,
      '    net cpu0 :active, 0, 2',
      `  section ${B}`,
      '    net cpu0 :active, 0, 2',
      '    calc cpu0 :active, 2, 5',
    ]);
    expect(cpuTimeline(rec, { hosts: k.hosts })).toEqual([`${A} cpu0: net 0-2`, `${B} cpu0: net 0-2 | calc 2-5`]);
    expect(schedStats(rec).map((s) => [s.host, s.pid, s.task, s.turnaround, s.runTime])).toEqual([
      [undefined, 1, 'net', 17, 2],
      [B, 1, 'net', 17, 2],
      [B, 2, 'calc', 5, 3],
    ]);
    expect(new Set(intervals(rec).map((iv) => `${iv.host ?? A} ${iv.pid}`))).toEqual(new Set([`${A} 1`, `${B} 1`, `${B} 2`]));
  });
});

describe('the HTML viewer groups lanes by host', () => {
  it('hostLanes: per-host pids, ports and CPUs made distinct, names with their host; lanes come host by host', async () => {
    const k = await twoHosts();
    const rec = k.trace.records;
    const grouped = hostLanes(rec, k.hosts);
    expect(grouped).toHaveLength(rec.length);
    const model = buildModel(unpackTrace(packTrace(grouped)));
    expect(model.lanes.map((l) => `${l.pid} ${l.name}`)).toEqual([
      `0 kernel@${A}`,
      `1 net@${A}`,
      `${HOST_PID_STRIDE} kernel@${B}`,
      `${HOST_PID_STRIDE + 1} net@${B}`,
      `${HOST_PID_STRIDE + 2} calc@${B}`,
    ]);
    // Each host's device port is its own port in the page, and B's CPU is the page's cpu1.
    const devices = new Set(grouped.filter((r) => r.kind === 'receive' && r.portLabel?.startsWith('net ')).map((r) => r.port));
    expect(devices.size).toBe(2);
    expect(model.cpus).toBe(2);
    expect(rec[0]).not.toHaveProperty('task', `net@${A}`); // the run's own records are left as they are
    // A one-host trace goes to the page unchanged.
    const one = boot({ seed: 1 });
    one.spawn('t', async (sys) => sys.log('hi'));
    await one.run();
    expect(hostLanes(one.trace.records)).toBe(one.trace.records);
    expect(renderHtml(rec, { hosts: k.hosts })).toContain(`calc@${B}`);
  });
});

describe('focus on a trace of several hosts', () => {
  it('a sleep hidden on one host does not hide a wake of the same pid on another', async () => {
    const k = boot({ hosts: [A, B], seed: 1 });
    k.spawn('sleeper', async (sys) => sys.sleep(5)); // pid 1 on A: its block and wake are a sleep's
    const b = k.host(B);
    const box = b.port('box');
    b.spawn('waiter', async (sys) => void (await sys.msg_receive(sys.ports.box!)), { ports: { box: { port: box, right: 'receive' } } }); // pid 1 on B
    b.spawn('sender', async (sys) => {
      await sys.sleep(2);
      await sys.msg_send(sys.ports.box!, { id: 7, body: 'hi' });
    }, { ports: { box } });
    expect((await k.run()).status).toBe('done');
    const wakes = focus(k.trace.records).filter((r) => r.kind === 'wake' || r.kind === 'block').map((r) => `${r.t} ${r.host ?? A} ${r.task} ${r.kind}`);
    expect(wakes).toEqual([`0 ${B} waiter block`, `2 ${B} waiter wake`]);
  });
});
