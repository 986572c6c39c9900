import { describe, expect, it } from 'vitest';
import {
  ANY,
  audit,
  boot,
  codeName,
  KERN_SUCCESS,
  MACH_MSG_SUCCESS,
  simulate,
  type DirectOptions,
  type Kernel,
  type Simulation,
  type Sys,
  type TraceRecord,
} from '../index.ts';

/**
 * Each trap a task blocked in on a link (not sleeps, not system-call replies), from the trace:
 * `S send 0→10 SUCCESS`; `…` when it was still blocked at the end of the run.
 */
function waits(records: readonly TraceRecord[]): string[] {
  const out: string[] = [];
  const open = new Map<number, number>();
  for (const r of records) {
    if (r.kind === 'block' && (r.wait === 'send' || r.wait === 'receive') && r.role === undefined) {
      open.set(r.pid, out.length);
      out.push(`${r.task} ${r.wait} ${r.t}→…`);
    } else if ((r.kind === 'wake' || r.kind === 'timeout') && open.has(r.pid)) {
      const i = open.get(r.pid)!;
      open.delete(r.pid);
      out[i] = `${out[i]!.slice(0, -1)}${r.t} ${r.codeName ?? ''}`.trimEnd();
    }
  }
  return out;
}

/** One side of a pair: its calls logged as `S send 1 0→10 SUCCESS` / `R receive 10→10 SUCCESS 1`. */
interface Side {
  sys: Sys;
  send(body: unknown, opts?: DirectOptions): Promise<number>;
  receive(opts?: DirectOptions): Promise<number>;
  sleep(ms: number): Promise<void>;
}

function side(sys: Sys, peer: () => number, lines: string[]): Side {
  return {
    sys,
    async send(body, opts) {
      const t0 = sys.now();
      const code = await sys.send(peer(), body, opts);
      lines.push(`${sys.name} send ${String(body)} ${t0}→${sys.now()} ${codeName(code)}`);
      return code;
    },
    async receive(opts) {
      const t0 = sys.now();
      const r = await sys.receive(peer(), opts);
      lines.push(`${sys.name} receive ${t0}→${sys.now()} ${codeName(r.code)}${r.ok ? ` ${String(r.body)}` : ''}`);
      return r.code;
    },
    sleep: (ms) => sys.sleep(ms),
  };
}

/** How long the two sides of a pair live, unless told to end at once: codes come from the link, not from an ended peer. */
const LINGER_UNTIL = 100;

/**
 * Runs a receiver R (pid 1) and a sender S (pid 2); with a capacity, R opens the link with it
 * at t=0 before anything else. Each side then lives on until t=100 (unless `linger` is false).
 * Checks the books balance; hands back the calls' lines and the waits.
 */
async function pair(capacity: number | undefined, r: (me: Side) => Promise<void>, s: (me: Side) => Promise<void>, linger = true) {
  const lines: string[] = [];
  let rPid = 0;
  let sPid = 0;
  const live = async (sys: Sys, program: Promise<void>) => {
    await program;
    if (linger) await sys.sleep(LINGER_UNTIL - sys.now());
  };
  const sim = await simulate(boot({ seed: 1 }), (k) => {
    rPid = k.spawn('R', async (sys) => {
      if (capacity !== undefined) expect((await sys.link_open(sPid, capacity)).code).toBe(KERN_SUCCESS);
      await live(sys, r(side(sys, () => sPid, lines)));
    }).pid;
    sPid = k.spawn('S', async (sys) => live(sys, s(side(sys, () => rPid, lines)))).pid;
  });
  expect(sim.report.status).toBe('done');
  expect(audit(sim.kernel).problems).toEqual([]);
  return { sim, lines, waits: waits(sim.records), counters: sim.report.counters };
}

/** Runs a world, checks its books balance, hands it back. */
async function world(setup: (k: Kernel<Sys>) => void): Promise<Simulation<Sys>> {
  const sim = await simulate(boot({ seed: 1 }), setup);
  expect(audit(sim.kernel).problems).toEqual([]);
  return sim;
}

