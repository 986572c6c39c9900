/**
 * Windows ALPC, the course's way (connection port, a private pair of
 * communication ports, callbacks), beside the same exchange over plain Mach
 * ports. A print spooler serves `\RPC Control\spoolss`; a word processor
 * connects, asks for the printer's status (a small message, copied through
 * the port's queue), sends a 16 KB document (through a shared section: only
 * a handle travels), and the spooler calls it back while it waits ("colour
 * or grey?"). Then the same exchange with Mach messages, where every byte is
 * copied, and the figures side by side: messages, bytes copied, kernel
 * objects made — from the run's counters and its trace.
 *
 *   npx tsx scenarios/alpc.ts [--seed N] [--trace] [--only mermaid|table|summary]
 */
import { focus, renderMermaid, renderTable, type Kernel, type RunReport, type Sys, type TraceRecord } from '../index.ts';
import { alpcConnect, alpcCreatePort, statusName, STATUS_SUCCESS, type AlpcStats } from '../servers/alpc/index.ts';
import { parseArgs } from './args.ts';

const args = parseArgs(`Windows ALPC: a connection port, a private pair of communication ports, small messages through the
queue, a 16 KB one through a shared section, a callback; then the same over Mach ports, side by side.`);
const show = (part: 'summary' | 'table' | 'mermaid') => args.only === null || args.only === part;

const NAME = '\\RPC Control\\spoolss';
const te = new TextEncoder();
const td = new TextDecoder();
/** The document: 16 KB whose bytes the seed picks (so a run shows it arrived intact). */
const DOC_SIZE = 16 * 1024;

interface Run {
  k: Kernel<Sys>;
  report: RunReport;
  /** What the word processor heard, line by line. */
  heard: string[];
  /** ALPC's own figures of each side (section bytes), when it is the ALPC run. */
  alpc: AlpcStats[];
}

const checksum = (b: Uint8Array) => b.reduce((a, x) => (a * 31 + x) >>> 0, 7);
const document = (sys: Sys) => Uint8Array.from({ length: DOC_SIZE }, () => Math.floor(sys.random() * 256));

/** The exchange over ALPC. */
async function overAlpc(): Promise<Run> {
  const k = args.boot();
  const run: Run = { k, report: null!, heard: [], alpc: [] };
  k.spawn(
    'spooler',
    async (sys) => {
      const { status, port } = await alpcCreatePort(sys, NAME, { log: true });
      if (status !== STATUS_SUCCESS) return 1;
      run.alpc.push(port!.stats);
      for (;;) {
        const ev = await port!.receive();
        if (ev.kind === 'connect') await port!.accept(ev.request, { data: te.encode('spoolss 6.3') });
        else if (ev.kind === 'request') {
          const m = ev.message;
          if (m.via === 'queue') {
            await ev.conn.reply(m, te.encode(`printer ready (${td.decode(m.data)})`));
            continue;
          }
          sys.log(`document of ${m.data.length} bytes in the section, checksum ${checksum(m.data)}`);
          const cb = await ev.conn.callback(te.encode('colour or grey?'));
          const mode = cb.status === STATUS_SUCCESS ? td.decode(cb.message!.data) : statusName(cb.status);
          await ev.conn.reply(m, te.encode(`job 1: ${Math.ceil(m.data.length / 4096)} pages in ${mode}`));
        } else if (ev.kind === 'disconnect') sys.log(`connection ${ev.conn.id} gone (${ev.why})`);
      }
    },
    { daemon: true },
  );
  k.spawn('winword', async (sys) => {
    const c = await alpcConnect(sys, NAME, { wait: true, onCallback: (m) => te.encode(td.decode(m.data).startsWith('colour') ? 'grey' : '?') });
    run.heard.push(`connect: ${statusName(c.status)} (${td.decode(c.data)})`);
    if (c.status !== STATUS_SUCCESS) return 1;
    run.alpc.push(c.port!.stats);
    const small = await c.port!.sendWaitReceive(te.encode('status?'));
    run.heard.push(`status?: ${td.decode(small.message?.data)} [via the ${small.message?.via}]`);
    const doc = document(sys);
    run.heard.push(`document: ${DOC_SIZE} bytes, checksum ${checksum(doc)}`);
    const big = await c.port!.sendWaitReceive(doc);
    run.heard.push(`print: ${td.decode(big.message?.data)} [after ${c.port!.stats.callbacks} callback]`);
    const away = await alpcConnect(sys, NAME, { host: 'printserver.example' });
    run.heard.push(`another host: ${statusName(away.status)}: ${away.detail}`);
    await c.port!.disconnect();
    return 0;
  });
  run.report = await k.run();
  return run;
}

