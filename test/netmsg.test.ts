import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boot, codeName } from '../index.ts';
import type { LinkProps } from '../kernel/device/wire.ts';
import { netServer } from '../servers/net/index.ts';
import { Channel, NETMSG_IDS, NETNAME_NO_SUCH_HOST, netMsgServer, netmsgClient, type Frame, type NetMsgOptions } from '../servers/netmsg/index.ts';
import type { Sys } from '../syscalls/sys.ts';

const A = '146.86.5.20';
const B = '161.25.19.8';

describe('a host crash', () => {
  it('kills every task of the host at the time given, and packets to it find no route', async () => {
    const k = boot({ hosts: [A, B], seed: 1 });
    k.network.link(A, B, { latency: 5 });
    const got: string[] = [];
    k.host(B).spawn('srv', async (sys) => {
      const { name } = await sys.port_allocate('receive');
      await sys.msg_receive(name!);
    });
    k.host(B).spawn('ticker', async (sys) => {
      const { name: dev } = await sys.net_attach();
      for (;;) if ((await sys.msg_receive(dev!)).ok) got.push(`B got a packet at ${sys.now()}`);
    }, { daemon: true });
    k.host(B).crash({ at: 10 });
    k.spawn('sender', async (sys) => {
      await sys.sleep(1);
      got.push(String((await sys.net_transmit(B, new Uint8Array(4))).fate));   // t=1: arrives at 6
      await sys.sleep(7);
      got.push(String((await sys.net_transmit(B, new Uint8Array(4))).fate));   // t=8: in flight when B crashes at 10
      await sys.sleep(12);
      got.push(String((await sys.net_transmit(B, new Uint8Array(4))).fate));   // t=20: B is down
    });
    const r = await k.run();
    expect(r.status).toBe('done');
    expect(got).toEqual(['delivered', 'B got a packet at 6', 'delivered', 'no-route']);
    expect(k.host(B).crashed).toBe(true);
    const kills = k.trace.records.filter((x) => x.kind === 'kill' && x.host === B).map((x) => `${x.t} ${x.task} ${x.detail}`);
    expect(kills).toEqual(['10 srv host crashed', '10 ticker host crashed']);
  });

  it('refuses a time in the past', async () => {
    const k = boot({ hosts: [A, B], seed: 1 });
    k.spawn('w', async (sys) => sys.sleep(5));
    await k.run();
    expect(() => k.host(B).crash({ at: 1 })).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------------------
// The NetMsgServer

const C = '192.168.7.3';

/** The README's echo server and client, exactly as on one host. */
async function echo(sys: Sys) {
  const { name: port } = await sys.port_allocate('receive', 'echo');
  await sys.netname_check_in('echo', port!);
  for (;;) {
    const r = await sys.msg_receive<string>(port!);
    if (!r.ok) return 1;
    await sys.msg_send(r.msg.reply, { id: r.msg.id + 100, body: r.msg.body.toUpperCase() });
  }
}
async function client(sys: Sys) {
  const { port } = await sys.netname_look_up('echo', { wait: true });
  const r = await sys.msg_rpc<string>(port!, { id: 1, body: 'hello' });
  sys.log(r.ok ? r.msg.body : codeName(r.code));
}

/** Hosts with a network server and a NetMsgServer each (imports per host), links of 10 ms. */
function world(hosts: string[], imports: Record<string, NetMsgOptions['import']> = {}, opts: { seed?: number; link?: Partial<LinkProps>; nms?: NetMsgOptions } = {}) {
  const k = boot({ hosts, seed: opts.seed ?? 1 });
  for (let i = 0; i < hosts.length; i++) for (let j = i + 1; j < hosts.length; j++) k.network.link(hosts[i]!, hosts[j]!, { latency: 10, ...opts.link });
  for (const h of hosts) {
    k.host(h).spawn('netserver', netServer(), { daemon: true });
    k.host(h).spawn('netmsgserver', netMsgServer({ ...opts.nms, import: imports[h] ?? [] }), { daemon: true });
  }
  return k;
}

/** Log lines of tasks (not the servers), as `t host task: text`. */
function said(k: ReturnType<typeof boot>, who: (task: string) => boolean = (t) => !t.startsWith('net')) {
  return k.trace.records.filter((r) => r.kind === 'log' && who(r.task)).map((r) => `${r.t} ${r.host ?? k.hosts[0]} ${r.task}: ${r.detail}`);
}

describe('the NetMsgServer', () => {
  it('a call to a port on another host gets its reply, with the one-host client and server unchanged', async () => {
    const k = world([A, B], { [A]: [{ name: 'echo', from: B }] });
    k.host(B).spawn('echo', echo, { daemon: true });
    k.spawn('client', client);
    const r = await k.run({ until: 10_000 });
    expect(r.status).toBe('done');
    // The look-up's first packet finds no route (B's network server attaches after A's first step), is sent again at 40.
    expect(said(k)).toEqual([`80 ${A} client: HELLO`]);
    expect(said(k, (t) => t === 'netmsgserver').filter((l) => l.includes(' msg '))).toEqual([
      `60 ${A} netmsgserver: → ${B} #2 msg 1 → ${B}#1 (reply once ${A}#1)`,
      `70 ${B} netmsgserver: ← ${A} msg 1 → ${B}#1 (reply once ${A}#1)`,
      `70 ${B} netmsgserver: ⇢ delivered msg 1 to ${B}#1`,
      `70 ${B} netmsgserver: → ${A} #2 msg 101 → ${A}#1`,
      `80 ${A} netmsgserver: ← ${B} msg 101 → ${A}#1`,
      `80 ${A} netmsgserver: ⇢ delivered msg 101 to ${A}#1`,
    ]);
  });

  it('a send right passed in a message to a third host reaches the port directly (no chain through the middle host)', async () => {
    const k = world([A, B, C], { [B]: [{ name: 'counter', from: C }], [A]: [{ name: 'broker', from: B }] });
    k.host(C).spawn('counter', async (sys) => {
      const { name: port } = await sys.port_allocate('receive', 'counter');
      await sys.netname_check_in('counter', port!);
      for (let n = 1; ; n++) {
        const r = await sys.msg_receive(port!);
        if (r.ok) await sys.msg_send(r.msg.reply, { id: r.msg.id + 100, body: { code: 0, n } });
      }
    }, { daemon: true });
    k.host(B).spawn('broker', async (sys) => {
      const { name: port } = await sys.port_allocate('receive', 'broker');
      await sys.netname_check_in('broker', port!);
      const { port: counter } = await sys.netname_look_up('counter', { wait: true });
      for (;;) {
        const r = await sys.msg_receive(port!);
        if (r.ok) await sys.msg_send(r.msg.reply, { id: r.msg.id + 100, body: { code: 0 }, rights: [{ name: counter!, disposition: 'copy-send' }] });
      }
    }, { daemon: true });
    k.spawn('client', async (sys) => {
      const { port: broker } = await sys.netname_look_up('broker', { wait: true });
      const r = await sys.call(broker!, 1, {});
      const counter = r.ports![0]!;
      sys.log('got a', counter.right, 'right');
      for (let i = 0; i < 2; i++) sys.log('counter says', (await sys.call(counter.name, 2, {})).n);
    });
    const r = await k.run({ until: 10_000 });
    expect(r.status).toBe('done');
    expect(said(k).map((l) => l.split(': ')[1])).toEqual(['got a send right', 'counter says 1', 'counter says 2']);
    // The calls on the passed right go from A to C and back; B (which passed it) sees none of them.
    const calls = said(k, (t) => t === 'netmsgserver').filter((l) => / msg (2|102) /.test(l) && /[→←]/.test(l)).map((l) => l.replace(/^\d+ /, '').replace(/ #\d+/, ''));
    expect(calls).toEqual([
      `${A} netmsgserver: → ${C} msg 2 → ${C}#1 (reply once ${A}#2)`,
      `${C} netmsgserver: ← ${A} msg 2 → ${C}#1 (reply once ${A}#2)`,
      `${C} netmsgserver: → ${A} msg 102 → ${A}#2`,
      `${A} netmsgserver: ← ${C} msg 102 → ${A}#2`,
      `${A} netmsgserver: → ${C} msg 2 → ${C}#1 (reply once ${A}#3)`,
      `${C} netmsgserver: ← ${A} msg 2 → ${C}#1 (reply once ${A}#3)`,
      `${C} netmsgserver: → ${A} msg 102 → ${A}#3`,
      `${A} netmsgserver: ← ${C} msg 102 → ${A}#3`,
    ]);
  });

  it('send-once rights: a reply right handed on to a third host answers the caller; a server that dies holding one gives MIG_SERVER_DIED', async () => {
    const k = world([A, B, C], { [A]: [{ name: 'front', from: B }, { name: 'quitter', from: B }], [B]: [{ name: 'worker', from: C }] });
    k.host(C).spawn('worker', async (sys) => {
      const { name: port } = await sys.port_allocate('receive', 'worker');
      await sys.netname_check_in('worker', port!);
      for (;;) {
        const r = await sys.msg_receive<{ job: string }>(port!);
        if (!r.ok) continue;
        // The job carries the caller's reply right (a send-once right): answer it directly.
        const to = r.msg.rights[0]!;
        sys.log('reply right is', to.right);
        await sys.msg_send(to.name, { id: 101, body: { code: 0, done: r.msg.body.job.toUpperCase() } });
      }
    }, { daemon: true });
    k.host(B).spawn('front', async (sys) => {
      const { name: port } = await sys.port_allocate('receive', 'front');
      await sys.netname_check_in('front', port!);
      const { port: worker } = await sys.netname_look_up('worker', { wait: true });
      for (;;) {
        const r = await sys.msg_receive<{ job: string }>(port!);
        if (r.ok) await sys.msg_send(worker!, { id: 7, body: r.msg.body, rights: [{ name: r.msg.reply, disposition: 'move-send-once' }] });
      }
    }, { daemon: true });
    k.host(B).spawn('quitter', async (sys) => {
      const { name: port } = await sys.port_allocate('receive', 'quitter');
      await sys.netname_check_in('quitter', port!);
      await sys.msg_receive(port!);
      return 0; // ends holding the caller's reply right: it is destroyed unused
    });
    k.spawn('client', async (sys) => {
      const { port: front } = await sys.netname_look_up('front', { wait: true });
      const r = await sys.call(front!, 1, { job: 'paint' });
      sys.log('front:', codeName(r.code), r.done);
      const { port: quitter } = await sys.netname_look_up('quitter', { wait: true });
      sys.log('quitter:', codeName((await sys.call(quitter!, 1, {})).code));
    });
    const r = await k.run({ until: 10_000 });
    expect(r.status).toBe('done');
    expect(said(k).map((l) => l.replace(/^\d+ /, ''))).toEqual([
      `${C} worker: reply right is send-once`,
      `${A} client: front: SUCCESS PAINT`,
      `${A} client: quitter: MIG_SERVER_DIED`,
    ]);
  });

  it('a receive right sent to another host moves the port: queued and later messages reach the new receiver, in order', async () => {
    const k = world([A, B], { [A]: [{ name: 'taker', from: B }] });
    const mine = k.port('mine');
    k.host(B).spawn('taker', async (sys) => {
      const { name: port } = await sys.port_allocate('receive', 'taker');
      await sys.netname_check_in('taker', port!);
      const r = await sys.msg_receive(port!);
      const moved = r.ok ? r.msg.rights[0]! : null;
      sys.log('got a', moved?.right, 'right');
      for (let i = 0; i < 3; i++) {
        const m = await sys.msg_receive<string>(moved!.name);
        sys.log(m.ok ? m.msg.body : codeName(m.code));
      }
    });
    k.spawn('friend', async (sys) => {
      await sys.msg_send(sys.ports.mine!, { body: 'queued 1' });
      await sys.msg_send(sys.ports.mine!, { body: 'queued 2' });
      await sys.sleep(200);
      sys.log('send after the move:', codeName(await sys.msg_send(sys.ports.mine!, { body: 'after' })));
    }, { ports: { mine } });
    k.spawn('giver', async (sys) => {
      const { port: taker } = await sys.netname_look_up('taker', { wait: true });
      const code = await sys.msg_send(taker!, { id: 1, rights: [{ name: sys.ports.mine!, disposition: 'move-receive' }] });
      sys.log('sent:', codeName(code), '; the name here:', codeName((await sys.port_type(sys.ports.mine!)).code));
    }, { ports: { mine: { port: mine, right: 'receive' } } });
    const r = await k.run({ until: 10_000 });
    expect(r.status).toBe('done');
    expect(said(k).map((l) => l.replace(/^\d+ /, ''))).toEqual([
      `${A} giver: sent: SUCCESS ; the name here: KERN_INVALID_NAME`,
      `${B} taker: got a receive right`,
      `${B} taker: queued 1`,
      `${B} taker: queued 2`,
      `${A} friend: send after the move: SUCCESS`,
      `${B} taker: after`,
    ]);
  });

  it('a port that moved on is still reached from a third host that held a right to it (forwarded by its old host)', async () => {
    const k = world([A, B, C], { [A]: [{ name: 'taker', from: B }], [C]: [{ name: 'box', from: A }] });
    const box = k.port('box');
    k.spawn('owner', async (sys) => {
      await sys.netname_check_in('box', sys.ports.box!);
      const first = await sys.msg_receive<string>(sys.ports.box!);
      sys.log('before the move:', first.ok ? first.msg.body : codeName(first.code));
      const { port: taker } = await sys.netname_look_up('taker', { wait: true });
      await sys.msg_send(taker!, { id: 1, rights: [{ name: sys.ports.box!, disposition: 'move-receive' }] });
    }, { ports: { box: { port: box, right: 'receive' } } });
    k.host(B).spawn('taker', async (sys) => {
      const { name: port } = await sys.port_allocate('receive', 'taker');
      await sys.netname_check_in('taker', port!);
      const r = await sys.msg_receive(port!);
      const moved = r.ok ? r.msg.rights[0]!.name : 0;
      const m = await sys.msg_receive<string>(moved);
      sys.log('after the move:', m.ok ? m.msg.body : codeName(m.code));
    });
    k.host(C).spawn('writer', async (sys) => {
      const { port } = await sys.netname_look_up('box', { wait: true });
      await sys.msg_send(port!, { body: 'one' });
      await sys.sleep(200);
      await sys.msg_send(port!, { body: 'two' });
    });
    const r = await k.run({ until: 10_000 });
    expect(r.status).toBe('done');
    expect(said(k).map((l) => l.replace(/^\d+ /, ''))).toEqual([`${A} owner: before the move: one`, `${B} taker: after the move: two`]);
    // 'one' went C → A; 'two' went C → A (the port's old host), then A → B.
    const hops = said(k, (t) => t === 'netmsgserver').flatMap((l) => {
      const m = /^\d+ (\S+) netmsgserver: → (\S+) #\d+ msg 0 /.exec(l);
      return m ? [`${m[1]}>${m[2]}`] : [];
    });
    expect(hops).toEqual([`${C}>${A}`, `${C}>${A}`, `${A}>${B}`]);
  });

  /** An echo server that takes 1 s per request, on B; a client on A that calls it and watches its right. */
  function slowEcho(k: ReturnType<typeof boot>) {
    k.host(B).spawn('echo', async (sys) => {
      const { name: port } = await sys.port_allocate('receive', 'echo');
      await sys.netname_check_in('echo', port!);
      for (;;) {
        const r = await sys.msg_receive<string>(port!);
        if (!r.ok) return 1;
        await sys.sleep(1000);
        await sys.msg_send(r.msg.reply, { id: r.msg.id + 100, body: { code: 0, text: r.msg.body.toUpperCase() } });
      }
    }, { daemon: true });
    k.spawn('client', async (sys) => {
      const { port } = await sys.netname_look_up('echo', { wait: true });
      await sys.port_request_notification(port!, 'dead-name');
      sys.log('call:', codeName((await sys.call(port!, 1, 'hi' as never)).code));
      sys.log('the name holds:', (await sys.port_type(port!)).rights!.join(' '));
      const n = await sys.msg_receive<{ name: number }>(sys.notifyPort, { timeout: 0 });
      sys.log('notification:', n.ok ? `${n.msg.notification} for name ${n.msg.body.name === port}` : codeName(n.code));
      sys.log('send:', codeName(await sys.msg_send(port!, { id: 2, body: 'x' })));
    });
  }

  it('a partition turns the remote right into a dead name: the pending call gets MIG_SERVER_DIED, the dead-name notification fires; after the heal the name comes back', async () => {
    const k = world([A, B], { [A]: [{ name: 'echo', from: B }] });
    k.network.partition(A, B, { from: 100, until: 2000 });
    slowEcho(k);
    k.spawn('later', async (sys) => {
      await sys.sleep(2500);
      const { port } = await sys.netname_look_up('echo', { wait: true });
      const r = await sys.call(port!, 1, 'again' as never);
      sys.log('after the heal:', codeName(r.code), r.text);
    });
    const r = await k.run({ until: 20_000 });
    expect(r.status).toBe('done');
    // Last frame from A at 60; keepalive at 160, 5 resends 40 ms apart, declared dead at 400.
    expect(said(k)).toEqual([
      `400 ${A} client: call: MIG_SERVER_DIED`,
      `400 ${A} client: the name holds: dead-name`,
      `400 ${A} client: notification: dead-name for name true`,
      `400 ${A} client: send: MACH_SEND_INVALID_DEST`,
      expect.stringMatching(new RegExp(`^\\d+ ${A.replace(/\./g, '\\.')} later: after the heal: SUCCESS AGAIN$`)),
    ]);
    const dead = said(k, (t) => t === 'netmsgserver').filter((l) => l.includes('✗'));
    expect(dead[0]).toBe(`390 ${B} netmsgserver: ✗ ${A} did not answer 5 resends: its ports are dead here`);
    expect(dead[1]).toBe(`400 ${A} netmsgserver: ✗ ${B} did not answer 5 resends: its ports are dead here`);
  });

  it('a host crash: the same dead name and codes, found by the keepalive; packets to it find no route', async () => {
    const k = world([A, B], { [A]: [{ name: 'echo', from: B }] });
    k.host(B).crash({ at: 100 });
    slowEcho(k);
    const r = await k.run({ until: 20_000 });
    expect(r.status).toBe('done');
    expect(said(k)).toEqual([
      `400 ${A} client: call: MIG_SERVER_DIED`,
      `400 ${A} client: the name holds: dead-name`,
      `400 ${A} client: notification: dead-name for name true`,
      `400 ${A} client: send: MACH_SEND_INVALID_DEST`,
    ]);
    expect(k.network.packets.filter((p) => p.t >= 100 && p.to === B).map((p) => p.fate)).toEqual(Array(7).fill('no-route')); // the ping, 5 resends, the import asked again at 400
  });

  it('a port that dies on its host dies on every host holding a proxy for it (dead-name notification across hosts)', async () => {
    const k = world([A, B], { [A]: [{ name: 'echo', from: B }] });
    k.host(B).spawn('echo', async (sys) => {
      const { name: port } = await sys.port_allocate('receive', 'echo');
      await sys.netname_check_in('echo', port!);
      await sys.sleep(500);
      return 0; // the port dies with the task
    });
    k.spawn('client', async (sys) => {
      const { port } = await sys.netname_look_up('echo', { wait: true });
      await sys.port_request_notification(port!, 'dead-name');
      const n = await sys.msg_receive(sys.notifyPort);
      sys.log(n.ok ? n.msg.notification : codeName(n.code));
    });
    const r = await k.run({ until: 20_000 });
    expect(r.status).toBe('done');
    expect(said(k)).toEqual([`510 ${A} client: dead-name`]);
  });

  it("a full queue on the real port: the deliveries wait their turn (retried every 2 ms), none lost, in order", async () => {
    const k = world([A, B], { [A]: [{ name: 'slow', from: B }] });
    const got: string[] = [];
    k.host(B).spawn('slow', async (sys) => {
      const { name: port } = await sys.port_allocate('receive', 'slow');
      await sys.port_set_qlimit(port!, 1);
      await sys.netname_check_in('slow', port!);
      for (;;) {
        await sys.sleep(25);
        const r = await sys.msg_receive<number>(port!);
        if (r.ok) got.push(`${sys.now()}:${r.msg.body}`);
      }
    }, { daemon: true });
    k.spawn('client', async (sys) => {
      const { port } = await sys.netname_look_up('slow', { wait: true });
      for (let i = 1; i <= 4; i++) await sys.msg_send(port!, { body: i });
      await sys.sleep(300);
    });
    const r = await k.run({ until: 10_000 });
    expect(r.status).toBe('done');
    expect(got.map((g) => g.split(':')[1])).toEqual(['1', '2', '3', '4']);
    expect(got.map((g) => Number(g.split(":")[0]))).toEqual([70, 95, 120, 145]);
    expect(said(k, (t) => t === "netmsgserver").filter((l) => l.includes("⇢")).map((l) => Number(l.split(" ")[0]))).toEqual([70, 70, 96, 120]); // 3 and 4 waited for room
  });

  /** A sink on B, a client on A sending 30 one-way messages then a call; what the sink got and the run. */
  async function lossy(seed: number) {
    const k = world([A, B], { [A]: [{ name: 'sink', from: B }] }, { seed, link: { loss: 0.3, duplicate: 0.2, reorder: 0.2 }, nms: { retries: 12 } });
    const got: unknown[] = [];
    k.host(B).spawn('sink', async (sys) => {
      const { name: port } = await sys.port_allocate('receive', 'sink');
      await sys.netname_check_in('sink', port!);
      for (;;) {
        const r = await sys.msg_receive(port!);
        if (!r.ok) continue;
        if (r.msg.reply) await sys.msg_send(r.msg.reply, { id: r.msg.id + 100, body: { code: 0, count: got.length } });
        else got.push(r.msg.body);
      }
    }, { daemon: true });
    k.spawn('client', async (sys) => {
      const { port } = await sys.netname_look_up('sink', { wait: true });
      for (let i = 1; i <= 30; i++) await sys.msg_send(port!, { id: 5, body: { i, at: new Date(i), tags: new Set([i]) } });
      const r = await sys.call(port!, 6, {});
      sys.log('sink counted', r.count, codeName(r.code));
    });
    const report = await k.run({ until: 60_000 });
    return { k, report, got };
  }

  it('over a link that loses, duplicates and reorders packets, every message arrives once and in order (bodies as structured clones)', async () => {
    const { k, report, got } = await lossy(3);
    expect(report.status).toBe('done');
    expect(got).toEqual(Array.from({ length: 30 }, (_, n) => ({ i: n + 1, at: new Date(n + 1), tags: new Set([n + 1]) })));
    expect(said(k).map((l) => l.replace(/^\d+ /, ''))).toEqual([`${A} client: sink counted 30 SUCCESS`]);
    const fates = new Set(k.network.packets.map((p) => p.fate));
    for (const f of ['lost', 'duplicated', 'reordered']) expect(fates).toContain(f);
    expect(said(k, (t) => t === 'netmsgserver').some((l) => l.includes('↻'))).toBe(true);
  });

  it('the same seed gives the same packets and the same server log; another seed another', async () => {
    const trace = async (seed: number) => {
      const { k } = await lossy(seed);
      return { packets: JSON.stringify(k.network.packets), log: said(k, () => true).join('\n') };
    };
    const one = await trace(5);
    expect(await trace(5)).toEqual(one);
    expect((await trace(6)).packets).not.toBe(one.packets);
  });
});

describe('the NetMsgServer over random lossy links (property)', () => {
  it('every run ends; messages arrive at most once and in order, and all of them unless a peer was declared dead', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 }), fc.double({ min: 0, max: 0.3, noNaN: true }), fc.double({ min: 0, max: 0.3, noNaN: true }), fc.double({ min: 0, max: 0.3, noNaN: true }), async (seed, loss, duplicate, reorder) => {
        const k = world([A, B], { [A]: [{ name: 'sink', from: B }] }, { seed, link: { loss, duplicate, reorder } });
        const got: number[] = [];
        k.host(B).spawn('sink', async (sys) => {
          const { name: port } = await sys.port_allocate('receive', 'sink');
          await sys.netname_check_in('sink', port!);
          for (;;) {
            const r = await sys.msg_receive<number>(port!);
            if (r.ok && r.msg.reply) await sys.msg_send(r.msg.reply, { id: r.msg.id + 100, body: { code: 0, count: got.length } });
            else if (r.ok) got.push(r.msg.body);
          }
        }, { daemon: true });
        let last = '';
        k.spawn('client', async (sys) => {
          const { port } = await sys.netname_look_up('sink', { wait: true });
          for (let i = 1; i <= 20; i++) {
            const code = await sys.msg_send(port!, { id: 5, body: i });
            if (code !== 0) return void (last = codeName(code));
          }
          const r = await sys.call(port!, 6, {});
          last = r.code === 0 ? `count ${r.count}` : codeName(r.code);
        });
        const report = await k.run({ until: 120_000 });
        expect(report.status).toBe('done');
        expect(got).toEqual([...new Set(got)].sort((x, y) => x - y));
        const resets = said(k, (t) => t === 'netmsgserver').some((l) => l.includes('✗'));
        if (!resets) expect([got, last]).toEqual([Array.from({ length: 20 }, (_, i) => i + 1), 'count 20']);
        else expect(last).toMatch(/^(count \d+|MIG_SERVER_DIED|MACH_SEND_INVALID_DEST)$/);
      }),
      { numRuns: 25 },
    );
  });
});

describe("Mach 2.5's look-up with a host (netmsgClient)", () => {
  it('finds a name on another host or on this one, says NETNAME_NO_SUCH_HOST for a host that does not answer, and refuses bad requests', async () => {
    const k = world([A, B, C]);
    k.host(C).crash({ at: 0 });
    k.host(B).spawn('echo', echo, { daemon: true });
    k.spawn('here', async (sys) => {
      const { name } = await sys.port_allocate('receive', 'here');
      await sys.netname_check_in('here', name!);
      for (;;) {
        const r = await sys.msg_receive<string>(name!);
        if (r.ok) await sys.msg_send(r.msg.reply, { id: r.msg.id + 100, body: `here: ${r.msg.body}` });
      }
    }, { daemon: true });
    k.spawn('asker', async (sys) => {
      const nm = netmsgClient(sys);
      const far = await nm.look_up(B, 'echo');
      const r = await sys.msg_rpc<string>(far.port!, { id: 1, body: 'far' });
      sys.log(codeName(far.code), r.ok ? r.msg.body : codeName(r.code));
      const near = await nm.look_up('', 'here');
      const n = await sys.msg_rpc<string>(near.port!, { id: 1, body: 'near' });
      sys.log(codeName(near.code), n.ok ? n.msg.body : codeName(n.code));
      sys.log('down:', (await nm.look_up(C, 'echo')).code === NETNAME_NO_SUCH_HOST ? 'NETNAME_NO_SUCH_HOST' : 'something else');
      const { port: server } = await sys.netname_look_up('netmsg');
      sys.log('bad:', codeName((await sys.call(server!, NETMSG_IDS.look_up, { host: 7 })).code), codeName((await sys.call(server!, 1, {})).code));
    });
    const r = await k.run({ until: 20_000 });
    expect(r.status).toBe('done');
    expect(said(k).map((l) => l.replace(/^\d+ \S+ /, ''))).toEqual([
      'asker: SUCCESS FAR',
      'asker: SUCCESS here: near',
      'asker: down: NETNAME_NO_SUCH_HOST',
      'asker: bad: KERN_INVALID_ARGUMENT MIG_BAD_ID',
    ]);
  });
});

describe('the scenario runs the README program unchanged', () => {
  it("scenarios/netmsg.ts's echo and client are the README's first program, line for line", () => {
    const read = (f: string) => readFileSync(new URL(`../${f}`, import.meta.url), 'utf8');
    const body = (text: string, open: string, close: RegExp) => {
      const lines = text.split('\n');
      const from = lines.findIndex((l) => l.startsWith(open));
      const to = lines.findIndex((l, i) => i > from && close.test(l));
      expect(from, open).toBeGreaterThanOrEqual(0);
      return lines.slice(from + 1, to).map((l) => l.trim());
    };
    const readme = read('README.md');
    const scenario = read('scenarios/netmsg.ts');
    const echoLines = body(readme, "k.spawn('echo', async (sys) => {", /^\}, \{ daemon: true \}\);/);
    expect(echoLines.length).toBe(7);
    expect(body(scenario, 'async function echo(sys: Sys) {', /^\}$/)).toEqual(echoLines);
    const clientLines = body(readme, "k.spawn('client', async (sys) => {", /^\}\);/);
    expect(clientLines.length).toBe(3);
    expect(body(scenario, 'async function client(sys: Sys) {', /^\}$/)).toEqual(clientLines);
  });
});

