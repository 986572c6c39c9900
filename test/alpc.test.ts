import { describe, expect, it } from 'vitest';
import { boot, simulate, type Sys } from '../index.ts';
import {
  ALPC_INLINE_LIMIT,
  alpcConnect,
  alpcCreatePort,
  statusName,
  STATUS_INVALID_HANDLE,
  STATUS_INVALID_PARAMETER,
  STATUS_NOT_SUPPORTED,
  STATUS_OBJECT_NAME_COLLISION,
  STATUS_OBJECT_NAME_NOT_FOUND,
  STATUS_PORT_CONNECTION_REFUSED,
  STATUS_PORT_DISCONNECTED,
  STATUS_SUCCESS,
  type AlpcServerPort,
  type AlpcStats,
} from '../servers/alpc/index.ts';

const NAME = '\\RPC Control\\Test';
const te = new TextEncoder();
const td = new TextDecoder();
const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 255);
const sum = (b: Uint8Array) => b.reduce((a, x) => (a + x) >>> 0, 0);

/**
 * A server that accepts every connection (refuses clients that send "no"),
 * answers a request with its length, via and sum, calls the client back
 * first when the request starts with "cb", echoes datagrams back as
 * datagrams, and closes a connection asked to with "bye". It logs events.
 */
function server(onPort?: (p: AlpcServerPort) => void) {
  return async (sys: Sys) => {
    const { status, port } = await alpcCreatePort(sys, NAME);
    if (status !== STATUS_SUCCESS) return 1;
    onPort?.(port!);
    for (;;) {
      const ev = await port!.receive();
      if (ev.kind === 'connect') {
        const refuse = td.decode(ev.request.data) === 'no';
        await port!.accept(ev.request, { accept: !refuse, data: te.encode(refuse ? 'go away' : 'hello') });
      } else if (ev.kind === 'request') {
        const m = ev.message;
        const text = m.via === 'queue' ? td.decode(m.data) : '';
        if (text === 'bye') {
          await ev.conn.close();
          continue;
        }
        let extra = '';
        if (text.startsWith('cb')) {
          const cb = await ev.conn.callback(te.encode(`sure about ${text}?`));
          extra = ` callback: ${statusName(cb.status)} ${td.decode(cb.message?.data)}`;
        }
        await ev.conn.reply(m, te.encode(`${m.data.length} via ${m.via} sum ${sum(m.data)}${extra}`));
      } else if (ev.kind === 'datagram') {
        sys.log(`datagram ${ev.message.data.length} via ${ev.message.via}`);
        await ev.conn.send(ev.message.data.slice());
      } else if (ev.kind === 'disconnect') sys.log(`connection ${ev.conn.id}: ${ev.why}`);
      else return 2;
    }
  };
}

async function world(client: (sys: Sys) => Promise<unknown>, onPort?: (p: AlpcServerPort) => void) {
  return simulate(boot({ seed: 1 }), (k) => {
    k.spawn('server', server(onPort), { daemon: true });
    k.spawn('client', client);
  });
}

describe('the server connection port', () => {
  it('is created under a name, once; a name must start with one backslash', async () => {
    const out: string[] = [];
    await world(async (sys) => {
      await sys.sleep(1);
      out.push(statusName((await alpcCreatePort(sys, NAME)).status));
      out.push(statusName((await alpcCreatePort(sys, 'RPC Control\\x')).status));
      out.push(statusName((await alpcCreatePort(sys, '\\\\host\\x')).status));
      out.push(statusName((await alpcCreatePort(sys, '\\RPC Control\\Other')).status));
    });
    expect(out).toEqual(['STATUS_OBJECT_NAME_COLLISION', 'STATUS_INVALID_PARAMETER', 'STATUS_INVALID_PARAMETER', 'STATUS_SUCCESS']);
    expect(STATUS_OBJECT_NAME_COLLISION).toBe(0xc0000035);
  });
});