describe('links: made on first use, one per pair, both ways', () => {
  it('the first send makes the link; the reply goes back over the same link; one link for the pair', async () => {
    const got: string[] = [];
    const sim = await world((k) => {
      const b = k.spawn('B', async (sys) => {
        const r = await sys.receive<string>(ANY);
        got.push(`B got ${r.body} from ${r.from}`);
        got.push(`B reply ${codeName(await sys.send(r.from, 'pong'))}`);
      });
      k.spawn('A', async (sys) => {
        got.push(`A send ${codeName(await sys.send(b.pid, 'ping'))}`);
        const r = await sys.receive<string>(b.pid);
        got.push(`A got ${r.body} from ${r.from}`);
      });
    });
    expect(got).toEqual(['A send SUCCESS', 'B got ping from 2', 'B reply SUCCESS', 'A got pong from 1']);
    expect(sim.report.counters.linksCreated).toBe(1);
    expect(sim.lines(['send', 'receive']).filter((l) => l.includes('→'))).toEqual([
      't=0 A send port 11 (A→B) id 0',
      't=0 B receive port 11 (A→B) id 0 from A',
      't=0 B send port 9 (B→A) id 0',
      't=0 A receive port 9 (B→A) id 0 from B',
    ]);
  });

  it('a receive first makes the link too, and the other side sends over it', async () => {
    const { lines, counters } = await pair(
      undefined,
      async (r) => void (await r.receive()),
      async (s) => {
        await s.sleep(5);
        await s.send('hi');
      },
    );
    expect(lines).toEqual(['S send hi 5→5 SUCCESS', 'R receive 0→5 SUCCESS hi']);
    expect(counters.linksCreated).toBe(1);
  });

  it('three processes talking pairwise, many times each way, make exactly three links', async () => {
    const sim = await world((k) => {
      const pids: number[] = [];
      for (const name of ['P', 'Q', 'R']) {
        pids.push(
          k.spawn(name, async (sys) => {
            const others = pids.filter((p) => p !== sys.pid);
            for (let i = 0; i < 3; i++) for (const p of others) expect(await sys.send(p, i)).toBe(MACH_MSG_SUCCESS);
            for (let i = 0; i < 6; i++) expect((await sys.receive(ANY)).ok).toBe(true);
          }).pid,
        );
      }
    });
    expect(sim.report.counters).toMatchObject({ linksCreated: 3, userMessages: 18, messagesReceived: expect.any(Number) });
    expect(sim.report.status).toBe('done');
  });

  it('link_open sets the capacity only when it makes the link: the second caller gets the same link', async () => {
    const seen: string[] = [];
    await world((k) => {
      let b = 0;
      const a = k.spawn('A', async (sys) => {
        const first = await sys.link_open(b, 1);
        const again = await sys.link_open(b, 7);
        seen.push(`A ${codeName(first.code)} same names ${JSON.stringify(first) === JSON.stringify(again)}`);
        await sys.sleep(10);
      });
      b = k.spawn('B', async (sys) => {
        expect((await sys.link_open(a.pid, 4)).code).toBe(KERN_SUCCESS); // exists: capacity stays 1
        seen.push(`B ${codeName(await sys.send(a.pid, 1, { block: false }))}`);
        seen.push(`B ${codeName(await sys.send(a.pid, 2, { block: false }))}`);
      }).pid;
    });
    expect(seen).toEqual(['A SUCCESS same names true', 'B SUCCESS', 'B MACH_SEND_TIMED_OUT']);
  });

  it('receive(ANY) takes from whoever sent and says who: the sender pid', async () => {
    const from: number[] = [];
    const sim = await world((k) => {
      const r = k.spawn('R', async (sys) => {
        for (let i = 0; i < 2; i++) from.push((await sys.receive(ANY)).from);
      });
      k.spawn('S1', async (sys) => void (await sys.send(r.pid, 'a')));
      k.spawn('S2', async (sys) => {
        await sys.sleep(3);
        await sys.send(r.pid, 'b');
      });
    });
    expect(from).toEqual([2, 3]);
    expect(sim.report.counters.linksCreated).toBe(2);
  });
});

