import { describe, expect, it } from 'vitest';
import { audit, boot, simulate, type BootOptions, type Sys } from '../index.ts';

async function pingPong(sched: BootOptions['sched'], rounds: number) {
  const got: string[] = [];
  const sim = await simulate(boot({ seed: 1, sched }), (k) => {
    k.spawn('server', async (sys: Sys) => {
      const { name } = await sys.port_allocate('receive', 'srv');
      await sys.netname_check_in('srv', name!);
      for (let i = 0; i < rounds; i++) {
        const r = await sys.msg_receive<number>(name!);
        if (r.ok) await sys.msg_send(r.msg.reply, { id: 101, body: r.msg.body + 1 });
      }
    });
    k.spawn('client', async (sys: Sys) => {
      const srv = (await sys.netname_look_up('srv', { wait: true })).port!;
      for (let i = 0; i < rounds; i++) {
        const r = await sys.msg_rpc<number>(srv, { id: 1, body: i * 10 });
        got.push(`${r.ok ? r.msg.body : r.code}`);
      }
    });
    k.spawn('bystander', async (sys: Sys) => {
      for (let i = 0; i < 3; i++) await sys.compute(1);
    });
  });
  return { sim, got };
}

describe('the IPC fast path', () => {
  it('hands the CPU from a blocking sender straight to its waiting receiver, with the same results and legal states', async () => {
    const fast = await pingPong({ fastPath: true }, 20);
    const slow = await pingPong({ fastPath: false }, 20);
    expect(fast.got).toEqual(slow.got);
    expect(fast.got.slice(0, 3)).toEqual(['1', '11', '21']);
    expect(fast.sim.report.counters.handoffs).toBe(39);
    expect(slow.sim.report.counters.handoffs).toBe(0);
    for (const { sim } of [fast, slow]) {
      expect(sim.kernel.bugs).toEqual([]);
      expect(audit(sim.kernel).problems).toEqual([]);
      // The receiver still passes through ready on its way to running.
      const server = sim.records.filter((r) => r.kind === 'state' && r.task === 'server').map((r) => `${r.from}->${r.op}`);
      for (let i = 1; i < server.length; i++) if (server[i] === 'ready->running') expect(server[i - 1]).toMatch(/->ready$/);
    }
  });
});
