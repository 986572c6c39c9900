import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  audit,
  boot,
  ids,
  KERN_FAILURE,
  KERN_NO_ACCESS,
  KERN_SUCCESS,
  MACH_SEND_INVALID_DEST,
  MIG_BAD_ARGUMENTS,
  MIG_BAD_ID,
  MIG_SERVER_DIED,
  NETNAME_INVALID_PORT,
  NETNAME_NOT_CHECKED_IN,
  NETNAME_NOT_YOURS,
  type Kernel,
  type Sys,
} from '../index.ts';
import { keepCheckedIn, NAME_SERVER_NAME, nameServer, NETNAME_IDS } from '../servers/netname/index.ts';

type Mode = 'kernel' | 'task';

/**
 * One world of name-service cases, each result a line `t=… who: what → code`. The same
 * program runs on both name services; the name server (task mode) is spawned last, so
 * every other task has the same pid in both.
 */
async function cases(mode: Mode): Promise<string[]> {
  const k = boot({ nameService: mode, seed: 4 });
  const out: string[] = [];
  const note = (sys: Sys, what: string, code: number | undefined) => out.push(`t=${sys.now()} ${sys.pid}: ${what} → ${code}`);
  let srvPort = 0;
  k.spawn('srv', async (sys) => {
    const { name: p } = await sys.port_allocate('receive', 'echo');
    srvPort = p!;
    note(sys, 'check_in echo', await sys.netname_check_in('echo', p!));
    note(sys, 'check_in echo again', await sys.netname_check_in('echo', p!));
    note(sys, "check_in ''", await sys.netname_check_in('', p!));
    note(sys, 'check_in 81 chars', await sys.netname_check_in('x'.repeat(81), p!));
    note(sys, 'check_in no right', (await sys.call(sys.bootstrapPort, ids.NETNAME_CHECK_IN, { name: 'z' })).code);
    // (a port of its own: the destroyed send-once right sends a send-once notification to it)
    const { name: q } = await sys.port_allocate('receive', 'scratch');
    note(sys, 'check_in send-once', (await sys.call(sys.bootstrapPort, ids.NETNAME_CHECK_IN, { name: 'z' }, [{ name: q!, disposition: 'make-send-once' }])).code);
    note(sys, 'check_in name 5', (await sys.call(sys.bootstrapPort, ids.NETNAME_CHECK_IN, { name: 5 }, [{ name: p!, disposition: 'make-send' }])).code);
    note(sys, 'look_up name 5', (await sys.call(sys.bootstrapPort, ids.NETNAME_LOOK_UP, { name: 5 })).code);
    note(sys, 'check_out name 5', (await sys.call(sys.bootstrapPort, ids.NETNAME_CHECK_OUT, { name: 5 })).code);
    note(sys, 'id 499', (await sys.call(sys.bootstrapPort, 499, {})).code);
    note(sys, 'port_allocate on bootstrap', (await sys.call(sys.bootstrapPort, ids.PORT_ALLOCATE, {})).code);
    const raw = await sys.msg_rpc<{ code: number }>(sys.bootstrapPort, { id: ids.NETNAME_LOOK_UP, body: 7 });
    note(sys, 'look_up body 7', raw.ok ? raw.msg.body.code : raw.code);
    // Serve what comes to 'echo' (the other task's message), then more cases later.
    const m = await sys.msg_receive<string>(p!, { timeout: 50 });
    note(sys, `echo got ${m.ok ? m.msg.body : 'nothing'}`, m.code);
    await sys.sleep(10);
    note(sys, 'check_in late', await sys.netname_check_in('late', p!));
    await sys.sleep(10);
    note(sys, 'check_out echo', await sys.netname_check_out('echo'));
    note(sys, 'check_out echo again', await sys.netname_check_out('echo'));
    const w = await sys.msg_receive<string>(p!, { timeout: 50 });
    note(sys, `late got ${w.ok ? w.msg.body : 'nothing'}`, w.code);
    const a = await sys.msg_receive<string>(p!, { timeout: 50 });
    note(sys, `alias got ${a.ok ? a.msg.body : 'nothing'}`, a.code);
  });
  k.spawn('other', async (sys) => {
    const { name: mine } = await sys.port_allocate('receive', 'mine');
    note(sys, 'check_in echo (not mine)', await sys.netname_check_in('echo', mine!));
    note(sys, 'check_out echo (not mine)', await sys.netname_check_out('echo'));
    note(sys, 'check_out nope', await sys.netname_check_out('nope'));
    note(sys, 'look_up nope', (await sys.netname_look_up('nope')).code);
    const echo = await sys.netname_look_up('echo');
    note(sys, 'look_up echo', echo.code);
    note(sys, 'send to echo', await sys.msg_send(echo.port!, { id: 1, body: 'hello' }));
    note(sys, 'check_in alias (a copied right)', await sys.netname_check_in('alias', echo.port!));
    await sys.sleep(5);
    note(sys, 'look_up temp (its server ended)', (await sys.netname_look_up('temp')).code);
    note(sys, 'check_in temp (free again)', await sys.netname_check_in('temp', mine!));
    await sys.sleep(20);
    note(sys, 'look_up echo (checked out)', (await sys.netname_look_up('echo')).code);
    const alias = await sys.netname_look_up('alias');
    note(sys, 'look_up alias', alias.code);
    note(sys, 'send to alias', await sys.msg_send(alias.port!, { id: 1, body: 'via alias' }));
  });
  k.spawn('waiter', async (sys) => {
    const r = await sys.netname_look_up('late', { wait: true });
    note(sys, 'look_up late (wait)', r.code);
    note(sys, 'send to late', await sys.msg_send(r.port!, { id: 1, body: 'late hello' }));
  });
  k.spawn('temp', async (sys) => {
    const { name } = await sys.port_allocate('receive', 'temp');
    note(sys, 'check_in temp', await sys.netname_check_in('temp', name!));
  });
  if (mode === 'task') k.spawn('netname', nameServer(), { daemon: true });
  const r = await k.run();
  // Per task, in order: when tasks run at one instant differs (a kernel-served call runs in
  // the caller's trap; a call to the server task blocks the caller until the server answers).
  const pid = (l: string) => Number(l.split(' ')[1]!.replace(':', ''));
  out.sort((a, b) => pid(a) - pid(b));
  out.push(`run ${r.status} at ${r.time}`);
  expect(audit(k).problems).toEqual([]);
  expect(srvPort).toBeGreaterThan(0);
  return out;
}