describe('capacity 0 (rendezvous)', () => {
  it('both blocking, sender first: the sender waits for the receiver; both return at the same time', async () => {
    const { lines, waits } = await pair(
      0,
      async (r) => {
        await r.sleep(10);
        await r.receive();
      },
      async (s) => void (await s.send(1)),
    );
    expect(lines).toEqual(['R receive 10→10 SUCCESS 1', 'S send 1 0→10 SUCCESS']);
    expect(waits).toEqual(['S send 0→10 SUCCESS']);
  });

  it('both blocking, receiver first: the receiver waits for the sender; both return at the same time', async () => {
    const { lines, waits } = await pair(
      0,
      async (r) => void (await r.receive()),
      async (s) => {
        await s.sleep(10);
        await s.send(1);
      },
    );
    expect(lines).toEqual(['S send 1 10→10 SUCCESS', 'R receive 0→10 SUCCESS 1']);
    expect(waits).toEqual(['R receive 0→10 SUCCESS']);
  });

  it('non-blocking send, blocking receive: refused at once with nobody waiting, handed over when the receiver waits', async () => {
    const { lines, waits, counters } = await pair(
      0,
      async (r) => {
        await r.sleep(10);
        await r.receive();
      },
      async (s) => {
        await s.send(1, { block: false });
        await s.sleep(20);
        await s.send(2, { block: false });
      },
    );
    expect(lines).toEqual(['S send 1 0→0 MACH_SEND_TIMED_OUT', 'S send 2 20→20 SUCCESS', 'R receive 10→20 SUCCESS 2']);
    expect(waits).toEqual(['R receive 10→20 SUCCESS']);
    expect(counters.userMessages).toBe(1);
  });

  it('blocking send, non-blocking receive: an empty poll returns at once; a poll takes the blocked sender message', async () => {
    const { lines, waits } = await pair(
      0,
      async (r) => {
        await r.receive({ block: false });
        await r.sleep(10);
        await r.receive({ block: false });
      },
      async (s) => {
        await s.sleep(5);
        await s.send(1);
      },
    );
    expect(lines).toEqual(['R receive 0→0 MACH_RCV_TIMED_OUT', 'R receive 10→10 SUCCESS 1', 'S send 1 5→10 SUCCESS']);
    expect(waits).toEqual(['S send 5→10 SUCCESS']);
  });

  it('both non-blocking: they never meet, nobody blocks, nothing passes', async () => {
    const { lines, waits, counters } = await pair(
      0,
      async (r) => {
        await r.receive({ block: false });
        await r.sleep(10);
        await r.receive({ block: false });
      },
      async (s) => {
        await s.sleep(5);
        await s.send(1, { block: false });
      },
    );
    expect(lines).toEqual(['R receive 0→0 MACH_RCV_TIMED_OUT', 'S send 1 5→5 MACH_SEND_TIMED_OUT', 'R receive 10→10 MACH_RCV_TIMED_OUT']);
    expect(waits).toEqual([]);
    expect(counters.userMessages).toBe(0);
  });
});

