import { describe, expect, it } from 'vitest';
import { boot, codeName, KERN_INVALID_ARGUMENT, MACH_SEND_INVALID_DEST, simulate } from '../index.ts';

describe('msg_send_receive: send, then receive, in one trap', () => {
  it('a server loop replies and takes the next request in one trap each', async () => {
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      const box = k.port('svc');
      k.spawn('server', async (sys) => {
        let r = await sys.msg_receive<number>(sys.ports.svc!);
        for (let served = 1; r.ok && served <= 3; served++) {
          r = await sys.msg_send_receive<number>(r.msg.reply, { id: 101, body: r.msg.body * 10 }, sys.ports.svc!, served === 3 ? { rcvTimeout: 0 } : {});
        }
        sys.log(codeName(r.code)); // after the third reply, nothing more comes
      }, { ports: { svc: { port: box, right: 'receive' } } });
      k.spawn('client', async (sys) => {
        for (let i = 1; i <= 3; i++) {
          const r = await sys.msg_rpc<number>(sys.ports.svc!, { id: 1, body: i });
          sys.log(String(r.ok && r.msg.body));
        }
      }, { ports: { svc: box } });
    });
    // The last send-receive polls (rcvTimeout 0): the server finds nothing and logs before the client runs again.
    expect(sim.logs()).toEqual(['client: 10', 'client: 20', 'server: MACH_RCV_TIMED_OUT', 'client: 30']);
    // The server's traps: one receive, then three send-receives.
    expect(sim.records.filter((r) => r.kind === 'trap' && r.task === 'server').map((r) => r.op)).toEqual(['msg_receive', 'msg_send_receive', 'msg_send_receive', 'msg_send_receive']);
  });

  it('a failed send ends the call with the send\'s code, without receiving; bad options are refused', async () => {
    const out: number[] = [];
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('t', async (sys) => {
        const { name } = await sys.port_allocate();
        out.push((await sys.msg_send_receive(99, { body: 1 }, name!)).code);
        out.push((await sys.msg_send_receive(name!, { body: 1 }, name!, { rcvTimeout: -1 })).code);
        const r = await sys.msg_send_receive<number>(name!, { body: 7 }, name!);
        out.push(r.ok ? r.msg.body : -1);
      });
    });
    expect(out).toEqual([MACH_SEND_INVALID_DEST, KERN_INVALID_ARGUMENT, 7]);
  });
});