describe('NetMsgServer bad input', () => {
  it('a second NetMsgServer on a host ends with 1 and says why; bad options are a RangeError', async () => {
    const k = world([A, B]);
    const second = k.spawn('netmsg2', netMsgServer(), { daemon: true });
    k.spawn('idle', async (sys) => sys.sleep(10));
    await k.run({ until: 1000 });
    expect(second.pcb.exit).toEqual({ code: 1, reason: 'exit' });
    expect(said(k, (t) => t === 'netmsg2')).toEqual([`0 ${A} netmsg2: no UDP port 2453: EADDRINUSE (is another NetMsgServer running on this host?)`]);
    expect(() => netMsgServer({ rto: 0 })).toThrow(RangeError);
    expect(() => netMsgServer({ retries: -1 })).toThrow(RangeError);
  });
});

describe('the channel (sequence numbers, acks, resends)', () => {
  it('delivers every payload once and in order whatever the network loses, duplicates or reorders (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.array(fc.tuple(fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 30 })), { minLength: 400, maxLength: 400 }), (n, dice) => {
        const a = new Channel<number>(10, Infinity);
        const b = new Channel<number>(10, Infinity);
        const flight: { at: number; to: 'a' | 'b'; f: Frame<number> }[] = [];
        let d = 0;
        /** Each frame: lost, or delivered once or twice after a random delay (so reordered). */
        const put = (to: 'a' | 'b', f: Frame<number>, now: number) => {
          const [lose, twice, delay] = dice[d++ % dice.length]!;
          if (lose && d % 3 !== 0) return;
          flight.push({ at: now + delay, to, f });
          if (twice) flight.push({ at: now + delay + 1, to, f });
        };
        const got: number[] = [];
        for (let i = 1; i <= n; i++) put('b', a.send(i, 0), 0);
        for (let now = 0; now < 5000 && (a.busy || flight.length); now++) {
          for (const x of flight.filter((x) => x.at === now)) {
            if (x.to === 'a') a.ack(x.f.e, x.f.s);
            else {
              const r = b.arrive(x.f);
              got.push(...r.deliver);
              if (r.ack) put('a', r.ack, now);
            }
          }
          flight.splice(0, flight.length, ...flight.filter((x) => x.at > now));
          for (const f of a.due(now).resend) put('b', f, now);
        }
        expect(got).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      }),
      { numRuns: 60 },
    );
  });

  it('a peer that never answers expires after the retries; a reset opens a new session whose frames the peer takes from 1 again', () => {
    const a = new Channel<string>(10, 2);
    const b = new Channel<string>(10, 2);
    const first = a.send('x', 0);
    expect([a.due(10).expired, a.due(20).expired, a.due(30).expired]).toEqual([false, false, true]);
    a.reset();
    const second = a.send('y', 30);
    expect([first.e, first.s, second.e, second.s]).toEqual([1, 1, 2, 1]);
    expect(b.arrive(first)).toEqual({ deliver: ['x'], ack: { k: 'a', e: 1, s: 1 }, reset: false });
    expect(b.arrive(second)).toEqual({ deliver: ['y'], ack: { k: 'a', e: 2, s: 1 }, reset: true });
    expect(b.arrive(first)).toEqual({ deliver: [], ack: null, reset: false }); // an old session's frame
  });
});