describe('bounded capacity (2)', () => {
  it('both blocking: two sends fit, the third blocks until the receiver takes one', async () => {
    const { lines, waits } = await pair(
      2,
      async (r) => {
        await r.sleep(10);
        for (let i = 0; i < 3; i++) await r.receive();
      },
      async (s) => {
        for (let i = 1; i <= 3; i++) await s.send(i);
      },
    );
    expect(lines).toEqual([
      'S send 1 0→0 SUCCESS',
      'S send 2 0→0 SUCCESS',
      'R receive 10→10 SUCCESS 1',
      'R receive 10→10 SUCCESS 2',
      'R receive 10→10 SUCCESS 3',
      'S send 3 0→10 SUCCESS',
    ]);
    expect(waits).toEqual(['S send 0→10 SUCCESS']);
  });

  it('both blocking, receiver first: the receiver waits, then the sender never does', async () => {
    const { lines, waits } = await pair(
      2,
      async (r) => {
        for (let i = 0; i < 3; i++) await r.receive();
      },
      async (s) => {
        await s.sleep(10);
        for (let i = 1; i <= 3; i++) await s.send(i);
      },
    );
    expect(lines).toEqual([
      'S send 1 10→10 SUCCESS',
      'S send 2 10→10 SUCCESS',
      'S send 3 10→10 SUCCESS',
      'R receive 0→10 SUCCESS 1',
      'R receive 10→10 SUCCESS 2',
      'R receive 10→10 SUCCESS 3',
    ]);
    expect(waits).toEqual(['R receive 0→10 SUCCESS']);
  });

  it('non-blocking send, blocking receive: the send past the capacity is refused at once; the receiver waits for more', async () => {
    const { lines, waits, counters } = await pair(
      2,
      async (r) => {
        await r.sleep(10);
        for (let i = 0; i < 3; i++) await r.receive();
      },
      async (s) => {
        for (let i = 1; i <= 3; i++) await s.send(i, { block: false });
        await s.sleep(20);
        await s.send(4, { block: false });
      },
    );
    expect(lines).toEqual([
      'S send 1 0→0 SUCCESS',
      'S send 2 0→0 SUCCESS',
      'S send 3 0→0 MACH_SEND_TIMED_OUT',
      'R receive 10→10 SUCCESS 1',
      'R receive 10→10 SUCCESS 2',
      'S send 4 20→20 SUCCESS',
      'R receive 10→20 SUCCESS 4',
    ]);
    expect(waits).toEqual(['R receive 10→20 SUCCESS']);
    expect(counters.userMessages).toBe(3);
  });

  it('blocking send, non-blocking receive: the third send waits; polls take all three, then find nothing', async () => {
    const { lines, waits } = await pair(
      2,
      async (r) => {
        await r.receive({ block: false });
        await r.sleep(10);
        for (let i = 0; i < 4; i++) await r.receive({ block: false });
      },
      async (s) => {
        for (let i = 1; i <= 3; i++) await s.send(i);
      },
    );
    expect(lines).toEqual([
      'R receive 0→0 MACH_RCV_TIMED_OUT',
      'S send 1 0→0 SUCCESS',
      'S send 2 0→0 SUCCESS',
      'R receive 10→10 SUCCESS 1',
      'R receive 10→10 SUCCESS 2',
      'R receive 10→10 SUCCESS 3',
      'R receive 10→10 MACH_RCV_TIMED_OUT',
      'S send 3 0→10 SUCCESS',
    ]);
    expect(waits).toEqual(['S send 0→10 SUCCESS']);
  });

  it('both non-blocking: what fits passes, the rest is refused, nobody blocks', async () => {
    const { lines, waits } = await pair(
      2,
      async (r) => {
        await r.sleep(10);
        for (let i = 0; i < 3; i++) await r.receive({ block: false });
      },
      async (s) => {
        for (let i = 1; i <= 3; i++) await s.send(i, { block: false });
      },
    );
    expect(lines).toEqual([
      'S send 1 0→0 SUCCESS',
      'S send 2 0→0 SUCCESS',
      'S send 3 0→0 MACH_SEND_TIMED_OUT',
      'R receive 10→10 SUCCESS 1',
      'R receive 10→10 SUCCESS 2',
      'R receive 10→10 MACH_RCV_TIMED_OUT',
    ]);
    expect(waits).toEqual([]);
  });

  it('timeouts: a send waits at most n ms on a full link, a receive at most n ms on an empty one', async () => {
    const { lines, waits, counters } = await pair(
      2,
      async (r) => {
        await r.sleep(20);
        for (let i = 0; i < 3; i++) await r.receive({ timeout: 5 });
      },
      async (s) => {
        for (let i = 1; i <= 3; i++) await s.send(i, { timeout: 5 });
        await s.sleep(10);
        await s.send(4, { timeout: 30 }); // room only at t=20
      },
    );
    expect(lines).toEqual([
      'S send 1 0→0 SUCCESS',
      'S send 2 0→0 SUCCESS',
      'S send 3 0→5 MACH_SEND_TIMED_OUT',
      'R receive 20→20 SUCCESS 1',
      'R receive 20→20 SUCCESS 2',
      'R receive 20→20 SUCCESS 4',
      'S send 4 15→20 SUCCESS',
    ]);
    expect(waits).toEqual(['S send 0→5 MACH_SEND_TIMED_OUT', 'S send 15→20 SUCCESS']);
    expect(counters.timeouts).toBe(1);
  });

  it('a receive with a timeout on an empty link gives MACH_RCV_TIMED_OUT after n ms', async () => {
    const { lines, waits } = await pair(2, async (r) => void (await r.receive({ timeout: 7 })), async () => {});
    expect(lines).toEqual(['R receive 0→7 MACH_RCV_TIMED_OUT']);
    expect(waits).toEqual(['R receive 0→7 MACH_RCV_TIMED_OUT']);
  });
});

