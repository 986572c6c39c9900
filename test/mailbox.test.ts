import { describe, expect, it } from 'vitest';
import { audit, boot, codeName, simulate, type MailboxSharing, type Simulation, type Sys } from '../index.ts';

type Pick = 'round-robin' | 'random';

/** The course's set-up: P1 (pid 1) creates mailbox A and publishes it as 'A'; P2 and P3 (pids 2, 3) find it. */
interface Three {
  sharing: MailboxSharing;
  pick?: Pick;
  capacity?: number;
  seed?: number;
  p1(sys: Sys, mailbox: number): Promise<void>;
  p2?(sys: Sys, mailbox: number): Promise<void>;
  p3?(sys: Sys, mailbox: number): Promise<void>;
}

/** Runs the three processes; checks the run ends and the books balance. */
async function three(w: Three): Promise<Simulation<Sys>> {
  const sim = await simulate(boot({ seed: w.seed ?? 1 }), (k) => {
    k.spawn('P1', async (sys) => {
      const r = await sys.mailbox_create(w.sharing, w.capacity, w.pick ?? 'round-robin', 'A');
      expect(codeName(r.code)).toBe('SUCCESS');
      await sys.netname_check_in('A', r.mailbox!);
      await w.p1(sys, r.mailbox!);
    });
    for (const [name, program] of [['P2', w.p2], ['P3', w.p3]] as const) {
      if (!program) continue;
      k.spawn(name, async (sys) => program(sys, (await sys.netname_look_up('A', { wait: true })).port!));
    }
  });
  expect(sim.report.status).toBe('done');
  expect(audit(sim.kernel).problems).toEqual([]);
  return sim;
}

/** P1's sends: one message every 10 ms (t=10, 20, …), so each arrives while the receivers wait. */
async function sendSpaced(sys: Sys, mailbox: number, n: number): Promise<void> {
  for (let i = 1; i <= n; i++) {
    await sys.sleep(10);
    expect(codeName(await sys.mailbox_send(mailbox, `m${i}`))).toBe('SUCCESS');
  }
}

/** A receiver that takes messages until none comes for `patience` ms, noting `m1→P2@10`. */
function receiver(got: string[], patience = 100) {
  return async (sys: Sys, mailbox: number) => {
    for (;;) {
      const r = await sys.mailbox_receive<string>(mailbox, { timeout: patience });
      if (!r.ok) return;
      got.push(`${r.body}→${sys.name}@${sys.now()}`);
    }
  };
}

/** The sender's `delivered` notifications, read from its notify port: `{ mailbox, to }` bodies. */
async function delivered(sys: Sys, n: number): Promise<{ mailbox: number; to: number }[]> {
  const out: { mailbox: number; to: number }[] = [];
  for (let i = 0; i < n; i++) {
    const r = await sys.msg_receive<{ mailbox: number; to: number }>(sys.notifyPort);
    expect(r.ok && r.msg.notification).toBe('delivered');
    if (r.ok) out.push(r.msg.body);
  }
  return out;
}

/** The receivers' picks under 'system-picks' with `pick`, for a seed: who got m1…m6, and who the notifications named. */
async function picks(pick: Pick, seed: number) {
  const got: string[] = [];
  let notes: { mailbox: number; to: number }[] = [];
  const sim = await three({
    sharing: 'system-picks',
    pick,
    seed,
    async p1(sys, mb) {
      await sendSpaced(sys, mb, 6);
      notes = await delivered(sys, 6);
    },
    p2: receiver(got),
    p3: receiver(got),
  });
  const port = sim.records.find((r) => r.kind === 'receive' && r.detail === 'from mailbox (system-picks)')!.port;
  return { got, to: notes.map((n) => n.to), mailboxes: [...new Set(notes.map((n) => n.mailbox))], port, sim };
}