describe('connections', () => {
  it('an accepted connection gives the client the receive right of its own communication port and a send right to the server’s', async () => {
    let serverPort: AlpcServerPort | null = null;
    const out: unknown[] = [];
    const sim = await world(async (sys) => {
      const before = (await sys.port_names()).names!.length;
      const c = await alpcConnect(sys, NAME, { wait: true });
      out.push(statusName(c.status), td.decode(c.data));
      const names = (await sys.port_names()).names!;
      out.push(names.length - before);
      out.push(names.find((n) => n.name === c.port!.channel.own)?.rights);
      out.push(names.find((n) => n.name === c.port!.channel.peer)?.rights);
      out.push(names.find((n) => n.name === c.port!.channel.own)?.label);
      out.push(serverPort!.connections);
    }, (p) => (serverPort = p));
    expect(out).toEqual(['STATUS_SUCCESS', 'hello', 2, ['receive'], ['send'], 'alpc.client-comm', 1]);
    expect(serverPort!.stats.portsCreated).toBe(2);
    expect(sim.report.status).toBe('done');
  });

  it('a refused connection gets STATUS_PORT_CONNECTION_REFUSED and the server’s data; an unknown name STATUS_OBJECT_NAME_NOT_FOUND', async () => {
    const out: unknown[] = [];
    await world(async (sys) => {
      const no = await alpcConnect(sys, NAME, { wait: true, data: te.encode('no') });
      out.push(no.status, td.decode(no.data), no.port);
      const none = await alpcConnect(sys, '\\RPC Control\\Nobody');
      out.push(statusName(none.status), none.detail);
      out.push(statusName((await alpcConnect(sys, NAME, { data: bytes(ALPC_INLINE_LIMIT + 1) })).status));
    });
    expect(out).toEqual([
      STATUS_PORT_CONNECTION_REFUSED,
      'go away',
      undefined,
      'STATUS_OBJECT_NAME_NOT_FOUND',
      'no ALPC port is named \\RPC Control\\Nobody',
      'STATUS_INVALID_PARAMETER',
    ]);
    expect(STATUS_OBJECT_NAME_NOT_FOUND).toBe(0xc0000034);
  });

  it('refuses another host with STATUS_NOT_SUPPORTED before sending anything; this host by any of its names connects', async () => {
    const out: unknown[] = [];
    const sim = await world(async (sys) => {
      await sys.sleep(1);
      for (const [name, host] of [
        [NAME, 'fileserver'],
        ['\\\\fileserver\\RPC Control\\Test', undefined],
        [NAME, '10.0.0.7'],
      ] as const) {
        const r = await alpcConnect(sys, name, host === undefined ? {} : { host });
        out.push([statusName(r.status), r.detail]);
      }
      for (const [name, host] of [
        [NAME, 'localhost'],
        [NAME, '.'],
        ['\\\\.\\RPC Control\\Test', undefined],
        ['\\\\localhost\\RPC Control\\Test', undefined],
      ] as const) {
        const r = await alpcConnect(sys, name, host === undefined ? {} : { host });
        out.push(statusName(r.status));
        await r.port?.disconnect();
      }
    });
    expect(out).toEqual([
      ['STATUS_NOT_SUPPORTED', 'ALPC connects processes on one host only: "fileserver" is not this host'],
      ['STATUS_NOT_SUPPORTED', 'ALPC connects processes on one host only: "fileserver" is not this host'],
      ['STATUS_NOT_SUPPORTED', 'ALPC connects processes on one host only: "10.0.0.7" is not this host'],
      'STATUS_SUCCESS',
      'STATUS_SUCCESS',
      'STATUS_SUCCESS',
      'STATUS_SUCCESS',
    ]);
    expect(STATUS_NOT_SUPPORTED).toBe(0xc00000bb);
    // The three refusals sent no message: only the four connections' traffic is there.
    const connects = sim.records.filter((r) => r.kind === 'send' && r.msgId === 7000);
    expect(connects).toHaveLength(4);
  });
});