describe('unbounded capacity', () => {
  it('both blocking: the sender never blocks; the receiver blocks only on an empty link', async () => {
    const { lines, waits } = await pair(
      Infinity,
      async (r) => {
        await r.sleep(10);
        for (let i = 0; i < 4; i++) await r.receive();
      },
      async (s) => {
        for (let i = 1; i <= 3; i++) await s.send(i);
        await s.sleep(20);
        await s.send(4);
      },
    );
    expect(lines).toEqual([
      'S send 1 0→0 SUCCESS',
      'S send 2 0→0 SUCCESS',
      'S send 3 0→0 SUCCESS',
      'R receive 10→10 SUCCESS 1',
      'R receive 10→10 SUCCESS 2',
      'R receive 10→10 SUCCESS 3',
      'S send 4 20→20 SUCCESS',
      'R receive 10→20 SUCCESS 4',
    ]);
    expect(waits).toEqual(['R receive 10→20 SUCCESS']);
  });

  it('non-blocking send: 1,000 sends with nobody receiving all succeed at once; a blocking receiver drains them', async () => {
    const codes = new Set<string>();
    let received = 0;
    const { waits, counters, sim } = await pair(
      Infinity,
      async (r) => {
        await r.sleep(10);
        for (let i = 0; i < 1000; i++) if ((await r.sys.receive(r.sys.pid + 1)).ok) received++;
      },
      async (s) => {
        for (let i = 0; i < 1000; i++) codes.add(codeName(await s.sys.send(s.sys.pid - 1, i, { block: false })));
      },
    );
    expect([...codes]).toEqual(['SUCCESS']);
    expect(received).toBe(1000);
    expect(waits).toEqual([]);
    expect(counters.userMessages).toBe(1000);
    expect(sim.report.counters.blocks).toBe(3); // R's sleep and both sides' lingering: no send or receive blocked
  });

  it('blocking send, non-blocking receive: polls find nothing, then everything sent, then nothing', async () => {
    const { lines, waits } = await pair(
      Infinity,
      async (r) => {
        await r.receive({ block: false });
        await r.sleep(10);
        for (let i = 0; i < 4; i++) await r.receive({ block: false });
      },
      async (s) => {
        await s.sleep(5);
        for (let i = 1; i <= 3; i++) await s.send(i);
      },
    );
    expect(lines).toEqual([
      'R receive 0→0 MACH_RCV_TIMED_OUT',
      'S send 1 5→5 SUCCESS',
      'S send 2 5→5 SUCCESS',
      'S send 3 5→5 SUCCESS',
      'R receive 10→10 SUCCESS 1',
      'R receive 10→10 SUCCESS 2',
      'R receive 10→10 SUCCESS 3',
      'R receive 10→10 MACH_RCV_TIMED_OUT',
    ]);
    expect(waits).toEqual([]);
  });

  it('both non-blocking: every send succeeds, polls take them all, nobody blocks', async () => {
    const { lines, waits } = await pair(
      Infinity,
      async (r) => {
        await r.sleep(10);
        for (let i = 0; i < 4; i++) await r.receive({ block: false });
      },
      async (s) => {
        for (let i = 1; i <= 3; i++) await s.send(i, { block: false });
      },
    );
    expect(lines).toEqual([
      'S send 1 0→0 SUCCESS',
      'S send 2 0→0 SUCCESS',
      'S send 3 0→0 SUCCESS',
      'R receive 10→10 SUCCESS 1',
      'R receive 10→10 SUCCESS 2',
      'R receive 10→10 SUCCESS 3',
      'R receive 10→10 MACH_RCV_TIMED_OUT',
    ]);
    expect(waits).toEqual([]);
  });
});