describe("'pair': a mailbox for at most two processes", () => {
  it('P1 (its creator) and P2 share it; P3 is refused with XMACH_MAILBOX_PAIRED for receive, send and open, at once', async () => {
    const got: string[] = [];
    const refused: string[] = [];
    const sim = await three({
      sharing: 'pair',
      p1: (sys, mb) => sendSpaced(sys, mb, 2),
      p2: receiver(got),
      async p3(sys, mb) {
        await sys.sleep(1); // P2 is attached by now
        const r = await sys.mailbox_receive(mb);
        refused.push(`receive t=${sys.now()} ${codeName(r.code)} from ${r.from}`);
        refused.push(`send ${codeName(await sys.mailbox_send(mb, 'intruder'))}`);
        refused.push(`open ${codeName(await sys.mailbox_open(mb))}`);
      },
    });
    expect(refused).toEqual(['receive t=1 XMACH_MAILBOX_PAIRED from 0', 'send XMACH_MAILBOX_PAIRED', 'open XMACH_MAILBOX_PAIRED']);
    expect(got).toEqual(['m1→P2@10', 'm2→P2@20']);
    expect(sim.report.counters).toMatchObject({ mailboxesCreated: 1, messagesDestroyed: 0 });
  });
});

describe("'one-at-a-time': receivers take turns", () => {
  it('P2 and P3 both wait; each message goes to the one waiting longest (FIFO): P2, P3, P2, P3', async () => {
    const got: string[] = [];
    await three({
      sharing: 'one-at-a-time',
      p1: (sys, mb) => sendSpaced(sys, mb, 4),
      p2: receiver(got),
      async p3(sys, mb) {
        await sys.sleep(1); // P2 waits first
        await receiver(got)(sys, mb);
      },
    });
    expect(got).toEqual(['m1→P2@10', 'm2→P3@20', 'm3→P2@30', 'm4→P3@40']);
  });

  it('wait: false while another process is receiving gives XMACH_MAILBOX_BUSY at once; with nobody receiving, a poll', async () => {
    const seen: string[] = [];
    await three({
      sharing: 'one-at-a-time',
      async p1(sys, mb) {
        await sys.sleep(10);
        await sys.mailbox_send(mb, 'for P2'); // ends P2's turn
        await sys.sleep(10);
        await sys.mailbox_send(mb, 'queued');
      },
      async p2(sys, mb) {
        const r = await sys.mailbox_receive<string>(mb);
        seen.push(`P2 t=${sys.now()} ${codeName(r.code)} ${r.body}`);
      },
      async p3(sys, mb) {
        await sys.sleep(5); // P2 is receiving
        seen.push(`P3 t=${sys.now()} ${codeName((await sys.mailbox_receive(mb, { wait: false })).code)}`);
        await sys.sleep(10); // nobody receiving, nothing queued
        seen.push(`P3 t=${sys.now()} ${codeName((await sys.mailbox_receive(mb, { wait: false })).code)}`);
        await sys.sleep(10); // nobody receiving, one queued
        const r = await sys.mailbox_receive<string>(mb, { wait: false });
        seen.push(`P3 t=${sys.now()} ${codeName(r.code)} ${r.body}`);
      },
    });
    expect(seen).toEqual(['P3 t=5 XMACH_MAILBOX_BUSY', 'P2 t=10 SUCCESS for P2', 'P3 t=15 MACH_RCV_TIMED_OUT', 'P3 t=25 SUCCESS queued']);
  });

  it('no delivered notification: only system-picks tells the sender', async () => {
    const seen: string[] = [];
    await three({
      sharing: 'one-at-a-time',
      async p1(sys, mb) {
        await sendSpaced(sys, mb, 1);
        await sys.sleep(5);
        seen.push(codeName((await sys.msg_receive(sys.notifyPort, { timeout: 0 })).code));
      },
      p2: receiver(seen),
    });
    expect(seen).toEqual(['m1→P2@10', 'MACH_RCV_TIMED_OUT']);
  });
});