describe('messages', () => {
  it('up to 256 bytes go through the queue; larger ones through the section, the data intact', async () => {
    const out: string[] = [];
    const sim = await world(async (sys) => {
      const c = await alpcConnect(sys, NAME, { wait: true });
      for (const n of [0, 10, ALPC_INLINE_LIMIT, ALPC_INLINE_LIMIT + 1, 5000, 20000]) {
        const r = await c.port!.sendWaitReceive(bytes(n, n));
        out.push(`${n}: ${td.decode(r.message!.data)} (reply via ${r.message!.via}, expected sum ${sum(bytes(n, n))})`);
      }
    });
    expect(out).toEqual([
      '0: 0 via queue sum 0 (reply via queue, expected sum 0)',
      '10: 10 via queue sum 983 (reply via queue, expected sum 983)',
      '256: 256 via queue sum 32640 (reply via queue, expected sum 32640)',
      '257: 257 via section sum 32641 (reply via queue, expected sum 32641)',
      '5000: 5000 via section sum 637540 (reply via queue, expected sum 637540)',
      '20000: 20000 via section sum 2550032 (reply via queue, expected sum 2550032)',
    ]);
    // One section for all three large messages (grown for the last), its handle sent once.
    expect(sim.report.counters.regionsCreated).toBe(1);
    const large = sim.records.filter((r) => r.kind === 'send' && r.task === 'client' && r.msgId === 7001 && (r.size ?? 0) < 100 && r.text?.includes('length'));
    expect(large).toHaveLength(3);
  });

  it('large replies come back through the server’s own section', async () => {
    let clientStats: AlpcStats | null = null;
    let serverStats: AlpcStats | null = null;
    const got: unknown[] = [];
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('server', async (sys) => {
        const { port } = await alpcCreatePort(sys, NAME);
        serverStats = port!.stats;
        for (;;) {
          const ev = await port!.receive();
          if (ev.kind === 'connect') await port!.accept(ev.request);
          if (ev.kind === 'request') await ev.conn.reply(ev.message, bytes(3000, 9));
        }
      }, { daemon: true });
      k.spawn('client', async (sys) => {
        const c = await alpcConnect(sys, NAME, { wait: true });
        clientStats = c.port!.stats;
        const r = await c.port!.sendWaitReceive(te.encode('give me a lot'));
        got.push(r.message!.via, r.message!.data.length, sum(r.message!.data) === sum(bytes(3000, 9)));
      });
    });
    expect(got).toEqual(['section', 3000, true]);
    expect(serverStats).toMatchObject({ sent: 1, inlineBytes: 0, sectionBytes: 3000, sectionsCreated: 1 });
    expect(clientStats).toMatchObject({ sent: 1, inlineBytes: 13, sectionBytes: 0, sectionsCreated: 0 });
  });

  it('a callback: the server calls the client back while the client waits on its own request', async () => {
    const calls: string[] = [];
    const out: string[] = [];
    const sim = await world(async (sys) => {
      const c = await alpcConnect(sys, NAME, {
        wait: true,
        onCallback: (m) => {
          calls.push(`${td.decode(m.data)} (callback ${m.callback}, at t=${sys.now()})`);
          return te.encode('yes');
        },
      });
      out.push(td.decode((await c.port!.sendWaitReceive(te.encode('cb print'))).message!.data));
      out.push(td.decode((await c.port!.sendWaitReceive(te.encode('plain'))).message!.data));
      out.push(`callbacks answered: ${c.port!.stats.callbacks}`);
    });
    expect(calls).toEqual(['sure about cb print? (callback true, at t=0)']);
    expect(out).toEqual(['8 via queue sum 786 callback: STATUS_SUCCESS yes', '5 via queue sum 532', 'callbacks answered: 1']);
    // The order of the messages: request, callback, callback's reply, reply.
    const texts = sim.records
      .filter((r) => r.kind === 'send' && r.msgId === 7001)
      .map((r) => `${r.task}: ${/kind:"(\w+)",id:(\d+)/.exec(r.text!)!.slice(1).join(' ')}`);
    expect(texts).toEqual(['client: request 1', 'server: request 1', 'client: reply 1', 'server: reply 1', 'client: request 2', 'server: reply 2']);
  });

  it('datagrams both ways; a datagram that comes while a request waits is kept for receive', async () => {
    const out: string[] = [];
    const sim = await world(async (sys) => {
      const c = await alpcConnect(sys, NAME, { wait: true });
      out.push(statusName(await c.port!.send(bytes(40))));
      out.push(statusName(await c.port!.send(bytes(400))));
      const r = await c.port!.sendWaitReceive(te.encode('after'));
      out.push(td.decode(r.message!.data));
      for (let i = 0; i < 2; i++) {
        const d = await c.port!.receive({ timeout: 10 });
        out.push(`${statusName(d.status)} ${d.message?.kind} ${d.message?.data.length} via ${d.message?.via}`);
      }
      out.push(statusName((await c.port!.receive({ timeout: 10 })).status));
    });
    expect(out).toEqual([
      'STATUS_SUCCESS',
      'STATUS_SUCCESS',
      '5 via queue sum 530',
      'STATUS_SUCCESS datagram 40 via queue',
      'STATUS_SUCCESS datagram 400 via section',
      'STATUS_TIMEOUT',
    ]);
    expect(sim.logs('server')).toEqual(['datagram 40 via queue', 'datagram 400 via section']);
  });
});