describe('processes that end', () => {
  it('sending to an ended process gives XMACH_PEER_ENDED at once, with or without a link', async () => {
    const got: string[] = [];
    await world((k) => {
      const linked = k.spawn('linked', async (sys) => void (await sys.link_open(sys.pid + 2))); // to S
      const never = k.spawn('never', async () => {});
      k.spawn('S', async (sys) => {
        await sys.sleep(1);
        for (const p of [linked.pid, never.pid]) got.push(`t=${sys.now()} ${codeName(await sys.send(p, 'x'))} ${codeName((await sys.receive(p)).code)}`);
        got.push(`link_open to never: ${codeName((await sys.link_open(never.pid)).code)}`);
      });
    });
    expect(got).toEqual(['t=1 XMACH_PEER_ENDED XMACH_PEER_ENDED', 't=1 XMACH_PEER_ENDED XMACH_PEER_ENDED', 'link_open to never: XMACH_PEER_ENDED']);
  });

  it('receiving from an ended process with nothing of it left gives XMACH_PEER_ENDED at once', async () => {
    const { lines } = await pair(
      undefined,
      async (r) => {
        await r.sleep(5);
        await r.receive();
        await r.receive({ timeout: 100 });
      },
      async () => {},
      false,
    );
    expect(lines).toEqual(['R receive 5→5 XMACH_PEER_ENDED', 'R receive 5→5 XMACH_PEER_ENDED']);
  });

  it('what an ended process sent is still received, then XMACH_PEER_ENDED', async () => {
    const { lines, counters } = await pair(
      undefined,
      async (r) => {
        await r.sleep(5);
        for (let i = 0; i < 3; i++) await r.receive();
      },
      async (s) => {
        await s.send(1);
        await s.send(2);
      },
      false,
    );
    expect(lines).toEqual([
      'S send 1 0→0 SUCCESS',
      'S send 2 0→0 SUCCESS',
      'R receive 5→5 SUCCESS 1',
      'R receive 5→5 SUCCESS 2',
      'R receive 5→5 XMACH_PEER_ENDED',
    ]);
    expect(counters.messagesDestroyed).toBe(0);
  });

  it('a blocked receive is woken with XMACH_PEER_ENDED when the peer ends', async () => {
    const { lines, waits } = await pair(
      undefined,
      async (r) => void (await r.receive()),
      async (s) => s.sleep(30),
      false,
    );
    expect(lines).toEqual(['R receive 0→30 XMACH_PEER_ENDED']);
    expect(waits).toEqual(['R receive 0→30 XMACH_PEER_ENDED']);
  });

  it('a sender blocked on a full link is woken with XMACH_PEER_ENDED when the receiver ends (bounded and rendezvous)', async () => {
    for (const capacity of [1, 0]) {
      const { lines, waits } = await pair(
        capacity,
        async (r) => r.sleep(30),
        async (s) => {
          for (let i = 1; i <= capacity + 1; i++) await s.send(i);
        },
        false,
      );
      expect(lines).toEqual(capacity === 1 ? ['S send 1 0→0 SUCCESS', 'S send 2 0→30 XMACH_PEER_ENDED'] : ['S send 1 0→30 XMACH_PEER_ENDED']);
      // The trace keeps the trap's Mach code; the direct stub turns it into XMACH_PEER_ENDED.
      expect(waits).toEqual(['S send 0→30 MACH_SEND_INVALID_DEST']);
    }
  });

  it('messages left in a dead process links are destroyed and counted; what it sent stays for the living', async () => {
    const got: string[] = [];
    const sim = await world((k) => {
      let s = 0;
      const r = k.spawn('R', async (sys) => {
        await sys.send(s, 'from R');
        await sys.sleep(5); // ends at t=5 without receiving
      });
      s = k.spawn('S', async (sys) => {
        for (let i = 1; i <= 3; i++) await sys.send(r.pid, i);
        await sys.sleep(10);
        for (let i = 0; i < 2; i++) {
          const x = await sys.receive(r.pid);
          got.push(`${codeName(x.code)} ${String(x.body)}`);
        }
      }).pid;
    });
    expect(got).toEqual(['SUCCESS from R', 'XMACH_PEER_ENDED undefined']);
    expect(sim.report.counters).toMatchObject({ userMessages: 4, messagesReceived: expect.any(Number), messagesDestroyed: 3 });
    expect(sim.lines(['destroy']).length).toBe(3);
  });

  it('a zombie and a reaped child are ended processes too: XMACH_PEER_ENDED both ways', async () => {
    const got: string[] = [];
    const sim = await simulate(boot({ seed: 1, process: { init: true } }), (k) => {
      k.spawn('parent', async (sys) => {
        const { pid } = await sys.fork(async (child) => child.sleep(1), { name: 'child' });
        await sys.sleep(5);
        got.push(`zombie ${codeName(await sys.send(pid!, 1))} ${codeName((await sys.receive(pid!)).code)}`);
        await sys.wait(pid);
        got.push(`reaped ${codeName(await sys.send(pid!, 1))} ${codeName((await sys.receive(pid!)).code)}`);
      });
    });
    expect(got).toEqual(['zombie XMACH_PEER_ENDED XMACH_PEER_ENDED', 'reaped XMACH_PEER_ENDED XMACH_PEER_ENDED']);
    expect(audit(sim.kernel).problems).toEqual([]);
  });
});