/** One step of a random script: who does what, at its own instant (t = its index + 1). */
type Op =
  | { who: number; op: 'check_in'; name: string; port: number }
  | { who: number; op: 'check_out' | 'look_up'; name: string }
  | { who: number; op: 'look_up_wait'; name: string }
  | { who: number; op: 'exit' };

/**
 * Runs a script on one name service: three tasks, each with two ports of its own; every step
 * at its own instant, so the order of steps is the same on both services. A task's wait or
 * exit is its last step. Results per task, in order: `t who op name → code (+ whose port)`.
 */
async function script(mode: Mode, ops: readonly Op[]): Promise<string[]> {
  const k = boot({ nameService: mode, seed: 11 });
  const out: string[] = [];
  for (let who = 0; who < 3; who++) {
    k.spawn(`t${who}`, async (sys) => {
      const mine: number[] = [];
      for (const label of ['a', 'b']) {
        const { name } = await sys.port_allocate('receive', `t${who}.${label}`);
        mine.push(name!);
      }
      for (const [i, step] of ops.entries()) {
        if (step.who !== who) continue;
        await sys.sleep(Math.max(0, i + 1 - sys.now()));
        const say = (what: string) => out.push(`t=${sys.now()} ${who} ${what}`);
        if (step.op === 'exit') return say('exit');
        if (step.op === 'check_in') say(`check_in ${step.name} ${step.port} → ${await sys.netname_check_in(step.name, mine[step.port]!)}`);
        else if (step.op === 'check_out') say(`check_out ${step.name} → ${await sys.netname_check_out(step.name)}`);
        else {
          const r = await sys.netname_look_up(step.name, { wait: step.op === 'look_up_wait' });
          let whose = '';
          if (r.port) {
            const names = (await sys.port_names()).names!;
            whose = names.find((n) => n.name === r.port)?.label ?? '?';
          }
          say(`${step.op} ${step.name} → ${r.code} ${whose}`);
          if (step.op === 'look_up_wait') return;
        }
      }
    });
  }
  if (mode === 'task') k.spawn('netname', nameServer(), { daemon: true });
  await k.run({ until: ops.length + 10 });
  expect(audit(k).problems).toEqual([]);
  return out.sort((a, b) => Number(a.split(' ')[0]!.slice(2)) - Number(b.split(' ')[0]!.slice(2)));
}