describe("'system-picks': the kernel picks the receiver and tells the sender", () => {
  it('round robin: P2, P3, P2, P3, P2, P3; each delivered notification names the receiver and the mailbox', async () => {
    const { got, to, mailboxes, port, sim } = await picks('round-robin', 1);
    expect(got).toEqual(['m1→P2@10', 'm2→P3@20', 'm3→P2@30', 'm4→P3@40', 'm5→P2@50', 'm6→P3@60']);
    expect(to).toEqual([2, 3, 2, 3, 2, 3]);
    expect(mailboxes).toEqual([port]);
    expect(sim.report.counters.notifications).toBe(6);
  });

  it('random: the seeded generator picks; the same seed picks the same receivers, another seed differs', async () => {
    // The draw picks among the waiting receivers in the order they began to wait (the last receiver is at the end).
    const one = await picks('random', 1);
    const again = await picks('random', 1);
    const two = await picks('random', 2);
    expect(one.got).toEqual(['m1→P2@10', 'm2→P2@20', 'm3→P2@30', 'm4→P2@40', 'm5→P2@50', 'm6→P2@60']);
    expect(one.to).toEqual([2, 2, 2, 2, 2, 2]);
    expect(again.got).toEqual(one.got);
    expect(two.got).toEqual(['m1→P3@10', 'm2→P3@20', 'm3→P2@30', 'm4→P2@40', 'm5→P2@50', 'm6→P3@60']);
    expect(two.to).toEqual([3, 3, 2, 2, 2, 3]);
  });

  it('a message that finds nobody waiting is queued, and goes to whoever asks first', async () => {
    const got: string[] = [];
    await three({
      sharing: 'system-picks',
      async p1(sys, mb) {
        await sys.mailbox_send(mb, 'early');
        expect(await delivered(sys, 1)).toEqual([{ mailbox: expect.any(Number), to: 3 }]);
      },
      async p2(sys, mb) {
        await sys.sleep(10);
        await receiver(got, 0)(sys, mb);
      },
      async p3(sys, mb) {
        await sys.sleep(5);
        await receiver(got, 0)(sys, mb);
      },
    });
    expect(got).toEqual(['early→P3@5']);
  });
});

describe('time-outs', () => {
  it('a receive waits at most its timeout; 0 polls; a message before the timeout ends the wait', async () => {
    const seen: string[] = [];
    const sim = await three({
      sharing: 'one-at-a-time',
      async p1(sys, mb) {
        await sys.sleep(40);
        await sys.mailbox_send(mb, 'in time');
      },
      async p2(sys, mb) {
        for (const timeout of [25, 0, 30]) {
          const t0 = sys.now();
          const r = await sys.mailbox_receive<string>(mb, { timeout });
          seen.push(`timeout ${timeout}: ${t0}→${sys.now()} ${codeName(r.code)}${r.ok ? ` ${r.body}` : ''}`);
        }
      },
    });
    expect(seen).toEqual(['timeout 25: 0→25 MACH_RCV_TIMED_OUT', 'timeout 0: 25→25 MACH_RCV_TIMED_OUT', 'timeout 30: 25→40 SUCCESS in time']);
    expect(sim.report.time).toBe(40);
  });

  it('a send to a full mailbox follows msg_send: wait at most n ms, or return at once, with MACH_SEND_TIMED_OUT', async () => {
    const seen: string[] = [];
    await three({
      sharing: 'one-at-a-time',
      capacity: 1,
      async p1(sys, mb) {
        for (const [body, opts] of [['fits', {}], ['returns', { policy: 'return' as const }], ['waits 5', { timeout: 5 }]] as const) {
          const t0 = sys.now();
          const code = await sys.mailbox_send(mb, body, opts);
          seen.push(`${body}: ${t0}→${sys.now()} ${codeName(code)}`);
        }
      },
    });
    expect(seen).toEqual(['fits: 0→0 SUCCESS', 'returns: 0→0 MACH_SEND_TIMED_OUT', 'waits 5: 0→5 MACH_SEND_TIMED_OUT']);
  });
});

