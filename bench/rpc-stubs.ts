/**
 * 12. ONC RPC through the stubs (servers/rpc): a client calls a small
 * procedure (a struct of a 16-byte string and an int in, a hyper out) made
 * from its interface description: XDR marshalling, RFC 5531 framing with an
 * xid, a Mach message each way (one msg_send_receive trap on each side),
 * unmarshalling and the xid check. Baseline: raw `msg_rpc` round trips with a
 * number body (benchmark 4's workload), in the same process. Calls/s; aim:
 * ratio ≥ 0.5.
 */
import { boot } from '../index.ts';
import type { BenchContext, Benchmark } from './harness.ts';
import { barrier, machRpc, runChecked, SteadyClock } from './workloads.ts';
import { defineProgram, implement, machServerTransport, rpcClient, RpcServer, xdr } from '../servers/rpc/index.ts';

const BANK = defineProgram({
  name: 'BANK',
  program: 0x2000_0001,
  version: 1,
  procedures: { deposit: { proc: 1, args: xdr.struct([['account', xdr.string(16)], ['amount', xdr.int]]), result: xdr.hyper } },
});

/** `calls` stub calls of BANK.deposit from one client to one server task. Returns the steady state's ms. */
export async function stubCalls(calls: number): Promise<number> {
  const k = boot({ seed: 1, trace: false });
  const clock = new SteadyClock(1);
  const service = k.port('bank', { qlimit: 64 });
  let balance = 0n;
  const bank = implement(BANK, { deposit: ({ amount }) => (balance += BigInt(amount)) });
  k.spawn(
    'bank',
    (sys) => {
      const port = sys.ports.service!;
      // A message that is not an RPC call (the client's "stop") ends the server: its port goes, serve() resolves 0.
      const transport = machServerTransport(sys, port, async () => void (await sys.port_destroy(port)));
      return new RpcServer(sys, [bank], { transport }).serve();
    },
    { ports: { service: { port: service, right: 'receive' } } },
  );
  k.spawn(
    'client',
    async (sys) => {
      const client = rpcClient(sys, BANK, { port: sys.ports.bank! });
      if (!(await client.$ping()).ok) return 1; // the return port is made here, before the clock
      await barrier(sys);
      clock.start();
      for (let i = 0; i < calls; i++) {
        const r = await client.deposit({ account: 'ada lovelace', amount: 1 });
        if (!r.ok || r.value !== BigInt(i + 1)) return 2;
      }
      clock.end();
      await sys.msg_send(sys.ports.bank!, { id: 1, body: 'stop' });
      return 0;
    },
    { ports: { bank: service } },
  );
  await runChecked(k, 'rpc-stubs');
  return clock.ms();
}

export default function rpcStubs({ quick }: BenchContext): Benchmark {
  const n = quick ? 5_000 : 30_000;
  return {
    name: 'rpc-stubs: ONC RPC calls through XDR stubs vs raw msg_rpc, calls/s (higher is better)',
    item: 12,
    unit: 'ops/s',
    aim: { min: 0.5 },
    run: async () => (n / (await stubCalls(n))) * 1000,
    baseline: { name: 'raw msg_rpc round trips (number body)', run: async () => (n / (await machRpc(n))) * 1000 },
  };
}