describe('bad input: clear codes, and the kernel keeps running', () => {
  it('each bad call is refused with its code; a good exchange afterwards works', async () => {
    const got: [string, string][] = [];
    const sim = await world((k) => {
      const b = k.spawn('B', async (sys) => {
        await sys.sleep(1);
        const r = await sys.receive<string>(ANY);
        got.push(['B afterwards', `${codeName(r.code)} ${r.body}`]);
      });
      k.spawn('A', async (sys) => {
        const note = async (what: string, code: Promise<number>) => got.push([what, codeName(await code)]);
        await note('send to itself', sys.send(sys.pid, 1));
        await note('send to a pid that never existed', sys.send(999, 1));
        await note('send to pid 0 (the kernel)', sys.send(0, 1));
        await note('send to a pid that is not an integer', sys.send(1.5, 1));
        await note('send with a negative timeout', sys.send(b.pid, 1, { timeout: -1 }));
        await note('send with a NaN timeout', sys.send(b.pid, 1, { timeout: NaN }));
        await note('send a function', sys.send(b.pid, () => 1));
        await note('send a symbol', sys.send(b.pid, Symbol('s')));
        await note('link of capacity -1', sys.link_open(b.pid, -1).then((r) => r.code));
        await note('link of capacity 1025', sys.link_open(b.pid, 1025).then((r) => r.code));
        await note('link of capacity 1.5', sys.link_open(b.pid, 1.5).then((r) => r.code));
        await note('link of capacity NaN', sys.link_open(b.pid, NaN).then((r) => r.code));
        await note('receive from itself', sys.receive(sys.pid).then((r) => r.code));
        await note('receive from a pid that never existed', sys.receive(999).then((r) => r.code));
        await note('receive with a negative timeout', sys.receive(b.pid, { timeout: -5 }).then((r) => r.code));
        await note('send after all that', sys.send(b.pid, 'fine'));
      });
    });
    expect(got).toEqual([
      ['send to itself', 'KERN_INVALID_ARGUMENT'],
      ['send to a pid that never existed', 'XMACH_NO_SUCH_PROCESS'],
      ['send to pid 0 (the kernel)', 'XMACH_NO_SUCH_PROCESS'],
      ['send to a pid that is not an integer', 'KERN_INVALID_ARGUMENT'],
      ['send with a negative timeout', 'KERN_INVALID_ARGUMENT'],
      ['send with a NaN timeout', 'KERN_INVALID_ARGUMENT'],
      ['send a function', 'MACH_SEND_INVALID_DATA'],
      ['send a symbol', 'MACH_SEND_INVALID_DATA'],
      ['link of capacity -1', 'KERN_INVALID_VALUE'],
      ['link of capacity 1025', 'KERN_INVALID_VALUE'],
      ['link of capacity 1.5', 'KERN_INVALID_VALUE'],
      ['link of capacity NaN', 'KERN_INVALID_VALUE'],
      ['receive from itself', 'KERN_INVALID_ARGUMENT'],
      ['receive from a pid that never existed', 'XMACH_NO_SUCH_PROCESS'],
      ['receive with a negative timeout', 'KERN_INVALID_ARGUMENT'],
      ['send after all that', 'SUCCESS'],
      ['B afterwards', 'SUCCESS fine'],
    ]);
    expect(sim.report.status).toBe('done');
    // Nothing refused was queued: the one message sent is the one received.
    expect(sim.report.counters).toMatchObject({ userMessages: 1, messagesDestroyed: 0, linksCreated: 1 });
  });
});