describe('destroy', () => {
  it('waiting receivers get XMACH_MAILBOX_DESTROYED; queued messages are destroyed and counted; a blocked sender is told', async () => {
    const seen: string[] = [];
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('P1', async (sys) => {
        const full = (await sys.mailbox_create('one-at-a-time', 2, 'round-robin', 'full')).mailbox!;
        const empty = (await sys.mailbox_create('system-picks', 5, 'round-robin', 'empty')).mailbox!;
        await sys.netname_check_in('full', full);
        await sys.netname_check_in('empty', empty);
        await sys.mailbox_send(full, 'q1');
        await sys.mailbox_send(full, 'q2');
        await sys.sleep(20);
        seen.push(`P1 destroys both at t=${sys.now()}: ${codeName(await sys.mailbox_destroy(full))} ${codeName(await sys.mailbox_destroy(empty))}`);
        seen.push(`P1 again: ${codeName(await sys.mailbox_destroy(full))}; send: ${codeName(await sys.mailbox_send(full, 'late'))}`);
      });
      for (const name of ['P2', 'P3']) {
        k.spawn(name, async (sys) => {
          const empty = (await sys.netname_look_up('empty', { wait: true })).port!;
          if (name === 'P2') seen.push(`P2 destroys another's: ${codeName(await sys.mailbox_destroy(empty))}`);
          const r = await sys.mailbox_receive(empty);
          seen.push(`${name} t=${sys.now()} ${codeName(r.code)}; then ${codeName((await sys.mailbox_receive(empty)).code)}`);
        });
      }
      k.spawn('P4', async (sys) => {
        const full = (await sys.netname_look_up('full', { wait: true })).port!;
        await sys.sleep(10);
        const code = await sys.mailbox_send(full, 'blocked');
        seen.push(`P4 send 10→${sys.now()} ${codeName(code)}`);
      });
    });
    expect(seen).toEqual([
      "P2 destroys another's: KERN_INVALID_RIGHT",
      'P1 destroys both at t=20: SUCCESS SUCCESS',
      'P1 again: KERN_INVALID_NAME; send: MACH_SEND_INVALID_DEST',
      'P4 send 10→20 MACH_SEND_INVALID_DEST',
      'P2 t=20 XMACH_MAILBOX_DESTROYED; then KERN_INVALID_NAME',
      'P3 t=20 XMACH_MAILBOX_DESTROYED; then KERN_INVALID_NAME',
    ]);
    expect(sim.report.counters).toMatchObject({ mailboxesCreated: 2, messagesDestroyed: 2 });
    expect(sim.lines(['destroy']).length).toBe(2);
    expect(sim.report.status).toBe('done');
    expect(audit(sim.kernel).problems).toEqual([]);
  });
});

describe('a mailbox is a send right: it travels like one', () => {
  it('in a message (copy-send) and to a forked child (fork shares send rights by default)', async () => {
    const got: string[] = [];
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      const intro = k.port('intro');
      k.spawn('P1', async (sys) => {
        const mb = (await sys.mailbox_create('one-at-a-time')).mailbox!;
        await sys.msg_send(sys.ports.intro!, { id: 1, rights: [{ name: mb, disposition: 'copy-send' }] });
        await sys.fork(async (child) => void (await child.mailbox_send(mb, 'from the child')), { name: 'P1.child', wait: true });
      }, { ports: { intro } });
      k.spawn('P2', async (sys) => {
        const m = await sys.msg_receive(sys.ports.intro!);
        const mb = m.ok ? m.msg.rights[0]!.name : 0;
        const r = await sys.mailbox_receive<string>(mb);
        got.push(`${codeName(r.code)} ${r.body} from pid ${r.from}`);
      }, { ports: { intro: { port: intro, right: 'receive' } } });
    });
    expect(got).toEqual(['SUCCESS from the child from pid 3']); // P1.child
    expect(audit(sim.kernel).problems).toEqual([]);
  });
});

