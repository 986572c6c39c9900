/**
 * 10. The direct model beside Mach's on the same work: ping-pong between two
 * processes (send(P)/receive(Q) on a link vs msg_send/msg_receive on ports),
 * and many clients calling one server (send + receive(P) vs msg_rpc; the server
 * receive(ANY) + send(from) vs msg_receive + a reply to the send-once right).
 * Both sides are the emulator, in the same process: the ratio is direct / Mach,
 * a reference (no aim: the models cost what their naming costs).
 */
import { ANY, boot } from '../index.ts';
import type { BenchContext, Benchmark } from './harness.ts';
import { barrier, machPingPong, runChecked, SteadyClock } from './workloads.ts';

/** Direct ping-pong: round trips of send(pid)/receive(pid). Returns the steady state's ms. */
async function directPingPong(roundTrips: number): Promise<number> {
  const k = boot({ seed: 1, trace: false, console: false });
  const clock = new SteadyClock(2);
  const pids = { ping: 0, pong: 0 };
  pids.ping = k.spawn('ping', async (sys) => {
    await sys.link_open(pids.pong); // made before the clock starts, as Mach's look-ups are
    await barrier(sys);
    clock.start();
    for (let i = 0; i < roundTrips; i++) {
      await sys.send(pids.pong, i);
      const r = await sys.receive<number>(pids.pong);
      if (!r.ok || r.body !== i) return 1;
    }
    clock.end();
    return 0;
  }).pid;
  pids.pong = k.spawn('pong', async (sys) => {
    await sys.link_open(pids.ping);
    await barrier(sys);
    clock.start();
    for (let i = 0; i < roundTrips; i++) {
      const r = await sys.receive<number>(pids.ping);
      if (!r.ok) return 1;
      await sys.send(pids.ping, r.body);
    }
    clock.end();
    return 0;
  }).pid;
  await runChecked(k, 'direct ping-pong');
  return clock.ms();
}

/** Many clients, one server: each client makes `calls` calls. Direct or Mach. Returns the steady state's ms. */
async function manyClients(model: 'direct' | 'mach', clients: number, calls: number): Promise<number> {
  const k = boot({ seed: 1, trace: false, console: false });
  const clock = new SteadyClock(clients + 1);
  let server = 0;
  server = k.spawn('server', async (sys) => {
    const { name: port } = await sys.port_allocate();
    if (model === 'mach') await sys.netname_check_in('server', port!);
    await barrier(sys);
    clock.start();
    for (let i = 0; i < clients * calls; i++) {
      if (model === 'direct') {
        const r = await sys.receive<number>(ANY);
        if (!r.ok) return 1;
        await sys.send(r.from, r.body);
      } else {
        const r = await sys.msg_receive<number>(port!);
        if (!r.ok) return 1;
        await sys.msg_send(r.msg.reply, { id: 101, body: r.msg.body });
      }
    }
    clock.end();
    return 0;
  }).pid;
  for (let c = 0; c < clients; c++) {
    k.spawn(`client${c}`, async (sys) => {
      const port = model === 'mach' ? (await sys.netname_look_up('server', { wait: true })).port! : (await sys.link_open(server)).send!;
      await barrier(sys);
      clock.start();
      for (let i = 0; i < calls; i++) {
        if (model === 'direct') {
          await sys.send(server, i);
          const r = await sys.receive<number>(server);
          if (!r.ok || r.body !== i) return 1;
        } else {
          const r = await sys.msg_rpc<number>(port, { id: 1, body: i });
          if (!r.ok || r.msg.body !== i) return 1;
        }
      }
      clock.end();
      return 0;
    });
  }
  await runChecked(k, `many clients (${model})`);
  return clock.ms();
}

export default function direct({ quick }: BenchContext): Benchmark[] {
  const n = quick ? 10_000 : 50_000;
  const calls = quick ? 1_000 : 5_000;
  return [
    {
      name: 'direct-pingpong: direct send/receive vs Mach ports, ping-pong round trips/s (reference; higher is better)',
      item: 10,
      unit: 'ops/s',
      run: async () => (n / (await directPingPong(n))) * 1000,
      baseline: { name: 'Mach ping-pong', run: async () => (n / (await machPingPong(1, n))) * 1000 },
    },
    {
      name: 'direct-clients: direct vs Mach, 8 clients calling one server, calls/s (reference; higher is better)',
      item: 10,
      unit: 'ops/s',
      run: async () => ((8 * calls) / (await manyClients('direct', 8, calls))) * 1000,
      baseline: { name: 'Mach msg_rpc', run: async () => ((8 * calls) / (await manyClients('mach', 8, calls))) * 1000 },
    },
  ];
}
