import { describe, expect, it } from 'vitest';
import { boot, codeName, renderMermaid, renderTable, type Kernel, type Sys, type TraceRecord } from '../index.ts';

/** Runs the tasks that setup spawns on a fresh kernel; returns the trace and how the run ended. */
async function trace(setup: (k: Kernel<Sys>) => void): Promise<{ records: TraceRecord[]; status: string }> {
  const k = boot({ seed: 1 });
  setup(k);
  const report = await k.run();
  return { records: k.trace.records, status: report.status };
}

/** An echo server and a client that finds it by name and makes `calls` RPCs. */
const echo = (calls: number) => (k: Kernel<Sys>) => {
  k.spawn('server', async (sys) => {
    const { name } = await sys.port_allocate('receive', 'echo');
    await sys.netname_check_in('echo', name!);
    for (let i = 0; i < calls; i++) {
      const r = await sys.msg_receive<number>(name!);
      if (!r.ok) return 2;
      await sys.msg_send(r.msg.reply, { id: r.msg.id + 100, body: r.msg.body * 2 });
    }
    return 0;
  });
  k.spawn('client', async (sys) => {
    const { port } = await sys.netname_look_up('echo', { wait: true });
    for (let i = 1; i <= calls; i++) {
      const r = await sys.msg_rpc<number>(port!, { id: 1, body: i });
      sys.log('reply', r.ok ? r.msg.body : codeName(r.code));
    }
  });
};

/** One task fills a qlimit-1 port, then sends once more with policy cache. */
const cached = (k: Kernel<Sys>) => {
  k.spawn('t', async (sys) => {
    const { name } = await sys.port_allocate('receive', 'box');
    await sys.port_set_qlimit(name!, 1);
    await sys.msg_send(name!, { id: 1, body: 'a' });
    const code = await sys.msg_send(name!, { id: 2, body: 'b' }, { policy: 'cache' });
    sys.log(codeName(code));
    await sys.msg_receive(name!);
    await sys.msg_receive(name!);
  });
};

/** A server checks a port in and ends without receiving: the client's queued message is destroyed. */
const abandoned = (k: Kernel<Sys>) => {
  k.spawn('server', async (sys) => {
    const { name } = await sys.port_allocate('receive', 'svc');
    await sys.netname_check_in('svc', name!);
    await sys.sleep(10);
  });
  k.spawn('client', async (sys) => {
    const { port } = await sys.netname_look_up('svc', { wait: true });
    await sys.msg_send(port!, { id: 7, body: 'x' });
  });
};

/** A task that ends with a receive still pending (not awaited): its trap is abandoned, no 'wake' record. */
const quitter = (k: Kernel<Sys>) => {
  k.spawn('quitter', async (sys) => {
    const { name } = await sys.port_allocate('receive', 'never');
    void sys.msg_receive(name!);
  });
};

/** A task fills a qlimit-1 port, then waits at most 5 ms to send once more: a time-out. */
const impatient = (k: Kernel<Sys>) => {
  k.spawn('impatient', async (sys) => {
    const { name } = await sys.port_allocate('receive', 'box');
    await sys.port_set_qlimit(name!, 1);
    await sys.msg_send(name!, { id: 1, body: 'a' });
    sys.log(codeName(await sys.msg_send(name!, { id: 2, body: 'b' }, { timeout: 5 })));
  });
};

/** Sends bodies of several shapes to its own port: a string with ; and #, an object, a long string, no body. */
const bodies = (k: Kernel<Sys>) => {
  k.spawn('t', async (sys) => {
    const { name } = await sys.port_allocate('receive', 'box');
    await sys.msg_send(name!, { id: 1, body: 'a;b #2' });
    await sys.msg_send(name!, { id: 2, body: { job: 3, text: 'print me' } });
    await sys.msg_send(name!, { id: 3, body: 'x'.repeat(200) });
    await sys.msg_send(name!, { id: 4 });
  });
};

/** Two tasks that each wait for a message nobody sends. */
const stuck = (k: Kernel<Sys>) => {
  for (const who of ['a', 'b']) {
    k.spawn(who, async (sys) => {
      const { name } = await sys.port_allocate('receive', who);
      await sys.msg_receive(name!);
    });
  }
};

