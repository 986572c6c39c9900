import { describe, expect, it } from 'vitest';
import { audit, boot, codeName, simulate } from '../index.ts';

describe('receive rights in transit cannot make a cycle', () => {
  it("a port's receive right is refused to a port whose own receive right waits in the first one's queue; nothing is stranded", async () => {
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      const a = k.port('a');
      const b = k.port('b');
      // Each task holds its own port's receive right and a send right to the other's.
      k.spawn('ta', async (sys) => {
        const code = await sys.msg_send(sys.ports.b!, { id: 1, rights: [{ name: sys.ports.a!, disposition: 'move-receive' }] });
        sys.log(codeName(code)); // a's receive right now waits in b's queue
      }, { ports: { a: { port: a, right: 'receive' }, b } });
      k.spawn('tb', async (sys) => {
        await sys.sleep(1);
        const code = await sys.msg_send(sys.ports.a!, { id: 2, rights: [{ name: sys.ports.b!, disposition: 'move-receive' }] });
        sys.log(codeName(code)); // b's receive right into a's queue would close the loop
        // The refused send moved nothing: tb still holds b and takes a's receive right out of it.
        const m = await sys.msg_receive(sys.ports.b!);
        sys.log(m.ok ? `got ${m.msg.id} with ${m.msg.rights.length} right` : codeName(m.code));
      }, { ports: { a, b: { port: b, right: 'receive' } } });
    });
    expect(sim.logs('ta')).toEqual(['SUCCESS']);
    expect(sim.logs('tb')).toEqual(['MACH_SEND_INVALID_RIGHT', 'got 1 with 1 right']);
    expect(sim.report.status).toBe('done');
    expect(audit(sim.kernel).problems).toEqual([]);
  });
});