/** The same exchange over plain Mach ports: every byte in the message bodies. */
async function overMach(): Promise<Run> {
  const k = args.boot();
  const run: Run = { k, report: null!, heard: [], alpc: [] };
  const [STATUS, PRINT, CALLBACK] = [1, 2, 3];
  k.spawn(
    'spooler',
    async (sys) => {
      const { name: port } = await sys.port_allocate('receive', 'spoolss');
      await sys.netname_check_in('spoolss', port!);
      for (;;) {
        const r = await sys.msg_receive<Uint8Array>(port!);
        if (!r.ok) return 1;
        const m = r.msg;
        if (m.id === STATUS) {
          await sys.msg_send(m.reply, { id: STATUS + 100, body: te.encode(`printer ready (${td.decode(m.body)})`) });
          continue;
        }
        sys.log(`document of ${m.body.length} bytes in the message, checksum ${checksum(m.body)}`);
        // The callback goes to the port the client named in its request.
        const cb = await sys.msg_rpc<Uint8Array>(m.rights[0]!.name, { id: CALLBACK, body: te.encode('colour or grey?') });
        const mode = cb.ok ? td.decode(cb.msg.body) : 'no answer';
        await sys.msg_send(m.reply, { id: PRINT + 100, body: te.encode(`job 1: ${Math.ceil(m.body.length / 4096)} pages in ${mode}`) });
        await sys.port_deallocate(m.rights[0]!.name);
      }
    },
    { daemon: true },
  );
  k.spawn('winword', async (sys) => {
    const spooler = (await sys.netname_look_up('spoolss', { wait: true })).port!;
    const { name: mine } = await sys.port_allocate('receive', 'winword'); // replies and callbacks arrive here
    run.heard.push('connect: nothing to do (a send right to the service port is the connection)');
    const call = async (id: number, body: Uint8Array) => {
      let r = await sys.msg_send_receive<Uint8Array>(spooler, { id, body, reply: mine!, rights: [{ name: mine!, disposition: 'make-send' }] }, mine!);
      while (r.ok && r.msg.id === CALLBACK) {
        r = await sys.msg_send_receive<Uint8Array>(r.msg.reply, { id: CALLBACK + 100, body: te.encode(td.decode(r.msg.body).startsWith('colour') ? 'grey' : '?') }, mine!);
      }
      return r.ok ? td.decode(r.msg.body) : `failed ${r.code}`;
    };
    run.heard.push(`status?: ${await call(STATUS, te.encode('status?'))} [via the queue]`);
    const doc = document(sys);
    run.heard.push(`document: ${DOC_SIZE} bytes, checksum ${checksum(doc)}`);
    run.heard.push(`print: ${await call(PRINT, doc)} [after 1 callback]`);
    return 0;
  });
  run.report = await k.run();
  return run;
}

/** Messages between tasks and the bytes the kernel copied for them, from the trace. */
function userTraffic(records: readonly TraceRecord[]): { messages: number; bytes: number } {
  let messages = 0;
  let bytes = 0;
  for (const r of records) {
    if (r.kind !== 'send' || r.pid === 0 || !r.peer) continue;
    messages++;
    bytes += r.size ?? 0;
  }
  return { messages, bytes };
}

const alpc = await overAlpc();
const mach = await overMach();

if (show('summary')) {
  for (const [title, r] of [['ALPC', alpc], ['Mach ports', mach]] as const) {
    console.log(`${title}: ${r.report.status}`);
    for (const line of r.heard) console.log(`  winword ${line}`);
  }
}
if (show('table') || show('summary')) {
  const a = userTraffic(alpc.k.trace.records);
  const m = userTraffic(mach.k.trace.records);
  const ca = alpc.report.counters;
  const cm = mach.report.counters;
  const rows: [string, string | number, string | number][] = [
    ['messages between the tasks', a.messages, m.messages],
    ['bytes the kernel copied in them', a.bytes, m.bytes],
    ['bytes written to a shared section', alpc.alpc.reduce((n, x) => n + x.sectionBytes, 0), 0],
    ['system calls (port, region, name service)', ca.syscalls, cm.syscalls],
    ['traps', ca.traps, cm.traps],
    ['ports made (3 per task included)', ca.portsCreated, cm.portsCreated],
    ['regions made (sections)', ca.regionsCreated, cm.regionsCreated],
    ['context switches', ca.contextSwitches, cm.contextSwitches],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  console.log(`\n${'the same exchange'.padEnd(w0)}  ${'ALPC'.padStart(6)}  ${'Mach'.padStart(6)}`);
  for (const [what, x, y] of rows) console.log(`${what.padEnd(w0)}  ${String(x).padStart(6)}  ${String(y).padStart(6)}`);
  console.log(`\nALPC pays for the connection (two private ports, a send right made, a dead-name request) and a
section (one region, mapped once by each side), and then copies only small messages; Mach copies the
whole ${DOC_SIZE / 1024} KB document through the kernel, and needs no connection.`);
}
if (show('mermaid')) {
  const records = args.fullTrace ? alpc.k.trace.records : focus(alpc.k.trace.records);
  console.log(`\n${renderMermaid(records, { title: 'ALPC: connect, a small message, a large one through the section, a callback', showSyscalls: args.fullTrace })}`);
}
if (args.fullTrace) {
  console.log(`\nThe full trace (ALPC):\n${renderTable(alpc.k.trace.records)}`);
  console.log(`\nThe full trace (Mach ports):\n${renderTable(mach.k.trace.records)}`);
}