describe('bugs these tests found (fixed)', () => {
  it('send(ANY, …) is bad input (ANY names no process): KERN_INVALID_ARGUMENT, not XMACH_PEER_ENDED', async () => {
    const got: string[] = [];
    await world((k) => {
      const b = k.spawn('B', async (sys) => sys.sleep(1));
      k.spawn('A', async (sys) => {
        got.push(codeName(await sys.send(ANY, 'to anyone')));
        got.push(codeName(await sys.send(b.pid, 'still fine')));
      });
    });
    expect(got).toEqual(['KERN_INVALID_ARGUMENT', 'SUCCESS']);
  });

  it('link_open to a process that ended, after a send to it failed, answers XMACH_PEER_ENDED (it once threw a TypeError in the kernel)', async () => {
    // The same happens when a thread of A sends to B after A's own send failed (the thread's first send opens the link).
    const k = boot({ seed: 1 });
    const got: string[] = [];
    const a = k.spawn('A', async (sys) => {
      await sys.sleep(1); // B has sent to A, and ended
      got.push(codeName(await sys.send(b.pid, 'reply')));
      got.push(codeName((await sys.link_open(b.pid)).code));
    });
    const b = k.spawn('B', async (sys) => void (await sys.send(a.pid, 'hello')));
    const hung = new Promise<string>((resolve) => setTimeout(() => resolve('the run never ended'), 2000).unref());
    const status = await Promise.race([k.run().then((r) => r.status), hung]);
    expect({ status, got }).toEqual({ status: 'done', got: ['XMACH_PEER_ENDED', 'XMACH_PEER_ENDED'] });
    expect(audit(k).problems).toEqual([]);
  });
});