const NAMES = ['a', 'b', 'c'];
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ who: fc.integer({ min: 0, max: 2 }), op: fc.constant('check_in' as const), name: fc.constantFrom(...NAMES), port: fc.integer({ min: 0, max: 1 }) }),
  fc.record({ who: fc.integer({ min: 0, max: 2 }), op: fc.constantFrom('check_out' as const, 'look_up' as const), name: fc.constantFrom(...NAMES) }),
  fc.record({ who: fc.integer({ min: 0, max: 2 }), op: fc.constant('look_up_wait' as const), name: fc.constantFrom(...NAMES) }),
  fc.record({ who: fc.integer({ min: 0, max: 2 }), op: fc.constant('exit' as const) }),
);

describe('the name service as a server task', () => {
  it('property: any script of check-ins, check-outs, look-ups (waiting or not) and exits gets the same answers from both', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 25 }), async (ops) => {
        const kernel = await script('kernel', ops);
        const task = await script('task', ops);
        expect(task).toEqual(kernel);
      }),
      { numRuns: 60, seed: 7 },
    );
  });

  it('same calls, same codes, same times as the kernel-served name service', async () => {
    const kernel = await cases('kernel');
    const task = await cases('task');
    expect(task).toEqual(kernel);
    // What they are, so that the comparison cannot pass on two equally broken runs.
    const code = (what: string) => Number(kernel.find((l) => l.includes(`: ${what} → `))!.split('→ ')[1]);
    expect(code('check_in echo')).toBe(KERN_SUCCESS);
    expect(code('check_in echo again')).toBe(KERN_SUCCESS);
    expect(code("check_in ''")).toBe(MIG_BAD_ARGUMENTS);
    expect(code('check_in 81 chars')).toBe(MIG_BAD_ARGUMENTS);
    expect(code('check_in no right')).toBe(NETNAME_INVALID_PORT);
    expect(code('check_in send-once')).toBe(NETNAME_INVALID_PORT);
    expect(code('check_in name 5')).toBe(MIG_BAD_ARGUMENTS);
    expect(code('look_up name 5')).toBe(MIG_BAD_ARGUMENTS);
    expect(code('check_out name 5')).toBe(MIG_BAD_ARGUMENTS);
    expect(code('id 499')).toBe(MIG_BAD_ID);
    expect(code('port_allocate on bootstrap')).toBe(MIG_BAD_ID);
    expect(code('look_up body 7')).toBe(MIG_BAD_ARGUMENTS);
    expect(code('check_in echo (not mine)')).toBe(NETNAME_NOT_YOURS);
    expect(code('check_out echo (not mine)')).toBe(NETNAME_NOT_YOURS);
    expect(code('check_out nope')).toBe(NETNAME_NOT_CHECKED_IN);
    expect(code('look_up nope')).toBe(NETNAME_NOT_CHECKED_IN);
    expect(code('look_up temp (its server ended)')).toBe(NETNAME_NOT_CHECKED_IN);
    expect(code('check_in temp (free again)')).toBe(KERN_SUCCESS);
    expect(code('check_out echo again')).toBe(NETNAME_NOT_CHECKED_IN);
    expect(code('look_up echo (checked out)')).toBe(NETNAME_NOT_CHECKED_IN);
    expect(kernel).toContain('t=10 3: look_up late (wait) → 0');
    expect(kernel.filter((l) => / got /.test(l))).toEqual(['t=0 1: echo got hello → 0', 't=20 1: late got late hello → 0', 't=25 1: alias got via alias → 0']);
    expect(code('look_up alias')).toBe(KERN_SUCCESS);
    expect(code('send to alias')).toBe(KERN_SUCCESS);
    expect(kernel.at(-1)).toBe('run done at 25');
  });

  it('uses the kernel interface table ids', () => {
    expect(NETNAME_IDS.netname_check_in.id).toBe(ids.NETNAME_CHECK_IN);
    expect(NETNAME_IDS.netname_look_up.id).toBe(ids.NETNAME_LOOK_UP);
    expect(NETNAME_IDS.netname_check_out.id).toBe(ids.NETNAME_CHECK_OUT);
  });

  it('is a task in ps, its messages are in the trace, and it checks itself in', async () => {
    const k = boot({ nameService: 'task' });
    k.spawn('netname', nameServer(), { daemon: true });
    let rows: string[] = [];
    let self = -1;
    k.spawn('client', async (sys) => {
      const { name } = await sys.port_allocate('receive', 'svc');
      await sys.netname_check_in('svc', name!);
      self = (await sys.netname_look_up(NAME_SERVER_NAME)).code;
      rows = (await sys.ps()).procs!.map((p) => `${p.pid} ${p.name}`);
      // The name server holds the bootstrap port: nobody else can claim it.
      expect((await sys.bootstrap_claim()).code).toBe(KERN_NO_ACCESS);
    });
    const r = await k.run();
    expect(r.status).toBe('done');
    expect(rows).toEqual(['1 netname', '2 client']);
    expect(self).toBe(KERN_SUCCESS);
    const rec = k.trace.records;
    expect(rec.some((x) => x.kind === 'receive' && x.task === 'netname' && x.msgId === ids.NETNAME_CHECK_IN && x.peerTask === 'client')).toBe(true);
    expect(rec.some((x) => x.kind === 'send' && x.task === 'netname' && x.msgId === ids.NETNAME_CHECK_IN + 100)).toBe(true);
    // Not served by the kernel: no syscall record for a netname routine.
    expect(rec.some((x) => x.kind === 'syscall' && String(x.op).startsWith('netname_'))).toBe(false);
  });

  it('bootstrap_claim: KERN_FAILURE where the kernel serves the name service; a bad option is refused', async () => {
    const k = boot();
    let code = -1;
    k.spawn('x', async (sys) => {
      code = (await sys.bootstrap_claim()).code;
    });
    await k.run();
    expect(code).toBe(KERN_FAILURE);
    const line = await new Promise<number>((resolve) => {
      const k2 = boot({ nameService: 'task' });
      k2.spawn('ns', nameServer(), { daemon: true });
      k2.spawn('ns2', async (sys) => resolve(await nameServer()(sys)));
      void k2.run();
    });
    expect(line).toBe(1); // a second name server cannot claim the port and says so
    expect(() => boot({ nameService: 'user' as never })).toThrow(RangeError);
  });

  it('without a name server, look-ups wait on the bootstrap port; the deadlock report names them', async () => {
    const k = boot({ nameService: 'task' });
    k.spawn('client', async (sys) => {
      await sys.netname_look_up('echo');
    });
    const r = await k.run();
    expect(r.status).toBe('deadlock');
    expect(r.deadlock.map((d) => `${d.name}: ${d.waitsOn}`)).toEqual([expect.stringMatching(/^client: netname_look_up\('echo'\)/)]);
    expect(r.queued).toBe(1);
  });

  it('each host has its own name server', async () => {
    const A = '146.86.5.20';
    const B = '161.25.19.8';
    const k = boot({ hosts: [A, B], nameService: 'task' });
    const seen: string[] = [];
    k.spawn('netname', nameServer(), { daemon: true });
    k.spawn('server', async (sys) => {
      const { name } = await sys.port_allocate('receive', 'svc');
      seen.push(`A check_in ${await sys.netname_check_in('svc', name!)}`);
    });
    k.host(B).spawn('client', async (sys) => {
      const r = await sys.netname_look_up('svc', { wait: true });
      seen.push(`B look_up ${r.code} at ${sys.now()}`);
    });
    k.host(B).spawn('server', async (sys) => {
      await sys.sleep(7);
      const { name } = await sys.port_allocate('receive', 'svc');
      seen.push(`B check_in ${await sys.netname_check_in('svc', name!)}`);
    });
    k.host(B).spawn('netname', nameServer(), { daemon: true });
    const r = await k.run();
    expect(r.status).toBe('done');
    expect(seen).toEqual(['A check_in 0', 'B check_in 0', 'B look_up 0 at 7']);
  });

  it('death and restart: queued requests wait for the next server, kept look-ups get MIG_SERVER_DIED, servers check in again, clients go on', async () => {
    const k = boot({ nameService: 'task', seed: 2 });
    const seen: string[] = [];
    const say = (sys: Sys, s: string) => seen.push(`t=${sys.now()} ${s}`);
    k.spawn('supervisor', async (sys) => {
      for (let gen = 1; gen <= 2; gen++) {
        const ns = await sys.fork(nameServer(), { name: `netname-${gen}`, daemon: true, share: 'none' });
        if (gen === 2) return 0;
        await sys.sleep(20);
        await sys.kill(ns.handle!, 'kill');
        const w = await sys.wait(ns.pid);
        say(sys, `netname-1 ended ${w.status!.code}`);
        await sys.sleep(10);
      }
      return 0;
    }, { daemon: true });
    k.spawn('echo', async (sys) => {
      const { name } = await sys.port_allocate('receive', 'echo');
      say(sys, `echo check_in ${(await keepCheckedIn(sys, [['echo', name!]])).join()}`);
      for (;;) {
        const m = await sys.msg_receive<string>(name!);
        if (!m.ok) return 1;
        await sys.msg_send(m.msg.reply, { id: 2, body: `echo ${m.msg.body}` });
      }
    }, { daemon: true });
    k.spawn('old-client', async (sys) => {
      await sys.sleep(1);
      const { port } = await sys.netname_look_up('echo');
      for (const t of [5, 25, 35]) {
        await sys.sleep(t - sys.now());
        const r = await sys.msg_rpc<string>(port!, { id: 1, body: `at ${t}` });
        say(sys, `old-client ${r.ok ? r.msg.body : r.code}`);
      }
    });
    k.spawn('kept-waiting', async (sys) => {
      await sys.sleep(10);
      say(sys, `kept-waiting look_up never ${(await sys.netname_look_up('never', { wait: true })).code}`);
    });
    k.spawn('new-client', async (sys) => {
      await sys.sleep(25); // while no name server runs: the request waits on the bootstrap port
      const r = await sys.netname_look_up('echo', { wait: true });
      say(sys, `new-client look_up echo ${r.code}`);
      const e = await sys.msg_rpc<string>(r.port!, { id: 1, body: 'new' });
      say(sys, `new-client ${e.ok ? e.msg.body : e.code}`);
    });
    const r = await k.run();
    expect(r.status).toBe('done');
    expect(seen).toEqual([
      't=0 echo check_in 0',
      't=5 old-client echo at 5',
      't=20 netname-1 ended 137',
      `t=20 kept-waiting look_up never ${MIG_SERVER_DIED}`,
      't=25 old-client echo at 25',
      't=30 new-client look_up echo 0',
      't=30 new-client echo new',
      't=35 old-client echo at 35',
    ]);
    const back = k.trace.records.find((x) => x.kind === 'log' && x.task === 'kernel');
    expect(back?.t).toBe(20);
    expect(back?.detail).toMatch(/bootstrap port back to the kernel/);
    expect(audit(k).problems).toEqual([]);
  });

  it('keepCheckedIn with the kernel name service only checks in (no watching thread)', async () => {
    const k = boot();
    let codes: number[] = [];
    let rows: string[] = [];
    k.spawn('srv', async (sys) => {
      const { name } = await sys.port_allocate('receive', 'svc');
      codes = await keepCheckedIn(sys, [['svc', name!], ['', name!]]);
      rows = (await sys.ps()).procs!.map((p) => p.name);
    });
    expect((await k.run()).status).toBe('done');
    expect(codes).toEqual([KERN_SUCCESS, MIG_BAD_ARGUMENTS]);
    expect(rows).toEqual(['srv']);
  });

  it('a name server that destroys the bootstrap port ends its host\'s name service: MACH_SEND_INVALID_DEST, no kernel error', async () => {
    const k = boot({ nameService: 'task' });
    const got: number[] = [];
    k.spawn('rogue', async (sys) => {
      const { name } = await sys.bootstrap_claim();
      await sys.port_destroy(name!);
    });
    k.spawn('client', async (sys) => {
      await sys.sleep(1);
      got.push((await sys.netname_look_up('echo', { wait: true })).code);
      got.push((await sys.bootstrap_claim()).code);
    });
    expect((await k.run()).status).toBe('done');
    expect(got).toEqual([MACH_SEND_INVALID_DEST, KERN_NO_ACCESS]);
    expect(k.core.bugs).toEqual([]);
  });

  it("leaves a default run's trace as it was: nameService 'kernel' is the default", async () => {
    const run = async (k: Kernel<Sys>) => {
      k.spawn('server', async (sys) => {
        const { name } = await sys.port_allocate('receive', 'echo');
        await sys.netname_check_in('echo', name!);
        const m = await sys.msg_receive(name!);
        await sys.msg_send(m.msg!.reply, { id: 2, body: 'ok' });
      });
      k.spawn('client', async (sys) => {
        const { port } = await sys.netname_look_up('echo', { wait: true });
        await sys.msg_rpc(port!, { id: 1, body: 'hi' });
      });
      await k.run();
      return k.trace.records.map((x) => JSON.stringify(x));
    };
    const byDefault = await run(boot({ seed: 9 }));
    expect(await run(boot({ seed: 9, nameService: 'kernel' }))).toEqual(byDefault);
    expect(byDefault.some((l) => l.includes('"op":"netname_look_up"') && l.includes('"kind":"syscall"'))).toBe(true);
  });
});