const lines = (text: string): string[] => text.split('\n');

/** The legend renderMermaid puts first when it draws an activation bar. */
const LEGEND = 'bars: blocked in a trap (waiting), not running';

/** Asserts that each wanted line occurs in text, in this order (other lines may come between). */
function expectInOrder(text: string, wanted: readonly (string | RegExp)[]): void {
  const all = lines(text).map((l) => l.trim());
  let at = 0;
  for (const w of wanted) {
    const i = all.findIndex((l, j) => j >= at && (typeof w === 'string' ? l === w : w.test(l)));
    expect(i, `${String(w)} after line ${at} in\n${text}`).toBeGreaterThanOrEqual(0);
    at = i + 1;
  }
}

const ACTOR = String.raw`(?:P\d+|kernel)`;
/** Every line a diagram may have: a cheap syntax check. */
const SHAPES: readonly RegExp[] = [
  /^sequenceDiagram$/,
  /^ {4}title [^;#\n]+$/,
  new RegExp(String.raw`^ {4}participant (?:P\d+ as [^;#\n]+|kernel)$`),
  new RegExp(String.raw`^ {4}${ACTOR}(?:->>|-->>|-x|-\))${ACTOR}: [^;#\n]+$`),
  new RegExp(String.raw`^ {4}(?:activate|deactivate) ${ACTOR}$`),
  new RegExp(String.raw`^ {4}Note over ${ACTOR}(?:,${ACTOR})?: [^;#\n]+$`),
];

function expectWellFormed(diagram: string): void {
  const all = lines(diagram);
  expect(all[0]).toBe('sequenceDiagram');
  for (const l of all) {
    expect(SHAPES.some((s) => s.test(l)), `bad line: ${JSON.stringify(l)}`).toBe(true);
    if (!l.includes('deadlock:')) expect(l.length, l).toBeLessThanOrEqual(110);
  }
  // Every actor used is declared before the first message.
  const declared = new Set(all.filter((l) => l.includes('participant ')).map((l) => l.trim().split(' ')[1]!));
  for (const l of all) {
    const m = new RegExp(String.raw`^ {4}(${ACTOR})(?:->>|-->>|-x|-\))(${ACTOR}):`).exec(l);
    if (m) expect([declared.has(m[1]!), declared.has(m[2]!)], l).toEqual([true, true]);
  }
}

/** activate/deactivate per participant: never below zero; returns what is still active at the end. */
function activations(diagram: string): { activates: number; deactivates: number; open: Map<string, number> } {
  const open = new Map<string, number>();
  let activates = 0;
  let deactivates = 0;
  for (const l of lines(diagram)) {
    const m = /^ {4}(activate|deactivate) (\S+)$/.exec(l);
    if (!m) continue;
    const n = (open.get(m[2]!) ?? 0) + (m[1] === 'activate' ? 1 : -1);
    expect(n, `${l} without activate`).toBeGreaterThanOrEqual(0);
    expect(n, `${l} twice`).toBeLessThanOrEqual(1);
    open.set(m[2]!, n);
    if (m[1] === 'activate') activates++;
    else deactivates++;
  }
  for (const [who, n] of open) if (n === 0) open.delete(who);
  return { activates, deactivates, open };
}

describe('renderTable', () => {
  it('has a header, a rule, and one row per kept record', async () => {
    const { records } = await trace(echo(2));
    const table = renderTable(records);
    const [header, rule, ...rows] = lines(table);
    expect(header!.split(/\s{2,}/)).toEqual(['seq', 't (ms)', 'task', 'event', 'port', 'peer', 'code', 'detail']);
    expect(rule).toMatch(/^[- ]+$/);
    const kept = records.filter((r) => r.kind !== 'state' && r.kind !== 'xstate');
    expect(rows).toHaveLength(kept.length);
    expect(rows.map((r) => Number(r.trim().split(/\s+/)[0]))).toEqual(kept.map((r) => r.seq));
    // A send row: task, event, port (id and label), peer, message id and size.
    const send = kept.find((r) => r.kind === 'send' && r.portLabel === 'echo')!;
    expect(rows[kept.indexOf(send)]).toMatch(
      new RegExp(String.raw`^\s*${send.seq}\s+0\s+client\(2\)\s+send\s+${send.port} echo\s+server\(1\)\s+id 1, ${send.size} B$`),
    );
    expect(rows.some((r) => /\s+server\(1\)\s+syscall netname_check_in\s+\d+ bootstrap\s+SUCCESS\s+id \d+, ref \d+$/.test(r))).toBe(true);
  });

  it('keeps the kinds asked for, and cuts at maxRows', async () => {
    const { records } = await trace(echo(2));
    const states = records.filter((r) => r.kind === 'state');
    const table = lines(renderTable(records, { kinds: ['state'] }));
    expect(table).toHaveLength(2 + states.length);
    expect(table[2]).toMatch(/^\s*\d+\s+0\s+server\(1\)\s+state new -> ready$/);
    const cut = lines(renderTable(records, { maxRows: 3 }));
    const kept = records.filter((r) => r.kind !== 'state' && r.kind !== 'xstate').length;
    expect(cut).toHaveLength(2 + 3 + 1);
    expect(cut.at(-1)).toBe(`… ${kept - 3} more rows`);
  });

  it('cuts wide values with … and keeps control characters out', async () => {
    const { records } = await trace((k) => {
      k.spawn('a-task-with-a-rather-long-name', async (sys) => sys.log('x'.repeat(200), '\nnext line'));
    });
    const table = renderTable(records, { kinds: ['log'] });
    const row = lines(table)[2]!;
    expect(lines(table)).toHaveLength(3);
    expect(row).toContain('a-task-with-a-rathe…');
    expect(row).toMatch(/x{59}…$/);
    expect(row.length).toBeLessThan(160);
  });
});

describe('renderMermaid', () => {
  it('draws a client/server RPC: participants, syscalls once each, the message and its reply', async () => {
    const { records, status } = await trace(echo(1));
    expect(status).toBe('done');
    const d = renderMermaid(records, { title: 'echo' });
    expectWellFormed(d);
    expect(lines(d).slice(0, 6)).toEqual([
      'sequenceDiagram',
      '    title echo',
      '    participant P1 as server',
      '    participant P2 as client',
      '    participant kernel',
      `    Note over P1,kernel: ${LEGEND}`,
    ]);
    // A kernel-served call runs in the caller's trap: the server checks in before the client looks up.
    expectInOrder(d, [
      'P1->>kernel: port_allocate',
      'kernel-->>P1: SUCCESS',
      'P1->>kernel: netname_check_in',
      'kernel-->>P1: SUCCESS',
      'activate P1',
      'P2->>kernel: netname_look_up',
      'kernel-->>P2: SUCCESS',
      'P2->>P1: id 1: 1', // the message's id, then its body
      'deactivate P1',
      'activate P2',
      'P1->>P2: id 101: 2',
      'deactivate P2',
      'Note over P1: exit 0 (exit)', // the server ends first: it does not wait for the client to run
      /^Note over P1: port \d+ echo dies$/,
      'Note over P2: reply 2',
      'Note over P2: exit 0 (exit)',
    ]);
    // The raw request and reply messages of the syscalls are not drawn a second time.
    expect(d).not.toMatch(/->>kernel: id /);
    expect(d).not.toMatch(/kernel->>/);
    const syscalls = records.filter((r) => r.kind === 'syscall').length;
    expect(lines(d).filter((l) => l.includes('->>kernel:'))).toHaveLength(syscalls);
    expect(lines(d).filter((l) => l.includes('kernel-->>'))).toHaveLength(syscalls);
  });

  it('balances activate and deactivate', async () => {
    // Each setup and how many times its tasks block: the server and the client of echo(3) three times each.
    for (const [setup, blocks] of [[echo(3), 6], [cached, 0], [abandoned, 1], [quitter, 1], [impatient, 1]] as const) {
      const { records } = await trace(setup);
      for (const opts of [{}, { showSyscalls: false }, { showStates: true }]) {
        const d = renderMermaid(records, opts);
        const a = activations(d);
        expect(a.activates).toBe(blocks);
        expect(a.deactivates).toBe(blocks);
        expect(a.open.size).toBe(0);
      }
    }
  });

  it('says at the top what a bar means, when it draws one', async () => {
    const { records } = await trace(echo(1));
    const withBars = lines(renderMermaid(records, { showSyscalls: false }));
    expect(withBars.slice(0, 5)).toEqual([
      'sequenceDiagram',
      '    participant P1 as server',
      '    participant P2 as client',
      `    Note over P1,P2: ${LEGEND}`,
      '    activate P1',
    ]);
    expect(withBars.filter((l) => l.includes(LEGEND))).toHaveLength(1);
    expect(renderMermaid(records, { showSyscalls: false, legend: false })).toBe([withBars[0], ...withBars.slice(1, 3), ...withBars.slice(4)].join('\n'));
    // No bar, no legend: the cached send never blocks; nor when maxEvents cuts before the first bar.
    expect(renderMermaid((await trace(cached)).records)).not.toContain(LEGEND);
    expect(renderMermaid(records, { maxEvents: 2 })).not.toContain(LEGEND);
    // One task: the note is over it alone.
    expect(lines(renderMermaid((await trace(quitter)).records, { showSyscalls: false })).slice(0, 4)).toEqual([
      'sequenceDiagram',
      '    participant P1 as quitter',
      `    Note over P1: ${LEGEND}`,
      '    activate P1',
    ]);
  });

  it('labels a message with its id and its body, escaped and cut to fit a line', async () => {
    const { records } = await trace(bodies);
    const d = renderMermaid(records, { showSyscalls: false });
    expectWellFormed(d);
    expect(lines(d).filter((l) => l.includes('->>'))).toEqual([
      '    P1->>P1: id 1: "a,b no.2"',
      '    P1->>P1: id 2: {job:3,text:"print me"}',
      `    P1->>P1: id 3: "${'x'.repeat(30)}…`, // the record's text: 32 characters at most
      '    P1->>P1: id 4',
    ]);
  });

  it('closes the activation of a task that ends while blocked', async () => {
    const { records } = await trace(quitter);
    const blocked = records.find((r) => r.kind === 'block' && r.detail?.includes('never'))!;
    expect(records.some((r) => r.kind === 'wake' && r.seq > blocked.seq)).toBe(false); // no wake: the exit ends it
    expectInOrder(renderMermaid(records), ['activate P1', 'deactivate P1', 'Note over P1: exit 0 (exit)']);
  });

  it('without syscalls shows only the tasks’ own messages, and no kernel', async () => {
    const { records } = await trace(echo(1));
    const d = renderMermaid(records, { showSyscalls: false });
    expectWellFormed(d);
    expect(d).not.toContain('participant kernel');
    expect(d).not.toMatch(/kernel(->>|-->>|-x|-\))|(->>|-->>|-x|-\))kernel/);
    expectInOrder(d, ['P2->>P1: id 1: 1', 'P1->>P2: id 101: 2']);
    expect(lines(d).filter((l) => l.includes('->>'))).toHaveLength(2);
  });

  it('notes a message cached past a full queue, and its msg-accepted notification', async () => {
    const { records } = await trace(cached);
    expect(records.find((r) => r.kind === 'log')?.detail).toBe('MACH_SEND_WILL_NOTIFY');
    const d = renderMermaid(records);
    expectWellFormed(d);
    expectInOrder(d, [
      'P1->>P1: id 1: "a"',
      'P1->>P1: id 2: "b"',
      'Note over P1: cached, queued past qlimit 1 (MACH_SEND_WILL_NOTIFY)',
      'kernel-)P1: msg-accepted',
    ]);
    // The notification's own send record is not drawn as a second arrow.
    expect(lines(d).filter((l) => l.includes('msg-accepted'))).toHaveLength(1);
  });

  it('draws a message destroyed with its port as -x to the port’s last receiver', async () => {
    const { records } = await trace(abandoned);
    expect(records.some((r) => r.kind === 'destroy' && r.msgId === 7)).toBe(true);
    const d = renderMermaid(records);
    expectWellFormed(d);
    expectInOrder(d, [
      'activate P1', // the sleep: it ends without a time-out note
      'P2->>P1: id 7: "x"',
      'deactivate P1',
      'Note over P1: exit 0 (exit)',
      /^Note over P1: port \d+ svc dies$/,
      'P2-xP1: destroyed id 7',
    ]);
    expect(d).not.toContain('MACH_RCV_TIMED_OUT');
  });

  it('notes a time-out once: the wake that follows does not repeat its code', async () => {
    const { records } = await trace(impatient);
    const d = renderMermaid(records, { showSyscalls: false });
    expectWellFormed(d);
    expect(lines(d)).toEqual([
      'sequenceDiagram',
      '    participant P1 as impatient',
      `    Note over P1: ${LEGEND}`,
      '    P1->>P1: id 1: "a"',
      '    activate P1',
      '    Note over P1: MACH_SEND_TIMED_OUT',
      '    deactivate P1',
      '    Note over P1: MACH_SEND_TIMED_OUT', // the task's own log line
      '    Note over P1: exit 0 (exit)',
      '    Note over P1: port 3 impatient.notify dies',
      '    Note over P1: port 4 impatient.reply dies',
      '    Note over P1: port 5 box dies',
      '    P1-xP1: destroyed id 1',
      '    Note over P1: reap',
      '    Note over P1: port 2 impatient.kernel dies',
    ]);
  });

  it('notes a deadlock over every participant and leaves the stuck tasks active', async () => {
    const { records, status } = await trace(stuck);
    expect(status).toBe('deadlock');
    const d = renderMermaid(records);
    expectWellFormed(d);
    expect(lines(d).at(-1)).toMatch(/^ {4}Note over P1,P2: deadlock: a\(1\) waits: receive on port \d+ \(a\), b\(2\) waits/);
    expect([...activations(d).open.keys()]).toEqual(['P1', 'P2']);
  });

  it('shows states only when asked', async () => {
    const { records } = await trace(echo(1));
    expect(renderMermaid(records)).not.toMatch(/Note over P\d+: \w+ -> \w+/);
    const d = renderMermaid(records, { showStates: true });
    expectWellFormed(d);
    expectInOrder(d, ['Note over P1: new -> ready', 'Note over P2: new -> ready', 'Note over P1: ready -> running']);
  });

  it('cuts at maxEvents with a note of how many more', async () => {
    const { records } = await trace(echo(1));
    const full = renderMermaid(records);
    const d = renderMermaid(records, { maxEvents: 2 });
    expectWellFormed(d);
    // Event 1: the port_allocate request. Event 2: its answer (the call runs in the caller's trap).
    expect(lines(d).slice(-3)).toEqual([
      '    P1->>kernel: port_allocate',
      '    kernel-->>P1: SUCCESS',
      expect.stringMatching(/^ {4}Note over P1,kernel: … \d+ more events$/),
    ]);
    expect(d.length).toBeLessThan(full.length);
  });

  it('tells apart tasks that share a name', async () => {
    const { records } = await trace((k) => {
      for (let i = 0; i < 2; i++) k.spawn('twin', async (sys) => sys.log('hi'));
      k.spawn('solo', async (sys) => sys.log('hi'));
    });
    const d = renderMermaid(records);
    expectWellFormed(d);
    expect(lines(d).slice(1, 4)).toEqual(['    participant P1 as twin(1)', '    participant P2 as twin(2)', '    participant P3 as solo']);
  });

  it('escapes ; # and line breaks in names, logs and the title', async () => {
    const { records } = await trace((k) => {
      k.spawn('odd;name#1', async (sys) => sys.log('a;b #2\nc'));
    });
    const d = renderMermaid(records, { title: 'x;y #z' });
    expectWellFormed(d);
    expect(d).toContain('title x,y no.z');
    expect(d).toContain('participant P1 as odd,nameno.1');
    expect(d).toContain('Note over P1: a,b no.2 c');
  });
});