describe('bad input: clear codes, and the kernel keeps running', () => {
  it('each bad call is refused with its code; the mailbox works afterwards', async () => {
    const seen: [string, string][] = [];
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('P1', async (sys) => {
        const note = async (what: string, code: Promise<number>) => seen.push([what, codeName(await code)]);
        await note('an unknown sharing rule', sys.mailbox_create('everyone' as MailboxSharing).then((r) => r.code));
        await note('an unknown pick', sys.mailbox_create('system-picks', 5, 'lottery' as Pick).then((r) => r.code));
        await note('a capacity of -1', sys.mailbox_create('pair', -1).then((r) => r.code));
        await note('a capacity of 2000', sys.mailbox_create('pair', 2000).then((r) => r.code));
        const mb = (await sys.mailbox_create('pair', 1)).mailbox!;
        await note('a negative timeout', sys.mailbox_receive(mb, { timeout: -1 }).then((r) => r.code));
        await note('a port that is not a mailbox', sys.mailbox_receive(sys.replyPort).then((r) => r.code));
        await note('a name that is nothing', sys.mailbox_receive(999).then((r) => r.code));
        await note('open a name that is nothing', sys.mailbox_open(999));
        await note('destroy a name that is nothing', sys.mailbox_destroy(999));
        await note('a body that cannot be copied', sys.mailbox_send(mb, () => 1));
        await note('a good send', sys.mailbox_send(mb, 'fine'));
        const r = await sys.mailbox_receive<string>(mb);
        seen.push(['a good receive', `${codeName(r.code)} ${r.body}`]);
      });
    });
    expect(seen).toEqual([
      ['an unknown sharing rule', 'KERN_INVALID_VALUE'],
      ['an unknown pick', 'KERN_INVALID_VALUE'],
      ['a capacity of -1', 'KERN_INVALID_VALUE'],
      ['a capacity of 2000', 'KERN_INVALID_VALUE'],
      ['a negative timeout', 'KERN_INVALID_ARGUMENT'],
      ['a port that is not a mailbox', 'KERN_INVALID_NAME'],
      ['a name that is nothing', 'KERN_INVALID_NAME'],
      ['open a name that is nothing', 'KERN_INVALID_NAME'],
      ['destroy a name that is nothing', 'KERN_INVALID_NAME'],
      ['a body that cannot be copied', 'MACH_SEND_INVALID_DATA'],
      ['a good send', 'SUCCESS'],
      ['a good receive', 'SUCCESS fine'],
    ]);
    expect(sim.report.status).toBe('done');
    expect(sim.report.counters).toMatchObject({ mailboxesCreated: 1, messagesDestroyed: 0 });
    expect(audit(sim.kernel).problems).toEqual([]);
  });
});

describe('bugs these tests found (fixed)', () => {
  it("round robin counts a message taken from the queue: after P2 took one, the next goes to P3", async () => {
    // Mailbox.choose: "the first waiting receiver after the one that got the last message"; a message handed at
    // once by mailbox_receive (it was queued) does not update lastPick, so P2 is picked twice in a row.
    const got: string[] = [];
    await three({
      sharing: 'system-picks',
      async p1(sys, mb) {
        await sys.mailbox_send(mb, 'm1'); // nobody waits yet: queued, P2 takes it at t=0
        await sys.sleep(10);
        await sys.mailbox_send(mb, 'm2'); // P2 and P3 both wait
        await delivered(sys, 2);
      },
      p2: receiver(got, 20),
      async p3(sys, mb) {
        await sys.sleep(1);
        await receiver(got, 20)(sys, mb);
      },
    });
    expect(got).toEqual(['m1→P2@0', 'm2→P3@10']);
  });

  it("a receiver that ends while waiting loses its turn: the next message goes to the living one, not destroyed", async () => {
    // Mailbox.waiting keeps a process killed while it waited; the next message is handed to it and destroyed,
    // while P3 (waiting too) times out. Same under 'system-picks' when the dead one is picked.
    const seen: string[] = [];
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('P1', async (sys) => {
        const mb = (await sys.mailbox_create('one-at-a-time')).mailbox!;
        await sys.netname_check_in('A', mb);
        const { handle } = await sys.fork(async (child) => void (await child.mailbox_receive(mb)), { name: 'P2' }); // waits first
        await sys.sleep(5);
        await sys.kill(handle!, 'kill'); // P2 ends while waiting
        await sys.sleep(5);
        await sys.mailbox_send(mb, 'm1'); // t=10: P3 is waiting
        await sys.wait();
      });
      k.spawn('P3', async (sys) => {
        const mb = (await sys.netname_look_up('A', { wait: true })).port!;
        await sys.sleep(2);
        const r = await sys.mailbox_receive<string>(mb, { timeout: 20 });
        seen.push(`P3 t=${sys.now()} ${codeName(r.code)} ${r.body}`);
      });
    });
    expect({ seen, destroyed: sim.report.counters.messagesDestroyed }).toEqual({ seen: ['P3 t=10 SUCCESS m1'], destroyed: 0 });
  });
});