describe('disconnection', () => {
  it('the client disconnects (the server hears closed), ends without disconnecting (client ended), or the server closes (STATUS_PORT_DISCONNECTED)', async () => {
    const out: string[] = [];
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('server', server(), { daemon: true });
      k.spawn('polite', async (sys) => {
        const c = await alpcConnect(sys, NAME, { wait: true });
        await c.port!.disconnect();
        out.push(`polite after disconnect: ${statusName((await c.port!.sendWaitReceive(te.encode('x'))).status)}`);
      });
      k.spawn('abrupt', async (sys) => {
        await sys.sleep(1);
        await alpcConnect(sys, NAME); // and ends
      });
      k.spawn('dismissed', async (sys) => {
        await sys.sleep(2);
        const c = await alpcConnect(sys, NAME);
        out.push(`dismissed: ${statusName((await c.port!.sendWaitReceive(te.encode('bye'))).status)}`);
        out.push(`dismissed again: ${statusName((await c.port!.sendWaitReceive(te.encode('x'))).status)}`);
      });
    });
    expect(out).toEqual(['polite after disconnect: STATUS_INVALID_HANDLE', 'dismissed: STATUS_PORT_DISCONNECTED', 'dismissed again: STATUS_INVALID_HANDLE']);
    expect(sim.logs('server')).toEqual(['connection 1: closed', 'connection 2: client ended']);
    expect(sim.report.status).toBe('done');
    expect([STATUS_PORT_DISCONNECTED, STATUS_INVALID_HANDLE]).toEqual([0xc0000037, 0xc0000008]);
  });

  it('bad input gets a status, never a throw', async () => {
    const out: string[] = [];
    await world(async (sys) => {
      const c = await alpcConnect(sys, NAME, { wait: true });
      out.push(statusName(await c.port!.send('text' as never)));
      out.push(statusName((await c.port!.sendWaitReceive(null as never)).status));
      out.push(statusName((await alpcConnect(sys, 42 as never)).status));
      out.push(statusName(0x1234));
    });
    expect(out).toEqual(['STATUS_INVALID_PARAMETER', 'STATUS_INVALID_PARAMETER', 'STATUS_INVALID_PARAMETER', '0x00001234']);
    expect(STATUS_INVALID_PARAMETER).toBe(0xc000000d);
  });
});

describe('scenarios/alpc.ts, as a user runs it', () => {
  it('prints the exchange and the figures side by side; the same seed gives the same output', async () => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const run = (...a: string[]) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'scenarios/alpc.ts', ...a], { cwd: new URL('..', import.meta.url).pathname });
    const { stdout } = await run('--only', 'table');
    expect(stdout.trim().split('\n').slice(0, 9)).toEqual([
      'the same exchange                            ALPC    Mach',
      'messages between the tasks                     10       6',
      'bytes the kernel copied in them               506   16455',
      'bytes written to a shared section           16384       0',
      'system calls (port, region, name service)      22       5',
      'traps                                          38      14',
      'ports made (3 per task included)               13       9',
      'regions made (sections)                         1       0',
      'context switches                               10       8',
    ]);
    const summary = (await run('--seed', '4', '--only', 'summary')).stdout;
    expect(summary).toContain('winword print: job 1: 4 pages in grey [after 1 callback]');
    expect(summary).toContain('winword another host: STATUS_NOT_SUPPORTED');
    expect((await run('--seed', '4', '--only', 'summary')).stdout).toBe(summary);
  }, 60_000); // three runs of a script: slow on a loaded machine
});
